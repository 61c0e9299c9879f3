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
#include <time.h>

#include <json-c/json.h>
#include <lmdb.h>

#include "../base/base.h"

/* ---- settings (store_config.c) ---- */

struct store_config {
	char	 data_dir[CFG_STRLEN];	/* db/, files/, secrets */
	size_t	 map_size;
	long	 events_max;
	long	 events_max_age;	/* seconds */
	size_t	 files_max_size;
	int	 jobs_concurrency;	/* jobs running at once */
};

extern struct store_config	 store_cfg;
extern const struct cfg_table	 store_cfg_table;

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
void		 store_abort(MDB_txn *);	/* NULL: nothing to do */
MDB_dbi		 store_dbi(enum store_db);

/* Inside a transaction; values are borrowed until it ends. */
int		 store_tget(MDB_txn *, enum store_db, const char *key,
		    MDB_val *val);
int		 store_tput(MDB_txn *, enum store_db, const char *key,
		    const void *val, size_t len, unsigned flags);
int		 store_tdel(MDB_txn *, enum store_db, const char *key);
int		 store_tget_json(MDB_txn *, enum store_db, const char *key,
		    json_object **out);
json_object	*store_parse_json(const void *val, size_t len);
int		 store_tput_json(MDB_txn *, enum store_db, const char *key,
		    json_object *, unsigned flags);

/*
 * Typed reads (memo.c): fn fills a struct without pointers (zeroed
 * first) from a stored JSON object; the result is remembered by the
 * value's exact bytes, so a record read again unchanged is not parsed
 * again.
 */
typedef void (*store_decode_fn)(json_object *rec, void *out);
int		 store_tget_decoded(MDB_txn *, enum store_db, const char *key,
		    store_decode_fn, void *out, size_t outlen);
int		 store_decode(const void *val, size_t len, store_decode_fn,
		    void *out, size_t outlen);

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
struct store_key {		/* what authentication needs of a key */
	int64_t		 expires_at, last_used_at;
	char		 scope[16];
	char		 owner[72];
};
struct store_user {		/* ... and of a user */
	int		 disabled, must_change;
	int64_t		 password_changed_at;
	char		 role[16];
};
int		 store_admins(MDB_txn *, const char *skip, int *n);
int		 store_user_delete(const char *name);
int		 store_key_put(const char *hash, const char *prefix,
		    json_object *rec);
int		 store_key_read(MDB_txn *, const char *hash, struct store_key *);
int		 store_user_read(MDB_txn *, const char *name, struct store_user *);
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

/* The file store (files.c): blobs under DATA_DIR/files, records in
 * STORE_FILES keyed by the canonical user path. */
#define FILES_PATH_MAX		400	/* bytes of a canonical path */
#define FILES_NAME_MAX		255	/* bytes of one segment */
#define FILES_ETAG_BYTES	16	/* BLAKE2b digest: 32 hex digits */
#define FILES_IO_CHUNK		(256 * 1024)

/* Errors of their own; otherwise LMDB's (and errno) values pass through. */
enum files_err {
	FILES_E_IO = -1001,
	FILES_E_NOSPACE = -1002,
	FILES_E_TOO_LARGE = -1003,
	FILES_E_GONE = -1004,	/* the blob was replaced after its record
				 * was read: read the record again */
};

struct files_meta {
	char		 path[FILES_PATH_MAX + 2];
	long long	 size;
	char		 mime[128];
	time_t		 created, modified;
	char		 perms[8];		/* octal, "644" */
	char		 owner[72];
	char		 etag[FILES_ETAG_BYTES * 2 + 1];	/* hex */
	char		 blob[33];		/* name in files_dir() */
};

struct files_writer;
typedef int (*files_check_fn)(const struct files_meta *cur, void *arg);
typedef long (*files_read_fn)(void *arg, char *buf, size_t len);
typedef int (*files_list_fn)(const struct files_meta *, void *arg);

int		 files_init(void);
const char	*files_dir(void);
const char	*files_strerror(int);
const char	*files_path_canon(const char *in, char *out);
json_object	*files_meta_json(const struct files_meta *);
int		 files_get(const char *path, struct files_meta *);
int		 files_open(const char *path, struct files_meta *, int *fd);
int		 files_open_blob(const struct files_meta *, int *fd);
int		 files_writer_open(long long max, struct files_writer **);
int		 files_writer_write(struct files_writer *, const void *, size_t);
long long	 files_writer_size(const struct files_writer *);
int		 files_writer_commit(struct files_writer *, const char *path,
		    const char *owner, const char *perms, files_check_fn,
		    void *arg, struct files_meta *);
void		 files_writer_free(struct files_writer *);
int		 files_store_stream(const char *path, const char *owner,
		    const char *perms, long long max, files_read_fn, void *rarg,
		    files_check_fn, void *carg, struct files_meta *);
int		 files_delete(const char *path, files_check_fn, void *arg);
int		 files_list(const char *prefix, files_list_fn, void *arg);
void		 files_sweep(long min_age);

#endif /* STORAGE_H */
