/*
 * http.c: the libcurl transport shared by the drivers: one reused CURL
 * handle per process, unix socket or TCP/TLS targets, connect and total
 * timeouts from config, never a proxy from the environment, the
 * target's headers on every request.  Plain requests, streaming to a
 * sink, and a raw upgraded connection.  Answers from an engine are
 * untrusted: each is capped at max_resp bytes and the caller parses it
 * defensively.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "../base/base.h"
#include "runtime.h"

static CURL *handle;	/* one per process, reused: keeps connections */

int
rt_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == 0 ? 0 : RT_E_INTERNAL;
}

/*
 * Parses a runtime address into a target.  unix:///p uses the socket p;
 * tcp:// is plain HTTP, https:// is TLS with verification always on.
 */
int
rt_target_parse(const char *url, const char *ca, const char *cert,
    const char *key, struct rt_target *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	if (strncmp(url, "unix://", 7) == 0 && url[7] == '/') {
		if (strlen(url + 7) >= sizeof(t->unix_path))
			goto bad;
		snprintf(t->unix_path, sizeof(t->unix_path), "%s", url + 7);
		snprintf(t->base, sizeof(t->base), "http://localhost");
	} else if (strncmp(url, "tcp://", 6) == 0 && url[6] != '\0') {
		if (snprintf(t->base, sizeof(t->base), "http://%s", url + 6) >=
		    (int)sizeof(t->base) || strpbrk(url + 6, "/?#@ ") != NULL)
			goto bad;
	} else if (strncmp(url, "https://", 8) == 0 && url[8] != '\0') {
		if (snprintf(t->base, sizeof(t->base), "%s", url) >=
		    (int)sizeof(t->base) || strpbrk(url + 8, "/?#@ ") != NULL)
			goto bad;
	} else
		goto bad;
	snprintf(t->ca, sizeof(t->ca), "%s", ca ? ca : "");
	snprintf(t->cert, sizeof(t->cert), "%s", cert ? cert : "");
	snprintf(t->key, sizeof(t->key), "%s", key ? key : "");
	return 0;
bad:
	snprintf(err, errlen, "bad runtime address '%s': expected "
	    "unix:///path, tcp://host:port or https://host:port", url);
	return RT_E_INVALID;
}

int
rt_target_header(struct rt_target *t, const char *name, const char *value)
{
	struct rt_header *h;

	if (t->nhdr >= RT_MAXHDR || name == NULL || value == NULL ||
	    *name == '\0' || strlen(name) >= sizeof(h->name) ||
	    strlen(value) >= sizeof(h->value) ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-") != strlen(name) || strpbrk(value, "\r\n") != NULL)
		return RT_E_INVALID;
	h = &t->hdr[t->nhdr++];
	snprintf(h->name, sizeof(h->name), "%s", name);
	snprintf(h->value, sizeof(h->value), "%s", value);
	return 0;
}

struct sink {
	char	*buf;
	size_t	 len, cap, max;
	int	 over;
};

static size_t
collect(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;
	char *p;

	if (s->len + n > s->max) {
		s->over = 1;
		return 0;	/* aborts the transfer */
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = (s->cap ? s->cap * 2 : 4096);

		while (cap < s->len + n + 1)
			cap *= 2;
		if ((p = realloc(s->buf, cap)) == NULL)
			return 0;
		s->buf = p;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

static CURL *
get_handle(void)
{
	if (handle == NULL)
		handle = curl_easy_init();
	else
		curl_easy_reset(handle);	/* keeps the connection cache */
	return handle;
}

/* Sets what every request to t shares: transport, TLS and no proxy. */
static void
set_target(CURL *h, const struct rt_target *t)
{
	if (t->unix_path[0] != '\0')
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, t->unix_path);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (t->ca[0] != '\0')
		curl_easy_setopt(h, CURLOPT_CAINFO, t->ca);
	if (t->cert[0] != '\0')
		curl_easy_setopt(h, CURLOPT_SSLCERT, t->cert);
	if (t->key[0] != '\0')
		curl_easy_setopt(h, CURLOPT_SSLKEY, t->key);
	if (t->pinned)
		rt_tls_pin_set(h, t);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
	    (long)rt_cfg.runtime_connect_timeout);
}

static const char *
where(const struct rt_target *t)
{
	return t->unix_path[0] ? t->unix_path : t->base;
}

/* A libcurl result as RT_OK or an RT_E_* with err naming the target. */
static int
map_curl(const struct rt_target *t, CURLcode cc, char *err, size_t errlen)
{
	switch (cc) {
	case CURLE_OK:
		return RT_OK;
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(err, errlen, "runtime at %s timed out", where(t));
		return RT_E_TIMEOUT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(err, errlen, "cannot connect to runtime at %s",
		    where(t));
		return RT_E_UNREACHABLE;
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(err, errlen, "runtime at %s: %s", where(t), t->pinned ?
		    "its certificate does not match the pinned fingerprint" :
		    curl_easy_strerror(cc));
		return RT_E_PROTO;
	default:
		snprintf(err, errlen, "runtime at %s: %s", where(t),
		    curl_easy_strerror(cc));
		return RT_E_PROTO;
	}
}

/*
 * The target's headers appended to list (a secret-carrying line is
 * wiped once libcurl has its copy).  NULL when out of memory.
 */
static struct curl_slist *
target_headers(const struct rt_target *t, struct curl_slist *list)
{
	char line[sizeof(t->hdr[0].name) + sizeof(t->hdr[0].value) + 4];
	struct curl_slist *l;
	size_t i;

	for (i = 0; i < t->nhdr && list != NULL; i++) {
		snprintf(line, sizeof(line), "%s: %s", t->hdr[i].name,
		    t->hdr[i].value);
		if ((l = curl_slist_append(list, line)) == NULL) {
			curl_slist_free_all(list);
			list = NULL;
		} else
			list = l;
		explicit_bzero(line, sizeof(line));
	}
	return list;
}

/*
 * Sets what every request shares on handle h: the target, URL, method,
 * timeout (seconds, 0 for none), the body with its Content-Type, the
 * target's headers, and no "Expect: 100-continue" round trip.  Returns
 * the header list, which the caller frees after the transfer.
 */
static struct curl_slist *
prepare(CURL *h, const struct rt_target *t, const char *method,
    const char *path, const char *ctype, const void *body, size_t blen,
    long timeout_s)
{
	struct curl_slist *hdrs = NULL;
	char url[RT_PATHLEN * 3], ct[128];

	snprintf(url, sizeof(url), "%s%s", t->base, path);
	set_target(h, t);
	curl_easy_setopt(h, CURLOPT_URL, url);	/* libcurl copies it */
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	if (body != NULL || strcmp(method, "POST") == 0 ||
	    strcmp(method, "PUT") == 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)blen);
	}
	if (ctype != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
		hdrs = curl_slist_append(hdrs, ct);
	}
	hdrs = target_headers(t, curl_slist_append(hdrs, "Expect:"));
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	return hdrs;
}

int
rt_http(const struct rt_target *t, const char *method, const char *path,
    const char *ctype, const void *body, size_t blen, size_t max_resp,
    long timeout_s, struct rt_resp *out, char *err, size_t errlen)
{
	struct curl_slist *hdrs;
	struct sink s = { NULL, 0, 0, max_resp, 0 };
	CURLcode cc;
	CURL *h;
	int rc = RT_OK;

	memset(out, 0, sizeof(*out));
	if ((h = get_handle()) == NULL) {
		snprintf(err, errlen, "cannot create a libcurl handle");
		return RT_E_PROTO;
	}
	hdrs = prepare(h, t, method, path, ctype, body, blen,
	    timeout_s > 0 ? timeout_s : (long)rt_cfg.runtime_timeout);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	cc = curl_easy_perform(h);
	curl_slist_free_all(hdrs);
	if (s.over) {
		snprintf(err, errlen, "runtime answer from %s larger than "
		    "%zu bytes", where(t), max_resp);
		rc = RT_E_TOO_BIG;
	} else
		rc = map_curl(t, cc, err, errlen);
	if (rc != RT_OK) {
		free(s.buf);
		return rc;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
	out->body = s.buf ? s.buf : calloc(1, 1);
	out->len = s.len;
	return RT_OK;
}

/*
 * Streaming: a 2xx body goes to the caller's sink; any other status's body
 * is collected (capped) so the driver can report the engine's message.
 */
struct stream {
	CURL		*h;
	rt_sink_fn	 fn;
	void		*arg;
	int		 checked, error, stopped;
	struct sink	 errbody;
};

static size_t
stream_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct stream *s = arg;
	size_t n = size * nmemb;
	long code = 0;

	if (!s->checked) {
		curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &code);
		s->error = code < 200 || code >= 300;
		s->checked = 1;
	}
	if (s->error) {
		(void)collect(data, size, nmemb, &s->errbody);
		return n;	/* what does not fit is dropped */
	}
	if (s->fn(s->arg, RT_RAW, data, n) != 0) {
		s->stopped = 1;
		return 0;
	}
	return n;
}

/* About once a second libcurl calls this: the sink gets an empty chunk,
 * so a quiet follow still notices a worker told to stop.  RT_WAIT until
 * the engine has answered (a status line came): only then does a tick
 * say the stream is up, which connecting (bounded by
 * runtime_connect_timeout) or an engine holding its head is not. */
static int
stream_tick(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	struct stream *s = arg;
	long code = 0;

	(void)dt, (void)dn, (void)ut, (void)un;
	if (curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK)
		code = 0;
	if (s->fn(s->arg, code == 0 ? RT_WAIT : RT_RAW, NULL, 0) != 0) {
		s->stopped = 1;
		return 1;
	}
	return 0;
}

int
rt_http_stream(const struct rt_target *t, const char *method,
    const char *path, const char *ctype, const void *body, size_t blen,
    long timeout_s, long *status, rt_sink_fn fn, void *arg, char *err,
    size_t errlen)
{
	struct curl_slist *hdrs;
	struct stream s;
	CURLcode cc;
	CURL *h;
	int rc;

	*status = 0;
	memset(&s, 0, sizeof(s));
	s.fn = fn;
	s.arg = arg;
	s.errbody.max = 8192;
	if ((h = get_handle()) == NULL) {
		snprintf(err, errlen, "cannot create a libcurl handle");
		return RT_E_PROTO;
	}
	s.h = h;
	hdrs = prepare(h, t, method, path, ctype, body, blen,
	    timeout_s > 0 ? timeout_s : 0L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, stream_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, stream_tick);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &s);
	cc = curl_easy_perform(h);
	curl_slist_free_all(hdrs);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	if (s.stopped)
		rc = RT_E_STOPPED;
	else if ((rc = map_curl(t, cc, err, errlen)) == RT_OK && s.error)
		snprintf(err, errlen, "%s", s.errbody.buf ? s.errbody.buf : "");
	free(s.errbody.buf);
	return rc;
}

/* ---- an upgraded connection ---- */

struct rt_conn {
	CURL			*h;
	curl_socket_t		 fd;
	int			 ms;		/* each wait's bound */
	const struct rt_target	*t;
	char			*pending;	/* bytes read past the head */
	size_t			 plen, poff;
};

/* Waits until fd is ready for ev, at most ms; 0 ready, -1 not. */
static int
wait_fd(curl_socket_t fd, short ev, int ms)
{
	struct pollfd p = { fd, ev, 0 };
	int n;

	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	return n > 0 ? 0 : -1;
}

static int
conn_fail(struct rt_conn *c, int rc, char *err, size_t errlen)
{
	if (rc == RT_E_TIMEOUT)
		snprintf(err, errlen, "runtime at %s timed out", where(c->t));
	else
		snprintf(err, errlen, "runtime at %s: broken stream exchange",
		    where(c->t));
	return rc;
}

int
rt_conn_send(struct rt_conn *c, const void *buf, size_t len, char *err,
    size_t errlen)
{
	const char *p = buf;
	size_t n;
	CURLcode cc;

	while (len > 0) {
		cc = curl_easy_send(c->h, p, len, &n);
		if (cc == CURLE_AGAIN) {
			if (wait_fd(c->fd, POLLOUT, c->ms) < 0)
				return conn_fail(c, RT_E_TIMEOUT, err, errlen);
			continue;
		}
		if (cc != CURLE_OK)
			return conn_fail(c, RT_E_PROTO, err, errlen);
		p += n;
		len -= n;
	}
	return RT_OK;
}

int
rt_conn_recv(struct rt_conn *c, void *buf, size_t cap, size_t *n, char *err,
    size_t errlen)
{
	CURLcode cc;

	*n = 0;
	if (c->poff < c->plen) {
		*n = c->plen - c->poff < cap ? c->plen - c->poff : cap;
		memcpy(buf, c->pending + c->poff, *n);
		c->poff += *n;
		return RT_OK;
	}
	for (;;) {
		cc = curl_easy_recv(c->h, buf, cap, n);
		if (cc == CURLE_AGAIN) {
			if (wait_fd(c->fd, POLLIN, c->ms) < 0)
				return conn_fail(c, RT_E_TIMEOUT, err, errlen);
			continue;
		}
		if (cc != CURLE_OK)
			*n = 0;		/* a reset: the end, as a close is */
		return RT_OK;
	}
}

void
rt_conn_shutdown(struct rt_conn *c)
{
	shutdown(c->fd, SHUT_WR);
}

void
rt_conn_close(struct rt_conn *c)
{
	if (c == NULL)
		return;
	if (c->h != NULL)
		curl_easy_cleanup(c->h);
	free(c->pending);
	free(c);
}

/*
 * The request by hand: method, path, the Host of the target, the
 * upgrade, the target's headers, the body's length and the body.  NULL
 * when out of memory; the caller wipes (it may hold a secret) and frees
 * it.
 */
static char *
upgrade_request(const struct rt_target *t, const char *method,
    const char *path, const char *ctype, const void *body, size_t blen,
    const char *protocol, size_t *len)
{
	const char *host = t->unix_path[0] ? "localhost" :
	    strstr(t->base, "://") + 3;
	char *req = NULL;
	size_t rlen = 0, i;
	char line[RT_PATHLEN * 4];
	int bad = 0, n;

	n = snprintf(line, sizeof(line), "%s %s HTTP/1.1\r\nHost: %s\r\n",
	    method, path, host);
	bad |= n < 0 || (size_t)n >= sizeof(line) ||
	    buf_append(&req, &rlen, line, (size_t)n) < 0;
	for (i = 0; i < t->nhdr && !bad; i++) {
		n = snprintf(line, sizeof(line), "%s: %s\r\n", t->hdr[i].name,
		    t->hdr[i].value);
		bad |= n < 0 || buf_append(&req, &rlen, line, (size_t)n) < 0;
	}
	n = snprintf(line, sizeof(line), "%s%s%sConnection: Upgrade\r\n"
	    "Upgrade: %s\r\nContent-Length: %zu\r\n\r\n", ctype ?
	    "Content-Type: " : "", ctype ? ctype : "", ctype ? "\r\n" : "",
	    protocol, blen);
	bad |= n < 0 || (size_t)n >= sizeof(line) ||
	    buf_append(&req, &rlen, line, (size_t)n) < 0 ||
	    (blen > 0 && buf_append(&req, &rlen, body, blen) < 0);
	explicit_bzero(line, sizeof(line));
	if (bad) {
		if (req != NULL)
			explicit_bzero(req, rlen);
		free(req);
		return NULL;
	}
	*len = rlen;
	return req;
}

/*
 * libcurl only connects (CONNECT_ONLY); the request goes out by hand and
 * the answer's head is read up to its blank line, byte-capped.  A
 * separate handle: an upgraded connection can never be reused.
 */
int
rt_http_upgrade(const struct rt_target *t, const char *method,
    const char *path, const char *ctype, const void *body, size_t blen,
    const char *protocol, long timeout_s, long *status, struct rt_conn **out,
    char *err, size_t errlen)
{
	struct rt_conn *c;
	char head[4096], url[RT_PATHLEN + 2], *req = NULL, *eoh = NULL;
	size_t hlen = 0, rlen = 0, n;
	CURLcode cc;
	int rc = RT_E_PROTO;

	*status = 0;
	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->h = curl_easy_init()) == NULL)
		goto err;
	c->t = t;
	c->ms = (int)(timeout_s > 0 ? timeout_s : rt_cfg.runtime_timeout) * 1000;
	set_target(c->h, t);
	snprintf(url, sizeof(url), "%s/", t->base);
	curl_easy_setopt(c->h, CURLOPT_URL, url);
	curl_easy_setopt(c->h, CURLOPT_CONNECT_ONLY, 1L);
	if ((cc = curl_easy_perform(c->h)) != CURLE_OK) {
		rc = map_curl(t, cc, err, errlen);
		goto out;
	}
	if (curl_easy_getinfo(c->h, CURLINFO_ACTIVESOCKET, &c->fd) !=
	    CURLE_OK || c->fd == CURL_SOCKET_BAD ||
	    (req = upgrade_request(t, method, path, ctype, body, blen,
	    protocol, &rlen)) == NULL)
		goto err;
	rc = rt_conn_send(c, req, rlen, err, errlen);
	explicit_bzero(req, rlen);
	if (rc != RT_OK)
		goto out;
	while (eoh == NULL) {
		if (hlen + 1 >= sizeof(head)) {
			rc = conn_fail(c, RT_E_PROTO, err, errlen);
			goto out;
		}
		if ((rc = rt_conn_recv(c, head + hlen, sizeof(head) - 1 - hlen,
		    &n, err, errlen)) != RT_OK)
			goto out;
		if (n == 0) {
			rc = conn_fail(c, RT_E_PROTO, err, errlen);
			goto out;
		}
		hlen += n;
		head[hlen] = '\0';
		eoh = strstr(head, "\r\n\r\n");
	}
	if (sscanf(head, "HTTP/1.%*c %ld", status) != 1) {
		rc = conn_fail(c, RT_E_PROTO, err, errlen);
		goto out;
	}
	rc = RT_OK;
	if (*status != 101 && (*status < 200 || *status >= 300)) {
		snprintf(err, errlen, "%s", eoh + 4);
		goto out;
	}
	c->plen = (size_t)(head + hlen - (eoh + 4));
	if (c->plen > 0 && (c->pending = malloc(c->plen)) == NULL)
		goto err;
	if (c->plen > 0)
		memcpy(c->pending, eoh + 4, c->plen);
	*out = c;
	c = NULL;
	goto out;
err:
	rc = RT_E_PROTO;
	snprintf(err, errlen, "runtime at %s: cannot open a stream "
	    "connection", where(t));
out:
	free(req);
	rt_conn_close(c);
	return rc;
}

void
rt_resp_free(struct rt_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

void
rt_cleanup(void)
{
	if (handle != NULL)
		curl_easy_cleanup(handle);
	handle = NULL;
}
