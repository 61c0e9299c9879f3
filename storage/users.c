/*
 * users.c: the records of users, API keys, sessions and revoked tokens,
 * where one operation touches more than one record and must be one
 * transaction.  Single-record reads and writes use store_get_json /
 * store_put_json directly.
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

#include "storage.h"

static int
str_eq(json_object *o, const char *k, const char *want)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) &&
	    json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), want) == 0;
}

static int64_t
int_of(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) :
	    0;
}

/*
 * Counts the enabled admins other than skip (NULL: all) into *n, inside
 * txn, so "not the last admin" checks and the change they guard are one
 * transaction.
 */
int
store_admins(MDB_txn *txn, const char *skip, int *n)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	json_object *o;
	int rc;

	*n = 0;
	if ((rc = mdb_cursor_open(txn, store_dbi(STORE_USERS), &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (skip != NULL && k.mv_size == strlen(skip) &&
		    memcmp(k.mv_data, skip, k.mv_size) == 0)
			continue;
		if ((o = store_parse_json(v.mv_data, v.mv_size)) == NULL)
			continue;
		if (str_eq(o, "role", "admin") && int_of(o, "disabled") == 0)
			(*n)++;
		json_object_put(o);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Deletes, inside txn, every record of db whose key starts with prefix
 * and whose JSON field `field` equals user, except the one keyed keep
 * (may be NULL). */
static int
del_owned(MDB_txn *txn, enum store_db db, const char *prefix,
    const char *field, const char *user, const char *keep)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	json_object *o;
	char pkey[600];
	size_t plen = strlen(prefix);
	int rc, mine;

	if ((rc = mdb_cursor_open(txn, store_dbi(db), &cur)) != 0)
		return rc;
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
			    json_object_get_string(json_object_object_get(o,
			    "prefix")));
		json_object_put(o);
		if (!mine)
			continue;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		if (db == STORE_KEYS && (rc = store_tdel(txn, db, pkey)) != 0 &&
		    rc != MDB_NOTFOUND)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/*
 * Deletes user name with their keys and sessions in one transaction.
 * Refuses (MDB_KEYEXIST, the caller's 409) to delete the last enabled
 * admin.  MDB_NOTFOUND when there is no such user.
 */
int
store_user_delete(const char *name)
{
	MDB_txn *txn = NULL;
	json_object *u = NULL;
	int rc, n;

	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = store_tget_json(txn, STORE_USERS, name, &u)) != 0)
		goto err;
	if (str_eq(u, "role", "admin") && (rc = store_admins(txn, name,
	    &n)) == 0 && n == 0) {
		rc = MDB_KEYEXIST;
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
	MDB_txn *txn = NULL;
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
copy_str(char *dst, size_t size, json_object *o, const char *k)
{
	json_object *v;

	if (json_object_object_get_ex(o, k, &v) &&
	    json_object_is_type(v, json_type_string))
		snprintf(dst, size, "%s", json_object_get_string(v));
}

static void
key_decode(json_object *o, void *out)
{
	struct store_key *k = out;

	k->expires_at = int_of(o, "expires_at");
	k->last_used_at = int_of(o, "last_used_at");
	copy_str(k->scope, sizeof(k->scope), o, "scope");
	copy_str(k->owner, sizeof(k->owner), o, "owner");
}

/* What authentication needs of the key with this hash: one LMDB get. */
int
store_key_read(MDB_txn *txn, const char *hash, struct store_key *k)
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

	u->disabled = int_of(o, "disabled") != 0;
	u->must_change = int_of(o, "must_change_password") != 0;
	u->password_changed_at = int_of(o, "password_changed_at");
	copy_str(u->role, sizeof(u->role), o, "role");
}

/* What authentication needs of user name: one LMDB get. */
int
store_user_read(MDB_txn *txn, const char *name, struct store_user *u)
{
	return store_tget_decoded(txn, STORE_USERS, name, user_decode, u,
	    sizeof(*u));
}

/*
 * Deletes the key with this prefix if owner (NULL: anyone's) owns it;
 * another user's key is MDB_NOTFOUND, like a missing one.
 */
int
store_key_del(const char *prefix, const char *owner)
{
	MDB_txn *txn = NULL;
	json_object *rec = NULL;
	char hk[80], pk[40];
	MDB_val v;
	int rc;

	snprintf(pk, sizeof(pk), "p:%s", prefix);
	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = store_tget(txn, STORE_KEYS, pk, &v)) != 0)
		goto err;
	if (v.mv_size > 70) {
		rc = MDB_CORRUPTED;
		goto err;
	}
	snprintf(hk, sizeof(hk), "h:%.*s", (int)v.mv_size,
	    (const char *)v.mv_data);
	if ((rc = store_tget_json(txn, STORE_KEYS, hk, &rec)) != 0)
		goto err;
	if (owner != NULL && !str_eq(rec, "owner", owner)) {
		rc = MDB_NOTFOUND;
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
	MDB_txn *txn = NULL;
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
 * Records jti as revoked until exp, and drops revocations whose tokens
 * have expired anyway (so the table holds only live tokens).
 */
int
store_revoke(const char *jti, int64_t exp, int64_t now)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	json_object *o, *rec = NULL;
	int rc;

	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, store_dbi(STORE_REVOKED), &cur)) != 0)
		goto err;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		o = store_parse_json(v.mv_data, v.mv_size);
		if (o == NULL || int_of(o, "exp") <= now)
			rc = mdb_cursor_del(cur, 0);
		json_object_put(o);
		if (rc != 0)
			goto err;
	}
	mdb_cursor_close(cur);
	cur = NULL;
	rec = json_object_new_object();
	json_object_object_add(rec, "exp", json_object_new_int64(exp));
	if ((rc = store_tput_json(txn, STORE_REVOKED, jti, rec, 0)) != 0)
		goto err;
	json_object_put(rec);
	return store_commit(txn);
err:
	json_object_put(rec);
	if (cur != NULL)
		mdb_cursor_close(cur);
	store_abort(txn);
	return rc;
}

/* Drops sessions past their idle or absolute timeout. */
int
store_session_purge(int64_t now, int64_t idle, int64_t max_age)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	json_object *o;
	int rc;

	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, store_dbi(STORE_SESSIONS), &cur)) != 0)
		goto err;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		o = store_parse_json(v.mv_data, v.mv_size);
		if (o == NULL || now - int_of(o, "last_seen") > idle ||
		    now - int_of(o, "created_at") > max_age)
			rc = mdb_cursor_del(cur, 0);
		json_object_put(o);
		if (rc != 0)
			goto err;
	}
	mdb_cursor_close(cur);
	return store_commit(txn);
err:
	if (cur != NULL)
		mdb_cursor_close(cur);
	store_abort(txn);
	return rc;
}

/* Ends every session of user but keep (a session hash, or NULL). */
int
store_sessions_drop(const char *user, const char *keep)
{
	MDB_txn *txn = NULL;
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
