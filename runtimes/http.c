/*
 * http.c: the libcurl transport shared by the runtime drivers.  Answers
 * from a runtime are untrusted: each is capped at max_resp bytes and the
 * caller parses it defensively.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "../fcgi-app/cc.h"
#include "runtime.h"

static CURL *handle;	/* one per process, reused: keeps connections */

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
	return RT_E_BADURL;
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
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
	    (long)cfg.runtime_connect_timeout);
}

/*
 * Makes one request and collects the answer (at most max_resp bytes).
 * Returns RT_OK with out filled (any HTTP status), or an RT_E_* error
 * with err naming the target.  The caller frees out with rt_resp_free.
 */
int
rt_http(const struct rt_target *t, const char *method, const char *path,
    const char *ctype, const void *body, size_t blen, size_t max_resp,
    long timeout_s, struct rt_resp *out, char *err, size_t errlen)
{
	struct curl_slist *hdrs = NULL;
	struct sink s = { NULL, 0, 0, max_resp, 0 };
	char url[RT_PATHLEN * 3], ct[128];
	CURLcode cc;
	CURL *h;
	int rc = RT_OK;

	memset(out, 0, sizeof(*out));
	if ((h = get_handle()) == NULL) {
		snprintf(err, errlen, "cannot create a libcurl handle");
		return RT_E_PROTO;
	}
	snprintf(url, sizeof(url), "%s%s", t->base, path);
	set_target(h, t);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s > 0 ? timeout_s :
	    (long)cfg.runtime_timeout);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
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
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	cc = curl_easy_perform(h);
	curl_slist_free_all(hdrs);
	if (s.over) {
		snprintf(err, errlen, "runtime answer from %s larger than "
		    "%zu bytes", t->unix_path[0] ? t->unix_path : t->base,
		    max_resp);
		rc = RT_E_TOO_BIG;
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(err, errlen, "runtime at %s timed out",
		    t->unix_path[0] ? t->unix_path : t->base);
		rc = RT_E_TIMEOUT;
	} else if (cc == CURLE_COULDNT_CONNECT ||
	    cc == CURLE_COULDNT_RESOLVE_HOST) {
		snprintf(err, errlen, "cannot connect to runtime at %s",
		    t->unix_path[0] ? t->unix_path : t->base);
		rc = RT_E_CONNECT;
	} else if (cc != CURLE_OK) {
		snprintf(err, errlen, "runtime at %s: %s",
		    t->unix_path[0] ? t->unix_path : t->base,
		    curl_easy_strerror(cc));
		rc = RT_E_PROTO;
	}
	if (rc != RT_OK) {
		free(s.buf);
		return rc;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
	out->body = s.buf ? s.buf : calloc(1, 1);
	out->len = s.len;
	return RT_OK;
}

void
rt_resp_free(struct rt_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

/* GET /_ping: 0 when the engine answers "OK". */
int
rt_ping(const struct rt_target *t, char *err, size_t errlen)
{
	struct rt_resp resp;
	int rc;

	if ((rc = rt_http(t, "GET", "/_ping", NULL, NULL, 0, 4096, 5, &resp,
	    err, errlen)) != RT_OK)
		return rc;
	if (resp.status != 200) {
		snprintf(err, errlen, "runtime ping answered HTTP %ld",
		    resp.status);
		rc = RT_E_PROTO;
	}
	rt_resp_free(&resp);
	return rc;
}

void
rt_cleanup(void)
{
	if (handle != NULL)
		curl_easy_cleanup(handle);
	handle = NULL;
}
