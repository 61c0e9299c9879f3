/*
 * t_auth.c: authentication, roles and ownership through nginx and Apache.
 * For each front end and each credential (API key, Bearer JWT, session
 * cookie): valid works; missing, malformed, wrong, expired, revoked or
 * disabled is 401 JSON with WWW-Authenticate; a role violation is 403.
 * Then: the must-change-password flow (by PATCH, and from
 * DEFAULT_ADMIN_PASSWORD on a fresh data directory), a key's secret shown
 * exactly once, ownership (other users' things are 404), two concurrent
 * logins for one user, every user, key and session surviving a pool
 * restart, 429 past the login and request limits, and finally that no
 * secret the test used appears in any log of the stack.
 */
#include <sys/wait.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "harness.h"

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

static const char *const fronts[] = { "NGINX_URL", "APACHE_URL" };
static const char *const fe_names[] = { "nginx", "apache" };

/* Every secret the test sends, to look for in the logs at the end. */
static char *secrets[256];
static size_t nsecrets;

static const char *
remember(const char *s)
{
	if (s != NULL && *s != '\0' && nsecrets < 256)
		secrets[nsecrets++] = strdup(s);
	return s;
}

static char admin_hdr[256];

/*
 * One request: h1 and h2 are extra headers (may be NULL); a body goes out
 * as application/json.
 */
static void
req(struct http_resp *r, const char *fe, const char *method, const char *path,
    const char *h1, const char *h2, const char *body)
{
	const char *hdrs[5];
	size_t n = 0;

	if (h1 != NULL)
		hdrs[n++] = h1;
	if (h2 != NULL)
		hdrs[n++] = h2;
	if (body != NULL)
		hdrs[n++] = "Content-Type: application/json";
	hdrs[n] = NULL;
	http_do(r, method, harness_url(fe, path), hdrs, body,
	    body ? strlen(body) : 0);
}

static const char *
err_code(struct http_resp *r)
{
	const char *c = json_str_at(r->json, "error.code");

	return c ? c : "(none)";
}

/* Checks a 401 answer: JSON error UNAUTHORIZED plus WWW-Authenticate. */
static void
is_401(struct http_resp *r, const char *what)
{
	is_int(r->status, 401, "%s: 401", what);
	is_str(err_code(r), "UNAUTHORIZED", "%s: code UNAUTHORIZED", what);
	ok(http_header(r, "WWW-Authenticate") != NULL &&
	    strstr(http_header(r, "WWW-Authenticate"), "Bearer") != NULL,
	    "%s: WWW-Authenticate", what);
}

/* "Name: value" in new memory. */
static char *
hdr_join(const char *name, const char *v)
{
	char *s;

	if (asprintf(&s, "%s: %s", name, v) < 0)
		bail_out("out of memory");
	return s;
}

/* Creates a user through the admin key; 201 expected. */
static void
make_user(const char *name, const char *pw, const char *role)
{
	struct http_resp r;
	char body[512];

	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\","
	    "\"role\":\"%s\",\"email\":\"%s@example.test\"}", name,
	    remember(pw), role, name);
	req(&r, "NGINX_URL", "POST", "/api/v1/users", admin_hdr, NULL, body);
	if (!is_int(r.status, 201, "create user %s (%s)", name, role))
		diag("%s", r.body);
	http_resp_free(&r);
}

/* A new API key for name made by the admin; returns "X-API-Key: ..." */
static char *
make_key(const char *name, const char *scope, char prefix[16])
{
	struct http_resp r;
	char body[128], path[128];
	const char *k;
	char *h = NULL;

	snprintf(path, sizeof(path), "/api/v1/users/%s/keys", name);
	if (scope != NULL)
		snprintf(body, sizeof(body), "{\"scope\":\"%s\"}", scope);
	req(&r, "NGINX_URL", "POST", path, admin_hdr, NULL,
	    scope ? body : NULL);
	is_int(r.status, 201, "key for %s (%s)", name, scope ? scope : "-");
	if ((k = json_str_at(r.json, "key.api_key")) != NULL) {
		h = hdr_join("X-API-Key", remember(k));
		if (prefix != NULL)
			snprintf(prefix, 16, "%s",
			    json_str_at(r.json, "key.prefix"));
	} else
		bail_out("no key in %s", r.body);
	http_resp_free(&r);
	return h;
}

/* A JWT for name/pw: "Authorization: Bearer ..." */
static char *
make_token(const char *fe, const char *name, const char *pw)
{
	struct http_resp r;
	char body[256];
	const char *t;
	char *h;

	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}",
	    name, pw);
	req(&r, fe, "POST", "/api/v1/auth/token", NULL, NULL, body);
	is_int(r.status, 200, "token for %s", name);
	if ((t = json_str_at(r.json, "token")) == NULL)
		bail_out("no token in %s", r.body);
	remember(t);
	if (asprintf(&h, "Authorization: Bearer %s", t) < 0)
		bail_out("out of memory");
	http_resp_free(&r);
	return h;
}

struct session {
	char	cookie[128];	/* "Cookie: session=..." */
	char	csrf[128];	/* "X-CSRF-Token: ..." */
};

static int
login(const char *fe, const char *name, const char *pw, struct session *s)
{
	struct http_resp r;
	char body[256], *v = NULL;
	const char *sc, *csrf;
	int status;

	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}",
	    name, pw);
	req(&r, fe, "POST", "/api/v1/users/login", NULL, NULL, body);
	status = (int)r.status;
	if (s != NULL && status == 200) {
		sc = http_header(&r, "Set-Cookie");
		if (sc == NULL || strncmp(sc, "session=", 8) != 0)
			bail_out("login without a session cookie");
		v = strndup(sc + 8, strcspn(sc + 8, ";"));
		snprintf(s->cookie, sizeof(s->cookie), "Cookie: session=%s",
		    remember(v));
		csrf = json_str_at(r.json, "csrf_token");
		snprintf(s->csrf, sizeof(s->csrf), "X-CSRF-Token: %s",
		    remember(csrf ? csrf : ""));
		ok(strstr(sc, "HttpOnly") != NULL &&
		    strstr(sc, "SameSite=Strict") != NULL,
		    "session cookie is HttpOnly and SameSite=Strict");
		free(v);
	}
	http_resp_free(&r);
	return status;
}

/* Signs a token with the server's own secret (read from the data dir)
 * but with the header and claims we choose.  Returns the header line in
 * a static buffer. */
static const char *
forge_token(const char *hdr, const char *payload)
{
	static char h[1100];
	unsigned char key[32], mac[32];
	char path[1024], tok[1024];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/secrets/jwt.key",
	    harness_env("DATA_DIR"));
	if ((f = fopen(path, "r")) == NULL || fread(key, 1, 32, f) != 32)
		bail_out("cannot read %s", path);
	fclose(f);
	sodium_bin2base64(tok, sizeof(tok), (const unsigned char *)hdr,
	    strlen(hdr), B64);
	n = strlen(tok);
	tok[n++] = '.';
	sodium_bin2base64(tok + n, sizeof(tok) - n,
	    (const unsigned char *)payload, strlen(payload), B64);
	n = strlen(tok);
	crypto_auth_hmacsha256(mac, (unsigned char *)tok, n, key);
	tok[n++] = '.';
	sodium_bin2base64(tok + n, sizeof(tok) - n, mac, 32, B64);
	snprintf(h, sizeof(h), "Authorization: Bearer %s", remember(tok));
	return h;
}

/* ---- per front end ---- */

static void
check_missing_and_bad(const char *fe, const char *nm)
{
	static const char *bad_hdrs[] = {
		"X-API-Key: nope",
		"X-API-Key: cc_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"Authorization: Bearer abc",
		"Authorization: Bearer a.b.c",
		"Authorization: Basic YWRtaW46YWRtaW4=",
		"Cookie: session=garbage",
		"Cookie: session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};
	static const char *why[] = { "malformed key", "wrong key",
	    "malformed token", "garbage token", "Basic auth",
	    "malformed session", "unknown session" };
	char what[128];
	struct http_resp r;
	size_t i;
	long exp = (long)time(NULL) - 10;
	char pl[256];

	req(&r, fe, "GET", "/api/v1/system/info", NULL, NULL, NULL);
	snprintf(what, sizeof(what), "%s: no credential", nm);
	is_401(&r, what);
	http_resp_free(&r);
	for (i = 0; i < sizeof(bad_hdrs) / sizeof(bad_hdrs[0]); i++) {
		req(&r, fe, "GET", "/api/v1/users/me", bad_hdrs[i], NULL, NULL);
		snprintf(what, sizeof(what), "%s: %s", nm, why[i]);
		is_401(&r, what);
		http_resp_free(&r);
	}
	/* tokens signed with the server's key but wrong in other ways */
	snprintf(pl, sizeof(pl), "{\"sub\":\"admin\",\"role\":\"admin\","
	    "\"exp\":%ld,\"jti\":\"e1\"}", exp);
	req(&r, fe, "GET", "/api/v1/users/me",
	    forge_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", pl), NULL, NULL);
	snprintf(what, sizeof(what), "%s: expired token", nm);
	is_401(&r, what);
	http_resp_free(&r);
	snprintf(pl, sizeof(pl), "{\"sub\":\"admin\",\"role\":\"admin\","
	    "\"exp\":%ld,\"jti\":\"n1\"}", exp + 3600);
	req(&r, fe, "GET", "/api/v1/users/me",
	    forge_token("{\"alg\":\"none\",\"typ\":\"JWT\"}", pl), NULL, NULL);
	snprintf(what, sizeof(what), "%s: alg none token", nm);
	is_401(&r, what);
	http_resp_free(&r);
	req(&r, fe, "GET", "/api/v1/users/me",
	    forge_token("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", pl), NULL, NULL);
	snprintf(what, sizeof(what), "%s: HS512 token", nm);
	is_401(&r, what);
	http_resp_free(&r);
	/* the same claims, properly signed, are accepted: the rejections
	 * above are about the expiry and the algorithm only */
	req(&r, fe, "GET", "/api/v1/users/me",
	    forge_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", pl), NULL, NULL);
	is_int(r.status, 200, "%s: a well-made token with those claims works",
	    nm);
	http_resp_free(&r);
}

static void
check_valid_each_mode(const char *fe, const char *nm)
{
	struct http_resp r;
	struct session s;
	char *key, *tok;

	key = make_key("olga", NULL, NULL);
	req(&r, fe, "GET", "/api/v1/users/me", key, NULL, NULL);
	is_int(r.status, 200, "%s: API key works", nm);
	is_str(json_str_at(r.json, "user.via"), "api_key", "%s: via api_key",
	    nm);
	is_str(json_str_at(r.json, "user.username"), "olga",
	    "%s: key's user", nm);
	http_resp_free(&r);

	tok = make_token(fe, "olga", "olga-password");
	req(&r, fe, "GET", "/api/v1/users/me", tok, NULL, NULL);
	is_int(r.status, 200, "%s: JWT works", nm);
	is_str(json_str_at(r.json, "user.via"), "jwt", "%s: via jwt", nm);
	http_resp_free(&r);

	is_int(login(fe, "olga", "olga-password", &s), 200, "%s: login", nm);
	req(&r, fe, "GET", "/api/v1/users/me", s.cookie, NULL, NULL);
	is_int(r.status, 200, "%s: session works", nm);
	is_str(json_str_at(r.json, "user.via"), "session", "%s: via session",
	    nm);
	http_resp_free(&r);

	/* CSRF: an unsafe method by cookie from another site needs the
	 * token from login (tests/e2e/t_csrf has the other cases) */
	req(&r, fe, "POST", "/api/v1/users/me/keys", s.cookie,
	    "Sec-Fetch-Site: cross-site", "{}");
	is_int(r.status, 403, "%s: cross-site cookie POST without X-CSRF-Token "
	    "is 403", nm);
	http_resp_free(&r);
	req(&r, fe, "POST", "/api/v1/users/me/keys", s.cookie,
	    "X-CSRF-Token: wrong", "{}");
	is_int(r.status, 403, "%s: cookie POST with a wrong CSRF token is 403",
	    nm);
	http_resp_free(&r);
	req(&r, fe, "POST", "/api/v1/users/me/keys", s.cookie, s.csrf, "{}");
	is_int(r.status, 201, "%s: cookie POST with the CSRF token works", nm);
	remember(json_str_at(r.json, "key.api_key"));
	http_resp_free(&r);

	/* revoked: logout ends the token and the session */
	req(&r, fe, "POST", "/api/v1/users/logout", tok, NULL, NULL);
	is_int(r.status, 200, "%s: logout with the token", nm);
	http_resp_free(&r);
	req(&r, fe, "GET", "/api/v1/users/me", tok, NULL, NULL);
	is_401(&r, "revoked token");
	http_resp_free(&r);
	req(&r, fe, "POST", "/api/v1/users/logout", s.cookie, s.csrf, NULL);
	is_int(r.status, 200, "%s: logout with the session", nm);
	is_str(json_str_at(r.json, "message"), "Logged out successfully",
	    "%s: logout message", nm);
	http_resp_free(&r);
	req(&r, fe, "GET", "/api/v1/users/me", s.cookie, NULL, NULL);
	is_401(&r, "logged-out session");
	http_resp_free(&r);

	/* the HTML logout page works with and without a session */
	is_int(login(fe, "olga", "olga-password", &s), 200, "%s: login again",
	    nm);
	req(&r, fe, "GET", "/api/v1/users/logout", s.cookie, NULL, NULL);
	is_int(r.status, 200, "%s: GET logout page", nm);
	ok(http_header(&r, "Content-Type") != NULL &&
	    strstr(http_header(&r, "Content-Type"), "text/html") != NULL &&
	    strstr(r.body, "logged out") != NULL, "%s: logout page is HTML",
	    nm);
	http_resp_free(&r);
	req(&r, fe, "GET", "/api/v1/users/me", s.cookie, NULL, NULL);
	is_401(&r, "session after the logout page");
	http_resp_free(&r);
	req(&r, fe, "GET", "/api/v1/users/logout", NULL, NULL, NULL);
	is_int(r.status, 200, "%s: logout page without a session", nm);
	http_resp_free(&r);

	/* wrong password: 401, same message as an unknown user */
	is_int(login(fe, "olga", "not-her-password", NULL), 401,
	    "%s: login with a wrong password", nm);
	free(key);
	free(tok);
}

static void
check_roles(const char *fe, const char *nm, const char *viewer,
    const char *oper)
{
	struct http_resp r;

	req(&r, fe, "GET", "/api/v1/config", viewer, NULL, NULL);
	is_int(r.status, 403, "%s: viewer GET /config is 403", nm);
	is_str(err_code(&r), "FORBIDDEN", "%s: code FORBIDDEN", nm);
	http_resp_free(&r);
	req(&r, fe, "GET", "/api/v1/system/info", viewer, NULL, NULL);
	is_int(r.status, 200, "%s: viewer GET /system/info is 200", nm);
	http_resp_free(&r);
	req(&r, fe, "POST", "/api/v1/users", viewer, NULL,
	    "{\"username\":\"nobody1\",\"password\":\"password1\"}");
	is_int(r.status, 403, "%s: viewer POST /users is 403", nm);
	http_resp_free(&r);
	req(&r, fe, "DELETE", "/api/v1/users/olga", oper, NULL, NULL);
	is_int(r.status, 403, "%s: operator DELETE /users/olga is 403", nm);
	http_resp_free(&r);
	req(&r, fe, "GET", "/api/v1/users/olga/keys", oper, NULL, NULL);
	is_int(r.status, 403, "%s: operator GET another's keys (admin route) "
	    "is 403", nm);
	http_resp_free(&r);
	req(&r, fe, "GET", "/api/v1/config", admin_hdr, NULL, NULL);
	is_int(r.status, 200, "%s: admin GET /config is 200", nm);
	http_resp_free(&r);
}

static void
check_disabled(const char *fe, const char *nm)
{
	struct http_resp r;
	struct session s;
	char *key, *tok;

	make_user(fe[0] == 'N' ? "dora" : "dina", "dora-password", "operator");
	key = make_key(fe[0] == 'N' ? "dora" : "dina", NULL, NULL);
	tok = make_token(fe, fe[0] == 'N' ? "dora" : "dina", "dora-password");
	is_int(login(fe, fe[0] == 'N' ? "dora" : "dina", "dora-password", &s),
	    200, "%s: login before disabling", nm);
	req(&r, fe, "PATCH", fe[0] == 'N' ? "/api/v1/users/dora" :
	    "/api/v1/users/dina", admin_hdr, NULL, "{\"disabled\":true}");
	is_int(r.status, 200, "%s: admin disables the user", nm);
	http_resp_free(&r);
	req(&r, fe, "GET", "/api/v1/users/me", key, NULL, NULL);
	is_401(&r, "disabled user's key");
	http_resp_free(&r);
	req(&r, fe, "GET", "/api/v1/users/me", tok, NULL, NULL);
	is_401(&r, "disabled user's token");
	http_resp_free(&r);
	req(&r, fe, "GET", "/api/v1/users/me", s.cookie, NULL, NULL);
	is_401(&r, "disabled user's session");
	http_resp_free(&r);
	is_int(login(fe, fe[0] == 'N' ? "dora" : "dina", "dora-password",
	    NULL), 401, "%s: disabled user cannot log in", nm);
	free(key);
	free(tok);
}

/* ---- once ---- */

static void
check_key_shown_once(void)
{
	struct http_resp r;
	char *key, prefix[16], path[128], *secret, *weak;

	key = make_key("olga", "read", prefix);
	secret = key + strlen("X-API-Key: ");
	req(&r, "NGINX_URL", "GET", "/api/v1/users/me/keys", key, NULL, NULL);
	is_int(r.status, 200, "list own keys");
	ok(strstr(r.body, prefix) != NULL, "the list names the key's prefix");
	ok(strstr(r.body, secret) == NULL && strstr(r.body, "api_key") == NULL,
	    "the list never shows a secret");
	http_resp_free(&r);
	req(&r, "NGINX_URL", "GET", "/api/v1/users/olga/keys", admin_hdr, NULL,
	    NULL);
	ok(r.status == 200 && strstr(r.body, secret) == NULL &&
	    strstr(r.body, "api_key") == NULL,
	    "the admin's list never shows a secret either");
	http_resp_free(&r);
	/* no key above its owner's role, and none above the caller's */
	req(&r, "NGINX_URL", "POST", "/api/v1/users/me/keys", key, NULL,
	    "{\"scope\":\"write\"}");
	is_int(r.status, 400, "a viewer cannot have a write key");
	http_resp_free(&r);
	weak = make_key("pete", "read", NULL);
	req(&r, "NGINX_URL", "POST", "/api/v1/users/me/keys", weak, NULL,
	    "{\"scope\":\"write\"}");
	is_int(r.status, 403, "an operator's read key cannot make a write "
	    "key");
	http_resp_free(&r);
	free(weak);
	snprintf(path, sizeof(path), "/api/v1/users/me/keys/%s", prefix);
	req(&r, "NGINX_URL", "DELETE", path, key, NULL, NULL);
	is_int(r.status, 200, "delete own key");
	http_resp_free(&r);
	req(&r, "NGINX_URL", "GET", "/api/v1/users/me", key, NULL, NULL);
	is_401(&r, "deleted key");
	http_resp_free(&r);
	free(key);
}

static void
check_ownership(const char *olga_key, const char *pete_key)
{
	struct http_resp r;
	char prefix[16], path[128], *k;

	k = make_key("pete", NULL, prefix);
	free(k);
	snprintf(path, sizeof(path), "/api/v1/users/me/keys/%s", prefix);
	req(&r, "NGINX_URL", "DELETE", path, olga_key, NULL, NULL);
	is_int(r.status, 404, "another user's key is 404, not 403");
	is_str(err_code(&r), "KEY_NOT_FOUND", "code KEY_NOT_FOUND");
	http_resp_free(&r);
	req(&r, "NGINX_URL", "GET", "/api/v1/users/pete", olga_key, NULL, NULL);
	is_int(r.status, 404, "another user's record is 404");
	is_str(err_code(&r), "USER_NOT_FOUND", "code USER_NOT_FOUND");
	http_resp_free(&r);
	req(&r, "NGINX_URL", "GET", "/api/v1/users", olga_key, NULL, NULL);
	ok(r.status == 200 && json_object_array_length(json_at(r.json,
	    "users")) == 1 && strcmp(json_str_at(r.json, "users.0.username"),
	    "olga") == 0, "a non-admin lists only themselves");
	http_resp_free(&r);
	req(&r, "NGINX_URL", "GET", "/api/v1/users/me/keys", pete_key, NULL,
	    NULL);
	ok(r.status == 200 && strstr(r.body, "\"owner\":\"olga\"") == NULL,
	    "a user's key list holds only their keys");
	http_resp_free(&r);
	req(&r, "NGINX_URL", "PATCH", "/api/v1/users/me", olga_key, NULL,
	    "{\"role\":\"admin\"}");
	is_int(r.status, 403, "a non-admin cannot change their own role");
	http_resp_free(&r);
	req(&r, "NGINX_URL", "DELETE", "/api/v1/users/admin", admin_hdr, NULL,
	    NULL);
	is_int(r.status, 409, "the last admin cannot be deleted");
	http_resp_free(&r);
}

static void
check_must_change_patch(void)
{
	struct http_resp r;
	struct session s, other;
	char *key;

	make_user("mona", "mona-password", "operator");
	key = make_key("mona", NULL, NULL);
	req(&r, "NGINX_URL", "PATCH", "/api/v1/users/mona", admin_hdr, NULL,
	    "{\"must_change_password\":true}");
	is_int(r.status, 200, "admin sets must_change_password");
	http_resp_free(&r);
	req(&r, "APACHE_URL", "GET", "/api/v1/system/info", key, NULL, NULL);
	is_int(r.status, 403, "must change: other routes are 403");
	is_str(err_code(&r), "PASSWORD_CHANGE_REQUIRED",
	    "code PASSWORD_CHANGE_REQUIRED");
	http_resp_free(&r);
	req(&r, "APACHE_URL", "GET", "/api/v1/users/me", key, NULL, NULL);
	is_int(r.status, 200, "must change: /users/me still works");
	http_resp_free(&r);
	is_int(login("APACHE_URL", "mona", "mona-password", &s), 200,
	    "must change: login works");
	is_int(login("NGINX_URL", "mona", "mona-password", &other), 200,
	    "must change: a second session");
	req(&r, "APACHE_URL", "POST", "/api/v1/users/changepassword", s.cookie,
	    s.csrf, "{\"currentPassword\":\"wrong-password\","
	    "\"newPassword\":\"mona-password-2\"}");
	is_int(r.status, 401, "changepassword with a wrong current password");
	http_resp_free(&r);
	req(&r, "APACHE_URL", "POST", "/api/v1/users/changepassword", s.cookie,
	    s.csrf, "{\"currentPassword\":\"mona-password\","
	    "\"newPassword\":\"short\"}");
	is_int(r.status, 400, "changepassword to a short password is 400");
	http_resp_free(&r);
	req(&r, "APACHE_URL", "POST", "/api/v1/users/changepassword", s.cookie,
	    s.csrf, "{\"currentPassword\":\"mona-password\","
	    "\"newPassword\":\"mona-password-2\"}");
	is_int(r.status, 200, "changepassword works");
	remember("mona-password-2");
	http_resp_free(&r);
	req(&r, "APACHE_URL", "GET", "/api/v1/users/me", s.cookie, NULL, NULL);
	is_int(r.status, 200, "the session that changed the password stays");
	http_resp_free(&r);
	req(&r, "APACHE_URL", "GET", "/api/v1/users/me", other.cookie, NULL,
	    NULL);
	is_401(&r, "another session after the password change");
	http_resp_free(&r);
	req(&r, "APACHE_URL", "GET", "/api/v1/system/info", key, NULL, NULL);
	is_int(r.status, 200, "after the change, other routes work");
	http_resp_free(&r);
	is_int(login("NGINX_URL", "mona", "mona-password-2", NULL), 200,
	    "login with the new password");
	free(key);
}

static void
check_concurrent_logins(void)
{
	pid_t kids[2];
	int i, status, good = 0;

	for (i = 0; i < 2; i++) {
		if ((kids[i] = fork()) == 0) {
			struct http_resp r;

			req(&r, fronts[i], "POST", "/api/v1/users/login", NULL,
			    NULL, "{\"username\":\"olga\","
			    "\"password\":\"olga-password\"}");
			_exit(r.status == 200 ? 0 : 1);
		}
	}
	for (i = 0; i < 2; i++)
		if (kids[i] > 0 && waitpid(kids[i], &status, 0) == kids[i] &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0)
			good++;
	is_int(good, 2, "two concurrent logins for one user both succeed");
}

/* Retries a request a few times while a just-restarted pool comes up. */
static void
req_settled(struct http_resp *r, const char *fe, const char *path,
    const char *h)
{
	int i;

	for (i = 0; i < 50; i++) {
		req(r, fe, "GET", path, h, NULL, NULL);
		if (r->status != 0 && r->status != 502 && r->status != 503)
			return;
		http_resp_free(r);
		usleep(100000);
	}
}

static void
check_restart(const char *olga_key)
{
	struct http_resp r;
	struct session s;
	char *tok;

	tok = make_token("NGINX_URL", "olga", "olga-password");
	is_int(login("NGINX_URL", "olga", "olga-password", &s), 200,
	    "login before the restart");
	if (!ok(harness_restart_pool() == 0, "pool restarted")) {
		free(tok);
		return;
	}
	req_settled(&r, "NGINX_URL", "/api/v1/users/me", olga_key);
	is_int(r.status, 200, "after restart: the API key works");
	http_resp_free(&r);
	req_settled(&r, "APACHE_URL", "/api/v1/users/me", tok);
	is_int(r.status, 200, "after restart: the JWT works");
	http_resp_free(&r);
	req_settled(&r, "NGINX_URL", "/api/v1/users/me", s.cookie);
	is_int(r.status, 200, "after restart: the session works");
	http_resp_free(&r);
	req_settled(&r, "NGINX_URL", "/api/v1/users?limit=100", admin_hdr);
	ok(r.status == 200 && strstr(r.body, "\"olga\"") != NULL &&
	    strstr(r.body, "\"pete\"") != NULL &&
	    strstr(r.body, "\"mona\"") != NULL,
	    "after restart: every user is there");
	http_resp_free(&r);
	is_int(login("APACHE_URL", "mona", "mona-password-2", NULL), 200,
	    "after restart: passwords still work");
	free(tok);
}

/*
 * DEFAULT_ADMIN_PASSWORD on a fresh data directory: the pool makes an
 * admin that must change its password before anything else.
 */
static void
check_bootstrap(void)
{
	char from[1024], to[1100];
	struct http_resp r;
	struct session s;
	const char *k;

	snprintf(from, sizeof(from), "%s/db", harness_env("DATA_DIR"));
	snprintf(to, sizeof(to), "%s/db.before-bootstrap",
	    harness_env("DATA_DIR"));
	/* the pool stops before the move, so nobody has the LMDB open */
	setenv("DEFAULT_ADMIN_PASSWORD", remember("first-admin-pw"), 1);
	if (!ok(harness_stop_pool() == 0 && rename(from, to) == 0 &&
	    harness_restart_pool() == 0,
	    "pool restarted on a fresh database with DEFAULT_ADMIN_PASSWORD")) {
		unsetenv("DEFAULT_ADMIN_PASSWORD");
		return;
	}
	unsetenv("DEFAULT_ADMIN_PASSWORD");
	req_settled(&r, "NGINX_URL", "/api/v1/users/me", admin_hdr);
	is_401(&r, "the old admin key on the fresh database");
	http_resp_free(&r);
	is_int(login("NGINX_URL", "admin", "admin", NULL), 401,
	    "there is no admin/admin");
	is_int(login("NGINX_URL", "admin", "first-admin-pw", &s), 200,
	    "the bootstrap admin logs in");
	req(&r, "NGINX_URL", "GET", "/api/v1/users", s.cookie, NULL, NULL);
	is_int(r.status, 403, "before changing its password: 403");
	is_str(err_code(&r), "PASSWORD_CHANGE_REQUIRED",
	    "code PASSWORD_CHANGE_REQUIRED");
	http_resp_free(&r);
	req(&r, "NGINX_URL", "POST", "/api/v1/users/me/keys", s.cookie, s.csrf,
	    "{}");
	is_int(r.status, 403, "no keys before changing its password");
	http_resp_free(&r);
	req(&r, "NGINX_URL", "POST", "/api/v1/users/changepassword", s.cookie,
	    s.csrf, "{\"currentPassword\":\"first-admin-pw\","
	    "\"newPassword\":\"second-admin-pw\"}");
	is_int(r.status, 200, "the bootstrap admin changes its password");
	remember("second-admin-pw");
	http_resp_free(&r);
	req(&r, "NGINX_URL", "POST", "/api/v1/users/me/keys", s.cookie, s.csrf,
	    "{\"name\":\"tests\"}");
	is_int(r.status, 201, "then it can make a key");
	if ((k = json_str_at(r.json, "key.api_key")) != NULL)
		snprintf(admin_hdr, sizeof(admin_hdr), "X-API-Key: %s",
		    remember(k));
	http_resp_free(&r);
	make_user("olga", "olga-password", "viewer");
}

static void
check_rate_limits(void)
{
	struct http_resp r;
	char body[256];
	int i, got = 0, retry = 0;
	char *key;

	/* per user, across workers and both front ends */
	make_user("rita", "rita-password", "viewer");
	for (i = 0; i < 3; i++)
		login(fronts[i % 2], "rita", "wrong-password", NULL);
	req(&r, "APACHE_URL", "POST", "/api/v1/users/login", NULL, NULL,
	    "{\"username\":\"rita\",\"password\":\"rita-password\"}");
	is_int(r.status, 429, "past login_rate failures for a user: 429, "
	    "even with the right password");
	is_str(err_code(&r), "RATE_LIMITED", "code RATE_LIMITED");
	ok(http_header(&r, "Retry-After") != NULL &&
	    atoi(http_header(&r, "Retry-After")) > 0, "with Retry-After");
	http_resp_free(&r);
	is_int(login("NGINX_URL", "olga", "olga-password", NULL), 200,
	    "another user still logs in");

	/* per credential: request_rate = 150 per minute */
	key = make_key("olga", NULL, NULL);
	for (i = 0; i < 450 && !got; i++) {
		req(&r, fronts[i % 2], "GET", "/api/v1/users/me", key, NULL,
		    NULL);
		if (r.status == 429) {
			got = 1;
			retry = http_header(&r, "Retry-After") != NULL;
		}
		http_resp_free(&r);
	}
	ok(got && retry, "past request_rate for one key: 429 with Retry-After "
	    "(after %d requests)", i);
	req(&r, "NGINX_URL", "GET", "/api/v1/users/me", admin_hdr, NULL, NULL);
	is_int(r.status, 200, "another credential is not limited");
	http_resp_free(&r);
	free(key);

	/* per client address: login_rate_addr = 15 failures */
	got = 0;
	for (i = 0; i < 40 && !got; i++) {
		snprintf(body, sizeof(body), "{\"username\":\"ghost%d\","
		    "\"password\":\"whatever-pw\"}", i);
		req(&r, fronts[i % 2], "POST", "/api/v1/users/login", NULL, NULL,
		    body);
		got = r.status == 429;
		http_resp_free(&r);
	}
	ok(got, "past login_rate_addr failures from one address: 429 "
	    "(after %d attempts)", i);
	is_int(login("NGINX_URL", "olga", "olga-password", NULL), 429,
	    "then even a good login from that address waits");
}

/* No secret the test sent appears in any log of the stack. */
static void
check_logs(void)
{
	const char *dir = harness_env("LOG_DIR");
	char path[2048], *buf;
	struct dirent *de;
	size_t i, n, leaks = 0, files = 0;
	DIR *d;
	FILE *f;

	if ((d = opendir(dir)) == NULL) {
		ok(0, "open %s", dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if ((buf = malloc(64 << 20)) == NULL)
			bail_out("out of memory");
		n = fread(buf, 1, (64 << 20) - 1, f);
		buf[n] = '\0';
		fclose(f);
		files++;
		for (i = 0; i < nsecrets; i++)
			if (memmem(buf, n, secrets[i], strlen(secrets[i])) !=
			    NULL) {
				diag("secret %zu (%.6s...) found in %s", i,
				    secrets[i], de->d_name);
				leaks++;
			}
		free(buf);
	}
	closedir(d);
	ok(files > 0 && nsecrets > 20, "looked through %zu log files for %zu "
	    "secrets", files, nsecrets);
	is_int(leaks, 0, "no password, key, token, cookie or CSRF token in "
	    "any log");
}

int
main(void)
{
	struct http_resp r;
	char *olga_key, *pete_key, *viewer, *oper;
	size_t i;

	if (sodium_init() < 0)
		return 1;
	harness_start("login_rate = 3\nlogin_rate_addr = 15\n"
	    "request_rate = 150\nrequest_window = 60\n");
	if (harness_admin_header() == NULL)
		bail_out("the stack has no ADMIN_KEY");
	snprintf(admin_hdr, sizeof(admin_hdr), "%s", harness_admin_header());
	remember(harness_env("ADMIN_KEY"));

	req(&r, "NGINX_URL", "GET", "/health", NULL, NULL, NULL);
	ok(r.status == 200 || r.status == 503, "health is public");
	http_resp_free(&r);

	make_user("olga", "olga-password", "viewer");
	make_user("pete", "pete-password", "operator");
	viewer = make_key("olga", NULL, NULL);
	oper = make_key("pete", NULL, NULL);
	olga_key = viewer;
	pete_key = oper;
	for (i = 0; i < 2; i++) {
		if (harness_env(fronts[i]) == NULL ||
		    *harness_env(fronts[i]) == '\0') {
			ok(0, "%s is set", fronts[i]);
			continue;
		}
		check_missing_and_bad(fronts[i], fe_names[i]);
		check_valid_each_mode(fronts[i], fe_names[i]);
		check_roles(fronts[i], fe_names[i], viewer, oper);
		check_disabled(fronts[i], fe_names[i]);
	}
	check_key_shown_once();
	check_ownership(olga_key, pete_key);
	check_must_change_patch();
	check_concurrent_logins();
	check_restart(olga_key);
	check_bootstrap();
	check_rate_limits();
	check_logs();
	free(viewer);
	free(oper);
	for (i = 0; i < nsecrets; i++)
		free(secrets[i]);
	return done_testing();
}
