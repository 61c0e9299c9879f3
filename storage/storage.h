/*
 * storage.h: a small typed layer over one LMDB environment, one named
 * database per record kind.  Functions return 0 or an LMDB error code
 * (MDB_NOTFOUND, MDB_KEYEXIST, MDB_MAP_FULL, ...); response.c's
 * resp_store_error() is the one place those become HTTP statuses.
 *
 * Open the environment in each process after fork (store_open), never in
 * the master: lmdb.h forbids using an MDB_env across fork().  Values that
 * LMDB hands out are borrowed until their transaction ends; the JSON
 * helpers copy them out before it does.
 */
#ifndef STORAGE_H
#define STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <lmdb.h>

enum store_db {
	STORE_META,		/* server secrets, schema version */
	STORE_EVENTS,		/* the event log: 8-byte big-endian id */
	STORE_USERS,
	STORE_KEYS,
	STORE_SESSIONS,
	STORE_REVOKED,
	STORE_FILES,
	STORE_JOBS,
	STORE_JOBQ,
	STORE_ENDPOINTS,
	STORE_DB__MAX
};

#define STORE_NOOVERWRITE MDB_NOOVERWRITE

int		 store_open(const char *dir, size_t map_size);
void		 store_close(void);
int		 store_is_open(void);
int		 store_check(void);
int		 store_reader_check(const char *dir, int *dead);
const char	*store_strerror(int rc);

int		 store_begin(int write, MDB_txn **);
int		 store_commit(MDB_txn *);
void		 store_abort(MDB_txn *);
MDB_dbi		 store_dbi(enum store_db);

/* Inside a transaction; values are borrowed until it ends. */
int		 store_tget(MDB_txn *, enum store_db, const char *key,
		    MDB_val *val);
int		 store_tput(MDB_txn *, enum store_db, const char *key,
		    const void *val, size_t len, unsigned flags);
int		 store_tdel(MDB_txn *, enum store_db, const char *key);
int		 store_tget_json(MDB_txn *, enum store_db, const char *key,
		    json_object **out);
int		 store_tput_json(MDB_txn *, enum store_db, const char *key,
		    json_object *, unsigned flags);

/* One-shot transactions. */
int		 store_get_json(enum store_db, const char *key,
		    json_object **out);
int		 store_put_json(enum store_db, const char *key, json_object *,
		    unsigned flags);
int		 store_del(enum store_db, const char *key);

typedef int (*store_scan_fn)(const char *key, size_t klen, const void *val,
    size_t vlen, void *arg);
int		 store_scan(enum store_db, const char *prefix, store_scan_fn,
		    void *arg);

/* Users, keys, sessions and revocations (users.c). */
int		 store_admins(MDB_txn *, const char *skip, int *n);
int		 store_user_delete(const char *name);
int		 store_key_put(const char *hash, const char *prefix,
		    json_object *rec);
int		 store_key_get(MDB_txn *, const char *hash, json_object **rec);
int		 store_key_del(const char *prefix, const char *owner);
int		 store_key_touch(const char *hash, int64_t now);
int		 store_revoke(const char *jti, int64_t exp, int64_t now);
int		 store_sessions_drop(const char *user, const char *keep);
int		 store_session_purge(int64_t now, int64_t idle,
		    int64_t max_age);

/* The append-only event log (events.c). */
typedef int (*store_event_fn)(uint64_t id, json_object *event, void *arg);
int		 store_event_append(MDB_txn *, const char *type,
		    json_object *data, uint64_t *id);
int		 store_events_since(uint64_t after, size_t max, store_event_fn,
		    void *arg);
uint64_t	 store_events_last(void);

#endif /* STORAGE_H */
