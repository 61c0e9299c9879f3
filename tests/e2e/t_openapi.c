/*
 * t_openapi.c: the answers keep the shapes docs/openapi.yaml promises.
 * Real requests through nginx to a sample of routes (health, system
 * info, the route index, containers list, create, get and remove on the
 * test image, images, files upload, info, list and delete, jobs submit,
 * get and list, the caller, their keys, the document itself, and a 400,
 * a 401 and a 404), each answer checked against the JSON form of the
 * document (docs/openapi.json): the status is one the operation lists,
 * and the body validates against that response's schema ($ref resolved:
 * type, nullable, required, properties, additionalProperties: false,
 * items, enum, allOf, oneOf, anyOf, date-time), the envelope's
 * request_id being the X-Request-Id header.  The live route index and
 * the document's operations are compared both ways, and the document is
 * served as it is in the tree.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness.h"
#include "../docs_util.h"

#define N "/api/v1"

static json_object *doc;

/* ---- the document ---- */

/* The node at a local JSON pointer ("#/components/schemas/X"), or NULL. */
static json_object *
pointer(const char *ref)
{
	json_object *o = doc;
	char tok[256];
	const char *p;
	size_t n, i, o_;

	if (strncmp(ref, "#/", 2) != 0)
		return NULL;
	for (p = ref + 2; o != NULL && *p != '\0'; p += n + (p[n] == '/')) {
		n = strcspn(p, "/");
		if (n >= sizeof(tok))
			return NULL;
		for (i = o_ = 0; i < n; i++) {	/* ~1 is /, ~0 is ~ */
			if (p[i] == '~' && i + 1 < n && (p[i + 1] == '1' ||
			    p[i + 1] == '0')) {
				tok[o_++] = p[i + 1] == '1' ? '/' : '~';
				i++;
			} else
				tok[o_++] = p[i];
		}
		tok[o_] = '\0';
		if (!json_object_object_get_ex(o, tok, &o))
			return NULL;
	}
	return o;
}

/* n itself, or what its $ref (and theirs) points at. */
static json_object *
resolve(json_object *n)
{
	json_object *ref;
	int hops;

	for (hops = 0; n != NULL && hops < 32 &&
	    json_object_is_type(n, json_type_object) &&
	    json_object_object_get_ex(n, "$ref", &ref); hops++)
		n = pointer(json_object_get_string(ref));
	return n;
}

static json_object *
member(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o != NULL && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* ---- a small validator for OpenAPI 3.0 schemas ---- */

static char errs[2048];
static size_t nerr;
static int quiet;	/* inside oneOf/anyOf: count, do not report */

static void bad(const char *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* One mismatch at where (a dotted path in the body). */
static void
bad(const char *where, const char *fmt, ...)
{
	size_t len = strlen(errs);
	va_list ap;

	nerr++;
	if (quiet || len + 200 > sizeof(errs))
		return;
	snprintf(errs + len, sizeof(errs) - len, "%s%s: ", len ? "; " : "",
	    *where ? where : "(body)");
	len = strlen(errs);
	va_start(ap, fmt);
	vsnprintf(errs + len, sizeof(errs) - len, fmt, ap);
	va_end(ap);
}

static int
type_ok(const char *t, json_object *v)
{
	if (strcmp(t, "object") == 0)
		return json_object_is_type(v, json_type_object);
	if (strcmp(t, "array") == 0)
		return json_object_is_type(v, json_type_array);
	if (strcmp(t, "string") == 0)
		return json_object_is_type(v, json_type_string);
	if (strcmp(t, "boolean") == 0)
		return json_object_is_type(v, json_type_boolean);
	if (strcmp(t, "integer") == 0)
		return json_object_is_type(v, json_type_int);
	if (strcmp(t, "number") == 0)
		return json_object_is_type(v, json_type_int) ||
		    json_object_is_type(v, json_type_double);
	return 1;
}

/* "2024-01-01T12:00:00" and more (fraction, zone). */
static int
date_time_ok(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t i;

	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) :
		    s[i] != shape[i])
			return 0;
	return 1;
}

static void validate(json_object *, json_object *, const char *, int);

/* How many of the schemas of list v validates against, quietly. */
static int
passes(json_object *list, json_object *v, const char *where, int depth)
{
	size_t i, before;
	int n = 0;

	for (i = 0; i < json_object_array_length(list); i++) {
		before = nerr;
		quiet++;
		validate(json_object_array_get_idx(list, i), v, where,
		    depth + 1);
		quiet--;
		n += nerr == before;
		nerr = before;
	}
	return n;
}

static void
validate_object(json_object *s, json_object *v, const char *where,
    int depth)
{
	json_object *req = member(s, "required"), *props = member(s,
	    "properties"), *extra = member(s, "additionalProperties"), *sub;
	char at[512];
	size_t i;

	for (i = 0; req != NULL && i < json_object_array_length(req); i++) {
		const char *k = json_object_get_string(
		    json_object_array_get_idx(req, i));

		if (!json_object_object_get_ex(v, k, NULL))
			bad(where, "required member '%s' is missing", k);
	}
	json_object_object_foreach(v, k, val) {
		snprintf(at, sizeof(at), "%s.%s", where, k);
		if ((sub = member(props, k)) != NULL)
			validate(sub, val, at, depth + 1);
		else if (extra != NULL && json_object_is_type(extra,
		    json_type_boolean) && !json_object_get_boolean(extra))
			bad(where, "member '%s' is not in the schema", k);
		else if (extra != NULL && json_object_is_type(extra,
		    json_type_object))
			validate(extra, val, at, depth + 1);
	}
}

/* Checks v against schema s; each mismatch is one bad(). */
static void
validate(json_object *s, json_object *v, const char *where, int depth)
{
	json_object *t, *e, *l;
	char at[512];
	size_t i;
	int hit;

	if ((s = resolve(s)) == NULL || depth > 64)
		return;
	if ((l = member(s, "allOf")) != NULL)
		for (i = 0; i < json_object_array_length(l); i++)
			validate(json_object_array_get_idx(l, i), v, where,
			    depth + 1);
	if ((l = member(s, "oneOf")) != NULL && passes(l, v, where, depth) != 1)
		bad(where, "%s", "matches not exactly one of oneOf");
	if ((l = member(s, "anyOf")) != NULL && passes(l, v, where, depth) < 1)
		bad(where, "%s", "matches none of anyOf");
	t = member(s, "type");
	if (v == NULL) {	/* JSON null */
		if (t != NULL && !json_object_get_boolean(member(s,
		    "nullable")))
			bad(where, "is null, but not nullable (%s)",
			    json_object_get_string(t));
		return;
	}
	if (t != NULL && !type_ok(json_object_get_string(t), v)) {
		bad(where, "is not of type %s", json_object_get_string(t));
		return;
	}
	if ((e = member(s, "enum")) != NULL) {
		for (i = 0, hit = 0; i < json_object_array_length(e); i++)
			hit |= json_object_equal(json_object_array_get_idx(e,
			    i), v);
		if (!hit)
			bad(where, "%s is not in its enum",
			    json_object_to_json_string(v));
	}
	if (json_object_is_type(v, json_type_string) &&
	    (e = member(s, "format")) != NULL &&
	    strcmp(json_object_get_string(e), "date-time") == 0 &&
	    !date_time_ok(json_object_get_string(v)))
		bad(where, "'%s' is not a date-time", json_object_get_string(v));
	if (json_object_is_type(v, json_type_object))
		validate_object(s, v, where, depth);
	if (json_object_is_type(v, json_type_array) &&
	    (e = member(s, "items")) != NULL)
		for (i = 0; i < json_object_array_length(v); i++) {
			snprintf(at, sizeof(at), "%s[%zu]", where, i);
			validate(e, json_object_array_get_idx(v, i), at,
			    depth + 1);
		}
}

/* ---- requests, checked against the document ---- */

/* The response object the document gives op for status, or NULL. */
static json_object *
documented(const char *tmpl, const char *method, long status)
{
	char meth[16], code[8];
	size_t i;

	for (i = 0; method[i] && i < sizeof(meth) - 1; i++)
		meth[i] = (char)tolower((unsigned char)method[i]);
	meth[i] = '\0';
	snprintf(code, sizeof(code), "%ld", status);
	return resolve(member(member(member(member(member(doc, "paths"),
	    tmpl), meth), "responses"), code));
}

/*
 * Sends method path (body as JSON, or with ctype) with the admin key
 * (anonymous when !key), expects status want, and checks the answer
 * against the document's response for operation tmpl.  The caller frees
 * r.
 */
static void
call(struct http_resp *r, int key, const char *method, const char *path,
    const char *tmpl, const char *ctype, const char *body, size_t len,
    long want)
{
	const char *h[3] = { NULL, NULL, NULL };
	json_object *resp, *schema;
	char ct[160];
	int n = 0;
	const char *rid;

	if (key && harness_admin_header() != NULL)
		h[n++] = harness_admin_header();
	if (body != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s",
		    ctype ? ctype : "application/json");
		h[n++] = ct;
		if (len == 0)
			len = strlen(body);
	}
	http_do(r, method, harness_url("NGINX_URL", path), h, body, len);
	if (!is_int(r->status, want, "%s %s answers %ld", method, path, want))
		diag("body: %.300s", r->body ? r->body : "");
	resp = documented(tmpl, method, r->status);
	if (!ok(resp != NULL, "%s %s: %ld is documented for %s", method, path,
	    r->status, tmpl))
		return;
	schema = member(member(member(resp, "content"), "application/json"),
	    "schema");
	if (!ok(schema != NULL && r->json != NULL, "%s %s: a JSON answer, "
	    "documented as one", method, path))
		return;
	errs[0] = '\0';
	nerr = 0;
	validate(schema, r->json, "", 0);
	if (!is_int(nerr, 0, "%s %s: the body matches its schema", method,
	    path))
		diag("%s", errs);
	if (!ok(http_header(r, "X-Request-Id") != NULL, "%s %s: "
	    "X-Request-Id is sent", method, path) ||
	    member(r->json, "success") == NULL)
		return;		/* not an envelope: the document itself */
	rid = json_str_at(r->json, r->status < 400 ? "request_id" :
	    "error.request_id");
	ok(rid != NULL && strcmp(rid, http_header(r, "X-Request-Id")) == 0,
	    "%s %s: the envelope's request_id is the X-Request-Id header",
	    method, path);
}

/* call() for a JSON body or none, freeing the answer. */
static void
check(int key, const char *method, const char *path, const char *tmpl,
    const char *body, long want)
{
	struct http_resp r;

	call(&r, key, method, path, tmpl, NULL, body, 0, want);
	http_resp_free(&r);
}

/* The validator is not vacuous: bodies that break their schema fail. */
static void
test_validator(void)
{
	static const struct {
		const char *tmpl, *method;
		long status;
		const char *body;
		size_t want;	/* at least this many mismatches */
	} cases[] = {
		/* request_id, timestamp, status, version, checks */
		{ "/health", "GET", 200, "{\"success\":true}", 5 },
		/* success's type, the status enum, checks.docker */
		{ "/health", "GET", 200, "{\"success\":\"yes\",\"request_id\":"
		    "\"r\",\"timestamp\":\"2024-01-01T00:00:00Z\",\"status\":"
		    "\"fine\",\"version\":\"1\",\"checks\":{\"storage\":"
		    "\"healthy\"}}", 3 },
		/* an unknown code, a status that is no integer, a bad time */
		{ "/containers/{id}", "GET", 404, "{\"success\":false,"
		    "\"timestamp\":\"yesterday\",\"error\":{\"code\":\"NOPE\","
		    "\"status\":\"404\",\"type\":\"NotFound\",\"message\":\"m\","
		    "\"details\":{},\"request_id\":\"r\"}}", 3 },
	};
	json_object *schema, *v;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		schema = member(member(member(documented(cases[i].tmpl,
		    cases[i].method, cases[i].status), "content"),
		    "application/json"), "schema");
		v = json_tokener_parse(cases[i].body);
		errs[0] = '\0';
		nerr = 0;
		validate(schema, v, "", 0);
		if (!ok(schema != NULL && nerr >= cases[i].want, "validator: "
		    "a broken %s %s %ld body has %zu+ mismatches (%zu)",
		    cases[i].method, cases[i].tmpl, cases[i].status,
		    cases[i].want, nerr))
			diag("%s", errs);
		json_object_put(v);
	}
}

/* ---- the sample ---- */

static void
test_system(void)
{
	struct http_resp r;

	check(0, "GET", "/health", "/health", NULL, 200);
	check(1, "GET", N "/system/info", "/system/info", NULL, 200);
	check(0, "GET", N "/system/info", "/system/info", NULL, 401);
	check(1, "GET", N "/users/me", "/users/me", NULL, 200);
	call(&r, 1, "POST", N "/users/me/keys", "/users/me/keys", NULL,
	    "{\"name\":\"t-openapi\"}", 0, 201);
	ok(json_str_at(r.json, "key.api_key") != NULL ||
	    json_str_at(r.json, "api_key") != NULL, "the new key is shown");
	http_resp_free(&r);
	check(1, "GET", N "/users/me/keys", "/users/me/keys", NULL, 200);
	check(1, "GET", N "/images", "/images", NULL, 200);
}

static void
test_containers(void)
{
	struct http_resp r;

	check(1, "GET", N "/containers", "/containers", NULL, 200);
	check(1, "POST", N "/containers", "/containers",
	    "{\"image\":\"localhost/busybox:test\",\"name\":\"cct-openapi\","
	    "\"command\":[\"sleep\",\"300\"],\"network_mode\":\"none\","
	    "\"labels\":{\"cc.test\":\"1\"}}", 201);
	check(1, "GET", N "/containers/cct-openapi", "/containers/{id}", NULL,
	    200);
	check(1, "GET", N "/containers/cct-nosuch", "/containers/{id}", NULL,
	    404);
	/* A boolean in none of its forms: 400 naming them. */
	call(&r, 1, "DELETE", N "/containers/cct-openapi?force=maybe",
	    "/containers/{id}", NULL, NULL, 0, 400);
	ok(r.body != NULL && strstr(r.body, "yes/no") != NULL,
	    "the 400 names the forms: %.200s", r.body ? r.body : "");
	http_resp_free(&r);
	/* What Python's requests sends for force=True. */
	check(1, "DELETE", N "/containers/cct-openapi?force=True",
	    "/containers/{id}", NULL, 200);
}

static void
test_files(void)
{
	static const char form[] =
	    "--b0undary\r\nContent-Disposition: form-data; name=\"path\"\r\n"
	    "\r\nt-openapi/a.txt\r\n--b0undary\r\nContent-Disposition: "
	    "form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: "
	    "text/plain\r\n\r\nhello\n\r\n--b0undary--\r\n";
	struct http_resp r;

	call(&r, 1, "POST", N "/files/upload", "/files/upload",
	    "multipart/form-data; boundary=b0undary", form, sizeof(form) - 1,
	    201);
	http_resp_free(&r);
	check(1, "GET", N "/files/info/t-openapi/a.txt", "/files/info/{path}",
	    NULL, 200);
	check(1, "GET", N "/files?prefix=t-openapi/", "/files", NULL, 200);
	check(1, "DELETE", N "/files/t-openapi/a.txt", "/files/{path}", NULL,
	    200);
	check(1, "GET", N "/files/info/t-openapi/a.txt", "/files/info/{path}",
	    NULL, 404);
}

static void
test_jobs(void)
{
	struct http_resp r;
	char path[256];
	const char *id;

	call(&r, 1, "POST", N "/jobs", "/jobs", NULL, "{\"name\":\"t-openapi\","
	    "\"image\":\"localhost/busybox:test\",\"command\":[\"true\"]}", 0,
	    201);
	id = json_str_at(r.json, "job_id");
	snprintf(path, sizeof(path), N "/jobs/%s", id ? id : "none");
	http_resp_free(&r);
	check(1, "GET", path, "/jobs/{id}", NULL, 200);
	check(1, "GET", N "/jobs", "/jobs", NULL, 200);
}

/* The live route index and the document's operations, both ways. */
static void
test_index(void)
{
	static const char *const meths[] = { "get", "put", "post", "delete",
	    "patch" };
	struct http_resp r;
	json_object *routes, *e, *paths = member(doc, "paths");
	char p[600], m[16];
	size_t i, j, missing = 0, unknown = 0;

	call(&r, 1, "GET", N, "/", NULL, NULL, 0, 200);
	routes = json_at(r.json, "api.routes");
	for (i = 0; routes != NULL && i < json_object_array_length(routes);
	    i++) {
		const char *rp, *rm;

		e = json_object_array_get_idx(routes, i);
		rp = json_str_at(e, "path");
		rm = json_str_at(e, "method");
		if (rp == NULL || rm == NULL ||
		    strncmp(rp, N, sizeof(N) - 1) != 0)
			continue;
		/* Debug-only diagnostics are not described (debug is on). */
		if (strncmp(rp, N "/_", sizeof(N) + 1) == 0)
			continue;
		docs_openapi_path(rp[sizeof(N) - 1] ? rp + sizeof(N) - 1 : "/",
		    p, sizeof(p));
		for (j = 0; rm[j] && j < sizeof(m) - 1; j++)
			m[j] = (char)tolower((unsigned char)rm[j]);
		m[j] = '\0';
		if (member(member(paths, p), m) == NULL) {
			diag("the index has %s %s; the document does not", rm,
			    p);
			missing++;
		}
	}
	ok(routes != NULL && missing == 0, "every route of the live index is "
	    "in the document");
	json_object_object_foreach(paths, path, item) {
		for (j = 0; j < sizeof(meths) / sizeof(meths[0]); j++) {
			int seen = 0;

			if (member(item, meths[j]) == NULL)
				continue;
			for (i = 0; routes != NULL &&
			    i < json_object_array_length(routes) && !seen;
			    i++) {
				const char *rp, *rm;

				e = json_object_array_get_idx(routes, i);
				rp = json_str_at(e, "path");
				rm = json_str_at(e, "method");
				if (rp == NULL || rm == NULL)
					continue;
				docs_openapi_path(rp, p, sizeof(p));
				seen = strcasecmp(rm, meths[j]) == 0 &&
				    strncmp(p, N, sizeof(N) - 1) == 0 &&
				    strcmp(p[sizeof(N) - 1] ? p + sizeof(N) - 1
				    : "/", path) == 0;
			}
			if (!seen) {
				diag("the document has %s %s; the index does "
				    "not", meths[j], path);
				unknown++;
			}
		}
	}
	ok(unknown == 0, "every operation of the document is in the live "
	    "index");
	http_resp_free(&r);
}

/* The document itself: both forms, as they are in the tree. */
static void
test_document(void)
{
	static const char *const yaml_paths[] = { N "/openapi.yaml",
	    "/api/openapi.yaml" };
	struct http_resp r;
	char *yaml;
	size_t ylen = 0, i;
	const char *ct;

	call(&r, 0, "GET", N "/openapi.json", "/openapi.json", NULL, NULL, 0,
	    200);
	ok(r.json != NULL && json_object_equal(r.json, doc),
	    "GET /openapi.json is docs/openapi.json");
	http_resp_free(&r);
	yaml = docs_slurp("docs/openapi.yaml", &ylen);
	for (i = 0; i < 2; i++) {
		http_do(&r, "GET", harness_url("NGINX_URL", yaml_paths[i]),
		    NULL, NULL, 0);
		is_int(r.status, 200, "GET %s (public)", yaml_paths[i]);
		ct = http_header(&r, "Content-Type");
		ok(ct != NULL && strncmp(ct, "application/yaml", 16) == 0,
		    "... as application/yaml (%s)", ct ? ct : "none");
		ok(yaml != NULL && r.len == ylen &&
		    memcmp(r.body, yaml, ylen) == 0,
		    "... and is docs/openapi.yaml");
		ok(documented("/openapi.yaml", "GET", r.status) != NULL,
		    "... with a documented status");
		http_resp_free(&r);
	}
	free(yaml);
}

int
main(void)
{
	char *text = docs_slurp("docs/openapi.json", NULL);

	if (text == NULL || (doc = json_tokener_parse(text)) == NULL)
		bail_out("cannot read docs/openapi.json (CC_SRCDIR)");
	free(text);
	test_validator();
	harness_start(NULL);
	test_system();
	test_containers();
	test_files();
	test_jobs();
	test_index();
	test_document();
	json_object_put(doc);
	return done_testing();
}
