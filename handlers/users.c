/*
 * users.c: users and their credentials.  The user model (create, the
 * public view of a record) is shared with the CLI (cli.c) and the first
 * start (users_bootstrap); the handlers below cover the dokemon users flow
 * (login, me, changepassword, logout as JSON and HTML), user
 * administration, and token issue.  API keys live in keys.c.
 *
 * Who may do what is the route table's business (routes.c); the handlers
 * here only narrow what a non-admin sees to themselves.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "handlers.h"
#include "../storage/storage.h"

/* ---- handlers ---- */

/*
 * Overwrites the passwords and keys a request body carried, in the raw
 * body and in its parsed JSON, once the handler is done with them.
 */
void
users_wipe_secrets(struct request *r)
{
	static const char *members[] = { "password", "currentPassword",
	    "newPassword", "api_key", NULL };
	const char *s;
	size_t i;

	if (r->body != NULL)
		sodium_memzero(r->body, r->body_len);
	for (i = 0; members[i] != NULL; i++)
		if ((s = jget_str(r->json, members[i])) != NULL)
			sodium_memzero((char *)s, strlen(s));
}

/*
 * POST /users: admin only, or anyone when allow_signup is on (then a
 * caller who is not an admin gets a viewer).  Body {username, password,
 * email?, role?}.  201 with the user; 400, 403, 409, 503.
 */
static int
user_create_inner(struct request *r)
{
	const char *name, *pw, *email, *role_s, *why = NULL;
	enum access role = ACCESS_VIEWER;
	json_object *o, *u;
	static const char *const fields[] = { "username", "password", "email",
	    "role" };
	const char **vals[] = { &name, &pw, &email, &role_s };
	int bad = 0, admin = r->who.role >= ACCESS_ADMIN, rc;
	size_t i;

	for (i = 0; i < 4; i++) {
		*vals[i] = req_body_str(r, fields[i], &bad);
		if (bad)
			return resp_error(r, CC_E_INVALID_REQUEST, "'%s' must "
			    "be a string", fields[i]);
	}
	if (name == NULL)
		return resp_error(r, CC_E_INVALID_REQUEST, "'username' is "
		    "required");
	if (pw == NULL && !admin)
		return resp_error(r, CC_E_INVALID_REQUEST, "'password' is "
		    "required");
	if (role_s != NULL && access_parse(role_s, &role) < 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "'role' must be "
		    "viewer, operator or admin");
	if (role > ACCESS_VIEWER && !admin)
		return resp_error(r, CC_E_FORBIDDEN, "only an admin may create "
		    "a user with role %s", access_name(role));
	if ((rc = users_create(name, email, role, pw, 0, &why)) != 0)
		return resp_svc_error(r, rc, req_printf(r, "user '%s'", name),
		    why);
	if ((rc = store_get_json(STORE_USERS, name, &u)) != 0)
		return resp_store_error(r, rc, "user");
	o = json_object_new_object();
	json_object_object_add(o, "message",
	    json_object_new_string("User created successfully"));
	json_object_object_add(o, "username", json_object_new_string(name));
	json_object_object_add(o, "user", users_public(u));
	json_object_put(u);
	return resp_ok(r, 201, NULL, o);
}

int
h_user_create(struct request *r)
{
	int rc = user_create_inner(r);

	users_wipe_secrets(r);
	return rc;
}

struct list_ctx {
	json_object	*arr;
	long		 total, limit, offset;
};

static int
list_cb(const char *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct list_ctx *c = arg;
	json_object *u;

	(void)k; (void)kl;
	if (c->total++ < c->offset ||
	    (long)json_object_array_length(c->arr) >= c->limit)
		return 0;
	if ((u = store_parse_json(v, vl)) != NULL)
		json_object_array_add(c->arr, users_public(u));
	json_object_put(u);
	return 0;
}

/*
 * GET /users: every user for an admin; for anyone else, only themselves.
 * ?limit (1-1000, 100) and ?offset.
 */
int
h_users_list(struct request *r)
{
	struct list_ctx c = { NULL, 0, 100, 0 };
	json_object *u;
	int rc;

	if (req_query_long(r, "limit", 100, 1, 1000, &c.limit) < 0 ||
	    req_query_long(r, "offset", 0, 0, 1000000000L, &c.offset) < 0)
		return r->status;
	c.arr = json_object_new_array();
	if (r->who.role >= ACCESS_ADMIN) {
		rc = store_scan(STORE_USERS, NULL, list_cb, &c);
	} else if ((rc = store_get_json(STORE_USERS, r->who.user, &u)) == 0) {
		c.total = 1;
		if (c.offset == 0)
			json_object_array_add(c.arr, users_public(u));
		json_object_put(u);
	}
	if (rc != 0) {
		json_object_put(c.arr);
		return resp_store_error(r, rc, "users");
	}
	return resp_list(r, "users", c.arr, c.total, c.limit, c.offset);
}

/* The {name} of the path, with "me" meaning the caller. */
const char *
users_target(const struct request *r)
{
	const char *n = req_param(r, "name");

	return n == NULL || strcmp(n, "me") == 0 ? r->who.user : n;
}

/*
 * Loads the user the path names, if the caller may see it: a non-admin
 * sees only themselves, and anyone else is 404 like a missing user.
 * Returns 0 with *u, or the status sent.
 */
static int
load_target(struct request *r, const char *name, json_object **u)
{
	int rc;

	*u = NULL;
	if (!auth_may_access(r, name) ||
	    (rc = store_get_json(STORE_USERS, name, u)) == STORE_E_NOTFOUND)
		return resp_error(r, CC_E_USER_NOT_FOUND, "user '%s' not found",
		    name);
	if (rc != 0)
		return resp_store_error(r, rc, "user");
	return 0;
}

/* GET /users/{name}: one user (a non-admin: only themselves). */
int
h_user_get(struct request *r)
{
	json_object *u;
	int rc;

	if ((rc = load_target(r, users_target(r), &u)) != 0)
		return rc;
	rc = resp_ok(r, 200, "user", users_public(u));
	json_object_put(u);
	return rc;
}

/*
 * GET /users/me: the caller, with how they authenticated (dokemon's
 * {user: {username, authenticated}} plus our fields).
 */
int
h_me(struct request *r)
{
	json_object *u, *o;
	int rc;

	if ((rc = load_target(r, r->who.user, &u)) != 0)
		return rc;
	o = users_public(u);
	json_object_put(u);
	json_object_object_add(o, "authenticated",
	    json_object_new_boolean(1));
	json_object_object_add(o, "via", json_object_new_string(r->who.via));
	json_object_object_add(o, "effective_role",
	    json_object_new_string(access_name(r->who.role)));
	return resp_ok(r, 200, "user", o);
}

/*
 * PATCH /users/{name}: {role?, disabled?, email?, must_change_password?}.
 * A non-admin may change only their own email.  The last enabled admin
 * cannot be demoted or disabled (409).  Unknown members are 400.
 */
int
h_user_patch(struct request *r)
{
	const char *name = users_target(r);
	json_object *u = NULL, *v;
	struct store_txn *txn = NULL;
	enum access role;
	int admin = r->who.role >= ACCESS_ADMIN, rc, n, was_admin;

	if (!json_object_is_type(r->json, json_type_object))
		return resp_error(r, CC_E_INVALID_REQUEST, "body must be a JSON "
		    "object");
	json_object_object_foreach(r->json, key, val) {
		int is_bool = json_object_is_type(val, json_type_boolean);

		if (strcmp(key, "email") == 0) {
			if (!json_object_is_type(val, json_type_string) ||
			    !users_email_ok(json_object_get_string(val)))
				return resp_error(r, CC_E_INVALID_REQUEST,
				    "'email' must look like name@domain");
		} else if (strcmp(key, "role") == 0) {
			if (!json_object_is_type(val, json_type_string) ||
			    access_parse(json_object_get_string(val),
			    &role) < 0)
				return resp_error(r, CC_E_INVALID_REQUEST,
				    "'role' must be viewer, operator or admin");
		} else if (strcmp(key, "disabled") == 0 ||
		    strcmp(key, "must_change_password") == 0) {
			if (!is_bool)
				return resp_error(r, CC_E_INVALID_REQUEST,
				    "'%s' must be true or false", key);
		} else
			return resp_error(r, CC_E_INVALID_REQUEST, "unknown "
			    "member '%s': expected email, role, disabled or "
			    "must_change_password", key);
		if (!admin && strcmp(key, "email") != 0)
			return resp_error(r, CC_E_FORBIDDEN, "only an admin may "
			    "change '%s'", key);
	}
	if (!auth_may_access(r, name))
		return resp_error(r, CC_E_USER_NOT_FOUND, "user '%s' not found",
		    name);
	/* Read, check the last-admin rule and write in one transaction. */
	if ((rc = store_begin(1, &txn)) != 0)
		return resp_store_error(r, rc, "user");
	if ((rc = store_tget_json(txn, STORE_USERS, name, &u)) != 0) {
		store_abort(txn);
		if (rc == STORE_E_NOTFOUND)
			return resp_error(r, CC_E_USER_NOT_FOUND, "user '%s' "
			    "not found", name);
		return resp_store_error(r, rc, "user");
	}
	was_admin = jget_str(u, "role") != NULL &&
	    strcmp(jget_str(u, "role"), "admin") == 0 &&
	    jget_int(u, "disabled", 0) == 0;
	json_object_object_foreach(r->json, k2, v2) {
		if (strcmp(k2, "email") == 0 || strcmp(k2, "role") == 0)
			json_object_object_add(u, k2,
			    json_object_get(v2));
		else
			json_object_object_add(u, k2, json_object_new_int(
			    json_object_get_boolean(v2) ? 1 : 0));
	}
	if (was_admin && (strcmp(jget_str(u, "role"), "admin") != 0 ||
	    jget_int(u, "disabled", 0) != 0)) {
		if ((rc = store_admins(txn, name, &n)) != 0)
			goto store_err;
		if (n == 0) {
			store_abort(txn);
			json_object_put(u);
			return resp_error(r, CC_E_CONFLICT, "'%s' is the last "
			    "enabled admin: it cannot be demoted or disabled",
			    name);
		}
	}
	if ((rc = store_tput_json(txn, STORE_USERS, name, u, 0)) != 0)
		goto store_err;
	if ((rc = store_commit(txn)) != 0) {
		txn = NULL;
		goto store_err;
	}
	/* anything but the email changes what the user may do */
	if (json_object_object_length(r->json) >
	    (json_object_object_get_ex(r->json, "email", NULL) ? 1 : 0))
		r->revokes = name;
	v = users_public(u);
	json_object_put(u);
	return resp_ok(r, 200, "user", v);
store_err:
	store_abort(txn);
	json_object_put(u);
	return resp_store_error(r, rc, "user");
}

/*
 * DELETE /users/{name} (admin): the user, their keys and sessions.  409
 * for the last enabled admin, 404 for nobody.
 */
int
h_user_delete(struct request *r)
{
	const char *name = users_target(r);
	json_object *o;
	int rc;

	if ((rc = store_user_delete(name)) == STORE_E_NOTFOUND)
		return resp_error(r, CC_E_USER_NOT_FOUND, "user '%s' not found",
		    name);
	if (rc == STORE_E_STATE)
		return resp_error(r, CC_E_CONFLICT, "'%s' is the last enabled "
		    "admin and cannot be deleted", name);
	if (rc != 0)
		return resp_store_error(r, rc, "user");
	r->revokes = name;
	o = json_object_new_object();
	json_object_object_add(o, "message",
	    json_object_new_string("User deleted"));
	json_object_object_add(o, "username", json_object_new_string(name));
	return resp_ok(r, 200, NULL, o);
}
