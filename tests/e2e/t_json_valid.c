/*
 * t_json_valid.c: no answer is ever invalid JSON, through nginx.
 *
 * Hostile input goes to every row of the route table (read from the
 * linked route table itself, so a new route is covered the day it is
 * added): ill-formed UTF-8 (overlong forms, surrogates, past U+10FFFF,
 * truncated, bytes that never occur), NUL, control characters and very
 * long values, in path segments, in query values and names, in the
 * JSON strings and member names of bodies, and in headers.  EVERY body
 * is read with a strict parser: json-c's tokener with JSON_TOKENER_STRICT
 * and JSON_TOKENER_VALIDATE_UTF8, and the app's own UTF-8 check on the
 * raw bytes.  NDJSON bodies are read a line at a time.
 *
 * Then the behaviour behind it: ill-formed text is 400 INVALID_REQUEST
 * naming where it was (path, query parameter, JSON member, header), and
 * PUT /api/v1/files/u8/%c0%ae%ff%fe stores nothing; a message cut to its
 * buffer is cut on a character; bytes an engine hands back (a
 * container's logs, followed or not, and exec output) come out repaired;
 * doubles carry no binary noise; every line of the pool's log is JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi-app/cc.h"
#include "ctr_util.h"

#define N "/api/v1"

static int checked, invalid;

/* Whether body[0..len) is one JSON text a strict reader accepts. */
static int
strict_json(const char *body, size_t len)
{
	json_tokener *tok;
	json_object *o;
	int good;

	if (utf8_check(body, len, NULL) < 0)
		return 0;
	if ((tok = json_tokener_new()) == NULL)
		return 0;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, body, (int)len);
	good = o != NULL && json_tokener_get_error(tok) == json_tokener_success;
	/* The whole body, nothing after it but white space. */
	if (good) {
		size_t end = (size_t)json_tokener_get_parse_end(tok);

		while (end < len && strchr(" \t\r\n", body[end]) != NULL)
			end++;
		good = end == len;
	}
	json_object_put(o);
	json_tokener_free(tok);
	return good;
}

/* Whether every non-empty line of body is strict JSON (NDJSON). */
static int
strict_ndjson(const char *body, size_t len)
{
	const char *p = body, *end = body + len, *nl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (nl > p && !strict_json(p, (size_t)(nl - p)))
			return 0;
		p = nl + 1;
	}
	return 1;
}

/* Whether the body r got is one a strict JSON reader accepts; a failure
 * says which request and shows the start of the body.  Bodies that are
 * not JSON by their type (a download, text logs) are passed. */
static int
body_ok(const struct http_resp *r, const char *what)
{
	const char *ct = http_header(r, "Content-Type");
	int good;

	if (r->status == 0) {
		invalid++;
		return tap_ok(__FILE__, __LINE__, 0, "%s: an answer", what);
	}
	checked++;
	if (ct != NULL && strncmp(ct, "application/x-ndjson", 20) == 0)
		good = strict_ndjson(r->body, r->len);
	else if (r->status == 204 || r->status == 304 ||
	    (ct != NULL && strncmp(ct, "application/json", 16) != 0))
		return 1;
	else
		good = strict_json(r->body, r->len);
	if (!good) {
		invalid++;
		diag("not strict JSON: %s -> %ld: %.300s", what, r->status,
		    r->body != NULL ? r->body : "");
	}
	return good;
}

/* One request; checks its body and returns its status (r is kept for
 * the caller, who frees it). */
static long
send_req(struct http_resp *r, const char *method, const char *path,
    const char *const *hdrs, const char *body, size_t blen)
{
	char what[160];

	http_do(r, method, harness_url("NGINX_URL", path), hdrs, body, blen);
	snprintf(what, sizeof(what), "%s %.100s", method, path);
	body_ok(r, what);
	return r->status;
}

/* send_req with the admin key, and a JSON type when there is a body. */
static long
admin(struct http_resp *r, const char *method, const char *path,
    const char *body)
{
	const char *h[3] = { harness_admin_header(), NULL, NULL };

	if (body != NULL)
		h[1] = "Content-Type: application/json";
	return send_req(r, method, path, h, body, body ? strlen(body) : 0);
}

/* A request whose status alone matters; the body is checked. */
static long
admin_status(const char *method, const char *path, const char *body)
{
	struct http_resp r;
	long st = admin(&r, method, path, body);

	http_resp_free(&r);
	return st;
}

/* ---- the hostile values ---- */

/* Percent-encoded path segments and query values that are not UTF-8. */
static const char *const bad_enc[] = {
	"%c0%ae",		/* overlong '.' */
	"%c0%ae%ff%fe",
	"%e0%80%af",		/* overlong '/' in three bytes */
	"%f0%80%80%ae",		/* overlong in four */
	"%ed%a0%80",		/* U+D800, a surrogate */
	"%f4%90%80%80",		/* past U+10FFFF */
	"%e2%82",		/* truncated */
	"x%ff",
	"%80",			/* a lone continuation byte */
	"%f8%88%80%80%80",	/* five bytes */
};

/* Percent-encoded values that are well formed, or that the web server
 * or the parser refuse for another reason: each answer is still JSON. */
static const char *const odd_enc[] = {
	"%00", "%01%1f%7f", "%0d%0a", "%22%5c", "%e2%82%ac", "%ef%bf%bd",
	"%f0%9f%98%80", "%25", "%", "%zz", "..", "%2e%2e", "%2f",
};

/* JSON values (as JSON text) a body may carry.  "bad" ones are 400. */
static const struct {
	const char	*text;
	int		 bad;
} jvals[] = {
	{ "\"\xff\xfe\"", 1 },
	{ "\"\xc0\xae\"", 1 },
	{ "\"a\xed\xa0\x80z\"", 1 },
	{ "\"\xf4\x90\x80\x80\"", 1 },
	{ "\"\xe2\x82\"", 1 },
	{ "\"a\\u0000b\"", 1 },
	{ "1e999", 1 },
	{ "[\"ok\", \"\xc3\"]", 1 },
	{ "{\"in\": \"\xff\"}", 1 },
	{ "\"\\ud800\"", 0 },	/* json-c makes a lone escape U+FFFD */
	{ "\"\\u0001\\u001f\\u007f\"", 0 },
	{ "\"\xf0\x9f\x98\x80 \xe2\x82\xac\"", 0 },
};

/* Members a body is likely to read, one at a time. */
static const char *const members[] = {
	"name", "image", "path", "username", "password", "email", "role",
	"command", "network_mode", "url", "expires_in", "tag",
};

/* pattern with every {param} as seg, below /api/v1. */
static void
fill(char *out, size_t cap, const char *pattern, const char *seg)
{
	size_t n = 0;
	const char *p;

	n = (size_t)snprintf(out, cap, "%s", N);
	for (p = pattern; *p != '\0' && n + 1 < cap; p++) {
		if (*p == '{') {
			const char *close = strchr(p, '}');

			n += (size_t)snprintf(out + n, cap - n, "%s", seg);
			p = close;
		} else
			out[n++] = *p;
		out[n < cap ? n : cap - 1] = '\0';
	}
	if (n >= cap)
		out[cap - 1] = '\0';
}

static int
has_param(const struct route *rt)
{
	return strchr(rt->pattern, '{') != NULL;
}

/* A method a row may be sent with: "ANY" rows as GET. */
static const char *
method_of(const struct route *rt)
{
	return strcmp(rt->method, "ANY") == 0 ? "GET" : rt->method;
}

/*
 * Rows whose handler must not run on a made-up request: it would change
 * the stack for the tests after it (prune, reload).  Their parsing and
 * refusals are still covered: those run before any handler.
 */
static int
harmful(const struct route *rt)
{
	return strcmp(rt->pattern, "/system/prune") == 0 ||
	    strcmp(rt->pattern, "/config/reload") == 0;
}

/* ---- every route: path segments ---- */

static void
test_path_segments(void)
{
	char path[512], seg[64];
	int bad_400 = 1, before = invalid;
	size_t i, j;

	for (i = 0; i < nroutes; i++) {
		const struct route *rt = &routes[i];

		if (!has_param(rt) || (rt->flags & R_DEBUG))
			continue;
		for (j = 0; j < sizeof(bad_enc) / sizeof(bad_enc[0]); j++) {
			snprintf(seg, sizeof(seg), "x%s", bad_enc[j]);
			fill(path, sizeof(path), rt->pattern, seg);
			if (admin_status(method_of(rt), path, NULL) != 400) {
				diag("%s %s: not 400", method_of(rt), path);
				bad_400 = 0;
			}
		}
		for (j = 0; j < sizeof(odd_enc) / sizeof(odd_enc[0]); j++) {
			if (harmful(rt))
				continue;
			snprintf(seg, sizeof(seg), "x%s", odd_enc[j]);
			fill(path, sizeof(path), rt->pattern, seg);
			admin_status(method_of(rt), path, NULL);
		}
	}
	ok(bad_400, "ill-formed UTF-8 in any route's path is 400");
	ok(invalid == before, "every answer to a hostile path segment is "
	    "strict JSON");
}

/* ---- every GET route: query values and names ---- */

static void
test_query(void)
{
	char path[512];
	int bad_400 = 1, before = invalid;
	size_t i, j;

	for (i = 0; i < nroutes; i++) {
		const struct route *rt = &routes[i];

		if (strcmp(rt->method, "GET") != 0 || (rt->flags & R_DEBUG))
			continue;
		for (j = 0; j < sizeof(bad_enc) / sizeof(bad_enc[0]); j++) {
			fill(path, sizeof(path), rt->pattern, "x");
			snprintf(path + strlen(path), sizeof(path) -
			    strlen(path), "?limit=1&path=%s&name=a",
			    bad_enc[j]);
			if (admin_status("GET", path, NULL) != 400) {
				diag("GET %s: not 400", path);
				bad_400 = 0;
			}
			fill(path, sizeof(path), rt->pattern, "x");
			snprintf(path + strlen(path), sizeof(path) -
			    strlen(path), "?%s=1", bad_enc[j]);
			if (admin_status("GET", path, NULL) != 400) {
				diag("GET %s: not 400", path);
				bad_400 = 0;
			}
		}
		for (j = 0; j < sizeof(odd_enc) / sizeof(odd_enc[0]); j++) {
			fill(path, sizeof(path), rt->pattern, "x");
			snprintf(path + strlen(path), sizeof(path) -
			    strlen(path), "?all=%s&tail=%s&path=/%s",
			    odd_enc[j], odd_enc[j], odd_enc[j]);
			admin_status("GET", path, NULL);
		}
	}
	ok(bad_400, "ill-formed UTF-8 in any query name or value is 400");
	ok(invalid == before, "every answer to a hostile query is strict "
	    "JSON");
}

/* ---- every JSON route: strings and member names of the body ---- */

static void
test_json_bodies(void)
{
	char path[512], body[256];
	int bad_400 = 1, before = invalid;
	size_t i, j, k;

	for (i = 0; i < nroutes; i++) {
		const struct route *rt = &routes[i];

		if ((rt->body != BODY_JSON && rt->body != BODY_JSON_OPT) ||
		    (rt->flags & R_DEBUG))
			continue;
		fill(path, sizeof(path), rt->pattern, "nosuch-x");
		for (j = 0; j < sizeof(jvals) / sizeof(jvals[0]); j++)
			for (k = 0; k < sizeof(members) / sizeof(members[0]);
			    k++) {
				long st;

				if (!jvals[j].bad && k > 2)
					break;	/* valid: a sample will do */
				snprintf(body, sizeof(body), "{\"%s\": %s}",
				    members[k], jvals[j].text);
				st = admin_status(rt->method, path, body);
				if (jvals[j].bad && st != 400) {
					diag("%s %s %s: %ld, not 400",
					    rt->method, path, body, st);
					bad_400 = 0;
				}
			}
		/* a member name that is not UTF-8, at the top and inside */
		if (admin_status(rt->method, path, "{\"\xff\": 1}") != 400 ||
		    admin_status(rt->method, path,
		    "{\"labels\": {\"\xc0\xae\": \"x\"}}") != 400)
			bad_400 = 0;
		/* not JSON at all */
		admin_status(rt->method, path, "\xff\xfe");
		admin_status(rt->method, path, "{\"name\": \"\xff");
		admin_status(rt->method, path, "[1, 2]");
	}
	ok(bad_400, "ill-formed UTF-8, NUL or a non-finite number in any "
	    "JSON body is 400");
	ok(invalid == before, "every answer to a hostile JSON body is "
	    "strict JSON");
}

/* ---- headers ---- */

static void
test_headers(void)
{
	static const char *const bad[] = {
		"Content-Type: application/json\xff",
		"Range: bytes=0-\xc0\xae",
		"If-None-Match: \"\xed\xa0\x80\"",
		"Accept: text/\xff",
	};
	static const char *const odd[] = {
		"X-Request-Id: abcdefgh\xff\xfe",
		"X-Request-Id: \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
		"X-API-Key: cc_\xff\xfe_x",
		"Authorization: Bearer \xff.\xfe.\xc0",
		"Cookie: cc_session=\xff\xfe",
		"Content-Type: \x01\x02",
		"Content-Type: text/plain",
	};
	struct http_resp r;
	const char *h[3];
	int bad_400 = 1, before = invalid;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		h[0] = harness_admin_header();
		h[1] = bad[i];
		h[2] = NULL;
		if (send_req(&r, "POST", N "/users/me/keys", h, "{}", 2) !=
		    400) {
			diag("%s: %ld, not 400", bad[i], r.status);
			bad_400 = 0;
		} else if (r.body == NULL || strstr(r.body, "header") == NULL)
			bad_400 = 0;
		http_resp_free(&r);
	}
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		h[0] = strncmp(odd[i], "X-API", 5) == 0 ||
		    strncmp(odd[i], "Auth", 4) == 0 ||
		    strncmp(odd[i], "Cookie", 6) == 0 ? odd[i] :
		    harness_admin_header();
		h[1] = h[0] == odd[i] ? NULL : odd[i];
		h[2] = NULL;
		send_req(&r, "POST", N "/users/me/keys", h, "{}", 2);
		http_resp_free(&r);
		send_req(&r, "GET", N "/files/info/nosuch", h, NULL, 0);
		if (strncmp(odd[i], "X-Request-Id", 12) == 0)
			ok(http_header(&r, "X-Request-Id") != NULL &&
			    strncmp(http_header(&r, "X-Request-Id"), "req_", 4)
			    == 0, "an X-Request-Id that is not plain ASCII "
			    "is replaced by one of the app's");
		http_resp_free(&r);
	}
	ok(bad_400, "a text header that is not UTF-8 is 400 naming it");
	ok(invalid == before, "every answer to a hostile header is strict "
	    "JSON");
}

/* ---- what each refusal says, and that nothing is stored ---- */

static const char upload_form[] = "--B\r\nContent-Disposition: "
    "form-data; name=\"path\"\r\n\r\n/u8/\xff\xfe\r\n--B\r\n"
    "Content-Disposition: form-data; name=\"file\"; "
    "filename=\"\xc0\xae\"\r\n\r\nabc\r\n--B--\r\n";

static void
test_refusals(void)
{
	static const struct {
		const char	*method, *path, *ctype, *body, *says, *what;
		size_t		 blen;	/* 0: strlen(body) */
	} cases[] = {
		{ "PUT", N "/files/u8/%c0%ae%ff%fe", "application/octet-stream",
		    "abc", "path is not valid UTF-8",
		    "PUT /files/u8/%c0%ae%ff%fe", 0 },
		{ "POST", N "/files/upload", "multipart/form-data; boundary=B",
		    upload_form, "not valid UTF-8",
		    "an upload naming a path that is not UTF-8",
		    sizeof(upload_form) - 1 },
		{ "GET", N "/files?path=%ff", NULL, NULL, "'path'",
		    "a query value that is not UTF-8", 0 },
		{ "GET", N "/files?%c0%ae=1", NULL, NULL, "parameter name",
		    "a query name that is not UTF-8", 0 },
		{ "POST", N "/users/me/keys", "application/json",
		    "{\"name\": \"\xc0\xae\"}", "'name' is not valid UTF-8",
		    "a JSON string that is not UTF-8", 0 },
		{ "POST", N "/containers", "application/json",
		    "{\"image\": \"x\", \"labels\": {\"a\": [\"\xff\"]}}",
		    "'labels.a[0]'", "a nested JSON string that is not UTF-8",
		    0 },
		{ "POST", N "/users/me/keys", "application/json",
		    "{\"name\": \"a\\u0000b\"}", "'name' contains a NUL",
		    "a JSON string with a NUL", 0 },
		{ "POST", N "/users/me/keys", "application/json",
		    "{\"expires_in\": 1e999}", "'expires_in' is not a finite",
		    "a number that is not finite", 0 },
		{ "PUT", N "/config/validate", "text/plain", "workers = \xff\n",
		    "not valid UTF-8", "configuration text that is not UTF-8",
		    0 },
	};
	const char *h[3] = { harness_admin_header(), NULL, NULL }, *msg, *code;
	struct http_resp r;
	char ct[96], path[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		h[1] = NULL;
		if (cases[i].ctype != NULL) {
			snprintf(ct, sizeof(ct), "Content-Type: %s",
			    cases[i].ctype);
			h[1] = ct;
		}
		send_req(&r, cases[i].method, cases[i].path, h, cases[i].body,
		    cases[i].body == NULL ? 0 : cases[i].blen > 0 ?
		    cases[i].blen : strlen(cases[i].body));
		msg = json_str_at(r.json, "error.message");
		code = json_str_at(r.json, "error.code");
		ok(r.status == 400 && msg != NULL && code != NULL &&
		    strcmp(code, "INVALID_REQUEST") == 0 &&
		    strstr(msg, cases[i].says) != NULL,
		    "%s: 400 INVALID_REQUEST saying \"%s\"",
		    cases[i].what, cases[i].says);
		if (r.status != 400 || msg == NULL)
			diag("got %ld: %.300s", r.status, r.body ? r.body : "");
		http_resp_free(&r);
	}
	h[1] = "Content-Type: application/octet-stream";
	for (i = 0; i < sizeof(bad_enc) / sizeof(bad_enc[0]); i++) {
		snprintf(path, sizeof(path), N "/files/u8/y%s", bad_enc[i]);
		send_req(&r, "PUT", path, h, "abc", 3);
		http_resp_free(&r);
	}
	is_int(admin(&r, "GET", N "/files?path=/u8", NULL), 200,
	    "list /u8");
	is_int(json_object_get_int64(json_at(r.json, "total")), 0,
	    "... nothing was stored under /u8");
	http_resp_free(&r);
}

/* A message quoting a long path is cut to its buffer on a character. */
static void
test_long_messages(void)
{
	static const char *const bases[] = { N "/nope/", N "/files/info/",
	    N "/jobs/" };
	char path[4200];
	size_t n, pad, b;
	int before = invalid;

	for (b = 0; b < sizeof(bases) / sizeof(bases[0]); b++)
		for (pad = 960; pad < 1000; pad++) {
			n = (size_t)snprintf(path, sizeof(path), "%s",
			    bases[b]);
			memset(path + n, 'a', pad);
			n += pad;
			for (int i = 0; i < 12; i++)
				n += (size_t)snprintf(path + n, sizeof(path) -
				    n, "%%e2%%82%%ac");
			admin_status("GET", path, NULL);
		}
	/* and one near the web server's limits */
	n = (size_t)snprintf(path, sizeof(path), N "/users/");
	while (n + 7 < 4000)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "%%c3%%a9");
	admin_status("GET", path, NULL);
	ok(invalid == before, "errors quoting long paths of multi-byte "
	    "characters are strict JSON");
}

/* ---- bytes from the engine ---- */

static void
test_engine_bytes(void)
{
	struct http_resp r;
	const char *s;
	int before = invalid;

	if (harness_env("DOCKER_HOST") == NULL ||
	    *harness_env("DOCKER_HOST") == '\0') {
		skip(5, "no engine in this stack");
		return;
	}
	is_int(make_container("NGINX_URL", "ccj-bytes",
	    "printf 'bad \\377\\376 \\300\\256 \\355\\240\\200 end\\n'; "
	    "printf 'err \\342\\202\\n' >&2; trap 'exit 0' TERM; "
	    "while true; do sleep 1; done"), 201,
	    "a container that prints bytes that are not UTF-8");
	harness_msleep(1500);
	admin(&r, "GET", N "/containers/ccj-bytes/logs?tail=all", NULL);
	s = json_str_at(r.json, "logs.stdout");
	if (s == NULL)
		s = json_str_at(r.json, "stdout");
	ok(s != NULL && strstr(s, "\xef\xbf\xbd") != NULL &&
	    strstr(s, "end") != NULL, "its logs come out with U+FFFD for "
	    "the bad bytes");
	if (s == NULL)
		diag("logs: %.300s", r.body ? r.body : "");
	http_resp_free(&r);
	/* followed: the stream ends when the container is stopped */
	{
		struct http_resp f;
		const char *h[2] = { harness_admin_header(), NULL };

		admin_status("POST", N "/containers/ccj-bytes/stop", NULL);
		send_req(&f, "GET", N "/containers/ccj-bytes/logs?follow=true"
		    "&tail=all", h, NULL, 0);
		ok(f.status == 200 && f.body != NULL &&
		    strstr(f.body, "\xef\xbf\xbd") != NULL,
		    "followed logs are NDJSON with U+FFFD for the bad bytes");
		http_resp_free(&f);
	}
	admin_status("POST", N "/containers/ccj-bytes/start", NULL);
	admin(&r, "POST", N "/containers/ccj-bytes/exec",
	    "{\"command\": [\"printf\", \"\\\\377x\\\\300\"]}");
	ok(r.status == 200 || r.status == 201, "exec printing bad bytes");
	http_resp_free(&r);
	admin_status("GET", N "/containers?all=true", NULL);
	admin_status("GET", N "/containers/ccj-bytes", NULL);
	admin_status("DELETE", N "/containers/ccj-bytes?force=true", NULL);
	ok(invalid == before, "answers carrying the engine's bytes are "
	    "strict JSON");
}

/* ---- doubles ---- */

/* Whether text holds a number with 16 or more significant digits. */
static int
has_noise(const char *text)
{
	const char *p;
	size_t digits;

	for (p = text; *p != '\0'; p++) {
		if (*p != '.' || p == text || p[-1] < '0' || p[-1] > '9')
			continue;
		digits = strspn(p + 1, "0123456789");
		if (digits >= 16)
			return 1;
	}
	return 0;
}

static void
test_doubles(void)
{
	struct http_resp r;

	admin(&r, "GET", N "/system/info", NULL);
	ok(r.status == 200 && json_at(r.json, "system.cpu_usage") != NULL &&
	    !has_noise(r.body), "system info's cpu_usage has no binary noise");
	if (has_noise(r.body))
		diag("%.400s", r.body);
	http_resp_free(&r);
	if (harness_env("DOCKER_HOST") == NULL ||
	    *harness_env("DOCKER_HOST") == '\0') {
		skip(1, "no engine in this stack");
		return;
	}
	make_container("NGINX_URL", "ccj-stats", "trap 'exit 0' TERM; "
	    "while true; do :; done");
	harness_msleep(1000);
	admin(&r, "GET", N "/containers/ccj-stats/stats", NULL);
	ok(r.status == 200 && !has_noise(r.body),
	    "a busy container's cpu_usage has no binary noise");
	if (r.status != 200 || has_noise(r.body))
		diag("%ld %.400s", r.status, r.body ? r.body : "");
	http_resp_free(&r);
	admin_status("DELETE", N "/containers/ccj-stats?force=true", NULL);
}

/* ---- the pool's log ---- */

static void
test_log(void)
{
	char path[1024], line[8192];
	FILE *f;
	size_t n = 0, bad = 0;

	snprintf(path, sizeof(path), "%s/pool.log", harness_env("LOG_DIR"));
	if ((f = fopen(path, "r")) == NULL) {
		ok(0, "read the pool log %s", path);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strcspn(line, "\n");

		if (line[0] != '{')
			continue;	/* a sanitizer's or a library's */
		n++;
		if (!strict_json(line, len)) {
			if (bad++ < 3)
				diag("log line not JSON: %.300s", line);
		}
	}
	fclose(f);
	ok(n > 100 && bad == 0, "all %zu JSON lines of the pool log are "
	    "strict JSON (%zu not)", n, bad);
}

int
main(void)
{
	harness_start(NULL);
	test_refusals();
	test_path_segments();
	test_query();
	test_json_bodies();
	test_headers();
	test_long_messages();
	test_engine_bytes();
	test_doubles();
	test_log();
	diag("%d bodies checked, %d not strict JSON", checked, invalid);
	ok(checked > 1000 && invalid == 0, "%d answers, every one strict JSON",
	    checked);
	return done_testing();
}
