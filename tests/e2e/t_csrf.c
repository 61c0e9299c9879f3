/*
 * t_csrf.c: Dokemon's cookie clients work as dokemon-api.md shows them,
 * and cross-site request forgery is still refused, through nginx and
 * Apache.
 *
 *  - The doc's "Complete Authentication Workflow Example", call by call
 *    as curl makes it: libcurl with a cookie jar file (-c writes it, -b
 *    reads it) and only the headers the doc gives.  Create user (POST
 *    /users is admin-only here unless allow_signup is on: anonymous is
 *    401, so the harness's admin key creates the user), login, me,
 *    containers, changepassword, logout: every step succeeds.
 *  - The same cookie with the headers a browser adds to a cross-origin
 *    request (Sec-Fetch-Site: cross-site or same-site, a foreign Origin,
 *    Origin: null) is 403 FORBIDDEN JSON on changepassword and logout; the
 *    session and the password are unchanged.  Sec-Fetch-Site same-origin
 *    or none, our own Origin, and the login's X-CSRF-Token pass.
 *  - Headless Chromium (tests/browser/csrf.js, puppeteer-core; installed
 *    by `npm ci` on first use): pages on other origins post forms to
 *    logout and changepassword with the victim's cookie in the profile.
 *    From 127.0.0.1 on another port (same site, so Chromium sends the
 *    SameSite=Strict cookie) only the Fetch Metadata check stops them:
 *    403.  From attacker.test (cross-site) Chromium withholds the cookie
 *    itself: 401.  The same form from our own origin works.  The password
 *    did not change.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "harness.h"

#define BROWSER_LIMIT_S	60	/* node + Chromium, both front ends */

static const char *const fronts[] = { "NGINX_URL", "APACHE_URL" };
static const char *const fe_names[] = { "nginx", "apache" };

struct buf {
	char	*p;
	size_t	 n;
};

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;
	char *p = realloc(b->p, b->n + n + 1);

	if (p == NULL)
		return 0;
	memcpy(p + b->n, ptr, n);
	b->n += n;
	p[b->n] = '\0';
	b->p = p;
	return n;
}

/* A NULL-ended list of headers, for curl_cmd(). */
#define H(...)	((const char *const[]){ __VA_ARGS__, NULL })
#define NO_H	((const char *const *)NULL)

/*
 * One curl command line: curl -X method url [-H hdrs[i]]... [-c jar_out]
 * [-b jar_in] [-d body].  Like curl it adds only its Accept, a curl
 * User-Agent and, with -d and no Content-Type of the caller's,
 * application/x-www-form-urlencoded.  Fills out as
 * http_do() does (free it with http_resp_free()).
 */
static void
curl_cmd(struct http_resp *out, const char *method, const char *url,
    const char *const *hdrs, const char *jar_out, const char *jar_in,
    const char *body)
{
	struct buf bb = { NULL, 0 }, bh = { NULL, 0 };
	struct curl_slist *hl = NULL;
	char ua[64];
	CURL *c;
	CURLcode cc;

	memset(out, 0, sizeof(*out));
	if ((c = curl_easy_init()) == NULL)
		bail_out("curl_easy_init failed");
	for (; hdrs != NULL && *hdrs != NULL; hdrs++)
		hl = curl_slist_append(hl, *hdrs);
	snprintf(ua, sizeof(ua), "curl/%s", curl_version_info(
	    CURLVERSION_NOW)->version);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &bb);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &bh);
	if (jar_in != NULL)
		curl_easy_setopt(c, CURLOPT_COOKIEFILE, jar_in);
	if (jar_out != NULL)
		curl_easy_setopt(c, CURLOPT_COOKIEJAR, jar_out);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if ((cc = curl_easy_perform(c)) != CURLE_OK)
		diag("curl -X %s %s: %s", method, url, curl_easy_strerror(cc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_easy_cleanup(c);	/* writes jar_out, as curl does on exit */
	curl_slist_free_all(hl);
	out->body = bb.p != NULL ? bb.p : strdup("");
	out->len = bb.n;
	out->headers = bh.p;
	out->json = json_tokener_parse(out->body);
}

static const char *
err_code(struct http_resp *r)
{
	const char *c = json_str_at(r->json, "error.code");

	return c != NULL ? c : "(none)";
}

/* A 403 with the JSON error FORBIDDEN. */
static void
is_403(struct http_resp *r, const char *what)
{
	if (!is_int(r->status, 403, "%s: 403", what))
		diag("%s", r->body);
	is_str(err_code(r), "FORBIDDEN", "%s: JSON error FORBIDDEN", what);
}

/* Whether user/pw logs in (curl without a jar): the status. */
static long
login_status(const char *fe, const char *user, const char *pw)
{
	struct http_resp r;
	char body[256];
	long st;

	snprintf(body, sizeof(body), "{\"username\": \"%s\", \"password\": "
	    "\"%s\"}", user, pw);
	curl_cmd(&r, "POST", harness_url(fe, "/api/v1/users/login"),
	    H("Content-Type: application/json"), NULL, NULL, body);
	st = r.status;
	http_resp_free(&r);
	return st;
}

/* Creates user with password through the admin key, on front end f. */
static void
admin_create(int f, const char *user, const char *pw)
{
	const char *fe = fronts[f];
	struct http_resp r;
	char body[256];

	snprintf(body, sizeof(body), "{\"username\": \"%s\", \"password\": "
	    "\"%s\", \"email\": \"%s@example.com\"}", user, pw, user);
	curl_cmd(&r, "POST", harness_url(fe, "/api/v1/users"),
	    H("Content-Type: application/json", harness_admin_header()), NULL,
	    NULL, body);
	if (!is_int(r.status, 201, "%s: create user %s with the admin key",
	    fe_names[f], user))
		diag("%s", r.body);
	http_resp_free(&r);
}

/* The doc's workflow, as written, on front end fe (its user: user). */
static void
doc_workflow(int f, const char *user)
{
	const char *fe = fronts[f], *nm = fe_names[f];
	const char *json = "Content-Type: application/json";
	char jar[PATH_MAX], body[256];
	struct http_resp r;
	const char *sc;

	snprintf(jar, sizeof(jar), "%s/cookies-%s.txt", harness_dir(), nm);

	/* 1. Create user: the doc sends no credential; here that needs
	 * allow_signup, so the stack's admin key stands in */
	snprintf(body, sizeof(body), "{\"username\": \"%s\", \"password\": "
	    "\"password123\", \"email\": \"test@example.com\"}", user);
	curl_cmd(&r, "POST", harness_url(fe, "/api/v1/users"), H(json), NULL,
	    NULL, body);
	is_int(r.status, 401, "%s: 1. create user without a credential is "
	    "401 (allow_signup is off)", nm);
	http_resp_free(&r);
	curl_cmd(&r, "POST", harness_url(fe, "/api/v1/users"),
	    H(json, harness_admin_header()), NULL, NULL, body);
	is_int(r.status, 201, "%s: 1. create user (admin key)", nm);
	is_str(json_str_at(r.json, "message"), "User created successfully",
	    "%s: 1. message", nm);
	is_str(json_str_at(r.json, "username"), user, "%s: 1. username", nm);
	http_resp_free(&r);

	/* 2. Login and save session */
	snprintf(body, sizeof(body), "{\"username\": \"%s\", \"password\": "
	    "\"password123\"}", user);
	curl_cmd(&r, "POST", harness_url(fe, "/api/v1/users/login"), H(json),
	    jar, NULL, body);
	is_int(r.status, 200, "%s: 2. login -c cookies.txt", nm);
	is_str(json_str_at(r.json, "message"), "Authentication successful",
	    "%s: 2. message", nm);
	sc = http_header(&r, "Set-Cookie");
	ok(sc != NULL && strstr(sc, "SameSite=Strict") != NULL &&
	    strstr(sc, "HttpOnly") != NULL,
	    "%s: 2. the cookie is SameSite=Strict and HttpOnly", nm);
	http_resp_free(&r);

	/* 3. Access protected resources */
	curl_cmd(&r, "GET", harness_url(fe, "/api/v1/users/me"), NO_H, NULL,
	    jar, NULL);
	is_int(r.status, 200, "%s: 3. me -b cookies.txt", nm);
	is_str(json_str_at(r.json, "user.username"), user, "%s: 3. me: user",
	    nm);
	is_str(json_str_at(r.json, "user.via"), "session",
	    "%s: 3. me: via session", nm);
	http_resp_free(&r);
	curl_cmd(&r, "GET", harness_url(fe, "/api/v1/containers"), NO_H, NULL,
	    jar, NULL);
	/* this stack has no engine: the cookie is accepted, the engine is
	 * unavailable */
	ok(r.status != 401 && r.status != 403 && r.status != 0,
	    "%s: 3. containers -b cookies.txt: the cookie is accepted (%ld)",
	    nm, r.status);
	http_resp_free(&r);

	/* 4. Change password */
	curl_cmd(&r, "POST", harness_url(fe, "/api/v1/users/changepassword"),
	    H(json), NULL, jar, "{\"currentPassword\": \"password123\", "
	    "\"newPassword\": \"newpassword456\"}");
	is_int(r.status, 200, "%s: 4. changepassword -b cookies.txt", nm);
	is_str(json_str_at(r.json, "message"), "Password changed successfully",
	    "%s: 4. message", nm);
	http_resp_free(&r);
	is_int(login_status(fe, user, "newpassword456"), 200,
	    "%s: 4. the new password logs in", nm);
	is_int(login_status(fe, user, "password123"), 401,
	    "%s: 4. the old one does not", nm);

	/* 5. Logout */
	curl_cmd(&r, "POST", harness_url(fe, "/api/v1/users/logout"), NO_H,
	    NULL, jar, NULL);
	is_int(r.status, 200, "%s: 5. logout -b cookies.txt", nm);
	is_str(json_str_at(r.json, "message"), "Logged out successfully",
	    "%s: 5. message", nm);
	http_resp_free(&r);
	curl_cmd(&r, "GET", harness_url(fe, "/api/v1/users/me"), NO_H, NULL,
	    jar, NULL);
	is_int(r.status, 401, "%s: 5. me after logout is 401", nm);
	http_resp_free(&r);
}

/* The status of POST path on front end fe with hdrs and the cookie jar. */
static long
post_status(const char *fe, const char *path, const char *const *hdrs,
    const char *jar, const char *body)
{
	struct http_resp r;
	long st;

	curl_cmd(&r, "POST", harness_url(fe, path), hdrs, NULL, jar, body);
	if ((st = r.status) != 200)
		diag("POST %s: %s", path, r.body);
	http_resp_free(&r);
	return st;
}

/* {"currentPassword": from, "newPassword": to} in buf. */
static const char *
pw_body(char *buf, size_t n, const char *from, const char *to)
{
	snprintf(buf, n, "{\"currentPassword\": \"%s\", \"newPassword\": "
	    "\"%s\"}", from, to);
	return buf;
}

/*
 * The cookie with a browser's cross-origin headers is refused; what a
 * browser sends from our own origin, or the X-CSRF-Token, passes.
 */
static void
cross_origin_headers(int f, const char *user)
{
	static const char *const refused[][2] = {
		{ "Sec-Fetch-Site: cross-site", NULL },
		{ "Sec-Fetch-Site: same-site", NULL },
		{ "Origin: http://evil.example", NULL },
		{ "Origin: null", NULL },
		{ "Sec-Fetch-Site: cross-site", "Origin: http://evil.example" },
	};
	const char *fe = fronts[f], *nm = fe_names[f];
	const char *json = "Content-Type: application/json";
	const char *pw[2] = { "first-pass-1", "second-pass-2" };
	const char *cp = "/api/v1/users/changepassword";
	char jar[PATH_MAX], body[256], own[300], tokhdr[200], what[200];
	struct http_resp r;
	size_t i;

	snprintf(jar, sizeof(jar), "%s/cookies-x-%s.txt", harness_dir(), nm);
	admin_create(f, user, pw[0]);
	snprintf(body, sizeof(body), "{\"username\": \"%s\", \"password\": "
	    "\"%s\"}", user, pw[0]);
	curl_cmd(&r, "POST", harness_url(fe, "/api/v1/users/login"), H(json),
	    jar, NULL, body);
	is_int(r.status, 200, "%s: login for the cross-origin cases", nm);
	snprintf(tokhdr, sizeof(tokhdr), "X-CSRF-Token: %s",
	    json_str_at(r.json, "csrf_token") ? json_str_at(r.json,
	    "csrf_token") : "");
	http_resp_free(&r);

	pw_body(body, sizeof(body), pw[0], pw[1]);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		const char *h0 = refused[i][0], *h1 = refused[i][1];

		snprintf(what, sizeof(what), "%s: changepassword with %s%s%s",
		    nm, h0, h1 ? ", " : "", h1 ? h1 : "");
		curl_cmd(&r, "POST", harness_url(fe, cp), H(json, h0, h1), NULL,
		    jar, body);
		is_403(&r, what);
		http_resp_free(&r);
		/* no Content-Type, as the doc's logout */
		snprintf(what, sizeof(what), "%s: logout with %s%s%s", nm, h0,
		    h1 ? ", " : "", h1 ? h1 : "");
		curl_cmd(&r, "POST", harness_url(fe, "/api/v1/users/logout"),
		    H(h0, h1), NULL, jar, NULL);
		is_403(&r, what);
		http_resp_free(&r);
	}
	curl_cmd(&r, "GET", harness_url(fe, "/api/v1/users/me"),
	    H("Sec-Fetch-Site: cross-site"), NULL, jar, NULL);
	is_int(r.status, 200, "%s: the session survived (and a cross-site "
	    "GET passes)", nm);
	http_resp_free(&r);
	is_int(login_status(fe, user, pw[0]), 200,
	    "%s: the password did not change", nm);

	/* what passes: same-origin, none, our own Origin, the token */
	is_int(post_status(fe, cp, H(json, "Sec-Fetch-Site: same-origin"), jar,
	    pw_body(body, sizeof(body), pw[0], pw[1])), 200,
	    "%s: changepassword with Sec-Fetch-Site: same-origin", nm);
	is_int(post_status(fe, cp, H(json, "Sec-Fetch-Site: none"), jar,
	    pw_body(body, sizeof(body), pw[1], pw[0])), 200,
	    "%s: changepassword with Sec-Fetch-Site: none", nm);
	snprintf(own, sizeof(own), "Origin: %s", harness_env(fe));
	is_int(post_status(fe, cp, H(json, own), jar,
	    pw_body(body, sizeof(body), pw[0], pw[1])), 200,
	    "%s: changepassword with our own Origin", nm);
	is_int(post_status(fe, cp, H(json, "Sec-Fetch-Site: cross-site",
	    tokhdr), jar, pw_body(body, sizeof(body), pw[1], pw[0])), 200,
	    "%s: changepassword with Sec-Fetch-Site: cross-site and "
	    "X-CSRF-Token", nm);
	is_int(post_status(fe, "/api/v1/users/logout", H("Origin: null",
	    tokhdr), jar, NULL), 200,
	    "%s: logout with Origin: null and X-CSRF-Token", nm);
}

/* ---- the browser ---- */

/* A form POST the browser made: csrf.js's name for it, what it is,
 * and what it must have sent and got. */
struct step {
	const char	*name, *what;
	int		 cookie;
	const char	*site;
	long		 status;
	const char	*code;
};

static const struct step steps[] = {
	/* another port on our host: same site, so the Strict cookie goes;
	 * only the Fetch Metadata check refuses it */
	{ "samesite_logout", "same-site form POST to logout", 1, "same-site",
	    403, "FORBIDDEN" },
	{ "samesite_changepw", "same-site text/plain form POST to "
	    "changepassword", 1, "same-site", 403, "FORBIDDEN" },
	/* another site: Chromium keeps the Strict cookie to itself */
	{ "crosssite_logout", "cross-site form POST to logout", 0,
	    "cross-site", 401, "UNAUTHORIZED" },
	{ "crosssite_changepw", "cross-site form POST to changepassword", 0,
	    "cross-site", 401, "UNAUTHORIZED" },
	/* the control: our own page, no token */
	{ "sameorigin_logout", "the same form from our own origin (no token)",
	    1, "same-origin", 200, NULL },
};

/* One request the page's form made, from csrf.js's report fr. */
static void
check_sent(json_object *fr, const struct step *s, const char *what)
{
	char p[128];
	json_object *v;

	snprintf(p, sizeof(p), "%s.sent.cookie", s->name);
	v = json_at(fr, p);
	is_int(v != NULL && json_object_get_boolean(v), s->cookie,
	    "%s: the session cookie was %s", what, s->cookie ? "sent" :
	    "withheld by SameSite=Strict");
	snprintf(p, sizeof(p), "%s.sent.sec_fetch_site", s->name);
	is_str(json_str_at(fr, p), s->site, "%s: Sec-Fetch-Site", what);
	snprintf(p, sizeof(p), "%s.status", s->name);
	is_int(json_object_get_int(json_at(fr, p)), s->status, "%s: %ld",
	    what, s->status);
	if (s->code != NULL) {
		snprintf(p, sizeof(p), "%s.code", s->name);
		is_str(json_str_at(fr, p), s->code, "%s: JSON error %s", what,
		    s->code);
	}
}

static void
browser(void)
{
	static const char *const chromium = "/usr/bin/chromium";
	const char *user = "victim", *pw = "victim-pass-1";
	char bdir[PATH_MAX], script[PATH_MAX + 16], cfg[PATH_MAX + 16];
	char out[PATH_MAX + 16], err[PATH_MAX + 16], profile[PATH_MAX + 16];
	char *argv[] = { "node", script, cfg, NULL };
	json_object *rep, *fr;
	FILE *f;
	size_t j;
	int i, rc;

	harness_src_path("tests/browser", bdir, sizeof(bdir));
	snprintf(script, sizeof(script), "%s/csrf.js", bdir);
	snprintf(cfg, sizeof(cfg), "%s/csrf-browser.json", harness_dir());
	snprintf(out, sizeof(out), "%s/csrf-browser.out", harness_dir());
	snprintf(err, sizeof(err), "%s/csrf-browser.err", harness_dir());
	snprintf(profile, sizeof(profile), "%s/chromium-profile",
	    harness_dir());
	if (!ok(access(chromium, X_OK) == 0, "%s is installed (./dev deps)",
	    chromium) || !ok(harness_npm_ready(bdir, HARNESS_BROWSER_MODULES,
	    HARNESS_NPM_LIMIT_S) == 0,
	    "puppeteer-core is installed in tests/browser"))
		return;
	admin_create(0, user, pw);
	if ((f = fopen(cfg, "w")) == NULL)
		bail_out("%s: %s", cfg, strerror(errno));
	fprintf(f, "{\"chromium\": \"%s\", \"profile\": \"%s\", \"user\": "
	    "\"%s\", \"password\": \"%s\", \"newPassword\": \"hijacked-pw-9\", "
	    "\"fronts\": [{\"name\": \"nginx\", \"base\": \"%s\"}, "
	    "{\"name\": \"apache\", \"base\": \"%s\"}]}\n", chromium, profile,
	    user, pw, harness_env("NGINX_URL"), harness_env("APACHE_URL"));
	fclose(f);

	rc = harness_run_in(bdir, argv, out, err, BROWSER_LIMIT_S);
	if (!is_int(rc, 0, "csrf.js ran headless Chromium to the end"))
		harness_diag_file(err);
	if ((rep = json_object_from_file(out)) == NULL) {
		ok(0, "csrf.js printed its report");
		harness_diag_file(err);
		return;
	}
	for (i = 0; i < 2; i++) {
		const char *nm = fe_names[i];
		char what[128];

		if ((fr = json_at(json_at(rep, "fronts"), nm)) == NULL) {
			ok(0, "browser: a report for %s", nm);
			continue;
		}
		is_int(json_object_get_int(json_at(fr, "login")), 200,
		    "browser %s: logged in from our own origin", nm);
		is_str(json_str_at(fr, "cookies.0.sameSite"), "Strict",
		    "browser %s: the profile holds a SameSite=Strict cookie",
		    nm);
		for (j = 0; j < sizeof(steps) / sizeof(steps[0]); j++) {
			snprintf(what, sizeof(what), "browser %s: %s", nm,
			    steps[j].what);
			check_sent(fr, &steps[j], what);
		}
		is_int(json_object_get_int(json_at(fr, "me_after")), 200,
		    "browser %s: the session survived the attacks", nm);
		is_int(json_object_get_int(json_at(fr, "me_after_logout")),
		    401, "browser %s: and it logged out", nm);
	}
	json_object_put(rep);
	is_int(login_status("NGINX_URL", user, pw), 200,
	    "browser: the victim's password did not change");
	is_int(login_status("NGINX_URL", user, "hijacked-pw-9"), 401,
	    "browser: the attacker's password does not log in");
}

int
main(void)
{
	int f;

	setenv("STACK_PODMAN", "0", 0);
	harness_start(NULL);
	if (harness_admin_header() == NULL)
		bail_out("the stack has no admin key");
	for (f = 0; f < 2; f++) {
		char u[32];

		snprintf(u, sizeof(u), "testuser%s", f ? "2" : "");
		doc_workflow(f, u);
		snprintf(u, sizeof(u), "xo_%s", fe_names[f]);
		cross_origin_headers(f, u);
	}
	browser();
	return done_testing();
}
