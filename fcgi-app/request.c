/*
 * request.c: turns one FastCGI request into a struct request.  One
 * ownership rule: everything allocated for a request comes from its bump
 * arena (req_alloc, req_strdup, req_printf; the first 4 KiB inside the
 * struct, so a small request calls no malloc), foreign objects are handed
 * over with req_defer, and request_free() after FCGX_Finish_r releases
 * both (slowcgi's cleanup_request, lwan's coro_malloc and coro_defer).
 * Parameters are read with FCGX_GetParam only: nothing from a request
 * ever reaches the process environment.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cc.h"

struct req_cleanup {
	void			(*fn)(void *);
	void			*arg;
	struct req_cleanup	*next;
};

static char		 id_prefix[16];
static unsigned long	 id_counter;

/*
 * Registers fn(arg) to run when the request is freed: for foreign
 * objects only (json-c objects, fds, curl or archive handles, vectors
 * a library malloc'd); memory of the request's own comes from req_alloc.
 * Callers go on using arg, so when the bookkeeping cannot be allocated
 * arg is kept rather than released now (that would be a use after
 * free): the leak happens only when memory is exhausted, and
 * max_requests recycles the worker.
 */
void
req_defer(struct request *r, void (*fn)(void *), void *arg)
{
	struct req_cleanup *c;

	if ((c = arena_alloc(&r->arena, sizeof(*c))) == NULL) {
		log_msg(LOG_L_ERROR, "out of memory: a request's cleanup is "
		    "skipped");
		return;
	}
	c->fn = fn;
	c->arg = arg;
	c->next = r->cleanups;
	r->cleanups = c;
}

static void
put_json(void *p)
{
	json_object_put(p);
}

void
req_defer_json(struct request *r, json_object *o)
{
	if (o != NULL)
		req_defer(r, put_json, o);
}

/* n zeroed bytes owned by the request (its arena), released by
 * request_free; NULL when memory is exhausted. */
void *
req_alloc(struct request *r, size_t n)
{
	return arena_zalloc(&r->arena, n);
}

char *
req_strdup(struct request *r, const char *s)
{
	return arena_strdup(&r->arena, s);
}

char *
req_printf(struct request *r, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = arena_vprintf(&r->arena, fmt, ap);
	va_end(ap);
	return p;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Percent-decodes in[0..len) into o (room for len + 1), '+' as a space
 * when plus is set (a query component).  0, or -1 for a bad escape or a
 * decoded NUL, CR or LF.
 */
static int
decode(const char *in, size_t len, int plus, char *o)
{
	size_t i, j = 0;
	int hi, lo, ch;

	for (i = 0; i < len; i++) {
		ch = (unsigned char)in[i];
		if (ch == '%') {
			if (i + 2 >= len)
				return -1;
			if ((hi = hexval((unsigned char)in[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)in[i + 2])) < 0)
				return -1;
			ch = hi * 16 + lo;
			i += 2;
		} else if (ch == '+' && plus)
			ch = ' ';
		if (ch == '\0' || ch == '\r' || ch == '\n')
			return -1;
		o[j++] = (char)ch;
	}
	o[j] = '\0';
	return 0;
}

/*
 * Percent-decodes in[0..len) once into a new string (malloc'd; the
 * caller frees it).  Returns 0, or -1 for a bad escape or a decoded NUL,
 * CR or LF (all 400 for a path).
 */
int
path_decode(const char *in, size_t len, char **out)
{
	char *o;

	if ((o = malloc(len + 1)) == NULL)
		return -1;
	if (decode(in, len, 0, o) < 0) {
		free(o);
		return -1;
	}
	*out = o;
	return 0;
}

/* True if any segment of path is "..". */
static int
has_dotdot(const char *path)
{
	const char *p = path;

	while ((p = strstr(p, "..")) != NULL) {
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return 1;
		p += 2;
	}
	return 0;
}

/* Decodes a query component into the request's arena; NULL if bad. */
static char *
query_decode(struct request *r, const char *s, size_t len)
{
	char *out = arena_alloc(&r->arena, len + 1);

	return out != NULL && decode(s, len, 1, out) == 0 ? out : NULL;
}

/* Marks the request line bad (the router answers 400 with why); why
 * may be a req_printf that found no memory. */
static int
reject(struct request *r, const char *why)
{
	r->reject = why != NULL ? why : "out of memory";
	return -1;
}

/*
 * Splits a query string into the request's key/value list.  Returns 0,
 * or -1 with r->reject saying why: a bad escape, a decoded NUL, CR or LF,
 * a name or value that is not UTF-8 (the value's parameter named), more
 * than 256 parameters.
 */
int
query_parse(struct request *r, const char *q)
{
	size_t n = 1, i = 0;
	const char *p, *amp, *eq;

	for (p = q; *p; p++)
		if (*p == '&')
			n++;
	if (n > 256)
		return reject(r, "malformed query string: over 256 "
		    "parameters");
	if ((r->query = req_alloc(r, n * sizeof(*r->query))) == NULL)
		return reject(r, "out of memory");
	for (p = q; *p; p = amp ? amp + 1 : p + strlen(p)) {
		amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		if (len == 0)
			continue;
		eq = memchr(p, '=', len);
		char *k = query_decode(r, p, eq ? (size_t)(eq - p) : len);
		char *v = eq ? query_decode(r, eq + 1, len - (size_t)(eq - p) -
		    1) : query_decode(r, "", 0);
		if (k == NULL || v == NULL)
			return reject(r, "malformed query string (bad "
			    "percent-encoding, NUL, CR or LF)");
		if (utf8_check(k, strlen(k), NULL) < 0)
			return reject(r, "malformed query string: a parameter "
			    "name is not valid UTF-8");
		if (utf8_check(v, strlen(v), NULL) < 0)
			return reject(r, req_printf(r, "malformed query string: "
			    "the value of query parameter '%s' is not valid "
			    "UTF-8", k));
		r->query[i].key = k;
		r->query[i].value = v;
		i++;
		if (amp == NULL)
			break;
	}
	r->nquery = i;
	return 0;
}

/*
 * The CGI variables request_init reads, each found in req_use_env's pass
 * rather than by a scan of every parameter of its own (FCGX_GetParam):
 * those scans were a tenth of a health request's instructions.
 */
enum { CGI_METHOD, CGI_URI, CGI_DOCUMENT_URI, CGI_REDIRECT_STATUS,
	CGI_CONTENT_TYPE, CGI_CONTENT_LENGTH };
#define CGI(s)	{ s, sizeof(s) - 1 }
static const struct {
	const char	*name;
	size_t		 len;
} cgi_names[REQ_NCGI] = {
	CGI("REQUEST_METHOD"), CGI("REQUEST_URI"), CGI("DOCUMENT_URI"),
	CGI("REDIRECT_STATUS"), CGI("CONTENT_TYPE"), CGI("CONTENT_LENGTH"),
};
#undef CGI

/* Whether s starts with the first three characters of name (s may be
 * shorter: the first mismatch stops the reading). */
static int
starts3(const char *s, const char *name)
{
	return s[0] == name[0] && s[1] == name[1] && s[2] == name[2];
}

/* Whether the parameter s is a header ("HTTP_..."), read as starts3. */
static int
is_header(const char *s)
{
	return starts3(s, "HTT") && s[3] == 'P' && s[4] == '_';
}

/*
 * A request the web server refused itself (a malformed URI, a %00, an
 * oversized header) reaches us only through nginx's error_page or
 * Apache's ErrorDocument pointing at /_cc/rejected, so that its client
 * still gets a JSON error.  Records the web server's status; the router
 * answers with it unless our own parse finds the request bad first.
 */
static void
refused(struct request *r)
{
	const char *doc = r->cgi[CGI_DOCUMENT_URI];
	const char *st = r->cgi[CGI_REDIRECT_STATUS];
	long v;

	if (st != NULL && parse_long(st, 400, 599, &v) == 0)
		r->refused_status = (int)v;
	else if (doc != NULL && strcmp(doc, "/_cc/rejected") == 0)
		r->refused_status = 400;
}

static void
make_id(struct request *r)
{
	static const char hex[] = "0123456789abcdef";
	const char *given = req_header(r, "X-Request-Id");
	unsigned long c;
	size_t n;
	int i;

	/* A well-formed upstream id (nginx $request_id, a load balancer's)
	 * is kept so one id follows the request end to end. */
	if (given != NULL && (n = strlen(given)) >= 8 && n < 40 &&
	    strspn(given, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-") == n) {
		memcpy(r->id, given, n + 1);
		return;
	}
	if (id_prefix[0] == '\0') {
		unsigned char rnd[6];

		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(id_prefix, sizeof(id_prefix), rnd, sizeof(rnd));
	}
	/* "req_", the 12-digit prefix, then 6 hex digits of the counter;
	 * written without snprintf (a thousand instructions a request). */
	c = ++id_counter & 0xffffff;
	n = cat_str(r->id, 0, sizeof(r->id), "req_");
	n = cat_str(r->id, n, sizeof(r->id), id_prefix);
	for (i = 20; i >= 0 && n < sizeof(r->id) - 7; i -= 4)
		r->id[n++] = hex[(c >> i) & 15];
	r->id[n < sizeof(r->id) ? n : sizeof(r->id) - 1] = '\0';
}

/*
 * Reads the empty FCGI_STDIN record that ends the request, once nothing
 * else is to come: after the body's last byte (req_read), or at once
 * when there is no body (request_init).  Web servers send it with the
 * last of the body, or with the parameters, so it is mostly in libfcgi's
 * buffer already.  It must be read before the answer begins, never
 * after: nginx stops sending the request once it has passed the answer's
 * header on to the client (ngx_http_upstream_send_request_handler), so a
 * read after that waits for ever, holding back the answer's last record
 * and FCGI_END_REQUEST until request_timeout kills the worker.
 * req_drained then tells whether it came.
 */
static void
req_read_end(struct request *r)
{
	if (r->fcgx->in != NULL)
		FCGX_GetChar(r->fcgx->in);
}

/*
 * Takes the request's parameters and notes, in one pass, where the
 * HTTP_* ones are (a header lookup then scans those few, not every CGI
 * variable; past REQ_MAX_HDRS it scans them all) and the values of
 * cgi_names (the first of each, as FCGX_GetParam would).
 */
void
req_use_env(struct request *r, char **envp)
{
	const char *s;
	char **e;
	size_t i;

	r->envp = envp;
	r->ninhdr = 0;
	memset(r->cgi, 0, sizeof(r->cgi));
	for (e = envp; e != NULL && (s = *e) != NULL; e++) {
		if (is_header(s)) {
			if (r->ninhdr++ < REQ_MAX_HDRS)
				r->inhdr[r->ninhdr - 1] = s;
			continue;
		}
		for (i = 0; i < REQ_NCGI; i++)
			if (starts3(s, cgi_names[i].name) && r->cgi[i] == NULL &&
			    strncmp(s, cgi_names[i].name, cgi_names[i].len) ==
			    0 && s[cgi_names[i].len] == '=') {
				r->cgi[i] = s + cgi_names[i].len + 1;
				break;
			}
	}
}

/* The value if entry is "HTTP_" name "=value", name compared as CGI
 * spells it (upper case, '-' as '_'), else NULL. */
static const char *
header_value(const char *entry, const char *name)
{
	const char *p = entry + 5;
	int c;

	for (; *name != '\0'; name++, p++) {
		c = *name == '-' ? '_' : (*name >= 'a' && *name <= 'z') ?
		    *name - 'a' + 'A' : *name;
		if (*p != c)
			return NULL;
	}
	return *p == '=' ? p + 1 : NULL;
}

/*
 * The headers the app reads as text, and may echo (a Content-Type it
 * refuses) or compare with text of its own: each must be UTF-8.  A
 * header the app starts reading as text gets a row.  The credentials
 * (X-API-Key, Authorization, Cookie, X-CSRF-Token) are not here: they
 * are matched byte for byte and never echoed, and a bad one stays a 401
 * or 403; X-Request-Id is kept only when it is plain ASCII (make_id).
 */
static const char *const text_headers[] = {
	"Content-Type", "Accept", "Range", "If-Match", "If-None-Match",
	"If-Range", "If-Modified-Since", "If-Unmodified-Since",
};

/* 0, or -1 with r->reject naming the first text header that is not
 * UTF-8. */
static int
text_headers_check(struct request *r)
{
	const char *v, *s, *bad = NULL;
	char **e;
	size_t i;

	/* Content-Type is a CGI variable; the others are looked for in
	 * one pass over the HTTP_* parameters, not in a scan each (the
	 * names start with a capital, as CGI spells them). */
	if ((v = r->cgi[CGI_CONTENT_TYPE]) != NULL &&
	    utf8_check(v, strlen(v), NULL) < 0)
		bad = text_headers[0];
	for (e = r->envp; bad == NULL && e != NULL && (s = *e) != NULL; e++) {
		if (!is_header(s))
			continue;
		for (i = 1; i < sizeof(text_headers) / sizeof(text_headers[0]);
		    i++)
			if (s[5] == text_headers[i][0] &&
			    (v = header_value(s, text_headers[i])) != NULL) {
				if (utf8_check(v, strlen(v), NULL) < 0)
					bad = text_headers[i];
				break;
			}
	}
	if (bad != NULL)
		return reject(r, req_printf(r, "header %s is not valid UTF-8",
		    bad));
	return 0;
}

/* Whether s[0..len) holds an encoded slash (%2f or %2F): once decoded
 * it would split a segment the client sent as one. */
static int
enc_slash(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i + 2 < len; i++)
		if (s[i] == '%' && s[i + 1] == '2' &&
		    (s[i + 2] == 'f' || s[i + 2] == 'F'))
			return 1;
	return 0;
}

/*
 * Fills r from the FastCGI parameters.  Returns 0, or -1 with r->reject
 * naming the problem when the request line itself is bad (the router then
 * answers 400).
 * The path comes from REQUEST_URI, undecoded by the web server, so both
 * nginx and Apache give the app the same bytes to judge.
 */
int
request_init(struct request *r, FCGX_Request *f)
{
	const char *uri, *q, *cl, *m;
	size_t plen, bad;

	memset(r, 0, offsetof(struct request, arena_first));
	arena_init(&r->arena, r->arena_first, sizeof(r->arena_first));
	r->fcgx = f;
	r->start_us = now_us();
	r->content_length = -1;
	req_use_env(r, f->envp);
	make_id(r);

	/* Copied: the access log runs after FCGX_Finish_r frees params. */
	m = r->cgi[CGI_METHOD];
	if (m == NULL || *m == '\0' || strlen(m) >= sizeof(r->method_buf) ||
	    strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(m)) {
		r->method = "GET";
		return reject(r, "malformed request method");
	}
	memcpy(r->method_buf, m, strlen(m) + 1);
	r->method = r->method_buf;
	r->is_head = strcmp(r->method, "HEAD") == 0;

	refused(r);
	uri = r->cgi[CGI_URI];
	if (uri == NULL || *uri != '/')
		uri = r->cgi[CGI_DOCUMENT_URI];
	if (uri == NULL || *uri != '/')
		return reject(r, "missing or relative request URI");
	q = strchr(uri, '?');
	plen = q ? (size_t)(q - uri) : strlen(uri);
	if (plen > 4096)
		return reject(r, "request path longer than 4096 bytes");
	if ((r->path = arena_alloc(&r->arena, plen + 1)) == NULL ||
	    decode(uri, plen, 0, r->path) < 0) {
		r->path = NULL;
		return reject(r, "bad percent-encoding, NUL, CR or LF in the "
		    "request path");
	}
	r->path_enc_slash = enc_slash(uri, plen);
	if (utf8_check(r->path, strlen(r->path), &bad) < 0)
		return reject(r, req_printf(r, "the request path is not valid "
		    "UTF-8 (byte %zu after decoding; overlong forms, "
		    "surrogates and truncated sequences are refused)",
		    bad + 1));
	if (has_dotdot(r->path))
		return reject(r, "'..' segments are not allowed in the path");
	if ((r->query_raw = req_strdup(r, q ? q + 1 : "")) == NULL)
		return reject(r, "out of memory");
	if (query_parse(r, r->query_raw) < 0)
		return -1;
	if (text_headers_check(r) < 0)
		return -1;

	r->content_type = r->cgi[CGI_CONTENT_TYPE];
	if ((cl = r->cgi[CGI_CONTENT_LENGTH]) != NULL && *cl != '\0') {
		long v;

		if (parse_long(cl, 0, 0x7fffffffffffffffL, &v) < 0)
			return reject(r, "malformed Content-Length");
		r->content_length = v;
	}
	if (r->content_length <= 0 && req_header(r, "Transfer-Encoding") == NULL)
		req_read_end(r);
	return 0;
}

/*
 * Releases everything the request owns: the deferred foreign objects
 * (newest first), the parsed body, and the arena, which goes back to its
 * inline first block.  r may be used again after request_init.
 */
void
request_free(struct request *r)
{
	struct req_cleanup *c;

	for (c = r->cleanups; c != NULL; c = c->next)
		c->fn(c->arg);
	r->cleanups = NULL;
	json_object_put(r->json);
	r->json = NULL;
	free(r->hdrs);
	r->hdrs = NULL;
	r->body = NULL;
	arena_reset(&r->arena);
}

const char *
req_env(const struct request *r, const char *name)
{
	return r->envp ? FCGX_GetParam(name, r->envp) : NULL;
}

/* A request header by its HTTP name ("X-API-Key" -> HTTP_X_API_KEY). */
const char *
req_header(const struct request *r, const char *name)
{
	const char *v;
	char key[128];
	size_t i;

	if ((name[0] == 'C' || name[0] == 'c') &&
	    strcasecmp(name, "Content-Type") == 0)
		return r->envp ? r->cgi[CGI_CONTENT_TYPE] : NULL;
	if (r->ninhdr <= REQ_MAX_HDRS) {
		for (i = 0; i < r->ninhdr; i++)
			if ((v = header_value(r->inhdr[i], name)) != NULL)
				return v;
		return NULL;
	}
	memcpy(key, "HTTP_", 5);
	for (i = 0; name[i] != '\0' && i + 6 < sizeof(key); i++)
		key[5 + i] = name[i] == '-' ? '_' :
		    (char)toupper((unsigned char)name[i]);
	key[5 + i] = '\0';
	return req_env(r, key);
}

const char *
req_param(const struct request *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nparams; i++)
		if (strcmp(r->param_name[i], name) == 0)
			return r->param_value[i];
	return NULL;
}

/* The last value of a query parameter, or NULL. */
const char *
req_query(const struct request *r, const char *name)
{
	size_t i;
	const char *v = NULL;

	for (i = 0; i < r->nquery; i++)
		if (strcmp(r->query[i].key, name) == 0)
			v = r->query[i].value;
	return v;
}

/*
 * Reads an integer query parameter within [min, max], def when absent.
 * On a bad value answers 400 naming it and returns -1.
 */
int
req_query_long(struct request *r, const char *name, long def, long min,
    long max, long *out)
{
	const char *v = req_query(r, name);

	if (v == NULL || *v == '\0') {
		*out = def;
		return 0;
	}
	if (parse_long(v, min, max, out) == 0)
		return 0;
	resp_error(r, CC_E_INVALID_REQUEST, "query parameter '%s' must be an "
	    "integer from %ld to %ld", name, min, max);
	return -1;
}

/*
 * Reads a boolean query parameter in any of parse_bool's forms (what
 * Python's requests sends for True is "True"), def when absent or empty.
 * On another value answers 400 naming the allowed forms and returns -1.
 */
int
req_query_bool(struct request *r, const char *name, int def, int *out)
{
	const char *v = req_query(r, name);

	if (v == NULL || *v == '\0')
		*out = def;
	else if (parse_bool(v, out) < 0) {
		resp_error(r, CC_E_INVALID_REQUEST, "query parameter '%s' "
		    "must be %s", name, BOOL_FORMS);
		return -1;
	}
	return 0;
}

/*
 * Reads up to len more bytes of the body, never past CONTENT_LENGTH.
 * Each wait for bytes is bounded by upload_idle_timeout (SO_RCVTIMEO on
 * the connection, set before the first read), and a stream's body is not
 * read past the stream's deadline.  Returns the count (0 at the end) or
 * -1 when the client went away early, stalled or ran out of time
 * (req_body_cut words which).
 */
long
req_read(struct request *r, void *buf, size_t len)
{
	long long left;
	int n;

	if (r->content_length < 0)
		return 0;
	left = r->content_length - (long long)r->body_read;
	if (left <= 0)
		return 0;
	if ((long long)len > left)
		len = (size_t)left;
	if (len > 0x40000000)
		len = 0x40000000;
	if (r->body_read == 0 && r->fcgx->ipcFd >= 0) {
		struct timeval tv = { front_cfg.upload_idle_timeout, 0 };

		/* Not a socket (a test's pipe): no deadline, no harm. */
		(void)setsockopt(r->fcgx->ipcFd, SOL_SOCKET, SO_RCVTIMEO, &tv,
		    sizeof(tv));
	}
	if (r->stream_until_us != 0 && now_us() >= r->stream_until_us)
		return -1;
	n = FCGX_GetStr(buf, (int)len, r->fcgx->in);
	if (n <= 0)
		return -1;
	r->body_read += (size_t)n;
	if ((long long)r->body_read == r->content_length)
		req_read_end(r);
	return n;
}

/* Why req_read gave up, when it was time rather than the client: the
 * setting that ran out, or NULL. */
static const char *
body_timed_out(const struct request *r)
{
	int e = r->fcgx != NULL && r->fcgx->in != NULL ?
	    FCGX_GetError(r->fcgx->in) : 0;

	if (e == EAGAIN || e == EWOULDBLOCK)
		return "upload_idle_timeout";
	if (r->stream_until_us != 0 && now_us() >= r->stream_until_us)
		return "stream_max_duration";
	return NULL;
}

/*
 * The answer to a body req_read could not finish, for the routes that
 * store it (nothing is kept): 408 TIMEOUT when it stalled past
 * upload_idle_timeout or outlived the stream's deadline, else 400 (it
 * ended early).  Returns the status.
 */
int
req_body_cut(struct request *r)
{
	const char *why = body_timed_out(r);

	if (why != NULL)
		return resp_error(r, CC_E_REQUEST_TIMEOUT, "the request body "
		    "stopped after %zu of %lld bytes: %s (%ds) ran out; "
		    "nothing was stored", r->body_read, r->content_length, why,
		    strcmp(why, "upload_idle_timeout") == 0 ?
		    front_cfg.upload_idle_timeout :
		    front_cfg.stream_max_duration);
	return resp_error(r, CC_E_INVALID_REQUEST, "the request body ended "
	    "after %zu of %lld bytes; nothing was stored", r->body_read,
	    r->content_length);
}

/*
 * Whether everything the web server sent has been read, so that the
 * connection may be closed at once (FCGX_Detach).  Otherwise libfcgi
 * closes gracefully: shutdown, then wait for the web server's end of
 * stream, three system calls, so that unread data cannot turn the close
 * into a reset that loses the answer.  True once the empty FCGI_STDIN
 * record that ends the request has been read (req_read_end).  Reads
 * nothing itself: it is asked after the answer.
 */
int
req_drained(struct request *r)
{
	FCGX_Stream *in = r->fcgx != NULL ? r->fcgx->in : NULL;

	return in != NULL && FCGX_HasSeenEOF(in) == EOF &&
	    FCGX_GetError(in) == 0;
}

/* True if have (a Content-Type value) is the media type want. */
int
content_type_is(const char *have, const char *want)
{
	size_t n = strlen(want);

	if (have == NULL || strncasecmp(have, want, n) != 0)
		return 0;
	return have[n] == '\0' || have[n] == ';' || have[n] == ' ';
}

/*
 * Reads the whole body (at most max_body bytes) into r->body, NUL-ended.
 * Writes the error and returns -1 when it is too large (413) or ends
 * early (400).
 */
int
req_read_body(struct request *r)
{
	long n;

	if (r->body != NULL || r->content_length <= 0)
		return 0;
	if ((unsigned long long)r->content_length > front_cfg.max_body) {
		resp_error(r, CC_E_PAYLOAD_TOO_LARGE, "request body of %lld "
		    "bytes exceeds max_body (%zu bytes)", r->content_length,
		    front_cfg.max_body);
		return -1;
	}
	r->body_len = (size_t)r->content_length;
	if ((r->body = arena_alloc(&r->arena, r->body_len + 1)) == NULL) {
		resp_error(r, CC_E_INTERNAL_ERROR, "out of memory");
		return -1;
	}
	for (size_t got = 0; got < r->body_len; got += (size_t)n)
		if ((n = req_read(r, r->body + got, r->body_len - got)) <= 0) {
			if (body_timed_out(r) != NULL)
				req_body_cut(r);
			else
				resp_error(r, CC_E_INVALID_REQUEST, "request "
				    "body ended after %zu of %zu bytes", got,
				    r->body_len);
			return -1;
		}
	r->body[r->body_len] = '\0';
	return 0;
}

/*
 * Parses r->body as one JSON object; 400 naming the problem if not.
 * json-c lets through strings that are not UTF-8 (or hold a NUL) and
 * numbers that are not finite: the tree is walked once for them, and
 * the 400 names the member.
 */
int
req_parse_json(struct request *r)
{
	json_tokener *tok;
	const char *why;
	char where[256];
	size_t end;
	int rc = -1;

	if ((tok = json_tokener_new()) == NULL)
		return resp_error(r, CC_E_INTERNAL_ERROR, "out of memory"), -1;
	r->json = json_tokener_parse_ex(tok, r->body ? r->body : "",
	    (int)r->body_len);
	end = tok->char_offset > 0 ? (size_t)tok->char_offset : 0;
	while (end < r->body_len && r->body[end] != '\0' &&
	    strchr(" \t\r\n", r->body[end]) != NULL)
		end++;
	if (r->json == NULL || end != r->body_len) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		resp_error(r, CC_E_INVALID_REQUEST, "malformed JSON body: %s at "
		    "offset %d", r->json != NULL ? "trailing data" :
		    e == json_tokener_continue ? "unexpected end of input" :
		    json_tokener_error_desc(e), (int)tok->char_offset);
	} else if (!json_object_is_type(r->json, json_type_object))
		resp_error(r, CC_E_INVALID_REQUEST, "the JSON body must be an "
		    "object");
	else if ((why = utf8_json_check(r->json, where, sizeof(where))) !=
	    NULL) {
		if (where[0] == '\0')
			resp_error(r, CC_E_INVALID_REQUEST, "the JSON body %s",
			    why);
		else {
			/* Named like every other field error, so a client
			 * can put it beside its field. */
			json_object *d = json_object_new_object();

			json_object_object_add(d, "field",
			    json_object_new_string(where));
			resp_error_d(r, CC_E_INVALID_REQUEST, d, "JSON member "
			    "'%s' %s", where, why);
		}
	} else
		rc = 0;
	json_tokener_free(tok);
	if (rc < 0) {
		json_object_put(r->json);
		r->json = NULL;
	}
	return rc;
}

/*
 * Reads and parses a JSON object body for the router.  Writes the error
 * and returns -1 on: a wrong type (415), too large (413), a short body
 * or bad JSON (400).  An empty body is fine when optional.
 */
int
req_read_json(struct request *r, int optional)
{
	if (r->content_length <= 0) {
		if (optional)
			return 0;
		resp_error(r, CC_E_INVALID_REQUEST, "a JSON request body is "
		    "required");
		return -1;
	}
	if (!content_type_is(r->content_type, "application/json")) {
		resp_error(r, CC_E_UNSUPPORTED_MEDIA_TYPE, "Content-Type must "
		    "be application/json, not '%s'",
		    r->content_type ? r->content_type : "");
		return -1;
	}
	if (req_read_body(r) < 0)
		return -1;
	return req_parse_json(r);
}

/*
 * A string member of the JSON body, for the handlers that answer 400
 * when a field is sent with the wrong type: NULL when it is missing or
 * null (not sent), and NULL with *bad set when it is there as anything
 * but a string.  The one helper of its kind: everything else reads the
 * body with jget_* (base.h).
 */
const char *
req_body_str(const struct request *r, const char *key, int *bad)
{
	const char *s = jget_str(r->json, key);

	/* json-c keeps a null member as a NULL value. */
	if (s == NULL && json_object_object_get(r->json, key) != NULL)
		*bad = 1;
	return s;
}

/* Marks a request that legitimately outlives request_timeout (a log
 * follow, an event stream): the master leaves its worker alone. */
void
req_set_streaming(struct request *r)
{
	if (sb_self != NULL)
		sb_self->state = SB_STREAMING;
}
