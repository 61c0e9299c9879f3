/*
 * keys.c: API keys.  A key "cc_<prefix>_<secret>" is shown once, when it
 * is made; storage keeps its keyed hash and a record of name, owner,
 * scope (read, write, admin), expires_at and last_used_at.  The prefix is
 * public: it names the key in lists and in DELETE.
 *
 * /users/me/keys works on the caller's keys; /users/{name}/keys is the
 * admin's view of anyone's.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "handlers.h"
#include "../storage/storage.h"

/* Printable, at most 64 bytes. */
static int
label_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
			return 0;
	return 1;
}

/*
 * Reads expires_in from the body: seconds as a number, or a duration
 * string ("30d").  Returns 0 with *at (0: never), or the 400 sent.
 */
static int
body_expiry(struct request *r, int64_t *at)
{
	const char *s;
	long secs = 0;
	int bad = 0;

	*at = 0;
	if ((s = req_body_str(r, "expires_in", &bad)) != NULL) {
		if (parse_duration(s, &secs) < 0)
			secs = -1;
	} else if (!bad)
		return 0;	/* not sent (or null) */
	else	/* not a string: a number of seconds, or nothing valid */
		secs = (long)jget_int(r->json, "expires_in", -1);
	if (secs <= 0 || secs > 10L * 365 * 86400)
		return resp_error(r, CC_E_INVALID_REQUEST, "'expires_in' must "
		    "be seconds from 1 to 10 years, or a duration like "
		    "\"30d\"");
	*at = now_wall() + secs;
	return 0;
}

/*
 * POST /users/me/keys, POST /users/{name}/keys (admin): body {name?,
 * scope?, expires_in?}.  The scope defaults to the owner's role, may not
 * exceed it (400), nor the caller's own (403).  201 with the key record
 * plus "api_key", the secret, shown this once.
 */
int
h_key_create(struct request *r)
{
	const char *owner = users_target(r), *label = NULL, *scope_s = NULL;
	char key[CRED_KEY_MAX];
	json_object *u = NULL, *pub = NULL;
	enum access owner_role, scope;
	int64_t exp;
	int rc;

	/* Sent at all (null too), each must be a valid string. */
	if (jget_has(r->json, "name") && ((label = jget_str(r->json,
	    "name")) == NULL || !label_ok(label)))
		return resp_error(r, CC_E_INVALID_REQUEST, "'name' must be a "
		    "string of at most 64 printable bytes");
	if (jget_has(r->json, "scope") && ((scope_s = jget_str(r->json,
	    "scope")) == NULL || scope_parse(scope_s, &scope) < 0))
		return resp_error(r, CC_E_INVALID_REQUEST, "'scope' must be "
		    "read, write or admin");
	if ((rc = body_expiry(r, &exp)) != 0)
		return rc;
	if ((rc = store_get_json(STORE_USERS, owner, &u)) ==
	    STORE_E_NOTFOUND)
		return resp_error(r, CC_E_USER_NOT_FOUND, "user '%s' not found",
		    owner);
	if (rc != 0)
		return resp_store_error(r, rc, "user");
	if (access_parse(jget_str(u, "role") ? jget_str(u, "role") : "",
	    &owner_role) < 0)
		owner_role = ACCESS_VIEWER;
	json_object_put(u);
	if (scope_s == NULL)
		scope = owner_role < r->who.role ? owner_role : r->who.role;
	if (scope > owner_role)
		return resp_error(r, CC_E_INVALID_REQUEST, "user '%s' is %s: a "
		    "key's scope can be at most %s", owner,
		    access_name(owner_role), scope_name(owner_role));
	if (scope > r->who.role)
		return resp_error(r, CC_E_FORBIDDEN, "you act as %s: you cannot "
		    "make a key with scope %s", access_name(r->who.role),
		    scope_name(scope));
	if ((rc = keys_create(owner, label, scope, exp, key, &pub)) != 0)
		return resp_svc_error(r, rc, "key", "server secrets "
		    "unavailable");
	json_object_object_add(pub, "api_key", json_object_new_string(key));
	sodium_memzero(key, sizeof(key));
	json_object_object_add(pub, "note", json_object_new_string("store "
	    "api_key now: it is shown only this once"));
	return resp_ok(r, 201, "key", pub);
}

/* GET /users/me/keys, GET /users/{name}/keys (admin): never a secret. */
int
h_keys_list(struct request *r)
{
	const char *owner = users_target(r);
	json_object *arr, *u;
	int rc;

	if ((rc = store_get_json(STORE_USERS, owner, &u)) ==
	    STORE_E_NOTFOUND)
		return resp_error(r, CC_E_USER_NOT_FOUND, "user '%s' not found",
		    owner);
	json_object_put(u);
	if (rc != 0 || (rc = keys_list(owner, &arr)) != 0)
		return resp_store_error(r, rc, "keys");
	/* Keys per user are few: the whole list, in one page. */
	return resp_list(r, "keys", arr, (long)json_object_array_length(arr),
	    1000, 0);
}

/*
 * DELETE /users/me/keys/{prefix}, DELETE /users/{name}/keys/{prefix}
 * (admin): revokes the key at once.  404 KEY_NOT_FOUND for a key that is
 * not the owner's.
 */
int
h_key_delete(struct request *r)
{
	const char *owner = users_target(r), *prefix = req_param(r, "prefix");
	json_object *o;
	int rc;

	if (strlen(prefix) != CRED_PREFIX_LEN ||
	    (rc = store_key_del(prefix, owner)) == STORE_E_NOTFOUND)
		return resp_error(r, CC_E_KEY_NOT_FOUND, "key '%s' of user '%s' "
		    "not found", prefix, owner);
	if (rc != 0)
		return resp_store_error(r, rc, "key");
	r->revokes = owner;
	o = json_object_new_object();
	json_object_object_add(o, "message",
	    json_object_new_string("API key revoked"));
	json_object_object_add(o, "prefix", json_object_new_string(prefix));
	return resp_ok(r, 200, NULL, o);
}
