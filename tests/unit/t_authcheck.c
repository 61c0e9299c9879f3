/* Unit tests: auth_check() against a real LMDB, with requests whose
 * responses go to an in-memory FastCGI stream.  Covers what the e2e test
 * cannot reach without waiting: expired keys, idle and too-old sessions;
 * plus scope caps, CSRF, must_change_password by route flag, open
 * sign-up, the per-credential request rate, cookies and ownership. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "fcgi-app/cc.h"
#include "handlers/handlers.h"
#include "storage/storage.h"
#include "unit.h"
#include "fcgx_mem.h"

static FCGX_Request fr;
static char *envp[8];

/* A request for route rt with "NAME=value" params (a NULL-ended list of
 * up to 7). */
static void
mkreq(struct request *r, const char *method, const struct route *rt,
    const char *const *params)
{
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	mem_out_reset(&fr);
	while (params != NULL && params[n] != NULL && n + 1 < 8) {
		envp[n] = (char *)params[n];
		n++;
	}
	envp[n] = NULL;
	r->fcgx = &fr;
	req_use_env(r, envp);
	r->method = method;
	r->path = (char *)"/api/v1/x";
	r->route = rt;
	snprintf(r->id, sizeof(r->id), "req_test");
}

/* auth_check() on a request with params (a NULL-ended list); its status,
 * with the principal in who (may be NULL). */
static int
check_env(const char *method, const struct route *rt,
    const char *const *params, struct principal *who)
{
	struct request r;
	int rc;

	mkreq(&r, method, rt, params);
	rc = auth_check(&r, rt->access);
	flush_out(&out_stream, 0);	/* what was written, into sent */
	if (rc != 0 && r.hdrs != NULL && strstr(r.hdrs, "Retry-After") == NULL
	    && rc == 429)
		rc = -429;	/* a 429 must carry Retry-After */
	if (who != NULL)
		*who = r.who;
	request_free(&r);
	return rc;
}

/* check_env() with up to two params (either may be NULL). */
static int
check(const char *method, const struct route *rt, const char *p1,
    const char *p2, struct principal *who)
{
	const char *params[3] = { NULL, NULL, NULL };
	size_t n = 0;

	if (p1 != NULL)
		params[n++] = p1;
	if (p2 != NULL)
		params[n++] = p2;
	return check_env(method, rt, params, who);
}

static char *
env(const char *name, const char *v)
{
	static char bufs[8][256];
	static int i;
	char *b = bufs[i++ % 8];

	snprintf(b, 256, "%s=%s", name, v);
	return b;
}

/* A viewer route, for the CSRF cases. */
static const struct route any_viewer = { "POST", "/x", NULL, ACCESS_VIEWER,
    BODY_NONE, 0, "t", 0 };

/*
 * auth_check() of method on a viewer route with credential cred (a
 * "NAME=value" param) and up to three more params (NULL for none); its
 * status.
 */
static int
csrf(const char *method, const char *cred, const char *p1, const char *p2,
    const char *p3)
{
	const char *params[5] = { cred, p1, p2, p3, NULL };
	size_t i, n = 1;

	for (i = 1; i < 4; i++)
		if (params[i] != NULL)
			params[n++] = params[i];
	params[n] = NULL;
	return check_env(method, &any_viewer, params, NULL);
}

/* Stores a session for user with the given times; the cookie in tok. */
static void
put_session(const char *user, int64_t created, int64_t seen,
    char tok[CRED_TOKEN_MAX], const char *csrf)
{
	char hash[CRED_HASH_HEX];
	json_object *s = json_object_new_object();

	cred_token(tok);
	cred_hash(tok, hash);
	json_object_object_add(s, "user", json_object_new_string(user));
	json_object_object_add(s, "created_at", json_object_new_int64(created));
	json_object_object_add(s, "last_seen", json_object_new_int64(seen));
	json_object_object_add(s, "csrf", json_object_new_string(csrf));
	store_put_json(STORE_SESSIONS, hash, s, 0);
	json_object_put(s);
}

/* Host, Origin, HTTPS on, and the status auth_check() gives. */
struct origin_case {
	const char	*host, *origin;
	int		 https, want;
};

static const struct origin_case origins[] = {
	/* host names are case-blind; default ports are filled in */
	{ "Example.TEST", "http://example.test:80", 0, 0 },
	{ "example.test:80", "http://example.test", 0, 0 },
	{ "example.test:8080", "http://example.test", 0, 403 },
	{ "example.test.evil", "http://example.test", 0, 403 },
	{ "example.test", "http://example.test.evil", 0, 403 },
	/* without HTTPS the scheme cannot be told (a TLS proxy may stand
	 * in front): https://host matches a Host of host */
	{ "example.test", "https://example.test", 0, 0 },
	/* over HTTPS an http origin is another origin */
	{ "example.test", "https://example.test:443", 1, 0 },
	{ "example.test:443", "https://example.test", 1, 0 },
	{ "example.test", "http://example.test", 1, 403 },
	{ "example.test", "https://example.test:8443", 1, 403 },
	{ "[::1]:8080", "http://[::1]:8080", 0, 0 },
	{ "[::1]:8080", "http://[::1]:8081", 0, 403 },
	{ "[::1]", "http://[::1]", 0, 0 },
	/* malformed, on either side */
	{ "127.0.0.1:8080", "http://127.0.0.1:8080/", 0, 403 },
	{ "127.0.0.1:8080", "ftp://127.0.0.1:8080", 0, 403 },
	{ "127.0.0.1:8080", "127.0.0.1:8080", 0, 403 },
	{ "127.0.0.1:8080", "http://u@127.0.0.1:8080", 0, 403 },
	{ "127.0.0.1:8080", "http://127.0.0.1:", 0, 403 },
	{ "127.0.0.1:8080", "http://127.0.0.1:080800", 0, 403 },
	{ "127.0.0.1:8080", "http://127.0.0.1:8080x", 0, 403 },
	{ "127.0.0.1:8080", "http://", 0, 403 },
	{ "127.0.0.1:8080", "", 0, 403 },
	{ "[::1:8080", "http://[::1:8080", 0, 403 },
	{ "h:99999", "http://h:99999", 0, 403 },
};

/*
 * CSRF for the session cookie (ann's, whose token is "csrf1"), in the
 * style of Go 1.25's CrossOriginProtection: Fetch Metadata and Origin
 * decide when no X-CSRF-Token is sent; the token is always enough; API
 * keys and Bearer tokens are never asked.
 */
static void
csrf_cases(const char *cookie, const char *key, int64_t now)
{
	static const char *const unsafe[] = { "POST", "PUT", "PATCH",
	    "DELETE" };
	static const char *const safe[] = { "GET", "HEAD", "OPTIONS" };
	const char *c = env("HTTP_COOKIE", cookie), *site_x, *site_s, *tokok;
	const char *host = "HTTP_HOST=127.0.0.1:8080";
	struct jwt_claims jc;
	char jwt[1024], bearer[1100];
	size_t i;

	site_x = "HTTP_SEC_FETCH_SITE=cross-site";
	site_s = "HTTP_SEC_FETCH_SITE=same-site";
	tokok = "HTTP_X_CSRF_TOKEN=csrf1";

	/* neither header (curl, scripts): every unsafe method passes;
	 * cross-site and same-site are refused, with the JSON error */
	for (i = 0; i < 4; i++) {
		CHECK_INT(csrf(unsafe[i], c, NULL, NULL, NULL), 0);
		CHECK_INT(csrf(unsafe[i], c, site_x, NULL, NULL), 403);
		CHECK_INT(csrf(unsafe[i], c, site_s, NULL, NULL), 403);
		CHECK_INT(csrf(unsafe[i], c, host,
		    "HTTP_ORIGIN=http://evil.test", NULL), 403);
	}
	CHECK_INT(csrf("POST", c, site_x, NULL, NULL), 403);
	CHECK(strstr(sent, "\"FORBIDDEN\"") != NULL &&
	    strstr(sent, "Sec-Fetch-Site: cross-site") != NULL &&
	    strstr(sent, "X-CSRF-Token") != NULL);
	CHECK(strstr(sent, cookie + strlen("session=")) == NULL);
	CHECK_INT(csrf("POST", c, site_s, NULL, NULL), 403);
	CHECK(strstr(sent, "Sec-Fetch-Site: same-site") != NULL);
	/* safe methods are never checked */
	for (i = 0; i < 3; i++) {
		CHECK_INT(csrf(safe[i], c, site_x, NULL, NULL), 0);
		CHECK_INT(csrf(safe[i], c, host, "HTTP_ORIGIN=null", NULL), 0);
	}

	/* Sec-Fetch-Site decides when sent: same-origin and none pass,
	 * any other value is refused, whatever Origin says */
	CHECK_INT(csrf("POST", c, "HTTP_SEC_FETCH_SITE=same-origin", NULL,
	    NULL), 0);
	CHECK_INT(csrf("DELETE", c, "HTTP_SEC_FETCH_SITE=none", NULL, NULL),
	    0);
	CHECK_INT(csrf("POST", c, "HTTP_SEC_FETCH_SITE=Same-Origin", NULL,
	    NULL), 0);
	CHECK_INT(csrf("POST", c, "HTTP_SEC_FETCH_SITE=bogus", NULL, NULL),
	    403);
	CHECK_INT(csrf("POST", c, "HTTP_SEC_FETCH_SITE=", NULL, NULL), 403);
	CHECK_INT(csrf("POST", c, "HTTP_SEC_FETCH_SITE=same-origin", host,
	    "HTTP_ORIGIN=http://127.0.0.1:9000"), 0);
	CHECK_INT(csrf("POST", c, site_x, host,
	    "HTTP_ORIGIN=http://127.0.0.1:8080"), 403);

	/* a valid X-CSRF-Token is always enough; a wrong or empty one is
	 * refused even where no token would have passed */
	CHECK_INT(csrf("POST", c, tokok, site_x, NULL), 0);
	CHECK_INT(csrf("PATCH", c, tokok, site_s, NULL), 0);
	CHECK_INT(csrf("PUT", c, tokok, host, "HTTP_ORIGIN=null"), 0);
	CHECK_INT(csrf("POST", c, "HTTP_X_CSRF_TOKEN=csrf2", NULL, NULL),
	    403);
	CHECK_INT(csrf("POST", c, "HTTP_X_CSRF_TOKEN=csrf2",
	    "HTTP_SEC_FETCH_SITE=same-origin", NULL), 403);
	CHECK_INT(csrf("POST", c, "HTTP_X_CSRF_TOKEN=", NULL, NULL), 403);
	CHECK(strstr(sent, "not the one returned at login") != NULL);

	/* Origin without Sec-Fetch-Site (older browsers): it must name
	 * this request's host and port; "null" and anything malformed are
	 * another origin */
	CHECK_INT(csrf("POST", c, host, "HTTP_ORIGIN=http://127.0.0.1:8080",
	    NULL), 0);
	CHECK_INT(csrf("POST", c, host, "HTTP_ORIGIN=http://127.0.0.1:9000",
	    NULL), 403);
	CHECK(strstr(sent, "an Origin of another host") != NULL);
	CHECK_INT(csrf("POST", c, host, "HTTP_ORIGIN=http://localhost:8080",
	    NULL), 403);
	CHECK_INT(csrf("POST", c, host, "HTTP_ORIGIN=http://127.0.0.1",
	    NULL), 403);
	CHECK_INT(csrf("POST", c, host, "HTTP_ORIGIN=null", NULL), 403);
	CHECK(strstr(sent, "Origin: null") != NULL);
	CHECK_INT(csrf("POST", c, "HTTP_ORIGIN=http://127.0.0.1:8080", NULL,
	    NULL), 403);	/* no Host to match */
	for (i = 0; i < sizeof(origins) / sizeof(origins[0]); i++) {
		const struct origin_case *o = &origins[i];
		char h[128], og[128];
		int got;

		snprintf(h, sizeof(h), "HTTP_HOST=%s", o->host);
		snprintf(og, sizeof(og), "HTTP_ORIGIN=%s", o->origin);
		got = csrf("POST", c, h, og, o->https ? "HTTPS=on" : NULL);
		if (got != o->want)
			printf("# Host %s, Origin %s%s\n", o->host, o->origin,
			    o->https ? ", over HTTPS" : "");
		CHECK_INT(got, o->want);
	}

	/* API keys and Bearer tokens are not asked, whatever the headers */
	CHECK_INT(csrf("POST", env("HTTP_X_API_KEY", key), site_x, host,
	    "HTTP_ORIGIN=null"), 0);
	CHECK_INT(csrf("DELETE", env("HTTP_X_API_KEY", key), site_s, NULL,
	    NULL), 0);
	memset(&jc, 0, sizeof(jc));
	snprintf(jc.sub, sizeof(jc.sub), "ann");
	snprintf(jc.jti, sizeof(jc.jti), "jcsrf");
	jc.role = ACCESS_VIEWER;
	jc.exp = now + 60;
	CHECK(jwt_sign(cred_jwt_key(), &jc, now, jwt, sizeof(jwt)) == 0);
	snprintf(bearer, sizeof(bearer), "Bearer %s", jwt);
	CHECK_INT(csrf("POST", env("HTTP_AUTHORIZATION", bearer), site_x,
	    host, "HTTP_ORIGIN=http://evil.test"), 0);
	CHECK_INT(csrf("PUT", env("HTTP_AUTHORIZATION", bearer), site_s, NULL,
	    NULL), 0);
}

int
main(void)
{
	char dir[] = "/tmp/cc-t-authcheck-XXXXXX", cmd[300];
	char key[CRED_KEY_MAX], expired[CRED_KEY_MAX], adminkey[CRED_KEY_MAX];
	char mkey[CRED_KEY_MAX], tok[CRED_TOKEN_MAX], cookie[128];
	const char *why;
	struct route viewer = { "GET", "/x", NULL, ACCESS_VIEWER, BODY_NONE,
	    0, "t", 0 };
	struct route admin = { "GET", "/x", NULL, ACCESS_ADMIN, BODY_NONE, 0,
	    "t", 0 };
	struct route pub = { "GET", "/x", NULL, ACCESS_PUBLIC, BODY_NONE, 0,
	    "t", 0 };
	struct route pwc = { "GET", "/x", NULL, ACCESS_VIEWER, BODY_NONE,
	    R_PWCHANGE, "t", 0 };
	struct route signup = { "POST", "/x", NULL, ACCESS_ADMIN, BODY_NONE,
	    R_SIGNUP, "t", 0 };
	struct principal who;
	struct request r;
	int64_t now;
	json_object *u;
	int i, got429 = 0;

	if (sodium_init() < 0)
		return 1;
	config_register_all();
	config_defaults(config_live());
	CHECK(mkdtemp(dir) != NULL);
	snprintf(store_cfg.data_dir, sizeof(store_cfg.data_dir), "%s", dir);
	CHECK(store_open(dir, 1 << 22) == 0);
	CHECK(cred_secrets_init(dir) == 0);
	now = now_wall();

	CHECK(users_create("ann", "", ACCESS_OPERATOR, NULL, 0, &why) == 0);
	CHECK(users_create("root", "", ACCESS_ADMIN, NULL, 0, &why) == 0);
	CHECK(users_create("mia", "", ACCESS_VIEWER, NULL, 1, &why) == 0);
	CHECK(keys_create("ann", "k", ACCESS_VIEWER, 0, key, NULL) == 0);
	CHECK(keys_create("ann", "old", ACCESS_OPERATOR, now - 1, expired,
	    NULL) == 0);
	CHECK(keys_create("root", "a", ACCESS_ADMIN, 0, adminkey, NULL) == 0);
	CHECK(keys_create("mia", "m", ACCESS_VIEWER, 0, mkey, NULL) == 0);

	/* public routes do not look at credentials at all */
	CHECK_INT(check("GET", &pub, env("HTTP_X_API_KEY", "junk"), NULL,
	    &who), 0);
	CHECK(!who.authenticated);
	CHECK_INT(check("GET", &viewer, NULL, NULL, NULL), 401);
	CHECK(strstr(sent, "WWW-Authenticate") != NULL);

	/* API keys: scope caps the role; expiry */
	CHECK_INT(check("GET", &viewer, env("HTTP_X_API_KEY", key), NULL,
	    &who), 0);
	CHECK_STR(who.user, "ann");
	CHECK_INT(who.role, ACCESS_VIEWER);
	CHECK_STR(who.via, "api_key");
	CHECK(strstr(sent, key) == NULL);
	CHECK_INT(check("GET", &admin, env("HTTP_X_API_KEY", key), NULL,
	    NULL), 403);
	CHECK_INT(check("GET", &viewer, env("HTTP_X_API_KEY", expired), NULL,
	    NULL), 401);
	CHECK(strstr(sent, "expired") != NULL && strstr(sent, expired) == NULL);
	CHECK_INT(check("GET", &admin, env("HTTP_X_API_KEY", adminkey), NULL,
	    &who), 0);
	CHECK_INT(who.role, ACCESS_ADMIN);
	/* a key record claiming more than its owner has is capped */
	CHECK(store_get_json(STORE_USERS, "root", &u) == 0);
	json_object_object_add(u, "role", json_object_new_string("viewer"));
	CHECK(store_put_json(STORE_USERS, "root", u, 0) == 0);
	CHECK_INT(check("GET", &admin, env("HTTP_X_API_KEY", adminkey), NULL,
	    &who), 403);
	json_object_object_add(u, "role", json_object_new_string("admin"));
	CHECK(store_put_json(STORE_USERS, "root", u, 0) == 0);
	json_object_put(u);
	/* the first credential present decides: a bad key is not rescued
	 * by a good cookie */
	put_session("ann", now, now, tok, "csrf1");
	snprintf(cookie, sizeof(cookie), "session=%s", tok);
	CHECK_INT(check("GET", &viewer, env("HTTP_X_API_KEY", "cc_x"),
	    env("HTTP_COOKIE", cookie), NULL), 401);

	/* sessions: valid, CSRF on unsafe methods, idle, absolute age */
	CHECK_INT(check("GET", &viewer, env("HTTP_COOKIE", cookie), NULL,
	    &who), 0);
	CHECK_STR(who.via, "session");
	CHECK_INT(who.role, ACCESS_OPERATOR);
	CHECK_INT(check("DELETE", &viewer, env("HTTP_COOKIE", cookie),
	    env("HTTP_X_CSRF_TOKEN", "csrf2"), NULL), 403);
	CHECK_INT(check("POST", &viewer, env("HTTP_COOKIE", cookie),
	    env("HTTP_X_CSRF_TOKEN", "csrf1"), NULL), 0);
	csrf_cases(cookie, key, now);
	put_session("ann", now - 100, now - svc_cfg.session_idle_timeout - 1, tok,
	    "c");
	snprintf(cookie, sizeof(cookie), "a=b; session=%s; c=d", tok);
	CHECK_INT(check("GET", &viewer, env("HTTP_COOKIE", cookie), NULL,
	    NULL), 401);
	CHECK_INT(check("GET", &viewer, env("HTTP_COOKIE", cookie), NULL,
	    NULL), 401);	/* and it is gone */
	put_session("ann", now - svc_cfg.session_max_age - 1, now, tok, "c");
	snprintf(cookie, sizeof(cookie), "session=%s", tok);
	CHECK_INT(check("GET", &viewer, env("HTTP_COOKIE", cookie), NULL,
	    NULL), 401);
	CHECK_INT(check("GET", &viewer, env("HTTP_COOKIE", "session=short"),
	    NULL, NULL), 401);

	/* must_change_password: only routes flagged R_PWCHANGE */
	CHECK_INT(check("GET", &viewer, env("HTTP_X_API_KEY", mkey), NULL,
	    NULL), 403);
	CHECK(strstr(sent, "PASSWORD_CHANGE_REQUIRED") != NULL);
	CHECK_INT(check("GET", &pwc, env("HTTP_X_API_KEY", mkey), NULL, &who),
	    0);
	CHECK(who.must_change);

	/* bearer tokens: Basic is refused, a good one passes */
	CHECK_INT(check("GET", &viewer, env("HTTP_AUTHORIZATION",
	    "Basic YTpi"), NULL, NULL), 401);
	{
		struct jwt_claims c;
		char jwt[1024], hdr[1100];

		memset(&c, 0, sizeof(c));
		snprintf(c.sub, sizeof(c.sub), "ann");
		snprintf(c.jti, sizeof(c.jti), "j1");
		c.role = ACCESS_ADMIN;	/* capped by ann's operator role */
		c.exp = now + 60;
		CHECK(jwt_sign(cred_jwt_key(), &c, now, jwt, sizeof(jwt)) == 0);
		snprintf(hdr, sizeof(hdr), "Bearer %s", jwt);
		CHECK_INT(check("GET", &viewer, env("HTTP_AUTHORIZATION", hdr),
		    NULL, &who), 0);
		CHECK_INT(who.role, ACCESS_OPERATOR);
		CHECK(store_revoke("j1", now + 60, now) == 0);
		CHECK_INT(check("GET", &viewer, env("HTTP_AUTHORIZATION", hdr),
		    NULL, NULL), 401);
		CHECK(strstr(sent, "revoked") != NULL);

		/* a password change ends the tokens issued before it */
		snprintf(c.jti, sizeof(c.jti), "j2");
		CHECK(jwt_sign(cred_jwt_key(), &c, now - 10, jwt,
		    sizeof(jwt)) == 0);
		snprintf(hdr, sizeof(hdr), "Bearer %s", jwt);
		CHECK_INT(check("GET", &viewer, env("HTTP_AUTHORIZATION", hdr),
		    NULL, NULL), 0);
		CHECK(store_get_json(STORE_USERS, "ann", &u) == 0);
		json_object_object_add(u, "password_changed_at",
		    json_object_new_int64(now - 5));
		CHECK(store_put_json(STORE_USERS, "ann", u, 0) == 0);
		json_object_put(u);
		CHECK_INT(check("GET", &viewer, env("HTTP_AUTHORIZATION", hdr),
		    NULL, NULL), 401);
		CHECK(strstr(sent, "before the password was changed") != NULL);
		snprintf(c.jti, sizeof(c.jti), "j3");
		CHECK(jwt_sign(cred_jwt_key(), &c, now, jwt, sizeof(jwt)) == 0);
		snprintf(hdr, sizeof(hdr), "Bearer %s", jwt);
		CHECK_INT(check("GET", &viewer, env("HTTP_AUTHORIZATION", hdr),
		    NULL, &who), 0);
		/* API keys are not tokens: they outlive a password change */
		CHECK_INT(check("GET", &viewer, env("HTTP_X_API_KEY", key), NULL,
		    NULL), 0);
	}

	/* open sign-up: anonymous allowed only when allow_signup is on */
	CHECK_INT(check("POST", &signup, NULL, NULL, NULL), 401);
	svc_cfg.allow_signup = 1;
	CHECK_INT(check("POST", &signup, NULL, NULL, &who), 0);
	CHECK(!who.authenticated);
	CHECK_INT(check("POST", &signup, env("HTTP_X_API_KEY", key), NULL,
	    &who), 0);
	CHECK(who.authenticated && who.role == ACCESS_VIEWER);
	CHECK_INT(check("POST", &signup, env("HTTP_X_API_KEY", "bad"), NULL,
	    NULL), 401);
	svc_cfg.allow_signup = 0;

	/* disabled owner */
	CHECK(store_get_json(STORE_USERS, "ann", &u) == 0);
	json_object_object_add(u, "disabled", json_object_new_int(1));
	CHECK(store_put_json(STORE_USERS, "ann", u, 0) == 0);
	json_object_put(u);
	CHECK_INT(check("GET", &viewer, env("HTTP_X_API_KEY", key), NULL,
	    NULL), 401);
	CHECK(strstr(sent, "disabled") != NULL);

	/* the request rate per credential, with Retry-After */
	CHECK(rl_init(0) == 0);
	front_cfg.request_rate = 3;
	for (i = 0; i < 5; i++)
		if (check("GET", &admin, env("HTTP_X_API_KEY", adminkey), NULL,
		    NULL) == 429)
			got429++;
	CHECK_INT(got429, 2);
	front_cfg.request_rate = 0;

	/* cookies and ownership */
	{
		const char *cp[] = { env("HTTP_COOKIE",
		    "xsession=1; session=abc;other=2"), NULL };

		mkreq(&r, "GET", &viewer, cp);
	}
	CHECK_STR(auth_cookie(&r, "session"), "abc");
	CHECK(auth_cookie(&r, "sess") == NULL);
	CHECK(auth_cookie(&r, "nope") == NULL);
	r.who.authenticated = 1;
	snprintf(r.who.user, sizeof(r.who.user), "ann");
	r.who.role = ACCESS_OPERATOR;
	CHECK(auth_may_access(&r, "ann"));
	CHECK(!auth_may_access(&r, "bob"));
	CHECK(!auth_may_access(&r, NULL));
	r.who.role = ACCESS_ADMIN;
	CHECK(auth_may_access(&r, "bob"));
	r.who.authenticated = 0;
	CHECK(!auth_may_access(&r, "ann"));
	request_free(&r);

	store_close();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return unit_done();
}
