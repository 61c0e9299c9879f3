/*
 * files.c: the file store's routes (container-codes-api.md, File
 * Management): multipart upload, raw PUT, info, list, delete.  The
 * download side (GET/HEAD with conditionals and Range, and files_serve()
 * for any route that exposes stored files) is files_serve.c; the helpers
 * both use are declared in files.h.
 *
 * Bodies stream: an upload goes chunk by chunk from the FastCGI stream
 * through the multipart parser into a files_writer (storage/files.c).
 *
 * Ownership: a file records its uploader; a caller who is not an admin
 * sees only their own files, and another user's file answers 404 as if
 * it were not there.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "files.h"
#include "../storage/storage.h"

/*
 * Refusals of the checks that run inside storage's write and delete
 * transactions (files_check_fn).  They are this file's policy (who owns
 * a path, the request's If-* headers), not storage errors, so they stay
 * here rather than in storage's contract, which only says that a check's
 * non-zero return aborts the transaction, changes nothing, and comes
 * back to the caller as it was.  They are numbered from -5101, a range
 * no floor's error space uses (storage -1000, runtimes -2000, services
 * -3000), so files_store_fail tells them from storage's codes.  That
 * function is the one place they become words (with the path), so they
 * need no strerror of their own.
 */
enum files_refusal {
	FILES_R_NOT_FOUND = -5101,	/* another user's file: 404 */
	FILES_R_PRECONDITION = -5102,	/* 412 */
	FILES_R_TAKEN = -5103,		/* another user's path: 409 */
};

#define UPLOAD_OVERHEAD	(1 << 20)	/* multipart framing allowed */
#define MP_MAX_PARTS	16
#define MP_MAX_HEADER	8192
#define FIELD_MAX	2048		/* the path and permissions fields */

/* Admins reach every file, anyone else only their own (auth.c). */
int
files_owner_ok(const struct request *r, const char *owner)
{
	return auth_may_access(r, owner);
}

int
files_not_found(struct request *r, const char *path)
{
	return resp_error(r, CC_E_FILE_NOT_FOUND, "File '%s' not found", path);
}

/* Maps a storage or file-store error to its response. */
int
files_store_fail(struct request *r, int rc, const char *path)
{
	char what[FILES_PATH_MAX + 16];

	switch (rc) {
	case STORE_E_NOTFOUND:
	case FILES_R_NOT_FOUND:
		return files_not_found(r, path);
	case FILES_R_PRECONDITION:
		return resp_error(r, CC_E_PRECONDITION_FAILED, "a precondition "
		    "(If-Match, If-None-Match or If-Unmodified-Since) failed "
		    "for '%s'; nothing was changed", path);
	case FILES_R_TAKEN:
		return resp_error(r, CC_E_CONFLICT, "the path '%s' is not "
		    "available", path);
	/* the file store's own words; the code is the one mapping's */
	case STORE_E_TOO_LARGE:
		return resp_error(r, resp_store_code(rc), "the file exceeds "
		    "files_max_size (%zu bytes); nothing was stored",
		    store_cfg.files_max_size);
	case STORE_E_NOSPACE:
		return resp_error(r, resp_store_code(rc), "no space left "
		    "in the file store; nothing was stored");
	case STORE_E_IO:
		return resp_error(r, resp_store_code(rc), "file store I/O "
		    "error on '%s'", path);
	default:
		snprintf(what, sizeof(what), "file '%s'", path);
		return resp_store_error(r, rc, what);
	}
}

/* The canonical path of the route's {path} parameter, or NULL after a
 * 400 naming the problem. */
const char *
files_route_path(struct request *r)
{
	const char *why, *raw = req_param(r, "path");
	char *out = req_alloc(r, FILES_PATH_MAX + 2);

	if (out == NULL) {
		resp_error(r, CC_E_INTERNAL_ERROR, "out of memory");
		return NULL;
	}
	if ((why = files_path_canon(raw ? raw : "", out)) != NULL) {
		resp_error(r, CC_E_INVALID_REQUEST, "invalid file path: %s", why);
		return NULL;
	}
	return out;
}

/* Job outputs live under /jobs/ (jobs/filestore.c); API writes there
 * would let a user plant a file that reads as a job's output. */
static const char *
reserved(const char *canon)
{
	return strncmp(canon, "/jobs/", 6) == 0 || strcmp(canon, "/jobs") == 0 ?
	    "the /jobs/ prefix is reserved for job outputs" : NULL;
}

/* "644" or "0644": three or four octal digits, at most 0777. */
static int
perms_ok(const char *s, char out[8])
{
	size_t n = strlen(s);

	if (n < 3 || n > 4 || strspn(s, "01234567") != n ||
	    (n == 4 && s[0] != '0'))
		return 0;
	snprintf(out, 8, "%s", s + (n - 3));
	return 1;
}

void
files_quoted_etag(const struct files_meta *m, char out[40])
{
	snprintf(out, 40, "\"%s\"", m->etag);
}

struct cond_headers
files_cond_of(const struct request *r)
{
	struct cond_headers h = {
		req_header(r, "If-Match"),
		req_header(r, "If-None-Match"),
		req_header(r, "If-Modified-Since"),
		req_header(r, "If-Unmodified-Since"),
	};

	return h;
}

/* The check run before a write commits (and, for PUT, before the body
 * is read): ownership, then the request's preconditions. */
struct write_check {
	struct request		*r;
	struct cond_headers	 h;
	int			 existed;
};

static int
write_check(const struct files_meta *cur, void *arg)
{
	struct write_check *c = arg;
	char etag[40] = "";

	c->existed = cur != NULL;
	if (cur != NULL && !files_owner_ok(c->r, cur->owner))
		return FILES_R_TAKEN;
	if (cur != NULL)
		files_quoted_etag(cur, etag);
	if (cond_evaluate(&c->h, cur != NULL, etag, cur ? cur->modified : 0,
	    0) != COND_OK)
		return FILES_R_PRECONDITION;
	return 0;
}

/* 413 before reading a body that is too large, 411 without a length. */
static int
body_length_ok(struct request *r, long long extra)
{
	if (r->content_length < 0) {
		resp_error(r, CC_E_LENGTH_REQUIRED, "a Content-Length is "
		    "required for uploads");
		return 0;
	}
	if ((unsigned long long)r->content_length >
	    (unsigned long long)store_cfg.files_max_size + (unsigned long long)extra) {
		resp_error(r, CC_E_PAYLOAD_TOO_LARGE, "the request body of %lld "
		    "bytes exceeds files_max_size (%zu bytes)",
		    r->content_length, store_cfg.files_max_size);
		return 0;
	}
	return 1;
}

static int
stored(struct request *r, const struct files_meta *m, int created)
{
	char etag[40], lm[32];

	files_quoted_etag(m, etag);
	http_date_format(lm, m->modified);
	resp_header(r, "ETag", "%s", etag);
	resp_header(r, "Last-Modified", "%s", lm);
	return resp_ok(r, created ? 201 : 200, "file", files_meta_json(m));
}

/* ---- multipart upload ---- */

enum field { FLD_NONE, FLD_FILE, FLD_PATH, FLD_PERMS, FLD_OTHER };

struct upload {
	struct request		*r;
	struct files_writer	*w;
	enum field		 cur;
	int			 files;		/* file parts seen */
	char			 path[FIELD_MAX + 1];
	size_t			 path_len;
	char			 perms[FIELD_MAX + 1];
	size_t			 perms_len;
	int			 fail;		/* a files_* error, or */
	const char		*why;		/* a 400 */
	struct write_check	*chk;
	char			 canon[FILES_PATH_MAX + 2];
};

/*
 * With the path field before the file part, the refusals that depend
 * only on the path (a bad path, another user's path, a failed
 * precondition) come before the bytes rather than after them.  The
 * commit checks again.
 */
static int
up_precheck(struct upload *u)
{
	struct files_meta cur;
	const char *why = NULL;
	int rc;

	u->path[u->path_len] = '\0';
	if (strlen(u->path) != u->path_len ||
	    (why = files_path_canon(u->path, u->canon)) != NULL ||
	    (why = reserved(u->canon)) != NULL) {
		u->why = why != NULL ? why : "NUL is not allowed in a path";
		return 1;
	}
	rc = files_get(u->canon, &cur);
	if (rc != 0 && rc != STORE_E_NOTFOUND)
		return (u->fail = rc) != 0;
	return (u->fail = write_check(rc == 0 ? &cur : NULL, u->chk)) != 0;
}

static int
up_begin(void *arg, const struct mp_part *p)
{
	struct upload *u = arg;
	int rc;

	if (strcmp(p->name, "file") == 0) {
		if (u->files++ > 0) {
			u->why = "the form has more than one 'file' part";
			return 1;
		}
		if (u->path_len > 0 && up_precheck(u) != 0)
			return 1;
		if ((rc = files_writer_open((long long)store_cfg.files_max_size,
		    &u->w)) != 0) {
			u->fail = rc;
			return 1;
		}
		u->cur = FLD_FILE;
	} else if (strcmp(p->name, "path") == 0) {
		u->cur = FLD_PATH;
		u->path_len = 0;
	} else if (strcmp(p->name, "permissions") == 0) {
		u->cur = FLD_PERMS;
		u->perms_len = 0;
	} else
		u->cur = FLD_OTHER;
	return 0;
}

static int
field_add(char *dst, size_t *len, const char *s, size_t n)
{
	if (*len + n > FIELD_MAX)
		return -1;
	memcpy(dst + *len, s, n);
	*len += n;
	dst[*len] = '\0';
	return 0;
}

static int
up_data(void *arg, const char *s, size_t n)
{
	struct upload *u = arg;

	switch (u->cur) {
	case FLD_FILE:
		return (u->fail = files_writer_write(u->w, s, n)) != 0;
	case FLD_PATH:
		if (field_add(u->path, &u->path_len, s, n) < 0) {
			u->why = "the 'path' field is too long";
			return 1;
		}
		return 0;
	case FLD_PERMS:
		if (field_add(u->perms, &u->perms_len, s, n) < 0) {
			u->why = "the 'permissions' field is too long";
			return 1;
		}
		return 0;
	default:
		return 0;	/* other fields are read and dropped */
	}
}

static int
up_end(void *arg)
{
	((struct upload *)arg)->cur = FLD_NONE;
	return 0;
}

/* Reads the body through the parser.  Returns 0 or the status sent. */
static int
upload_read(struct request *r, struct upload *u, struct mp_parser *mp)
{
	char *buf;
	long n;
	int rc = 0;

	if ((buf = req_alloc(r, FILES_IO_CHUNK)) == NULL)
		return resp_error(r, CC_E_INTERNAL_ERROR, "out of memory");
	while ((n = req_read(r, buf, FILES_IO_CHUNK)) > 0)
		if ((rc = mp_feed(mp, buf, (size_t)n)) != 0)
			break;
	if (n < 0 || (rc == 0 && r->body_read < (size_t)r->content_length))
		return req_body_cut(r);
	if (rc == 0)
		rc = mp_finish(mp);
	if (rc == MP_E_CALLBACK && u->fail != 0)
		return files_store_fail(r, u->fail, u->canon[0] ? u->canon :
		    "(upload)");
	if (rc == MP_E_CALLBACK)
		return resp_error(r, CC_E_INVALID_REQUEST, "%s", u->why);
	if (rc == MP_E_TOO_MANY_PARTS || rc == MP_E_HEADER_TOO_LARGE)
		return resp_error(r, CC_E_PAYLOAD_TOO_LARGE, "%s (at most %d "
		    "parts, %d header bytes each)", mp_strerror(rc),
		    MP_MAX_PARTS, MP_MAX_HEADER);
	if (rc != 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "%s",
		    mp_strerror(rc));
	return 0;
}

/*
 * POST /files/upload: multipart/form-data with "file", "path" and
 * "permissions" (octal, default 644).  201 with the file (200 when it
 * replaced one).  411 without a length, 413 past files_max_size or the
 * form's limits, 415 for another type, 400 for a bad form, path or
 * permissions, 409 for another user's path, 412 when If-Match (etc.)
 * fails, 408 when the body stalls past upload_idle_timeout, 429 past
 * stream_per_user.  Nothing is stored unless everything succeeds.
 */
int
h_files_upload(struct request *r)
{
	static const struct mp_callbacks cbs = { up_begin, up_data, up_end };
	static const struct mp_limits lim = { MP_MAX_PARTS, MP_MAX_HEADER };
	struct write_check chk = { r, files_cond_of(r), 0 };
	char boundary[MP_BOUNDARY_MAX + 1], path[FILES_PATH_MAX + 2];
	char perms[8] = "644";
	struct mp_parser *mp = NULL;
	struct upload *u = NULL;
	struct files_meta m;
	const char *why;
	int rc;

	if (!content_type_is(r->content_type, "multipart/form-data"))
		return resp_error(r, CC_E_UNSUPPORTED_MEDIA_TYPE, "Content-Type "
		    "must be multipart/form-data (or use PUT /files/{path} "
		    "with the raw bytes)");
	if (mp_boundary(r->content_type, boundary) != 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "%s",
		    mp_strerror(MP_E_BOUNDARY));
	if (!body_length_ok(r, UPLOAD_OVERHEAD) || stream_begin(r) < 0)
		return r->status;
	if ((u = req_alloc(r, sizeof(*u))) == NULL ||
	    (mp = mp_new(boundary, &lim, &cbs, u)) == NULL) {
		rc = resp_error(r, CC_E_INTERNAL_ERROR, "out of memory");
		goto out;
	}
	u->r = r;
	u->chk = &chk;
	if ((rc = upload_read(r, u, mp)) != 0)
		goto out;
	if (u->w == NULL) {
		rc = resp_error(r, CC_E_INVALID_REQUEST, "the form has no "
		    "'file' part");
		goto out;
	}
	if (u->path_len == 0) {
		rc = resp_error(r, CC_E_INVALID_REQUEST, "the form has no "
		    "'path' field");
		goto out;
	}
	if (strlen(u->path) != u->path_len) {
		rc = resp_error(r, CC_E_INVALID_REQUEST, "invalid file path: "
		    "NUL is not allowed in a path");
		goto out;
	}
	if ((why = files_path_canon(u->path, path)) != NULL) {
		rc = resp_error(r, CC_E_INVALID_REQUEST, "invalid file path: "
		    "%s", why);
		goto out;
	}
	if (u->perms_len > 0 && !perms_ok(u->perms, perms)) {
		rc = resp_error(r, CC_E_INVALID_REQUEST, "'permissions' must "
		    "be octal, 000 to 777 (e.g. 644)");
		goto out;
	}
	if ((rc = files_writer_commit(u->w, path, r->who.user, perms,
	    write_check, &chk, &m)) != 0) {
		rc = files_store_fail(r, rc, path);
		goto out;
	}
	rc = stored(r, &m, !chk.existed);
out:
	mp_free(mp);
	if (u != NULL)
		files_writer_free(u->w);
	return rc;
}

/*
 * PUT /files/{path}: the raw body is the file (?permissions=644).  Same
 * statuses as the upload; preconditions and ownership are checked before
 * the body is read, and again when it is committed.
 */
int
h_files_put(struct request *r)
{
	struct write_check chk = { r, files_cond_of(r), 0 };
	struct files_writer *w = NULL;
	struct files_meta m, cur;
	const char *path, *pq;
	char perms[8] = "644", *buf;
	long n = 0;
	int rc;

	if ((path = files_route_path(r)) == NULL)
		return r->status;
	if (reserved(path) != NULL)
		return resp_error(r, CC_E_INVALID_REQUEST, "invalid file path: %s",
		    reserved(path));
	if ((pq = req_query(r, "permissions")) != NULL && !perms_ok(pq, perms))
		return resp_error(r, CC_E_INVALID_REQUEST, "'permissions' must "
		    "be octal, 000 to 777 (e.g. 644)");
	if (!body_length_ok(r, 0))
		return r->status;
	rc = files_get(path, &cur);
	if (rc != 0 && rc != STORE_E_NOTFOUND)
		return files_store_fail(r, rc, path);
	if ((rc = write_check(rc == 0 ? &cur : NULL, &chk)) != 0)
		return files_store_fail(r, rc, path);
	if (stream_begin(r) < 0)
		return r->status;
	if ((buf = req_alloc(r, FILES_IO_CHUNK)) == NULL)
		return resp_error(r, CC_E_INTERNAL_ERROR, "out of memory");
	if ((rc = files_writer_open((long long)store_cfg.files_max_size, &w)) != 0)
		return files_store_fail(r, rc, path);
	while ((n = req_read(r, buf, FILES_IO_CHUNK)) > 0)
		if ((rc = files_writer_write(w, buf, (size_t)n)) != 0)
			break;
	if (rc != 0)
		rc = files_store_fail(r, rc, path);
	else if (n < 0 || r->body_read < (size_t)r->content_length)
		rc = req_body_cut(r);
	else if ((rc = files_writer_commit(w, path, r->who.user, perms,
	    write_check, &chk, &m)) != 0)
		rc = files_store_fail(r, rc, path);
	else
		rc = stored(r, &m, !chk.existed);
	files_writer_free(w);
	return rc;
}

/* GET /files/info/{path}: the file's metadata; 404 if missing or not
 * the caller's. */
int
h_files_info(struct request *r)
{
	struct files_meta m;
	const char *path;
	int rc;

	if ((path = files_route_path(r)) == NULL)
		return r->status;
	if ((rc = files_get(path, &m)) != 0)
		return files_store_fail(r, rc, path);
	if (!files_owner_ok(r, m.owner))
		return files_not_found(r, path);
	return resp_ok(r, 200, "file", files_meta_json(&m));
}

struct list_page {
	struct request	*r;
	json_object	*arr;
	long		 total, limit, offset;
};

static int
list_one(const struct files_meta *m, void *arg)
{
	struct list_page *p = arg;

	if (!files_owner_ok(p->r, m->owner))
		return 0;
	if (p->total >= p->offset && p->total < p->offset + p->limit)
		json_object_array_add(p->arr, files_meta_json(m));
	p->total++;
	return 0;
}

/* GET /files?prefix=&limit=&offset=: the caller's files (an admin's:
 * all), in path order.  400 for a bad parameter. */
int
h_files_list(struct request *r)
{
	struct list_page p = { r, NULL, 0, 0, 0 };
	const char *prefix = req_query(r, "prefix");
	char *key;
	int rc;

	if (req_query_long(r, "limit", 50, 1, 1000, &p.limit) < 0 ||
	    req_query_long(r, "offset", 0, 0, 0x7fffffffL, &p.offset) < 0)
		return r->status;
	if (prefix == NULL)
		prefix = "";
	if (strlen(prefix) > FILES_PATH_MAX ||
	    strcspn(prefix, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c"
	    "\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c"
	    "\x1d\x1e\x1f\x7f") != strlen(prefix))
		return resp_error(r, CC_E_INVALID_REQUEST, "'prefix' must be at "
		    "most %d bytes without control characters",
		    FILES_PATH_MAX);
	/* Keys are canonical paths: "uploads" means "/uploads". */
	key = req_printf(r, "%s%s", prefix[0] == '/' ? "" : "/", prefix);
	if (key == NULL || (p.arr = json_object_new_array()) == NULL) {
		json_object_put(p.arr);
		return resp_error(r, CC_E_INTERNAL_ERROR, "out of memory");
	}
	if ((rc = files_list(key, list_one, &p)) != 0) {
		json_object_put(p.arr);
		return files_store_fail(r, rc, key);
	}
	return resp_list(r, "files", p.arr, p.total, p.limit, p.offset);
}

struct del_check {
	struct request		*r;
	struct cond_headers	 h;
	struct files_meta	 gone;
};

static int
del_check(const struct files_meta *cur, void *arg)
{
	struct del_check *c = arg;
	char etag[40];

	if (!files_owner_ok(c->r, cur->owner))
		return FILES_R_NOT_FOUND;
	files_quoted_etag(cur, etag);
	if (cond_evaluate(&c->h, 1, etag, cur->modified, 0) != COND_OK)
		return FILES_R_PRECONDITION;
	c->gone = *cur;
	return 0;
}

/* DELETE /files/{path}: 200 with the removed file; 404 if missing or not
 * the caller's; 412 when If-Match (etc.) fails. */
int
h_files_delete(struct request *r)
{
	struct del_check c = { r, files_cond_of(r), { .size = 0 } };
	const char *path;
	int rc;

	if ((path = files_route_path(r)) == NULL)
		return r->status;
	if ((rc = files_delete(path, del_check, &c)) != 0)
		return files_store_fail(r, rc, path);
	return resp_ok(r, 200, "file", files_meta_json(&c.gone));
}
