/*
 * files_util.h: helpers shared by the file store's end-to-end tests
 * (t_files, t_files_clients): requests that carry the admin credential,
 * multipart bodies, and looking at the store's directory.
 */
#ifndef CC_E2E_FILES_UTIL_H
#define CC_E2E_FILES_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* One request with the admin credential (when the stack has one) and up
 * to four more headers (NULL ends them early). */
static inline int
fx_do(struct http_resp *r, const char *method, const char *url,
    const char *h1, const char *h2, const char *h3, const char *h4,
    const void *body, size_t len)
{
	const char *hs[6];
	size_t n = 0;

	if (harness_admin_header() != NULL)
		hs[n++] = harness_admin_header();
	if (h1 != NULL) {
		hs[n++] = h1;
		if (h2 != NULL) {
			hs[n++] = h2;
			if (h3 != NULL) {
				hs[n++] = h3;
				if (h4 != NULL)
					hs[n++] = h4;
			}
		}
	}
	hs[n] = NULL;
	return http_do(r, method, url, hs, body, len);
}

/* A multipart/form-data body with the fields given (NULL: left out).
 * The caller frees it. */
static inline char *
fx_form(const char *boundary, const char *path, const char *perms,
    const void *data, size_t len, size_t *outlen)
{
	size_t cap = len + 1024 + (path ? strlen(path) : 0), n = 0;
	char *b = malloc(cap);

	if (b == NULL)
		return NULL;
	if (path != NULL)
		n += (size_t)snprintf(b + n, cap - n, "--%s\r\nContent-Disposition: "
		    "form-data; name=\"path\"\r\n\r\n%s\r\n", boundary, path);
	if (perms != NULL)
		n += (size_t)snprintf(b + n, cap - n, "--%s\r\nContent-Disposition: "
		    "form-data; name=\"permissions\"\r\n\r\n%s\r\n", boundary,
		    perms);
	if (data != NULL) {
		n += (size_t)snprintf(b + n, cap - n, "--%s\r\nContent-Disposition: "
		    "form-data; name=\"file\"; filename=\"x\"\r\nContent-Type: "
		    "application/octet-stream\r\n\r\n", boundary);
		memcpy(b + n, data, len);
		n += len;
		n += (size_t)snprintf(b + n, cap - n, "\r\n");
	}
	n += (size_t)snprintf(b + n, cap - n, "--%s--\r\n", boundary);
	*outlen = n;
	return b;
}

/* POST /api/v1/files/upload through front end fe. */
static inline int
fx_upload(struct http_resp *r, const char *fe, const char *path,
    const void *data, size_t len, const char *extra)
{
	char ct[128];
	size_t blen = 0;
	char *body = fx_form("cc-test-boundary", path, "644", data, len, &blen);
	int rc;

	snprintf(ct, sizeof(ct), "Content-Type: multipart/form-data; "
	    "boundary=cc-test-boundary");
	rc = fx_do(r, "POST", harness_url(fe, "/api/v1/files/upload"), ct,
	    extra, NULL, NULL, body, blen);
	free(body);
	return rc;
}

/* Entries in DATA_DIR/files (blobs and temporary files). */
static inline int
fx_store_entries(void)
{
	char p[4096];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(p, sizeof(p), "%s/files", harness_env("DATA_DIR"));
	if ((d = opendir(p)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' || strncmp(de->d_name, ".tmp-", 5) == 0)
			n++;
	closedir(d);
	return n;
}

/* GET /api/v1/files: the total the list reports, -1 on failure. */
static inline long
fx_total(const char *fe)
{
	struct http_resp r;
	long t = -1;
	struct json_object *v;

	if (fx_do(&r, "GET", harness_url(fe, "/api/v1/files?limit=1"), NULL,
	    NULL, NULL, NULL, NULL, 0) == 0 && r.json != NULL &&
	    (v = json_at(r.json, "total")) != NULL)
		t = (long)json_object_get_int64(v);
	http_resp_free(&r);
	return t;
}

#endif
