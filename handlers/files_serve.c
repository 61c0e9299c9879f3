/*
 * files_serve.c: the file store's download side (container-codes-api.md,
 * File Management): files_serve() answers GET and HEAD for a stored file,
 * with conditionals (304, 412) and Range (206, multipart/byteranges,
 * 416), for GET /files/download/{path} and any other route that exposes
 * stored files (job outputs).
 *
 * The body goes from the blob to the connection in large records
 * (resp_write_fd), or is handed to the web server (X-Accel-Redirect or
 * X-Sendfile) once the app has checked access and preconditions.
 * Ownership as in files.c: another user's file answers 404.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "handlers.h"
#include "files.h"
#include "../storage/storage.h"

/* ---- download ---- */

enum offload { OFF_NONE, OFF_ACCEL, OFF_SENDFILE };

static enum offload
offload_mode(const struct request *r)
{
	const char *fe;

	if (strcmp(front_cfg.files_offload, "x-accel") == 0)
		return OFF_ACCEL;
	if (strcmp(front_cfg.files_offload, "x-sendfile") == 0)
		return OFF_SENDFILE;
	if (strcmp(front_cfg.files_offload, "auto") != 0 ||
	    (fe = req_env(r, "CC_FRONTEND")) == NULL)
		return OFF_NONE;
	if (strcmp(fe, "nginx") == 0)
		return OFF_ACCEL;
	if (strcmp(fe, "apache") == 0)
		return OFF_SENDFILE;
	return OFF_NONE;
}

/* One plain range-spec ("bytes=N-M", "bytes=N-", "bytes=-N"), the form
 * every web server reads the same way. */
static int
simple_range(const char *h)
{
	size_t a, b;

	if (strncmp(h, "bytes=", 6) != 0)
		return 0;
	h += 6;
	a = strspn(h, "0123456789");
	if (h[a] != '-')
		return 0;
	b = strspn(h + a + 1, "0123456789");
	return h[a + 1 + b] == '\0' && (a > 0 || b > 0);
}

/*
 * Whether the web server may send the body: it would answer exactly as
 * the app does.  That holds for a whole file or one plain range with no
 * If-Range; the rest (several ranges, coalescing, malformed or
 * unsatisfiable ranges, If-Range, If-Match which nginx would test against
 * its own validator, an empty file, HEAD) is answered by the app.
 */
static int
may_offload(const struct request *r, const struct files_meta *m,
    enum range_result rr, size_t n)
{
	const char *range = req_header(r, "Range");

	if (r->is_head || m->size == 0 || req_header(r, "If-Match") != NULL ||
	    req_header(r, "If-Range") != NULL)
		return 0;
	if (range == NULL)
		return 1;
	return rr == RANGE_PARTIAL && n == 1 && simple_range(range);
}

static int
offload(struct request *r, enum offload how, const struct files_meta *m)
{
	if (how == OFF_ACCEL)
		resp_header(r, "X-Accel-Redirect", "%s%s",
		    front_cfg.files_offload_prefix, m->blob);
	else {
		resp_header(r, "X-Sendfile", "%s/%s", files_dir(), m->blob);
		/* nginx adds it to a 200 itself; mod_xsendfile does not. */
		if (req_header(r, "Range") == NULL)
			resp_header(r, "Accept-Ranges", "bytes");
	}
	return resp_head(r, 200, m->mime, -1);
}

/* A multipart/byteranges body (RFC 9110 14.6). */
static int
send_multi(struct request *r, int fd, const struct files_meta *m,
    const struct byte_range *rg, size_t n)
{
	char boundary[21], ctype[80], **heads;
	long long total = 0;
	size_t i;

	if ((heads = req_alloc(r, n * sizeof(*heads))) == NULL)
		return resp_error(r, CC_E_INTERNAL_ERROR, "out of memory");
	{
		unsigned char rnd[10];

		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(boundary, sizeof(boundary), rnd, sizeof(rnd));
	}
	for (i = 0; i < n; i++) {
		heads[i] = req_printf(r, "\r\n--%s\r\nContent-Type: %s\r\n"
		    "Content-Range: bytes %lld-%lld/%lld\r\n\r\n", boundary,
		    m->mime, rg[i].start, rg[i].end, m->size);
		if (heads[i] == NULL)
			return resp_error(r, CC_E_INTERNAL_ERROR,
			    "out of memory");
		total += (long long)strlen(heads[i]) + rg[i].end -
		    rg[i].start + 1;
	}
	total += (long long)strlen(boundary) + 8;	/* \r\n--B--\r\n */
	snprintf(ctype, sizeof(ctype), "multipart/byteranges; boundary=%s",
	    boundary);
	resp_head(r, 206, ctype, total);
	for (i = 0; i < n; i++)
		if (resp_write(r, heads[i], strlen(heads[i])) < 0 ||
		    resp_write_fd(r, fd, rg[i].start,
		    rg[i].end - rg[i].start + 1) < 0)
			return 206;
	if (resp_write(r, "\r\n--", 4) == 0 &&
	    resp_write(r, boundary, strlen(boundary)) == 0)
		resp_write(r, "--\r\n", 4);
	return 206;
}

/*
 * One attempt of files_serve, from the record as read now.  The blob is
 * opened only when the app sends the body itself (the answers that have
 * none, and offloaded ones, need only the record); *again is set when
 * the blob was replaced since the record was read.
 */
static int
serve_once(struct request *r, const char *path, int *again)
{
	struct byte_range *rg = NULL;
	struct cond_headers h = files_cond_of(r);
	struct files_meta m;
	enum range_result rr = RANGE_NONE;
	enum offload how;
	const char *range;
	char etag[40], lm[32];
	size_t n = 0;
	int fd = -1, rc;

	if ((rc = files_get(path, &m)) != 0)
		return files_store_fail(r, rc, path);
	if (!files_owner_ok(r, m.owner)) {
		rc = files_not_found(r, path);
		goto out;
	}
	files_quoted_etag(&m, etag);
	http_date_format(lm, m.modified);
	resp_header(r, "ETag", "%s", etag);
	resp_header(r, "Last-Modified", "%s", lm);
	switch (cond_evaluate(&h, 1, etag, m.modified, 1)) {
	case COND_NOT_MODIFIED:
		rc = resp_send(r, 304, NULL, NULL, 0);
		goto out;
	case COND_FAILED:
		rc = resp_error(r, CC_E_PRECONDITION_FAILED, "a precondition "
		    "(If-Match or If-Unmodified-Since) failed for '%s'", path);
		goto out;
	case COND_OK:
		break;
	}
	/* Range applies to GET only (RFC 9110 14.2), and If-Range may
	 * turn it off. */
	range = r->is_head ? NULL : req_header(r, "Range");
	if (range != NULL && cond_if_range(req_header(r, "If-Range"), etag,
	    m.modified)) {
		if ((rg = req_alloc(r, (size_t)front_cfg.files_max_ranges *
		    sizeof(*rg))) == NULL) {
			rc = resp_error(r, CC_E_INTERNAL_ERROR, "out of memory");
			goto out;
		}
		rr = range_parse(range, m.size, (size_t)front_cfg.files_max_ranges,
		    rg, &n);
	}
	if ((how = offload_mode(r)) != OFF_NONE && may_offload(r, &m, rr, n)) {
		rc = offload(r, how, &m);
		goto out;
	}
	if (rr != RANGE_UNSATISFIABLE && (rc = files_open_blob(&m, &fd)) != 0) {
		if (rc == STORE_E_GONE)
			*again = 1;
		else
			rc = files_store_fail(r, rc, path);
		goto out;
	}
	if (m.size > FILES_IO_CHUNK)
		req_set_streaming(r);
	switch (rr) {
	case RANGE_UNSATISFIABLE:
		resp_header(r, "Content-Range", "bytes */%lld", m.size);
		rc = resp_error(r, CC_E_RANGE_NOT_SATISFIABLE, "no range of "
		    "'%s' is satisfiable: the file has %lld bytes", range,
		    m.size);
		break;
	case RANGE_PARTIAL:
		if (n > 1) {
			rc = send_multi(r, fd, &m, rg, n);
			break;
		}
		resp_header(r, "Content-Range", "bytes %lld-%lld/%lld",
		    rg[0].start, rg[0].end, m.size);
		rc = resp_head(r, 206, m.mime, rg[0].end - rg[0].start + 1);
		resp_write_fd(r, fd, rg[0].start, rg[0].end - rg[0].start + 1);
		break;
	case RANGE_NONE:
		/* On 200 only, as nginx's static module does. */
		resp_header(r, "Accept-Ranges", "bytes");
		rc = resp_head(r, 200, m.mime, m.size);
		resp_write_fd(r, fd, 0, m.size);
		break;
	}
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * Serves the stored file at path (canonical) to GET or HEAD, for any
 * route that exposes stored files (downloads here, job outputs later):
 * 404 when it is missing or the caller's role does not reach it, the
 * preconditions (412, 304), then Range (206, multipart/byteranges, 416),
 * else 200; the body comes from the app or, when configured, from the
 * web server.  A concurrent overwrite gives the old file or the new one.
 */
int
files_serve(struct request *r, const char *path)
{
	int tries, rc, again;

	for (tries = 0; tries < 5; tries++) {
		again = 0;
		rc = serve_once(r, path, &again);
		if (!again)
			return rc;
		resp_clear_headers(r);
	}
	return files_store_fail(r, STORE_E_IO, path);
}

/* GET|HEAD /files/download/{path}: see files_serve. */
int
h_files_download(struct request *r)
{
	const char *path = files_route_path(r);

	return path != NULL ? files_serve(r, path) : r->status;
}
