/*
 * response.c: the one module that writes responses.  It owns the success
 * envelope ({"success": true, "<kind>": ..., "request_id", "timestamp"}),
 * the list envelope, every error body (from the CC_ERRORS table in cc.h),
 * the mapping of storage errors to HTTP, and streaming.  Every response
 * carries X-Request-Id.  Each function returns the HTTP status it sent, so
 * a handler can end with "return resp_ok(...)".
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cc.h"

/* The status column of the error table: read here and nowhere else. */
static const int errstatus[] = {
#define CC_X(e, code, status, type) status,
	CC_ERRORS(CC_X)
#undef CC_X
};

int
cc_err_status(enum cc_err e)
{
	return (unsigned)e < CC_E__MAX ? errstatus[e] : 500;
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 507: return "Insufficient Storage";
	default: return "Status";
	}
}

/* Adds a header to the response; ignored once headers are sent. */
void
resp_header(struct request *r, const char *name, const char *fmt, ...)
{
	char val[1024];
	const char *v = val;
	size_t nlen = strlen(name), vlen, n;
	va_list ap;
	char *p;

	if (r->headers_sent)
		return;
	va_start(ap, fmt);
	if (strcmp(fmt, "%s") == 0)	/* most headers: no formatting */
		v = va_arg(ap, const char *);
	else
		vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	/* A header value never carries a line break (response splitting). */
	vlen = strcspn(v, "\r\n");
	if (vlen >= sizeof(val))
		vlen = sizeof(val) - 1;
	n = nlen + 2 + vlen + 2;
	if (r->hdrs_len + n + 1 > r->hdrs_cap) {
		size_t cap = (r->hdrs_cap ? r->hdrs_cap * 2 : 256) + n;

		if ((p = realloc(r->hdrs, cap)) == NULL)
			return;
		r->hdrs = p;
		r->hdrs_cap = cap;
	}
	p = r->hdrs + r->hdrs_len;
	memcpy(p, name, nlen);
	memcpy(p + nlen, ": ", 2);
	memcpy(p + nlen + 2, v, vlen);
	memcpy(p + nlen + 2 + vlen, "\r\n", 3);
	r->hdrs_len += n;
}

/* Drops the headers added so far, before any is sent (a retry). */
void
resp_clear_headers(struct request *r)
{
	if (!r->headers_sent)
		r->hdrs_len = 0;
}

/*
 * Writes the status line and headers.  They are put together with cat_*()
 * in one buffer: libfcgi's FCGX_FPrintF, three calls of it, and glibc's
 * snprintf both cost thousands of instructions per response.
 */
static int
send_head(struct request *r, int status, const char *ctype, long long clen)
{
	FCGX_Stream *out = r->fcgx->out;
	char b[1024];
	size_t n = 0, cap = sizeof(b);
	uint64_t eid;

	r->status = status;
	r->headers_sent = 1;
	n = cat_str(b, n, cap, "Status: ");
	n = cat_num(b, n, cap, (unsigned)status);
	n = cat_str(b, n, cap, " ");
	n = cat_str(b, n, cap, reason(status));
	n = cat_str(b, n, cap, "\r\nX-Request-Id: ");
	n = cat_str(b, n, cap, r->id);
	n = cat_str(b, n, cap, "\r\n");
	if ((eid = audit_event_id()) != 0) {
		/* where this request's own change is in the event log */
		n = cat_str(b, n, cap, "X-Event-Id: ");
		n = cat_num(b, n, cap, (unsigned long long)eid);
		n = cat_str(b, n, cap, "\r\n");
	}
	if (ctype != NULL) {
		n = cat_str(b, n, cap, "Content-Type: ");
		n = cat_str(b, n, cap, ctype);
		n = cat_str(b, n, cap, "\r\n");
	}
	if (clen >= 0) {
		n = cat_str(b, n, cap, "Content-Length: ");
		n = cat_num(b, n, cap, (unsigned long long)clen);
		n = cat_str(b, n, cap, "\r\n");
	}
	/* Only an absurd Content-Type overflows: refuse it rather than cut. */
	if (n >= cap || FCGX_PutStr(b, (int)n, out) < 0)
		goto gone;
	if (r->hdrs_len > 0 && FCGX_PutStr(r->hdrs, (int)r->hdrs_len, out) < 0)
		goto gone;
	if (FCGX_PutStr("\r\n", 2, out) < 0)
		goto gone;
	return 0;
gone:
	r->client_gone = 1;
	return -1;
}

/* Whether ctype is a JSON media type: its bodies must be UTF-8. */
static int
is_json_type(const char *ctype)
{
	return content_type_is(ctype, "application/json") ||
	    content_type_is(ctype, "application/x-ndjson");
}

/*
 * Puts body bytes on the FastCGI stream; with repair, each ill-formed
 * UTF-8 piece goes out as U+FFFD, through a stack buffer (no allocation:
 * this is also how an error body gets out when memory is short).
 * Counts what was sent; -1 once the client has gone away.
 */
static int
put_body(struct request *r, const char *s, size_t len, int repair)
{
	char buf[4096];
	size_t used, n;

	while (len > 0) {
		if (repair)
			n = utf8_repair(buf, sizeof(buf), s, len, &used);
		else
			n = used = len;
		if (FCGX_PutStr(repair ? buf : s, (int)n, r->fcgx->out) < 0) {
			r->client_gone = 1;
			return -1;
		}
		r->bytes_out += n;
		s += used;
		len -= used;
	}
	return 0;
}

/*
 * Sends a whole response (no body for HEAD, 204 and 304).  The one point
 * every JSON body passes: one that is not well-formed UTF-8 (a name an
 * engine gave, a file name stored before names were checked, a message
 * quoting either) is sent repaired, ill-formed pieces as U+FFFD, so no
 * answer is ever invalid JSON.  Other types go out byte for byte.
 */
int
resp_send(struct request *r, int status, const char *ctype, const void *body,
    size_t len)
{
	size_t out = len;
	int repair = 0;

	if (r->headers_sent)
		return r->status;
	if (status == 204 || status == 304)
		len = out = 0, ctype = NULL;
	if (len > 0 && is_json_type(ctype) && utf8_check(body, len, NULL) < 0) {
		repair = 1;
		out = utf8_repaired_len(body, len);
		log_msg(LOG_L_DEBUG, "a %s body was not UTF-8: repaired", ctype);
	}
	if (send_head(r, status, ctype, status == 204 || status == 304 ?
	    -1 : (long long)out) < 0)
		return status;
	if (!r->is_head)
		put_body(r, body, len, repair);
	return status;
}

static int
send_json(struct request *r, int status, json_object *o)
{
	size_t len;
	const char *s;

	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	resp_send(r, status, "application/json", s, len);
	json_object_put(o);
	return status;
}

static json_object *
envelope(struct request *r);

/* The json-c envelope with obj's members merged in (they win). */
static int
resp_ok_merge(struct request *r, int status, json_object *obj)
{
	json_object *env = envelope(r);

	if (json_object_is_type(obj, json_type_object)) {
		json_object_object_foreach(obj, k, v)
			json_object_object_add(env, k, json_object_get(v));
	} else
		json_object_object_add(env, "data", json_object_get(obj));
	json_object_put(obj);
	return send_json(r, status, env);
}

static json_object *
envelope(struct request *r)
{
	json_object *env = json_object_new_object();
	char ts[32];

	iso8601(ts, now_wall());
	json_object_object_add(env, "success", json_object_new_boolean(1));
	json_object_object_add(env, "request_id",
	    json_object_new_string(r->id));
	json_object_object_add(env, "timestamp", json_object_new_string(ts));
	return env;
}

/*
 * Sends a success envelope.  With a kind, obj goes under that key;
 * without one, obj (an object) has its members merged into the envelope
 * (health's top-level "status" and "checks").  Takes ownership of obj.
 *
 * The envelope's own fields are written as text around obj's
 * serialization instead of being built as json-c objects: that saves an
 * object, three members, a merge and their frees on every response (a
 * third of a health request's instructions).  The bytes are the same as
 * the json-c envelope's.  An obj that would override an envelope field
 * takes the json-c path, where its value wins as before.
 */
int
resp_ok(struct request *r, int status, const char *kind, json_object *obj)
{
	static const int flags = JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *s = "null";
	size_t slen = 4;

	if (kind == NULL && obj != NULL &&
	    (!json_object_is_type(obj, json_type_object) ||
	    jget_has(obj, "success") || jget_has(obj, "request_id") ||
	    jget_has(obj, "timestamp")))
		return resp_ok_merge(r, status, obj);
	if (obj != NULL)
		s = json_object_to_json_string_length(obj, flags, &slen);
	if (kind == NULL) {
		/* The members alone: "{...}" without its braces. */
		s = slen > 2 ? s + 1 : "";
		slen = slen > 2 ? slen - 2 : 0;
	}
	resp_ok_text(r, status, kind, s, slen);
	json_object_put(obj);
	return r->status;
}

/*
 * resp_ok() for a payload already serialized: with a kind, json is the
 * value under it; without one, json is a list of members ("a":1,"b":2,
 * without braces, possibly empty) merged into the envelope.  The caller
 * keeps json; health hands its cached members here.
 */
int
resp_ok_text(struct request *r, int status, const char *kind,
    const char *json, size_t len)
{
	char ts[32], stackbuf[2048], *buf = stackbuf, *heap = NULL;
	size_t cap, n = 0;

	iso8601(ts, now_wall());
	cap = len + (kind ? strlen(kind) : 0) + sizeof(r->id) + 96;
	if (cap > sizeof(stackbuf) && (buf = heap = malloc(cap)) == NULL)
		return resp_error(r, CC_E_INTERNAL_ERROR, "out of memory");
	if (cap <= sizeof(stackbuf))
		cap = sizeof(stackbuf);
	n = cat_str(buf, n, cap, "{\"success\":true,\"request_id\":\"");
	n = cat_str(buf, n, cap, r->id);
	n = cat_str(buf, n, cap, "\",\"timestamp\":\"");
	n = cat_str(buf, n, cap, ts);
	n = cat_str(buf, n, cap, "\"");
	if (kind != NULL) {
		n = cat_str(buf, n, cap, ",\"");
		n = cat_str(buf, n, cap, kind);
		n = cat_str(buf, n, cap, "\":");
	} else if (len > 0)
		n = cat_str(buf, n, cap, ",");
	n = cat_mem(buf, n, cap, json, len);
	n = cat_str(buf, n, cap, "}");
	if (n < cap)
		resp_send(r, status, "application/json", buf, n);
	else
		resp_error(r, CC_E_INTERNAL_ERROR, "response too large");
	free(heap);
	return r->status;
}

/* Sends a list envelope with paging fields.  Takes ownership of arr. */
int
resp_list(struct request *r, const char *kinds, json_object *arr, long total,
    long limit, long offset)
{
	json_object *env = envelope(r);

	json_object_object_add(env, kinds, arr);
	json_object_object_add(env, "total", json_object_new_int64(total));
	json_object_object_add(env, "limit", json_object_new_int64(limit));
	json_object_object_add(env, "offset", json_object_new_int64(offset));
	return send_json(r, 200, env);
}

/* resp_list with extra top-level members (e.g. endpoint_errors); takes
 * ownership of arr and extra (which may be NULL). */
int
resp_list_x(struct request *r, const char *kinds, json_object *arr,
    long total, long limit, long offset, json_object *extra)
{
	json_object *env = envelope(r);

	json_object_object_add(env, kinds, arr);
	json_object_object_add(env, "total", json_object_new_int64(total));
	json_object_object_add(env, "limit", json_object_new_int64(limit));
	json_object_object_add(env, "offset", json_object_new_int64(offset));
	if (extra != NULL) {
		json_object_object_foreach(extra, k, v)
			json_object_object_add(env, k, json_object_get(v));
		json_object_put(extra);
	}
	return send_json(r, 200, env);
}

/* The error envelope of spec/README.md; takes ownership of details. */
json_object *
envelope_error(enum cc_err e, const char *msg, json_object *details,
    const char *request_id)
{
	json_object *env = json_object_new_object(), *err;
	char ts[32];

	if (e >= CC_E__MAX)
		e = CC_E_INTERNAL_ERROR;
	err = json_object_new_object();
	json_object_object_add(err, "code",
	    json_object_new_string(cc_strerror(e)));
	json_object_object_add(err, "status",
	    json_object_new_int(errstatus[e]));
	json_object_object_add(err, "type",
	    json_object_new_string(cc_err_type(e)));
	json_object_object_add(err, "message", json_object_new_string(msg));
	json_object_object_add(err, "details",
	    details ? details : json_object_new_object());
	json_object_object_add(err, "request_id",
	    json_object_new_string(request_id));
	iso8601(ts, now_wall());
	json_object_object_add(env, "success", json_object_new_boolean(0));
	json_object_object_add(env, "error", err);
	json_object_object_add(env, "timestamp", json_object_new_string(ts));
	return env;
}

static int
verror(struct request *r, enum cc_err e, json_object *details,
    const char *fmt, va_list ap)
{
	char msg[1024];

	/* A message cut to the buffer may end inside a character: cut it
	 * before that character instead. */
	if (vsnprintf(msg, sizeof(msg), fmt, ap) >= (int)sizeof(msg))
		msg[utf8_cut(msg, strlen(msg))] = '\0';
	if (r->headers_sent) {
		/* Too late for a status: the stream just ends early. */
		json_object_put(details);
		r->error_code = cc_strerror(e);
		return r->status;
	}
	r->error_code = cc_strerror(e);
	if (e == CC_E_UNAUTHORIZED)
		resp_header(r, "WWW-Authenticate",
		    "Bearer realm=\"container-codes\", "
		    "charset=\"UTF-8\"");
	return send_json(r, cc_err_status(e),
	    envelope_error(e, msg, details, r->id));
}

int
resp_error(struct request *r, enum cc_err e, const char *fmt, ...)
{
	va_list ap;
	int s;

	va_start(ap, fmt);
	s = verror(r, e, NULL, fmt, ap);
	va_end(ap);
	return s;
}

int
resp_error_d(struct request *r, enum cc_err e, json_object *details,
    const char *fmt, ...)
{
	va_list ap;
	int s;

	va_start(ap, fmt);
	s = verror(r, e, details, fmt, ap);
	va_end(ap);
	return s;
}

/*
 * The application error of a storage error (STORE_E_*): the one mapping
 * of that space.  resp_store_error words the message; a route that words
 * its own (the file routes) still takes the code from here.
 */
enum cc_err
resp_store_code(int rc)
{
	switch (rc) {
	case STORE_E_NOTFOUND:
		return CC_E_NOT_FOUND;
	case STORE_E_EXISTS:
	case STORE_E_STATE:
		return CC_E_CONFLICT;
	case STORE_E_FULL:
	case STORE_E_NOSPACE:
		return CC_E_INSUFFICIENT_STORAGE;
	case STORE_E_BUSY:
		return CC_E_SERVICE_UNAVAILABLE;
	case STORE_E_TOO_LARGE:
		return CC_E_PAYLOAD_TOO_LARGE;
	case STORE_E_DEPS:
		return CC_E_INVALID_REQUEST;
	default:
		return CC_E_INTERNAL_ERROR;
	}
}

/*
 * The one place storage errors become HTTP answers: STORE_E_NOTFOUND is
 * 404, STORE_E_EXISTS and STORE_E_STATE 409, a full map or file store
 * 507, a busy store 503, anything broken 500 (logged with what LMDB or
 * the system said).  "what" names the record, e.g. "user 'bob'".
 */
int
resp_store_error(struct request *r, int rc, const char *what)
{
	enum cc_err e = resp_store_code(rc);

	switch (rc) {
	case STORE_E_NOTFOUND:
		return resp_error(r, e, "%s not found", what);
	case STORE_E_EXISTS:
		return resp_error(r, e, "%s already exists", what);
	case STORE_E_STATE:
		return resp_error(r, e, "%s is not in a state that allows this",
		    what);
	case STORE_E_FULL:
		return resp_error(r, e, "storage is full (map_size %zu bytes); "
		    "nothing was written for %s: raise map_size", store_cfg.map_size,
		    what);
	case STORE_E_NOSPACE:
		return resp_error(r, e, "no space left for %s; nothing was "
		    "stored", what);
	case STORE_E_BUSY:
		return resp_error(r, e, "storage is busy (%s); retry",
		    store_strerror(rc));
	case STORE_E_TOO_LARGE:
		return resp_error(r, e, "%s is too large; nothing was stored",
		    what);
	case STORE_E_DEPS:
		return resp_error(r, e, "%s names an unknown dependency or "
		    "makes a cycle", what);
	default:
		log_msg(LOG_L_ERROR, "storage error on %s: %s", what,
		    store_strerror(rc));
		return resp_error(r, e, "storage error on %s", what);
	}
}

/*
 * The answer for a service's error (services/, SVC_E_*): 400 for a bad
 * name, email or password, 401 for a credential refused, 503 with
 * Retry-After when every hashing slot is busy, 413 past a cap, 500 for
 * the rest; why, when given, is the message (else svc_strerror's).
 * Anything else is a storage code the service passed through, answered
 * by resp_store_error for what.  The one place SVC_E_* become HTTP.
 */
int
resp_svc_error(struct request *r, int rc, const char *what, const char *why)
{
	const char *msg = why != NULL ? why : svc_strerror(rc);

	switch (rc) {
	case SVC_E_NAME:
	case SVC_E_EMAIL:
	case SVC_E_PASSWORD:
		return resp_error(r, CC_E_INVALID_REQUEST, "%s", msg);
	case SVC_E_INVALID:
	case SVC_E_EXPIRED:
	case SVC_E_ALG:
		return resp_error(r, CC_E_UNAUTHORIZED, "%s", msg);
	case SVC_E_BUSY:
		resp_header(r, "Retry-After", "1");
		return resp_error(r, CC_E_SERVICE_UNAVAILABLE, "%s",
		    svc_strerror(rc));
	case SVC_E_TOO_LARGE:
		return resp_error(r, CC_E_PAYLOAD_TOO_LARGE, "%s", msg);
	case SVC_E_INTERNAL:
	case SVC_E_TAR:
		return resp_error(r, CC_E_INTERNAL_ERROR, "%s", msg);
	default:
		return resp_store_error(r, rc, what);
	}
}

/*
 * Starts a streamed response (no Content-Length).  X-Accel-Buffering: no
 * tells nginx to pass each flushed chunk on at once.  With a JSON type
 * (NDJSON), each resp_write is checked and repaired as resp_send's body
 * is: write whole records, so that a character is never split between
 * two writes.
 */
int
resp_start(struct request *r, int status, const char *ctype)
{
	if (r->headers_sent)
		return -1;
	r->json_stream = is_json_type(ctype);
	resp_header(r, "X-Accel-Buffering", "no");
	resp_header(r, "Cache-Control", "no-cache");
	return send_head(r, status, ctype, -1);
}

/* Writes body bytes; -1 once the client has gone away.  Bytes after
 * resp_head (a file's) go out as they are. */
int
resp_write(struct request *r, const void *buf, size_t len)
{
	if (r->client_gone)
		return -1;
	if (r->is_head || len == 0)
		return 0;
	return put_body(r, buf, len, r->json_stream &&
	    utf8_check(buf, len, NULL) < 0);
}

int
resp_flush(struct request *r)
{
	if (r->client_gone || FCGX_FFlush(r->fcgx->out) < 0) {
		r->client_gone = 1;
		return -1;
	}
	return 0;
}

/*
 * Sends the status line and headers of a body the caller writes next
 * (resp_write, resp_write_fd), with Content-Length clen (none if < 0).
 * For the file store, whose bodies have a known length.
 */
int
resp_head(struct request *r, int status, const char *ctype, long long clen)
{
	if (r->headers_sent)
		return r->status;
	send_head(r, status, ctype, clen);
	return status;
}

/* Writes all of buf to the socket; -1 on error. */
static int
write_all(int fd, const void *buf, size_t len, int more)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Writes len bytes of the open file fd from offset off as body bytes.
 * libfcgi frames output in 8 KiB records; a file is sent instead as
 * FastCGI stdout records of nearly 64 KiB written straight to the
 * connection, the data by sendfile (pread and send where sendfile is
 * refused), after flushing what libfcgi holds.  Nothing for HEAD.
 * Returns 0, -1 when the client went away, -2 on a read error.
 */
int
resp_write_fd(struct request *r, int fd, long long off, long long len)
{
	enum { REC_MAX = 65528 };	/* a multiple of 8: no padding */
	unsigned char hdr[8];
	char *buf = NULL;
	int sock = r->fcgx->ipcFd, rc = 0;
	off_t pos = (off_t)off;

	if (r->client_gone)
		return -1;
	if (r->is_head || len <= 0)
		return 0;
	if (FCGX_FFlush(r->fcgx->out) < 0)
		goto gone;
	while (len > 0) {
		size_t rec = len > REC_MAX ? REC_MAX : (size_t)len, done = 0;
		ssize_t n;

		hdr[0] = 1;		/* FCGI_VERSION_1 */
		hdr[1] = 6;		/* FCGI_STDOUT */
		hdr[2] = (unsigned char)(r->fcgx->requestId >> 8);
		hdr[3] = (unsigned char)r->fcgx->requestId;
		hdr[4] = (unsigned char)(rec >> 8);
		hdr[5] = (unsigned char)rec;
		hdr[6] = hdr[7] = 0;
		if (write_all(sock, hdr, sizeof(hdr), 1) < 0)
			goto gone;
		while (done < rec && buf == NULL) {
			n = sendfile(sock, fd, &pos, rec - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EINVAL || errno == ENOSYS) &&
			    done == 0 && (buf = malloc(REC_MAX)) != NULL)
				break;
			if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
				goto gone;
			if (n <= 0) {
				rc = -2;
				goto out_broken;
			}
			done += (size_t)n;
		}
		if (buf != NULL && done < rec) {
			n = pread(fd, buf, rec, pos);
			if (n != (ssize_t)rec) {
				rc = -2;
				goto out_broken;
			}
			if (write_all(sock, buf, rec, 0) < 0)
				goto gone;
			pos += (off_t)rec;
		}
		len -= (long long)rec;
		r->bytes_out += rec;
	}
	free(buf);
	return 0;
out_broken:
	/* A record header promised bytes that cannot come: the connection
	 * is unusable, so end it as a client that went away. */
	log_msg(LOG_L_ERROR, "reading a file for the response failed: %s",
	    strerror(errno));
	free(buf);
	r->client_gone = 1;
	return rc;
gone:
	free(buf);
	r->client_gone = 1;
	return -1;
}
