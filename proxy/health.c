/*
 * health.c: active health checks, which open-source nginx does not
 * have.  Every server of an upstream whose health_check is enabled is
 * asked GET http://<address><path> every interval, all of them at once
 * through one libcurl multi handle (connections are kept between
 * checks).  A check passes when the answer comes within timeout with a
 * status of expect_status (any 2xx or 3xx when the list is empty).  A
 * server that fails unhealthy_threshold checks in a row is held down;
 * one held down that passes healthy_threshold in a row comes back.
 * Each change is a flip: process.c renders it and logs an event.
 */
#include "config.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

struct target {
	char		 key[PX_NAME_MAX + 320];	/* "upstream|address" */
	char		 up[PX_NAME_MAX + 1];
	char		 addr[300];
	char		 url[PX_PATH_MAX + 320];
	long		 interval_ms, timeout_ms;
	int		 rise, fall;
	int		 expect[16], nexpect;
	uint64_t	 due_us;
	CURL		*easy;		/* a check in flight, or NULL */
	int		 down;		/* held down */
	int		 run_ok, run_fail;
	uint64_t	 checks, fails;
	int		 checked, last_passed;
	time_t		 last_at;
	char		 last_error[128];
	int		 seen;
};

struct px_health {
	CURLM		 *multi;
	struct target	**t;
	size_t		  n, cap;
	json_object	 *flips;
};

struct px_health *
px_health_new(void)
{
	struct px_health *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	if ((h->multi = curl_multi_init()) == NULL) {
		free(h);
		return NULL;
	}
	h->flips = json_object_new_array();
	return h;
}

static void
drop(struct px_health *h, struct target *t)
{
	if (t->easy != NULL) {
		curl_multi_remove_handle(h->multi, t->easy);
		curl_easy_cleanup(t->easy);
	}
	free(t);
}

void
px_health_free(struct px_health *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++)
		drop(h, h->t[i]);
	free(h->t);
	curl_multi_cleanup(h->multi);
	json_object_put(h->flips);
	free(h);
}

static struct target *
find(struct px_health *h, const char *key)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (strcmp(h->t[i]->key, key) == 0)
			return h->t[i];
	return NULL;
}

static long
secs_ms(const char *d)
{
	long s = 0;

	return parse_duration(d, &s) == 0 ? s * 1000 : 1000;
}

/* One server's target, made or updated from its upstream's check. */
static int
sync_one(struct px_health *h, const char *up, json_object *hc,
    const char *addr)
{
	json_object *ex = jget_arr(hc, "expect_status");
	struct target *t;
	char key[sizeof(t->key)];
	size_t i, n;

	snprintf(key, sizeof(key), "%s|%s", up, addr);
	if ((t = find(h, key)) == NULL) {
		if (h->n == h->cap) {
			size_t cap = h->cap ? h->cap * 2 : 16;
			struct target **nt = realloc(h->t, cap * sizeof(*nt));

			if (nt == NULL)
				return -1;
			h->t = nt;
			h->cap = cap;
		}
		if ((t = calloc(1, sizeof(*t))) == NULL)
			return -1;
		snprintf(t->key, sizeof(t->key), "%s", key);
		snprintf(t->up, sizeof(t->up), "%s", up);
		snprintf(t->addr, sizeof(t->addr), "%s", addr);
		t->due_us = now_us();
		h->t[h->n++] = t;
	}
	snprintf(t->url, sizeof(t->url), "http://%s%s", addr,
	    jget_str(hc, "path") ? jget_str(hc, "path") : "/");
	t->interval_ms = secs_ms(jget_str(hc, "interval"));
	t->timeout_ms = secs_ms(jget_str(hc, "timeout"));
	t->rise = (int)jget_int(hc, "healthy_threshold", 2);
	t->fall = (int)jget_int(hc, "unhealthy_threshold", 3);
	n = ex ? json_object_array_length(ex) : 0;
	t->nexpect = 0;
	for (i = 0; i < n && i < 16; i++)
		t->expect[t->nexpect++] = json_object_get_int(
		    json_object_array_get_idx(ex, i));
	t->seen = 1;
	return 0;
}

/*
 * Takes the checks the model asks for: a server already checked keeps
 * its counters and state; one no longer asked for is forgotten.
 */
int
px_health_sync(struct px_health *h, json_object *model)
{
	json_object *ups = jget_arr(model, "upstreams"), *u, *hc, *sv, *s;
	size_t i, j, n, ns, keep;

	for (i = 0; i < h->n; i++)
		h->t[i]->seen = 0;
	n = ups ? json_object_array_length(ups) : 0;
	for (i = 0; i < n; i++) {
		u = json_object_array_get_idx(ups, i);
		hc = jget_obj(u, "health_check");
		if (!jget_bool(hc, "enabled", 0))
			continue;
		sv = jget_arr(u, "servers");
		ns = sv ? json_object_array_length(sv) : 0;
		for (j = 0; j < ns; j++) {
			s = json_object_array_get_idx(sv, j);
			if (jget_bool(s, "down", 0))
				continue;
			if (sync_one(h, jget_str(u, "name"), hc,
			    jget_str(s, "address")) < 0)
				return PX_E_INTERNAL;
		}
	}
	for (i = keep = 0; i < h->n; i++) {
		if (h->t[i]->seen)
			h->t[keep++] = h->t[i];
		else
			drop(h, h->t[i]);
	}
	h->n = keep;
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)h->n + 8);
	return 0;
}

static size_t
discard(char *p, size_t size, size_t nmemb, void *arg)
{
	(void)p;
	(void)arg;
	return size * nmemb;
}

static void
start(struct px_health *h, struct target *t, uint64_t now)
{
	CURL *c;

	t->due_us = now + (uint64_t)t->interval_ms * 1000;
	if ((c = curl_easy_init()) == NULL)
		return;
	curl_easy_setopt(c, CURLOPT_URL, t->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, t->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, t->timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "container-codes-health");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_PRIVATE, t);
	if (curl_multi_add_handle(h->multi, c) != CURLM_OK) {
		curl_easy_cleanup(c);
		return;
	}
	t->easy = c;
}

static int
expected(const struct target *t, long status)
{
	int i;

	if (t->nexpect == 0)
		return status >= 200 && status < 400;
	for (i = 0; i < t->nexpect; i++)
		if (t->expect[i] == status)
			return 1;
	return 0;
}

static void
flip(struct px_health *h, struct target *t)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "upstream", json_object_new_string(t->up));
	json_object_object_add(o, "server", json_object_new_string(t->addr));
	json_object_object_add(o, "status",
	    json_object_new_string(t->down ? "unhealthy" : "healthy"));
	json_object_object_add(o, "consecutive", json_object_new_int(t->down ?
	    t->run_fail : t->run_ok));
	if (t->down && t->last_error[0] != '\0')
		json_object_object_add(o, "error",
		    json_object_new_string(t->last_error));
	json_object_array_add(h->flips, o);
}

/* One finished check: counters, and a flip past a threshold. */
static int
finish(struct px_health *h, CURL *c, CURLcode rc)
{
	struct target *t = NULL;
	long status = 0;
	int pass, flipped = 0;

	curl_easy_getinfo(c, CURLINFO_PRIVATE, (char **)&t);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(h->multi, c);
	curl_easy_cleanup(c);
	if (t == NULL)
		return 0;
	t->easy = NULL;
	pass = rc == CURLE_OK && expected(t, status);
	t->checks++;
	t->checked = 1;
	t->last_passed = pass;
	t->last_at = now_wall();
	if (pass) {
		t->run_ok++;
		t->run_fail = 0;
		if (t->down && t->run_ok >= t->rise) {
			t->down = 0;
			flipped = 1;
		}
	} else {
		t->fails++;
		t->run_fail++;
		t->run_ok = 0;
		if (rc != CURLE_OK)
			snprintf(t->last_error, sizeof(t->last_error), "%s",
			    curl_easy_strerror(rc));
		else
			snprintf(t->last_error, sizeof(t->last_error),
			    "status %ld", status);
		if (!t->down && t->run_fail >= t->fall) {
			t->down = 1;
			flipped = 1;
		}
	}
	if (flipped)
		flip(h, t);
	return flipped;
}

/*
 * Starts the checks that are due, waits up to wait_ms for answers (or
 * for fd), and takes the answers in.  The number of flips.
 */
int
px_health_run(struct px_health *h, int fd, long wait_ms)
{
	struct curl_waitfd wfd;
	struct CURLMsg *msg;
	uint64_t now = now_us();
	int running, left, flips = 0;
	long ct = -1;
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->t[i]->easy == NULL && h->t[i]->due_us <= now)
			start(h, h->t[i], now);
	curl_multi_perform(h->multi, &running);
	if (running > 0 && curl_multi_timeout(h->multi, &ct) == CURLM_OK &&
	    ct >= 0 && ct < wait_ms)
		wait_ms = ct;
	memset(&wfd, 0, sizeof(wfd));
	wfd.fd = fd;
	wfd.events = CURL_WAIT_POLLIN;
	curl_multi_poll(h->multi, fd >= 0 ? &wfd : NULL, fd >= 0 ? 1 : 0,
	    (int)(wait_ms < 0 ? 0 : wait_ms), NULL);
	curl_multi_perform(h->multi, &running);
	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE)
			flips += finish(h, msg->easy_handle, msg->data.result);
	return flips;
}

long
px_health_next_ms(const struct px_health *h)
{
	uint64_t now = now_us(), best = UINT64_MAX;
	size_t i;

	for (i = 0; i < h->n; i++) {
		if (h->t[i]->easy != NULL)
			return 10;	/* answers due: curl's timeout rules */
		if (h->t[i]->due_us < best)
			best = h->t[i]->due_us;
	}
	if (best == UINT64_MAX)
		return -1;
	return best <= now ? 0 : (long)((best - now) / 1000);
}

json_object *
px_health_down(const struct px_health *h)
{
	json_object *o = json_object_new_object();
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->t[i]->down)
			json_object_object_add(o, h->t[i]->key,
			    json_object_new_boolean(1));
	return o;
}

json_object *
px_health_json(const struct px_health *h)
{
	json_object *o = json_object_new_object(), *s;
	char ts[32];
	size_t i;

	for (i = 0; i < h->n; i++) {
		const struct target *t = h->t[i];

		s = json_object_new_object();
		json_object_object_add(s, "status", json_object_new_string(
		    !t->checked && !t->down ? "unknown" : t->down ?
		    "unhealthy" : "healthy"));
		json_object_object_add(s, "checks",
		    json_object_new_int64((int64_t)t->checks));
		json_object_object_add(s, "fails",
		    json_object_new_int64((int64_t)t->fails));
		if (t->checked) {
			json_object_object_add(s, "last_passed",
			    json_object_new_boolean(t->last_passed));
			iso8601(ts, t->last_at);
			json_object_object_add(s, "last_check_at",
			    json_object_new_string(ts));
		}
		json_object_object_add(o, t->key, s);
	}
	return o;
}

json_object *
px_health_flips(struct px_health *h)
{
	json_object *f = h->flips;

	h->flips = json_object_new_array();
	return f;
}
