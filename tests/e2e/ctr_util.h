/*
 * ctr_util.h: what the container end-to-end tests share: one API call
 * through a chosen web server with the admin key, and creating a test
 * container (network mode none, labelled cc.test=1).
 */
#ifndef CC_E2E_CTR_UTIL_H
#define CC_E2E_CTR_UTIL_H

#include <stdio.h>
#include <string.h>

#include "harness.h"

/* One request to base ("NGINX_URL", "APACHE_URL") as the holder of
 * key_header ("X-API-Key: ..."; NULL: anonymous); a body is sent as
 * JSON.  The caller frees r. */
static inline long
api_as(struct http_resp *r, const char *key_header, const char *base,
    const char *method, const char *path, const char *body)
{
	const char *h[3] = { NULL, NULL, NULL };
	int n = 0;

	if (key_header != NULL)
		h[n++] = key_header;
	if (body != NULL)
		h[n++] = "Content-Type: application/json";
	http_do(r, method, harness_url(base, path), h, body,
	    body ? strlen(body) : 0);
	return r->status;
}

/* api_as() with the stack's admin key. */
static inline long
api(struct http_resp *r, const char *base, const char *method,
    const char *path, const char *body)
{
	return api_as(r, harness_admin_header(), base, method, path, body);
}

/* Status of one request, checking the error code when code is given. */
static inline long
api_code(const char *base, const char *method, const char *path,
    const char *body, const char *code, const char *what)
{
	struct http_resp r;
	long st = api(&r, base, method, path, body);

	if (code != NULL)
		is_str(json_str_at(r.json, "error.code"), code, "%s: code",
		    what);
	http_resp_free(&r);
	return st;
}

/* Creates and starts a test container running sh -c script; 201 or 0. */
static inline long
make_container(const char *base, const char *name, const char *script)
{
	struct http_resp r;
	json_object *o = json_object_new_object(), *cmd, *lab;
	long st;

	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "image",
	    json_object_new_string("localhost/busybox:test"));
	cmd = json_object_new_array();
	json_object_array_add(cmd, json_object_new_string("sh"));
	json_object_array_add(cmd, json_object_new_string("-c"));
	json_object_array_add(cmd, json_object_new_string(script));
	json_object_object_add(o, "command", cmd);
	json_object_object_add(o, "network_mode",
	    json_object_new_string("none"));
	lab = json_object_new_object();
	json_object_object_add(lab, "cc.test", json_object_new_string("1"));
	json_object_object_add(o, "labels", lab);
	st = api(&r, base, "POST", "/api/v1/containers",
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	if (st != 201)
		diag("create %s: %ld %s", name, st, r.body ? r.body : "");
	http_resp_free(&r);
	json_object_put(o);
	return st;
}

#endif
