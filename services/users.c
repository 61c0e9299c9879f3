/*
 * users.c: the user model, shared by the routes (handlers/users.c), the
 * CLI (cli/cli.c) and the first start (users_bootstrap): names, the
 * public view of a record, create, set a password; and the names of
 * roles and key scopes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "services.h"

static const char *reserved[] = { "me", "login", "logout", "changepassword",
    "keys", NULL };

/* An epoch time as an ISO-8601 string, or JSON null for 0. */
json_object *
uj_time(int64_t t)
{
	char buf[32];

	if (t == 0)
		return NULL;
	iso8601(buf, (time_t)t);
	return json_object_new_string(buf);
}

/* Copies string member k of src into dst, def when it is missing. */
void
uj_copy_str(json_object *dst, json_object *src, const char *k,
    const char *def)
{
	const char *s = jget_str(src, k);

	json_object_object_add(dst, k, json_object_new_string(s ? s : def));
}

/* Copies epoch member k of src into dst as ISO-8601 (null for none). */
void
uj_copy_time(json_object *dst, json_object *src, const char *k)
{
	json_object_object_add(dst, k, uj_time(jget_int(src, k, 0)));
}

/* A username check with the reason, for 400s and the CLI. */
const char *
users_name_problem(const char *name)
{
	size_t i;

	if (cred_username_ok(name) < 0)
		return "username must be 3 to 64 characters of a-z, 0-9, "
		    "'_', '.' or '-', starting with a letter or digit";
	for (i = 0; reserved[i] != NULL; i++)
		if (strcmp(name, reserved[i]) == 0)
			return "that username is reserved";
	return NULL;
}

/* Empty, or at most 254 printable characters with one '@' inside. */
int
users_email_ok(const char *e)
{
	const char *at = strchr(e, '@');
	size_t n = strlen(e), i;

	if (n == 0)
		return 1;
	if (n > 254 || at == NULL || at == e || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)e[i] <= ' ' || e[i] == 0x7f)
			return 0;
	return 1;
}

/* The view of a user record that leaves this process: no hash. */
json_object *
users_public(json_object *u)
{
	json_object *o = json_object_new_object();

	uj_copy_str(o, u, "username", "");
	uj_copy_str(o, u, "email", "");
	uj_copy_str(o, u, "role", "viewer");
	uj_copy_time(o, u, "created_at");
	json_object_object_add(o, "disabled",
	    json_object_new_boolean(jget_int(u, "disabled", 0) != 0));
	json_object_object_add(o, "must_change_password",
	    json_object_new_boolean(jget_int(u, "must_change_password", 0) !=
	    0));
	json_object_object_add(o, "has_password",
	    json_object_new_boolean(jget_str(u, "password_hash") != NULL));
	return o;
}

/*
 * Creates user name.  pw may be NULL (a user who only uses API keys).
 * Returns 0; SVC_E_NAME / SVC_E_EMAIL / SVC_E_PASSWORD for bad
 * input; SVC_E_BUSY (no hashing slot) or SVC_E_INTERNAL from hashing;
 * or a STORE_E_* (STORE_E_EXISTS when the name is taken).  *why says
 * what went wrong for the SVC_E_* ones.
 */
int
users_create(const char *name, const char *email, enum access role,
    const char *pw, int must_change, const char **why)
{
	char hash[CRED_PWHASH_MAX];
	json_object *u = NULL;
	int rc;

	if ((*why = users_name_problem(name)) != NULL)
		return SVC_E_NAME;
	if (email == NULL)
		email = "";
	if (!users_email_ok(email)) {
		*why = "email must look like name@domain (at most 254 "
		    "characters, no spaces)";
		return SVC_E_EMAIL;
	}
	if (pw != NULL && cred_password_ok(pw, why) < 0)
		return SVC_E_PASSWORD;
	if (pw != NULL && (rc = cred_pw_hash(pw, hash)) < 0) {
		*why = "password hashing failed";
		return rc;
	}
	u = json_object_new_object();
	json_object_object_add(u, "username", json_object_new_string(name));
	json_object_object_add(u, "email", json_object_new_string(email));
	json_object_object_add(u, "role",
	    json_object_new_string(access_name(role)));
	json_object_object_add(u, "created_at",
	    json_object_new_int64(now_wall()));
	json_object_object_add(u, "disabled", json_object_new_int(0));
	json_object_object_add(u, "must_change_password",
	    json_object_new_int(must_change ? 1 : 0));
	if (pw != NULL) {
		json_object_object_add(u, "password_hash",
		    json_object_new_string(hash));
		json_object_object_add(u, "password_changed_at",
		    json_object_new_int64(now_wall()));
	}
	rc = store_put_json(STORE_USERS, name, u, STORE_NOOVERWRITE);
	json_object_put(u);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

/*
 * Sets a new password on user record u (in memory) and stores it, with
 * must_change_password set to must_change.  Returns 0, an SVC_E_* or
 * a STORE_E_*.
 */
int
users_set_password(json_object *u, const char *pw, int must_change)
{
	char hash[CRED_PWHASH_MAX];
	int rc;

	if ((rc = cred_pw_hash(pw, hash)) < 0)
		return rc;
	json_object_object_add(u, "password_hash",
	    json_object_new_string(hash));
	json_object_object_add(u, "password_changed_at",
	    json_object_new_int64(now_wall()));
	json_object_object_add(u, "must_change_password",
	    json_object_new_int(must_change ? 1 : 0));
	sodium_memzero(hash, sizeof(hash));
	return store_put_json(STORE_USERS, jget_str(u, "username"), u, 0);
}

static int
has_admin_cb(const char *k, size_t kl, const void *v, size_t vl, void *arg)
{
	json_object *u = store_parse_json(v, vl);
	const char *role = jget_str(u, "role");

	(void)k; (void)kl;
	if (role != NULL && strcmp(role, "admin") == 0)
		*(int *)arg = 1;
	json_object_put(u);
	return *(int *)arg;
}

/*
 * First start: with DEFAULT_ADMIN_PASSWORD in the environment and no
 * admin yet, creates "admin" with that password and must_change_password.
 * The master calls this before forking; it opens and closes storage
 * itself (no LMDB handle may cross fork) and takes the variable out of
 * the environment so no child inherits it.
 */
void
users_bootstrap(void)
{
	const char *pw = getenv("DEFAULT_ADMIN_PASSWORD"), *why = NULL;
	int has_admin = 0, rc;

	if (pw == NULL)
		return;
	if ((rc = store_open(store_cfg.data_dir, store_cfg.map_size)) != 0) {
		log_msg(LOG_L_ERROR, "cannot open storage in %s to create the "
		    "first admin: %s", store_cfg.data_dir, store_strerror(rc));
		goto out;
	}
	if (store_scan(STORE_USERS, NULL, has_admin_cb, &has_admin) != 0 ||
	    has_admin)
		goto out;
	rc = users_create("admin", "", ACCESS_ADMIN, pw, 1, &why);
	if (rc == 0)
		log_msg(LOG_L_INFO, "created user 'admin' from "
		    "DEFAULT_ADMIN_PASSWORD; it must change its password "
		    "before anything else");
	else
		log_msg(LOG_L_ERROR, "DEFAULT_ADMIN_PASSWORD: admin not "
		    "created: %s", why ? why : svc_strerror(rc));
out:
	store_close();
	unsetenv("DEFAULT_ADMIN_PASSWORD");
}

const char *
access_name(enum access a)
{
	static const char *names[] = { "public", "viewer", "operator",
	    "admin" };

	return a <= ACCESS_ADMIN ? names[a] : "admin";
}

/* A user role: viewer, operator or admin. */
int
access_parse(const char *s, enum access *out)
{
	if (strcmp(s, "viewer") == 0)
		*out = ACCESS_VIEWER;
	else if (strcmp(s, "operator") == 0)
		*out = ACCESS_OPERATOR;
	else if (strcmp(s, "admin") == 0)
		*out = ACCESS_ADMIN;
	else
		return -1;
	return 0;
}

/* An API key's scope: read (viewer), write (operator) or admin. */
const char *
scope_name(enum access a)
{
	return a >= ACCESS_ADMIN ? "admin" : a == ACCESS_OPERATOR ? "write" :
	    "read";
}

int
scope_parse(const char *s, enum access *out)
{
	if (strcmp(s, "read") == 0)
		*out = ACCESS_VIEWER;
	else if (strcmp(s, "write") == 0)
		*out = ACCESS_OPERATOR;
	else if (strcmp(s, "admin") == 0)
		*out = ACCESS_ADMIN;
	else
		return -1;
	return 0;
}
