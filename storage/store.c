/*
 * store.c: the LMDB environment of one process and its typed helpers,
 * and the border where LMDB's and the system's codes become STORE_E_*.
 * Transactions are short: handlers copy what they need out of a value
 * before the transaction ends (the JSON helpers do it for them).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lmdb.h>

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
	[STORE_PODS] = "pods",
	[STORE_PROXY] = "proxy",
	[STORE_TICKETS] = "tickets",
	[STORE_EVSTATE] = "evstate",
	[STORE_CTRCACHE] = "ctrcache",
};

/* The last code store_err translated, and what it became. */
static int	 last_raw, last_code;

#define ERRIDX(code)	(STORE_E__FIRST - (code))

static const char *const errtext[] = {
	[ERRIDX(STORE_E_NOTFOUND)] = "no such record",
	[ERRIDX(STORE_E_EXISTS)] = "the record exists already",
	[ERRIDX(STORE_E_FULL)] = "storage is full (map_size)",
	[ERRIDX(STORE_E_BUSY)] = "storage is busy",
	[ERRIDX(STORE_E_CORRUPT)] = "a stored record is corrupt",
	[ERRIDX(STORE_E_IO)] = "file store I/O error",
	[ERRIDX(STORE_E_NOSPACE)] = "no space left for the file store",
	[ERRIDX(STORE_E_TOO_LARGE)] = "over the size allowed",
	[ERRIDX(STORE_E_GONE)] = "changed meanwhile: read it again",
	[ERRIDX(STORE_E_STATE)] = "not in a state that allows it",
	[ERRIDX(STORE_E_DEPS)] = "unknown dependency or a cycle",
	[ERRIDX(STORE_E_INVALID)] = "a key storage cannot hold",
	[ERRIDX(STORE_E_NOMEM)] = "out of memory",
	[ERRIDX(STORE_E_INTERNAL)] = "storage error",
};

/*
 * Translates an LMDB or errno code into a STORE_E_*, remembering it so
 * that store_strerror can still say what LMDB or the system said.  0 and
 * STORE_E_* pass as is.
 */
int
store_err(int rc)
{
	int code;

	if (rc == 0 || STORE_E_IS(rc))
		return rc;
	switch (rc) {
	case MDB_NOTFOUND:
		code = STORE_E_NOTFOUND;
		break;
	case MDB_KEYEXIST:
		code = STORE_E_EXISTS;
		break;
	case MDB_MAP_FULL:
		code = STORE_E_FULL;
		break;
	case MDB_READERS_FULL:
	case MDB_TXN_FULL:
	case MDB_BAD_TXN:
		code = STORE_E_BUSY;
		break;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
		code = STORE_E_CORRUPT;
		break;
	case MDB_BAD_VALSIZE:
		code = STORE_E_INVALID;
		break;
	case ENOMEM:
		code = STORE_E_NOMEM;
		break;
	default:
		code = STORE_E_INTERNAL;
		break;
	}
	last_raw = rc;
	last_code = code;
	return code;
}

/*
 * For logs and messages right after the failing call: LMDB's or the
 * system's words when rc is what store_err made last (a later error of
 * the same code overwrites them), else storage's own.
 */
const char *
store_strerror(int rc)
{
	if (rc == 0)
		return "success";
	if (rc == last_code && last_raw != 0)
		return mdb_strerror(last_raw);
	if (!STORE_E_IS(rc))
		return "not a storage error";
	return errtext[ERRIDX(rc)];
}

/*
 * A struct store_txn is an MDB_txn under a name of storage's own: the
 * pointer is converted here, at the border, and nothing outside storage
 * can look inside it.
 */
static MDB_txn *
mt(struct store_txn *t)
{
	return (MDB_txn *)(void *)t;
}

struct MDB_txn *
store_mdb_txn(struct store_txn *t)
{
	return mt(t);
}

static int
env_create(const char *dir, size_t map_size, MDB_env **out)
{
	char path[4096];
	MDB_env *e = NULL;
	int rc;

	if (snprintf(path, sizeof(path), "%s/db", dir) >= (int)sizeof(path))
		return store_err(ENAMETOOLONG);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return store_err(errno);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return store_err(errno);
	if ((rc = mdb_env_create(&e)) != 0)
		return store_err(rc);
	if ((rc = mdb_env_set_maxdbs(e, STORE_DB__MAX + 4)) != 0 ||
	    (rc = mdb_env_set_maxreaders(e, 1024)) != 0 ||
	    (map_size > 0 && (rc = mdb_env_set_mapsize(e, map_size)) != 0) ||
	    (rc = mdb_env_open(e, path, MDB_NOMETASYNC, 0600)) != 0)
		goto err;
	*out = e;
	return 0;
err:
	mdb_env_close(e);
	return store_err(rc);
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
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0 || (rc = mdb_env_sync(env, 1)) != 0)
		goto err;
	return 0;
err:
	if (txn != NULL)
		mdb_txn_abort(txn);
	mdb_env_close(env);
	env = NULL;
	return store_err(rc);
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
		return store_err(EINVAL);
	if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0)
		return store_err(rc);
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
	return store_err(rc);
}

int
store_begin(int write, struct store_txn **txn)
{
	MDB_txn *t = NULL;
	int rc;

	*txn = NULL;
	if (env == NULL)
		return store_err(EINVAL);
	if ((rc = mdb_txn_begin(env, NULL, write ? 0 : MDB_RDONLY, &t)) != 0)
		return store_err(rc);
	*txn = (struct store_txn *)(void *)t;
	return 0;
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
 * the caller answers an error, as it would for a failed commit.  The
 * transaction is spent either way.
 */
int
store_commit(struct store_txn *txn)
{
	MDB_env *e = mdb_txn_env(mt(txn));
	int rc;

	rc = mdb_txn_commit(mt(txn));
	store_events_txn_end(txn, rc == 0);
	if (rc != 0)
		return store_err(rc);
	return store_err(mdb_env_sync(e, 1));
}

void
store_abort(struct store_txn *txn)
{
	if (txn != NULL) {
		store_events_txn_end(txn, 0);
		mdb_txn_abort(mt(txn));
	}
}

unsigned
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

/* 0 with *val borrowed until txn ends, STORE_E_NOTFOUND, or an error. */
int
store_tget(struct store_txn *txn, enum store_db db, const char *key,
    struct store_val *val)
{
	MDB_val k = kval(key), v;
	int rc;

	if (k.mv_size == 0 || k.mv_size > 511)
		return STORE_E_NOTFOUND;
	if ((rc = mdb_get(mt(txn), dbis[db], &k, &v)) != 0)
		return store_err(rc);
	val->data = v.mv_data;
	val->len = v.mv_size;
	return 0;
}

/* flags: 0 or STORE_NOOVERWRITE (then STORE_E_EXISTS for a taken key). */
int
store_tput(struct store_txn *txn, enum store_db db, const char *key,
    const void *val, size_t len, unsigned flags)
{
	MDB_val k = kval(key), v = { len, (void *)val };

	if (k.mv_size == 0 || k.mv_size > 511)
		return STORE_E_INVALID;
	return store_err(mdb_put(mt(txn), dbis[db], &k, &v,
	    (flags & STORE_NOOVERWRITE) ? MDB_NOOVERWRITE : 0));
}

int
store_tdel(struct store_txn *txn, enum store_db db, const char *key)
{
	MDB_val k = kval(key);

	if (k.mv_size == 0 || k.mv_size > 511)
		return STORE_E_NOTFOUND;
	return store_err(mdb_del(mt(txn), dbis[db], &k, NULL));
}

void
store_copy_str(char *dst, size_t size, const char *s)
{
	if (s != NULL)
		snprintf(dst, size, "%s", s);
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

/* Parses the stored JSON now, so the result outlives the transaction;
 * STORE_E_CORRUPT for a value that is not JSON. */
int
store_tget_json(struct store_txn *txn, enum store_db db, const char *key,
    json_object **out)
{
	struct store_val v;
	int rc;

	*out = NULL;
	if ((rc = store_tget(txn, db, key, &v)) != 0)
		return rc;
	*out = store_parse_json(v.data, v.len);
	return *out != NULL ? 0 : STORE_E_CORRUPT;
}

int
store_tput_json(struct store_txn *txn, enum store_db db, const char *key,
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
	struct store_txn *txn;
	int rc;

	*out = NULL;
	if ((rc = store_begin(0, &txn)) != 0)
		return rc;
	rc = store_tget_json(txn, db, key, out);
	store_abort(txn);
	return rc;
}

/* Writes one record in its own transaction; nothing is kept on error. */
int
store_put_json(enum store_db db, const char *key, json_object *o,
    unsigned flags)
{
	struct store_txn *txn;
	int rc;

	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = store_tput_json(txn, db, key, o, flags)) != 0) {
		store_abort(txn);
		return rc;
	}
	return store_commit(txn);
}

int
store_del(enum store_db db, const char *key)
{
	struct store_txn *txn;
	int rc;

	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = store_tdel(txn, db, key)) != 0) {
		store_abort(txn);
		return rc;
	}
	return store_commit(txn);
}

/*
 * Calls fn for each record whose key starts with prefix, in key order,
 * inside one read transaction (values are borrowed: copy in fn).  fn
 * returns non-zero to stop.  Returns 0 or an error.
 */
int
store_scan(enum store_db db, const char *prefix, store_scan_fn fn, void *arg)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	size_t plen = prefix ? strlen(prefix) : 0;
	int rc;

	if (env == NULL)
		return store_err(EINVAL);
	if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0)
		return store_err(rc);
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
	return store_err(rc);
}
