/*
 * store.c: the LMDB environment of one process and its typed helpers.
 * Transactions are short: handlers copy what they need out of a value
 * before the transaction ends (the JSON helpers do it for them).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "storage.h"

static MDB_env	*env;
static MDB_dbi	 dbis[STORE_DB__MAX];

static const char *dbnames[STORE_DB__MAX] = {
	[STORE_META] = "meta",
	[STORE_EVENTS] = "events",
	[STORE_USERS] = "users",
	[STORE_KEYS] = "keys",
	[STORE_SESSIONS] = "sessions",
	[STORE_REVOKED] = "revoked",
	[STORE_FILES] = "files",
	[STORE_JOBS] = "jobs",
	[STORE_JOBQ] = "jobq",
	[STORE_ENDPOINTS] = "endpoints",
};

const char *
store_strerror(int rc)
{
	return mdb_strerror(rc);
}

static int
env_create(const char *dir, size_t map_size, MDB_env **out)
{
	char path[4096];
	MDB_env *e = NULL;
	int rc;

	if (snprintf(path, sizeof(path), "%s/db", dir) >= (int)sizeof(path))
		return ENAMETOOLONG;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return errno;
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return errno;
	if ((rc = mdb_env_create(&e)) != 0)
		return rc;
	if ((rc = mdb_env_set_maxdbs(e, STORE_DB__MAX + 4)) != 0 ||
	    (rc = mdb_env_set_maxreaders(e, 1024)) != 0 ||
	    (map_size > 0 && (rc = mdb_env_set_mapsize(e, map_size)) != 0) ||
	    (rc = mdb_env_open(e, path, MDB_NOMETASYNC, 0600)) != 0)
		goto err;
	*out = e;
	return 0;
err:
	mdb_env_close(e);
	return rc;
}

/*
 * Opens the environment for this process and every named database,
 * creating what is missing.  Call after fork.
 */
int
store_open(const char *dir, size_t map_size)
{
	MDB_txn *txn = NULL;
	int rc, i;

	if (env != NULL)
		return 0;
	if ((rc = env_create(dir, map_size, &env)) != 0)
		return rc;
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0)
		goto err;
	for (i = 0; i < STORE_DB__MAX; i++)
		if ((rc = mdb_dbi_open(txn, dbnames[i], MDB_CREATE,
		    &dbis[i])) != 0)
			goto err;
	if ((rc = store_commit(txn)) != 0) {
		txn = NULL;
		goto err;
	}
	return 0;
err:
	if (txn != NULL)
		mdb_txn_abort(txn);
	mdb_env_close(env);
	env = NULL;
	return rc;
}

void
store_close(void)
{
	if (env != NULL)
		mdb_env_close(env);
	env = NULL;
}

int
store_is_open(void)
{
	return env != NULL;
}

/* Health: a read transaction can be had. */
int
store_check(void)
{
	MDB_txn *txn;
	int rc;

	if (env == NULL)
		return EINVAL;
	if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0)
		return rc;
	mdb_txn_abort(txn);
	return 0;
}

/*
 * For the master after it reaps a child: clears reader slots left by dead
 * processes.  Opens and closes its own handle so the master never holds
 * an environment across fork.
 */
int
store_reader_check(const char *dir, int *dead)
{
	MDB_env *e = NULL;
	int rc;

	*dead = 0;
	if ((rc = env_create(dir, 0, &e)) != 0)
		return rc;
	rc = mdb_reader_check(e, dead);
	mdb_env_close(e);
	return rc;
}

int
store_begin(int write, MDB_txn **txn)
{
	if (env == NULL)
		return EINVAL;
	return mdb_txn_begin(env, NULL, write ? 0 : MDB_RDONLY, txn);
}

/*
 * Group commit.  The environment is opened with MDB_NOMETASYNC, so a
 * commit syncs the data pages under LMDB's write lock but only writes the
 * meta page; the sync that makes the meta page durable happens here,
 * after the lock is released, and overlaps the next writer's commit (one
 * worker's fdatasync covers every commit made before it started).  The
 * caller answers only after this returns, so a client never hears of a
 * write that a crash could undo, and the order data-then-meta keeps the
 * file consistent whatever happens between the two.  Should that sync
 * fail (an I/O error), the write is visible but may not survive a crash:
 * the caller answers an error, as it would for a failed commit.
 */
int
store_commit(MDB_txn *txn)
{
	MDB_env *e = mdb_txn_env(txn);
	int rc;

	if ((rc = mdb_txn_commit(txn)) != 0)
		return rc;
	return mdb_env_sync(e, 1);
}

void
store_abort(MDB_txn *txn)
{
	if (txn != NULL)
		mdb_txn_abort(txn);
}

MDB_dbi
store_dbi(enum store_db db)
{
	return dbis[db];
}

static MDB_val
kval(const char *key)
{
	MDB_val k = { strlen(key), (void *)key };

	return k;
}

int
store_tget(MDB_txn *txn, enum store_db db, const char *key, MDB_val *val)
{
	MDB_val k = kval(key);

	if (k.mv_size == 0 || k.mv_size > 511)
		return MDB_NOTFOUND;
	return mdb_get(txn, dbis[db], &k, val);
}

int
store_tput(MDB_txn *txn, enum store_db db, const char *key, const void *val,
    size_t len, unsigned flags)
{
	MDB_val k = kval(key), v = { len, (void *)val };

	if (k.mv_size == 0 || k.mv_size > 511)
		return MDB_BAD_VALSIZE;
	return mdb_put(txn, dbis[db], &k, &v, flags);
}

int
store_tdel(MDB_txn *txn, enum store_db db, const char *key)
{
	MDB_val k = kval(key);

	if (k.mv_size == 0 || k.mv_size > 511)
		return MDB_NOTFOUND;
	return mdb_del(txn, dbis[db], &k, NULL);
}

/*
 * The JSON value stored as val (len bytes, not NUL-ended), or NULL when
 * it is not JSON or memory is short.  Every reader of stored records
 * parses through here.
 */
json_object *
store_parse_json(const void *val, size_t len)
{
	json_tokener *tok;
	json_object *o;

	if ((tok = json_tokener_new()) == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, val, (int)len);
	json_tokener_free(tok);
	return o;
}

/* Parses the stored JSON now, so the result outlives the transaction. */
int
store_tget_json(MDB_txn *txn, enum store_db db, const char *key,
    json_object **out)
{
	MDB_val v;
	int rc;

	*out = NULL;
	if ((rc = store_tget(txn, db, key, &v)) != 0)
		return rc;
	*out = store_parse_json(v.mv_data, v.mv_size);
	return *out != NULL ? 0 : MDB_CORRUPTED;
}

int
store_tput_json(MDB_txn *txn, enum store_db db, const char *key,
    json_object *o, unsigned flags)
{
	size_t len;
	const char *s = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	return store_tput(txn, db, key, s, len, flags);
}

int
store_get_json(enum store_db db, const char *key, json_object **out)
{
	MDB_txn *txn;
	int rc;

	*out = NULL;
	if ((rc = store_begin(0, &txn)) != 0)
		return rc;
	rc = store_tget_json(txn, db, key, out);
	mdb_txn_abort(txn);
	return rc;
}

/* Writes one record in its own transaction; nothing is kept on error. */
int
store_put_json(enum store_db db, const char *key, json_object *o,
    unsigned flags)
{
	MDB_txn *txn;
	int rc;

	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = store_tput_json(txn, db, key, o, flags)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return store_commit(txn);
}

int
store_del(enum store_db db, const char *key)
{
	MDB_txn *txn;
	int rc;

	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = store_tdel(txn, db, key)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return store_commit(txn);
}

/*
 * Calls fn for each record whose key starts with prefix, in key order,
 * inside one read transaction (values are borrowed: copy in fn).  fn
 * returns non-zero to stop.  Returns 0 or an LMDB error.
 */
int
store_scan(enum store_db db, const char *prefix, store_scan_fn fn, void *arg)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	size_t plen = prefix ? strlen(prefix) : 0;
	int rc;

	if ((rc = store_begin(0, &txn)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, dbis[db], &cur)) != 0)
		goto out;
	k.mv_size = plen;
	k.mv_data = (void *)prefix;
	rc = plen ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) :
	    mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (plen > 0 && (k.mv_size < plen ||
		    memcmp(k.mv_data, prefix, plen) != 0))
			break;
		if (fn(k.mv_data, k.mv_size, v.mv_data, v.mv_size, arg) != 0)
			break;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc;
}
