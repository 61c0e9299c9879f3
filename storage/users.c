/*
 * users.c: the records of users, API keys, sessions and revoked tokens,
 * where one operation touches more than one record and must be one
 * transaction, and the typed reads authentication makes.  Other
 * single-record reads and writes use store_get_json / store_put_json
 * directly.
 *
 * Layout (JSON values):
 *   users     NAME            {username, email, role, created_at, disabled,
 *                              must_change_password, password_hash, ...}
 *   keys      "h:" HASH       {prefix, name, owner, scope, created_at,
 *                              expires_at, last_used_at}
 *             "p:" PREFIX     HASH (raw text), to find a key by prefix
 *   sessions  HASH            {user, created_at, last_seen, csrf}
 *   revoked   JTI             {exp}
 * HASH is the keyed BLAKE2b of the secret: no secret is ever stored.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <lmdb.h>

#include "../base/base.h"
#include "storage.h"

static int
str_eq(json_object *o, const char *k, const char *want)
{
	const char *s = jget_str(o, k);

	return s != NULL && strcmp(s, want) == 0;
}

/*
 * Counts the enabled admins other than skip (NULL: all) into *n, inside
 * txn, so "not the last admin" checks and the change they guard are one
 * transaction.
 */
int
store_admins(struct store_txn *txn, const char *skip, int *n)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	json_object *o;
	int rc;

	*n = 0;
	if ((rc = mdb_cursor_open(store_mdb_txn(txn), store_dbi(STORE_USERS),
	    &cur)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (skip != NULL && k.mv_size == strlen(skip) &&
		    memcmp(k.mv_data, skip, k.mv_size) == 0)
			continue;
		if ((o = store_parse_json(v.mv_data, v.mv_size)) == NULL)
			continue;
		if (str_eq(o, "role", "admin") && jget_int(o, "disabled",
		    0) == 0)
			(*n)++;
		json_object_put(o);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

/* Deletes, inside txn, every record of db whose key starts with prefix
 * and whose JSON field `field` equals user, except the one keyed keep
 * (may be NULL). */
static int
del_owned(struct store_txn *txn, enum store_db db, const char *prefix,
    const char *field, const char *user, const char *keep)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	json_object *o;
	char pkey[600];
	size_t plen = strlen(prefix);
	int rc, mine;

	if ((rc = mdb_cursor_open(store_mdb_txn(txn), store_dbi(db),
	    &cur)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
			continue;
		if (keep != NULL && k.mv_size == strlen(keep) &&
		    memcmp(k.mv_data, keep, k.mv_size) == 0)
			continue;
		if ((o = store_parse_json(v.mv_data, v.mv_size)) == NULL)
			continue;
		mine = str_eq(o, field, user);
		if (mine && db == STORE_KEYS)
			snprintf(pkey, sizeof(pkey), "p:%s",
			    jget_str(o, "prefix"));
		json_object_put(o);
		if (!mine)
			continue;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		if (db == STORE_KEYS && (rc = store_tdel(txn, db, pkey)) != 0) {
			if (rc != STORE_E_NOTFOUND)
				goto out;
			rc = 0;
		}
	}
	rc = rc == MDB_NOTFOUND ? 0 : store_err(rc);
out:
	mdb_cursor_close(cur);
	return rc;
}

/*
 * Deletes user name with their keys and sessions in one transaction.
 * Refuses (STORE_E_STATE, the caller's 409) to delete the last enabled
 * admin.  STORE_E_NOTFOUND when there is no such user.
 */
int
store_user_delete(const char *name)
{
	struct store_txn *txn = NULL;
	json_object *u = NULL;
	int rc, n;

	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = store_tget_json(txn, STORE_USERS, name, &u)) != 0)
		goto err;
	if (str_eq(u, "role", "admin") && (rc = store_admins(txn, name,
	    &n)) == 0 && n == 0) {
		rc = STORE_E_STATE;
		goto err;
	}
	if (rc != 0 || (rc = store_tdel(txn, STORE_USERS, name)) != 0 ||
	    (rc = del_owned(txn, STORE_KEYS, "h:", "owner", name,
	    NULL)) != 0 ||
	    (rc = del_owned(txn, STORE_SESSIONS, "", "user", name,
	    NULL)) != 0)
		goto err;
	json_object_put(u);
	return store_commit(txn);
err:
	json_object_put(u);
	store_abort(txn);
	return rc;
}

/* Stores a new key record and its prefix index together. */
int
store_key_put(const char *hash, const char *prefix, json_object *rec)
{
	struct store_txn *txn = NULL;
	char hk[80], pk[40];
	int rc;

	snprintf(hk, sizeof(hk), "h:%s", hash);
	snprintf(pk, sizeof(pk), "p:%s", prefix);
	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = store_tput_json(txn, STORE_KEYS, hk, rec,
	    STORE_NOOVERWRITE)) != 0 ||
	    (rc = store_tput(txn, STORE_KEYS, pk, hash, strlen(hash),
	    STORE_NOOVERWRITE)) != 0) {
		store_abort(txn);
		return rc;
	}
	return store_commit(txn);
}

static void
key_decode(json_object *o, void *out)
{
	struct store_key *k = out;

	k->expires_at = jget_int(o, "expires_at", 0);
	k->last_used_at = jget_int(o, "last_used_at", 0);
	store_copy_str(k->scope, sizeof(k->scope), jget_str(o, "scope"));
	store_copy_str(k->owner, sizeof(k->owner), jget_str(o, "owner"));
}

/* What authentication needs of the key with this hash: one LMDB get. */
int
store_key_read(struct store_txn *txn, const char *hash, struct store_key *k)
{
	char hk[80];

	snprintf(hk, sizeof(hk), "h:%s", hash);
	return store_tget_decoded(txn, STORE_KEYS, hk, key_decode, k,
	    sizeof(*k));
}

static void
user_decode(json_object *o, void *out)
{
	struct store_user *u = out;

	u->disabled = jget_int(o, "disabled", 0) != 0;
	u->must_change = jget_int(o, "must_change_password", 0) != 0;
	u->password_changed_at = jget_int(o, "password_changed_at", 0);
	store_copy_str(u->role, sizeof(u->role), jget_str(o, "role"));
}

/* What authentication needs of user name: one LMDB get. */
int
store_user_read(struct store_txn *txn, const char *name, struct store_user *u)
{
	return store_tget_decoded(txn, STORE_USERS, name, user_decode, u,
	    sizeof(*u));
}

static void
session_decode(json_object *o, void *out)
{
	struct store_session *s = out;

	store_copy_str(s->user, sizeof(s->user), jget_str(o, "user"));
	s->created_at = jget_int(o, "created_at", 0);
	s->last_seen = jget_int(o, "last_seen", 0);
	store_copy_str(s->csrf, sizeof(s->csrf), jget_str(o, "csrf"));
}

/*
 * The session whose cookie hashes to hash, inside txn: 0,
 * STORE_E_NOTFOUND, STORE_E_CORRUPT or an error.  Not remembered by
 * memo.c, which would keep the CSRF token in memory past the request.
 */
int
store_session_read(struct store_txn *txn, const char *hash,
    struct store_session *s)
{
	struct store_val v;
	int rc;

	if ((rc = store_tget(txn, STORE_SESSIONS, hash, &v)) != 0)
		return rc;
	return store_decode(v.data, v.len, session_decode, s, sizeof(*s));
}

/* Writes session s under hash in its own transaction; flags as for
 * store_tput (STORE_NOOVERWRITE for a new one). */
int
store_session_put(const char *hash, const struct store_session *s,
    unsigned flags)
{
	json_object *o = json_object_new_object();
	int rc;

	if (o == NULL)
		return STORE_E_NOMEM;
	json_object_object_add(o, "user", json_object_new_string(s->user));
	json_object_object_add(o, "created_at",
	    json_object_new_int64(s->created_at));
	json_object_object_add(o, "last_seen",
	    json_object_new_int64(s->last_seen));
	json_object_object_add(o, "csrf", json_object_new_string(s->csrf));
	rc = store_put_json(STORE_SESSIONS, hash, o, flags);
	json_object_put(o);
	return rc;
}

/*
 * Deletes the key with this prefix if owner (NULL: anyone's) owns it;
 * another user's key is STORE_E_NOTFOUND, like a missing one.
 */
int
store_key_del(const char *prefix, const char *owner)
{
	struct store_txn *txn = NULL;
	json_object *rec = NULL;
	struct store_val v;
	char hk[80], pk[40];
	int rc;

	snprintf(pk, sizeof(pk), "p:%s", prefix);
	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = store_tget(txn, STORE_KEYS, pk, &v)) != 0)
		goto err;
	if (v.len > 70) {
		rc = STORE_E_CORRUPT;
		goto err;
	}
	snprintf(hk, sizeof(hk), "h:%.*s", (int)v.len, (const char *)v.data);
	if ((rc = store_tget_json(txn, STORE_KEYS, hk, &rec)) != 0)
		goto err;
	if (owner != NULL && !str_eq(rec, "owner", owner)) {
		rc = STORE_E_NOTFOUND;
		goto err;
	}
	if ((rc = store_tdel(txn, STORE_KEYS, hk)) != 0 ||
	    (rc = store_tdel(txn, STORE_KEYS, pk)) != 0)
		goto err;
	json_object_put(rec);
	return store_commit(txn);
err:
	json_object_put(rec);
	store_abort(txn);
	return rc;
}

/* Sets a key's last_used_at (the caller throttles this to once a minute). */
int
store_key_touch(const char *hash, int64_t now)
{
	struct store_txn *txn = NULL;
	json_object *rec = NULL;
	char hk[80];
	int rc;

	snprintf(hk, sizeof(hk), "h:%s", hash);
	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = store_tget_json(txn, STORE_KEYS, hk, &rec)) == 0) {
		json_object_object_add(rec, "last_used_at",
		    json_object_new_int64(now));
		rc = store_tput_json(txn, STORE_KEYS, hk, rec, 0);
	}
	json_object_put(rec);
	if (rc != 0) {
		store_abort(txn);
		return rc;
	}
	return store_commit(txn);
}

/*
 * Deletes, inside txn, each record of db for which expired(record, arg)
 * says so (a record that is not JSON goes too).
 */
static int
del_expired(struct store_txn *txn, enum store_db db,
    int (*expired)(json_object *, const int64_t *), const int64_t *arg)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	json_object *o;
	int rc;

	if ((rc = mdb_cursor_open(store_mdb_txn(txn), store_dbi(db),
	    &cur)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		o = store_parse_json(v.mv_data, v.mv_size);
		if (o == NULL || expired(o, arg))
			rc = mdb_cursor_del(cur, 0);
		json_object_put(o);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

/* arg: { now } */
static int
revoked_expired(json_object *o, const int64_t *arg)
{
	return jget_int(o, "exp", 0) <= arg[0];
}

/*
 * Records jti as revoked until exp, and drops revocations whose tokens
 * have expired anyway (so the table holds only live tokens).
 */
int
store_revoke(const char *jti, int64_t exp, int64_t now)
{
	struct store_txn *txn = NULL;
	json_object *rec = NULL;
	int rc;

	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = del_expired(txn, STORE_REVOKED, revoked_expired,
	    &now)) != 0)
		goto err;
	rec = json_object_new_object();
	json_object_object_add(rec, "exp", json_object_new_int64(exp));
	if ((rc = store_tput_json(txn, STORE_REVOKED, jti, rec, 0)) != 0)
		goto err;
	json_object_put(rec);
	return store_commit(txn);
err:
	json_object_put(rec);
	store_abort(txn);
	return rc;
}

/* arg: { now, idle, max_age } */
static int
session_expired(json_object *o, const int64_t *arg)
{
	return arg[0] - jget_int(o, "last_seen", 0) > arg[1] ||
	    arg[0] - jget_int(o, "created_at", 0) > arg[2];
}

/* Drops sessions past their idle or absolute timeout. */
int
store_session_purge(int64_t now, int64_t idle, int64_t max_age)
{
	struct store_txn *txn = NULL;
	const int64_t arg[3] = { now, idle, max_age };
	int rc;

	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = del_expired(txn, STORE_SESSIONS, session_expired,
	    arg)) != 0) {
		store_abort(txn);
		return rc;
	}
	return store_commit(txn);
}

/* Ends every session of user but keep (a session hash, or NULL). */
int
store_sessions_drop(const char *user, const char *keep)
{
	struct store_txn *txn = NULL;
	int rc;

	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = del_owned(txn, STORE_SESSIONS, "", "user", user,
	    keep)) != 0) {
		store_abort(txn);
		return rc;
	}
	return store_commit(txn);
}
