/*
 * login.c: signing in and out.  Passwords become a session cookie (POST
 * /users/login) or a JWT (POST /auth/token, which also takes an API key);
 * logout ends a session or revokes a token's jti; changepassword clears
 * must_change_password.  Failed logins are limited per username and per
 * client address across all workers (ratelimit.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "handlers.h"
#include "../storage/storage.h"

/*
 * Spends the same work on an unknown user as on a known one, so response
 * time does not tell which usernames exist.
 */
static int
verify_dummy(const char *pw)
{
	static char dummy[CRED_PWHASH_MAX];
	int rehash, rc;

	if (dummy[0] == '\0' &&
	    (rc = cred_pw_hash("container-codes dummy password", dummy)) < 0)
		return rc;
	rc = cred_pw_verify(dummy, pw, &rehash);
	return rc == SVC_E_BUSY ? rc : SVC_E_INVALID;
}

/*
 * Checks a username and password under the login limits.  Returns 0 with
 * *u the user record (caller frees), or the status sent: 400, 401 (one
 * message for unknown user and wrong password), 429 with Retry-After,
 * 503.
 */
int
login_verify(struct request *r, const char *name, const char *pw,
    json_object **u)
{
	const char *addr = req_env(r, "REMOTE_ADDR");
	char ukey[96], akey[96];
	int retry = 0, rehash = 0, rc;

	*u = NULL;
	if (name == NULL || pw == NULL)
		return resp_error(r, CC_E_INVALID_REQUEST, "'username' and "
		    "'password' are required strings");
	snprintf(ukey, sizeof(ukey), "login:u:%.64s", name);
	snprintf(akey, sizeof(akey), "login:a:%.64s", addr ? addr : "-");
	if (rl_over(ukey, front_cfg.login_rate, front_cfg.login_window, &retry) ||
	    rl_over(akey, front_cfg.login_rate_addr, front_cfg.login_window, &retry)) {
		resp_header(r, "Retry-After", "%d", retry);
		return resp_error(r, CC_E_RATE_LIMITED, "too many failed logins "
		    "for this user or address; retry in %d s", retry);
	}
	rc = STORE_E_NOTFOUND;
	if (cred_username_ok(name) == 0)
		rc = store_get_json(STORE_USERS, name, u);
	if (rc != 0 && rc != STORE_E_NOTFOUND)
		return resp_store_error(r, rc, "user");
	if (rc == STORE_E_NOTFOUND || jget_str(*u, "password_hash") == NULL)
		rc = verify_dummy(pw);
	else
		rc = cred_pw_verify(jget_str(*u, "password_hash"), pw,
		    &rehash);
	if (rc == SVC_E_BUSY || rc == SVC_E_INTERNAL) {
		rc = resp_svc_error(r, rc, "user", "password check failed");
		goto fail;
	}
	if (rc != 0) {
		rl_hit(ukey, front_cfg.login_rate, front_cfg.login_window, &retry);
		rl_hit(akey, front_cfg.login_rate_addr, front_cfg.login_window, &retry);
		rc = resp_error(r, CC_E_UNAUTHORIZED, "invalid username or "
		    "password");
		goto fail;
	}
	if (jget_int(*u, "disabled", 0) != 0) {
		rc = resp_error(r, CC_E_UNAUTHORIZED, "user '%s' is disabled",
		    name);
		goto fail;
	}
	rl_reset(ukey);
	/* Hashes made under older limits are upgraded on the way in. */
	if (rehash && users_set_password(*u, pw,
	    jget_int(*u, "must_change_password", 0) != 0) != 0)
		log_msg(LOG_L_WARN, "could not upgrade the password hash of "
		    "'%s'", name);
	return 0;
fail:
	json_object_put(*u);
	*u = NULL;
	return rc;
}

static void
cookie_set(struct request *r, const char *value, long max_age)
{
	resp_header(r, "Set-Cookie", "session=%s; Path=/; Max-Age=%ld; "
	    "HttpOnly; SameSite=Strict%s", value, max_age,
	    auth_cookie_secure(r) ? "; Secure" : "");
}

/*
 * POST /users/login {username, password}: a server-side session and its
 * cookie (HttpOnly, SameSite=Strict, Secure behind HTTPS).  The answer
 * carries csrf_token, which unsafe cookie-authenticated requests send as
 * X-CSRF-Token.  401, 429, 503 as login_verify.
 */
static int
login_inner(struct request *r)
{
	char tok[CRED_TOKEN_MAX], csrf[CRED_TOKEN_MAX], hash[CRED_HASH_HEX];
	struct store_session s;
	const char *name, *pw;
	json_object *u = NULL, *o;
	int64_t now = now_wall();
	int rc;

	name = jget_str(r->json, "username");
	pw = jget_str(r->json, "password");
	if ((rc = login_verify(r, name, pw, &u)) != 0)
		return rc;
	store_session_purge(now, svc_cfg.session_idle_timeout,
	    svc_cfg.session_max_age);
	cred_token(tok);
	cred_token(csrf);
	if (cred_hash(tok, hash) < 0) {
		rc = resp_error(r, CC_E_INTERNAL_ERROR, "server secrets "
		    "unavailable");
		goto out;
	}
	memset(&s, 0, sizeof(s));
	snprintf(s.user, sizeof(s.user), "%s", name);
	s.created_at = s.last_seen = now;
	snprintf(s.csrf, sizeof(s.csrf), "%s", csrf);
	rc = store_session_put(hash, &s, STORE_NOOVERWRITE);
	sodium_memzero(&s, sizeof(s));
	if (rc != 0) {
		rc = resp_store_error(r, rc, "session");
		goto out;
	}
	cookie_set(r, tok, svc_cfg.session_max_age);
	o = json_object_new_object();
	json_object_object_add(o, "message",
	    json_object_new_string("Authentication successful"));
	json_object_object_add(o, "username", json_object_new_string(name));
	json_object_object_add(o, "csrf_token", json_object_new_string(csrf));
	json_object_object_add(o, "expires_at",
	    uj_time(now + svc_cfg.session_max_age));
	json_object_object_add(o, "must_change_password",
	    json_object_new_boolean(jget_int(u, "must_change_password", 0) !=
	    0));
	json_object_object_add(o, "user", users_public(u));
	rc = resp_ok(r, 200, NULL, o);
out:
	sodium_memzero(tok, sizeof(tok));
	sodium_memzero(csrf, sizeof(csrf));
	json_object_put(u);
	return rc;
}

/*
 * POST /users/logout: ends the caller's session (and clears the cookie)
 * or revokes their token's jti until it expires.  An API key stays valid:
 * keys are revoked by DELETE .../keys/{prefix}.
 */
int
h_logout(struct request *r)
{
	json_object *o;
	int rc = 0;

	if (strcmp(r->who.via, "session") == 0) {
		rc = store_del(STORE_SESSIONS, r->who.cred_id);
		cookie_set(r, "", 0);
	} else if (strcmp(r->who.via, "jwt") == 0)
		rc = store_revoke(r->who.cred_id, r->who.cred_exp, now_wall());
	if (rc != 0 && rc != STORE_E_NOTFOUND)
		return resp_store_error(r, rc, "session");
	if (strcmp(r->who.via, "api_key") != 0)
		r->revokes = r->who.user;
	o = json_object_new_object();
	json_object_object_add(o, "message", json_object_new_string(
	    strcmp(r->who.via, "api_key") == 0 ? "API keys stay valid until "
	    "deleted (DELETE /api/v1/users/me/keys/{prefix})" :
	    "Logged out successfully"));
	json_object_object_add(o, "username",
	    json_object_new_string(r->who.user));
	return resp_ok(r, 200, NULL, o);
}

/*
 * GET /users/logout (public): a small HTML page for browsers.  Ends the
 * session named by the cookie, if any, and clears the cookie.
 */
int
h_logout_page(struct request *r)
{
	static const char page[] =
	    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<title>Container Codes - logged out</title></head>\n<body>"
	    "<h1>Container Codes</h1><p>You have been logged out.</p>"
	    "</body></html>\n";
	char hash[CRED_HASH_HEX];
	const char *tok = auth_cookie(r, "session");

	if (tok != NULL && strlen(tok) == 43 && cred_hash(tok, hash) == 0)
		store_del(STORE_SESSIONS, hash);
	cookie_set(r, "", 0);
	resp_header(r, "Cache-Control", "no-store");
	return resp_send(r, 200, "text/html; charset=utf-8", page,
	    sizeof(page) - 1);
}

/*
 * POST /users/changepassword {currentPassword, newPassword}: allowed while
 * must_change_password is set, and clears it.  The user's other sessions
 * end.  400 for a bad new
 * password, 401 for a wrong current one (counted like failed logins).
 */
static int
changepassword_inner(struct request *r)
{
	const char *cur = jget_str(r->json, "currentPassword");
	const char *next = jget_str(r->json, "newPassword"), *why;
	json_object *u = NULL, *o;
	int rc;

	if (cur == NULL || next == NULL)
		return resp_error(r, CC_E_INVALID_REQUEST, "'currentPassword' "
		    "and 'newPassword' are required strings");
	if (cred_password_ok(next, &why) < 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "newPassword: %s",
		    why);
	if (strcmp(cur, next) == 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "newPassword must "
		    "differ from currentPassword");
	if ((rc = login_verify(r, r->who.user, cur, &u)) != 0)
		return rc;
	if ((rc = users_set_password(u, next, 0)) != 0) {
		json_object_put(u);
		return resp_svc_error(r, rc, "user", "password check failed");
	}
	json_object_put(u);
	/* Whoever knew the old password loses their sessions; the caller
	 * keeps the one they are using. */
	if ((rc = store_sessions_drop(r->who.user,
	    strcmp(r->who.via, "session") == 0 ? r->who.cred_id : NULL)) != 0)
		log_msg(LOG_L_WARN, "could not end the other sessions of '%s': "
		    "%s", r->who.user, store_strerror(rc));
	r->revokes = r->who.user;
	o = json_object_new_object();
	json_object_object_add(o, "message",
	    json_object_new_string("Password changed successfully"));
	json_object_object_add(o, "username",
	    json_object_new_string(r->who.user));
	return resp_ok(r, 200, NULL, o);
}

/*
 * POST /auth/token: {username, password} or {api_key} (or an X-API-Key
 * header) for an HS256 JWT valid jwt_ttl seconds, carrying sub, role,
 * exp and jti.  A key's token has the key's effective role.
 */
static int
token_inner(struct request *r)
{
	const unsigned char *key = cred_jwt_key();
	const char *name = jget_str(r->json, "username");
	const char *apikey = jget_str(r->json, "api_key");
	unsigned char rnd[16];
	struct jwt_claims c;
	char tok[1024];
	json_object *u = NULL, *o;
	time_t now = now_wall();
	enum access role;
	int rc;

	if (key == NULL)
		return resp_error(r, CC_E_INTERNAL_ERROR, "server secrets "
		    "unavailable");
	if (apikey == NULL && name == NULL)
		apikey = req_header(r, "X-API-Key");
	memset(&c, 0, sizeof(c));
	if (apikey != NULL) {
		if ((rc = auth_with_key(r, apikey)) != 0)
			return rc;
		role = r->who.role;
		snprintf(c.sub, sizeof(c.sub), "%s", r->who.user);
	} else {
		if ((rc = login_verify(r, name, jget_str(r->json, "password"),
		    &u)) != 0)
			return rc;
		if (access_parse(jget_str(u, "role") ? jget_str(u, "role") : "",
		    &role) < 0)
			role = ACCESS_VIEWER;
		snprintf(c.sub, sizeof(c.sub), "%s", name);
		json_object_put(u);
	}
	c.role = role;
	c.exp = now + svc_cfg.jwt_ttl;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(c.jti, sizeof(c.jti), rnd, sizeof(rnd));
	if (jwt_sign(key, &c, now, tok, sizeof(tok)) < 0)
		return resp_error(r, CC_E_INTERNAL_ERROR, "token too large");
	o = json_object_new_object();
	json_object_object_add(o, "token", json_object_new_string(tok));
	json_object_object_add(o, "token_type",
	    json_object_new_string("Bearer"));
	json_object_object_add(o, "expires_in",
	    json_object_new_int(svc_cfg.jwt_ttl));
	json_object_object_add(o, "expires_at", uj_time(c.exp));
	json_object_object_add(o, "username", json_object_new_string(c.sub));
	json_object_object_add(o, "role",
	    json_object_new_string(access_name(role)));
	sodium_memzero(tok, sizeof(tok));
	return resp_ok(r, 200, NULL, o);
}

int
h_login(struct request *r)
{
	int rc = login_inner(r);

	users_wipe_secrets(r);
	return rc;
}

int
h_changepassword(struct request *r)
{
	int rc = changepassword_inner(r);

	users_wipe_secrets(r);
	return rc;
}

int
h_token(struct request *r)
{
	int rc = token_inner(r);

	users_wipe_secrets(r);
	return rc;
}
