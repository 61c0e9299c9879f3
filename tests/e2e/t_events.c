/*
 * t_events.c: real-time events end to end, through nginx with nchan and
 * through Apache, with the real Podman engine:
 *  - the REST replay: visibility, filters, X-Event-Id, 410 EVENTS_GONE;
 *  - each transport through nchan (SSE with curl, WebSocket with the ws
 *    package, long-poll), and resume: disconnect, 50 events, reconnect
 *    with the last id: all 50, in order, no duplicates; the same across
 *    an nginx reload and across a SIGKILL of the publisher; a too-old id
 *    is 410 (WebSocket) or served from the log (SSE);
 *  - visibility over every transport: operator A never sees B's events;
 *    a bad credential, a bad or used ticket is 401;
 *  - sources: a container stopped with podman's own CLI is a
 *    container_event (source engine); system_metric at its interval; the
 *    LXC Tools types in start/success/error pairs;
 *  - Apache: SSE served by the app; a stream beyond the pool is 503
 *    while /health still answers within a second;
 *  - Socket.IO with socket.io-client: connect, join a room, one
 *    container's updates and not another's; a page's EventSource in
 *    headless Chromium receives a job_status;
 *  - the container-list cache: hits, fresh=true, ownership on hits, and
 *    no hit older than list_cache_max_age after an out-of-band change.
 * Every wait is bounded; nothing asserts on elapsed time (but /health's
 * one-second budget, given to curl as its limit); loopback only; every
 * child started here is stopped by its pid.
 */
#include "config.h"

#include <sys/wait.h>

#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctr_util.h"
#include "harness.h"

#define N		"/api/v1"
#define IMAGE		"localhost/busybox:test"
#define WANT_WAIT_MS	30000

static char alice_hdr[256], bob_hdr[256], admin_hdr[256];
static char jsdir[PATH_MAX];
static int js_ok;

/* ---- helpers ---- */

/* A user with an operator's role and a key; the key's header. */
static void
mk_user(const char *name, char *hdr, size_t len)
{
	struct http_resp r;
	char body[256], path[128];

	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":"
	    "\"Events-Pass-42-%s!\",\"role\":\"operator\"}", name, name);
	is_int(api(&r, "NGINX_URL", "POST", N "/users", body), 201,
	    "create operator %s", name);
	http_resp_free(&r);
	snprintf(path, sizeof(path), N "/users/%s/keys", name);
	api(&r, "NGINX_URL", "POST", path, "{}");
	snprintf(hdr, len, "X-API-Key: %s", json_str_at(r.json,
	    "key.api_key") ? json_str_at(r.json, "key.api_key") : "");
	http_resp_free(&r);
}

/* Creates and starts a sleeping test container as the holder of hdr. */
static long
mk_ctr(const char *hdr, const char *name)
{
	struct http_resp r;
	char body[512];
	long st;

	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"image\":\"" IMAGE
	    "\",\"command\":[\"sleep\",\"600\"],\"network_mode\":\"none\","
	    "\"labels\":{\"cc.test\":\"1\"}}", name);
	st = api_as(&r, hdr, "NGINX_URL", "POST", N "/containers", body);
	if (st != 201)
		diag("create %s: %ld %s", name, st, r.body ? r.body : "");
	http_resp_free(&r);
	return st;
}

static void
rm_ctr(const char *name)
{
	struct http_resp r;
	char path[160];

	snprintf(path, sizeof(path), N "/containers/%s?force=true", name);
	api(&r, "NGINX_URL", "DELETE", path, NULL);
	http_resp_free(&r);
}

/* The newest id in the log. */
static uint64_t
last_id(void)
{
	struct http_resp r;
	uint64_t id;

	api(&r, "NGINX_URL", "GET", N "/events?limit=1", NULL);
	id = (uint64_t)json_object_get_int64(json_at(r.json, "last_id"));
	http_resp_free(&r);
	return id;
}

/* n audit events (each a ticket's write): ids after the newest. */
static void
cause(int n)
{
	struct http_resp r;
	int i;

	for (i = 0; i < n; i++) {
		api(&r, "NGINX_URL", "POST", N "/events/ticket", NULL);
		http_resp_free(&r);
	}
}

/* A list of event ids. */
struct ids {
	uint64_t	 v[2048];
	size_t		 n;
	int		 dup, order;	/* a repeat, a step back */
};

static void
ids_add(struct ids *s, uint64_t id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] == id)
			s->dup = 1;
	if (s->n > 0 && id <= s->v[s->n - 1])
		s->order = 1;
	if (s->n < sizeof(s->v) / sizeof(s->v[0]))
		s->v[s->n++] = id;
}

/* The ids of the events after since of the filter, from the REST
 * replay: what a stream must deliver. */
static void
replay_ids(const char *hdr, const char *filter, uint64_t since,
    struct ids *s)
{
	struct http_resp r;
	json_object *a;
	char path[256];
	size_t i;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), N "/events?since=%" PRIu64
	    "&limit=1000&%s", since, filter);
	api_as(&r, hdr, "NGINX_URL", "GET", path, NULL);
	a = json_at(r.json, "events");
	for (i = 0; a && i < json_object_array_length(a); i++)
		ids_add(s, (uint64_t)json_object_get_int64(json_at(
		    json_object_array_get_idx(a, i), "id")));
	http_resp_free(&r);
}

static int
ids_equal(const struct ids *a, const struct ids *b)
{
	return a->n == b->n && memcmp(a->v, b->v, a->n * sizeof(a->v[0])) ==
	    0;
}

/* ---- SSE with curl ---- */

struct sse {
	pid_t	 pid;
	char	 out[PATH_MAX], err[PATH_MAX];
};

/* curl -N on base+path as hdr (extra: one more header or NULL), into a
 * file of the stack's directory. */
static void
sse_start(struct sse *s, const char *base, const char *hdr,
    const char *extra, const char *path)
{
	static int seq;
	char url[1024];
	char *argv[16];
	int n = 0;

	snprintf(s->out, sizeof(s->out), "%s/sse-%d.out", harness_dir(), seq);
	snprintf(s->err, sizeof(s->err), "%s/sse-%d.err", harness_dir(),
	    seq++);
	snprintf(url, sizeof(url), "%s", harness_url(base, path));
	argv[n++] = "curl";
	argv[n++] = "-sN";
	argv[n++] = "--max-time";
	argv[n++] = "90";
	argv[n++] = "-H";
	argv[n++] = "Accept: text/event-stream";
	if (hdr != NULL) {
		argv[n++] = "-H";
		argv[n++] = (char *)hdr;
	}
	if (extra != NULL) {
		argv[n++] = "-H";
		argv[n++] = (char *)extra;
	}
	argv[n++] = url;
	argv[n] = NULL;
	s->pid = harness_proc_start(NULL, argv, s->out, s->err);
}

/* The events of an SSE answer so far (heartbeats apart), and the id:
 * line of the last message (nchan's or ours) into last. */
static void
sse_events(const struct sse *s, struct ids *got, const char *must_type,
    char *last, size_t lastlen, int *bad_type)
{
	char *buf = harness_file_read(s->out), *line, *save = NULL, id[128] = "";
	json_object *o;

	memset(got, 0, sizeof(*got));
	if (bad_type != NULL)
		*bad_type = 0;
	for (line = buf ? strtok_r(buf, "\n", &save) : NULL; line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "id: ", 4) == 0)
			snprintf(id, sizeof(id), "%s", line + 4);
		if (strncmp(line, "data: ", 6) != 0 ||
		    (o = json_tokener_parse(line + 6)) == NULL)
			continue;
		if (last != NULL)
			snprintf(last, lastlen, "%s", id);
		if (json_str_at(o, "type") && strcmp(json_str_at(o, "type"),
		    "heartbeat") != 0) {
			ids_add(got, (uint64_t)json_object_get_int64(
			    json_at(o, "id")));
			if (bad_type != NULL && must_type != NULL &&
			    strcmp(json_str_at(o, "type"), must_type) != 0)
				*bad_type = 1;
		}
		json_object_put(o);
	}
	free(buf);
}

/* Whether the answer so far is a stream (nchan's ": hi", or the app's
 * "retry:"), not an error. */
static int
sse_open(const struct sse *s)
{
	char *buf = harness_file_read(s->out);
	int open = buf != NULL && (strncmp(buf, ": hi", 4) == 0 ||
	    strncmp(buf, "retry:", 6) == 0);

	free(buf);
	return open;
}

/* Waits until the stream has opened (bounded). */
static int
sse_wait_open(const struct sse *s)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (sse_open(s))
			return 1;
		harness_msleep(50);
	}
	return 0;
}

/* Waits until the stream has want events (bounded), then stops it. */
static void
sse_collect(struct sse *s, size_t want, struct ids *got, char *last,
    size_t lastlen)
{
	int i;

	for (i = 0; i < WANT_WAIT_MS / 100; i++) {
		sse_events(s, got, NULL, last, lastlen, NULL);
		if (got->n >= want)
			break;
		harness_msleep(100);
	}
	harness_proc_stop(s->pid);
	sse_events(s, got, NULL, last, lastlen, NULL);
}

/*
 * A resumed SSE: retried while the answer is not a stream (503 while a
 * channel is re-seeded), until it has want events.
 */
static void
sse_resume(const char *base, const char *hdr, const char *extra,
    const char *path, size_t want, struct ids *got)
{
	struct sse s;
	int i;

	memset(got, 0, sizeof(*got));
	for (i = 0; i < 40; i++) {
		sse_start(&s, base, hdr, extra, path);
		if (sse_wait_open(&s))
			break;
		harness_proc_stop(s.pid);
		harness_msleep(250);
	}
	sse_collect(&s, want, got, NULL, 0);
}

/*
 * An SSE resumed with since=from on the admins' audit channel gets the
 * replay's events after from, exactly: in order, without duplicates.
 * want gets them.
 */
static void
sse_resume_check(uint64_t from, const char *what, struct ids *want)
{
	struct ids got;
	char path[256];

	replay_ids(admin_hdr, "type=audit", from, want);
	snprintf(path, sizeof(path), N "/events/stream?type=audit&since=%"
	    PRIu64, from);
	sse_resume("NGINX_URL", admin_hdr, NULL, path, want->n, &got);
	ok(want->n > 0 && ids_equal(&got, want) && !got.dup && !got.order,
	    "%s: all %zu of %zu, in order, no duplicates", what, got.n,
	    want->n);
}

/* ---- node clients ---- */

struct js {
	pid_t		 pid;
	char		 cfg[PATH_MAX], out[PATH_MAX], err[PATH_MAX],
			 ready[PATH_MAX];
};

/* Starts clients.js with the config object (consumed); 0 or -1. */
static int
js_start(struct js *j, json_object *cfg)
{
	static int seq;
	char script[PATH_MAX + 16];
	char *argv[] = { "node", script, j->cfg, NULL };
	FILE *f;

	snprintf(script, sizeof(script), "%s/clients.js", jsdir);
	snprintf(j->cfg, sizeof(j->cfg), "%s/js-%d.json", harness_dir(), seq);
	snprintf(j->out, sizeof(j->out), "%s/js-%d.out", harness_dir(), seq);
	snprintf(j->err, sizeof(j->err), "%s/js-%d.err", harness_dir(), seq);
	snprintf(j->ready, sizeof(j->ready), "%s/js-%d.ready", harness_dir(),
	    seq++);
	json_object_object_add(cfg, "ready", json_object_new_string(j->ready));
	if ((f = fopen(j->cfg, "w")) == NULL) {
		json_object_put(cfg);
		return -1;
	}
	fputs(json_object_to_json_string(cfg), f);
	fclose(f);
	json_object_put(cfg);
	j->pid = harness_proc_start(jsdir, argv, j->out, j->err);
	return j->pid > 0 ? 0 : -1;
}

/* Waits (bounded) until the client says it is subscribed, or it ended. */
static int
js_ready(const struct js *j)
{
	int i;

	for (i = 0; i < 400; i++) {
		if (access(j->ready, F_OK) == 0)
			return 1;
		if (waitpid(j->pid, NULL, WNOHANG) == j->pid)
			return 0;
		harness_msleep(50);
	}
	return 0;
}

/* Its report (a new object; caller puts), once it ended (bounded). */
static json_object *
js_result(struct js *j)
{
	json_object *o;
	char *buf;

	if (harness_proc_wait(j->pid, 60000) != 0)
		diag("a node client did not end cleanly");
	buf = harness_file_read(j->out);
	o = buf ? json_tokener_parse(buf) : NULL;
	if (o == NULL) {
		diag("node client said nothing usable; stderr:");
		harness_diag_file(j->err);
	}
	free(buf);
	return o;
}

static json_object *
js_cfg(const char *mode, const char *url, const char *key, int want,
    long timeout_ms)
{
	json_object *c = json_object_new_object(), *h;

	json_object_object_add(c, "mode", json_object_new_string(mode));
	json_object_object_add(c, "url", json_object_new_string(url));
	json_object_object_add(c, "want", json_object_new_int(want));
	json_object_object_add(c, "timeout_ms", json_object_new_int64(
	    timeout_ms));
	h = json_object_new_object();
	if (key != NULL)
		json_object_object_add(h, "X-API-Key", json_object_new_string(
		    key + strlen("X-API-Key: ")));
	json_object_object_add(c, "headers", h);
	return c;
}

/* The ids of a client's messages (heartbeats apart). */
static void
js_ids(json_object *res, struct ids *got, int *heartbeats)
{
	json_object *m = json_at(res, "messages");
	size_t i;

	memset(got, 0, sizeof(*got));
	*heartbeats = 0;
	for (i = 0; m && i < json_object_array_length(m); i++) {
		json_object *e = json_object_array_get_idx(m, i);

		if (json_str_at(e, "type") && strcmp(json_str_at(e, "type"),
		    "heartbeat") == 0)
			(*heartbeats)++;
		else
			ids_add(got, (uint64_t)json_object_get_int64(json_at(e,
			    "id")));
	}
}

/* Starts a WebSocket client through nginx as hdr on path, until want
 * events; with wait_ready, waits until it is open. */
static void
ws_run(const char *hdr, const char *path, int want, long timeout_ms,
    struct js *j, int wait_ready)
{
	char url[1024];

	snprintf(url, sizeof(url), "ws://%s%s", harness_env("NGINX_URL") + 7,
	    path);
	if (js_start(j, js_cfg("ws", url, hdr, want, timeout_ms)) < 0) {
		j->pid = -1;
		return;
	}
	if (wait_ready && !js_ready(j))
		diag("the WebSocket did not open");
}

/* ---- long-poll ---- */

/* Polls from since until want events came (heartbeats move since). */
static void
poll_collect(const char *hdr, const char *filter, uint64_t since,
    size_t want, struct ids *got, int *foreign, const char *me)
{
	struct http_resp r;
	char path[512];
	int i;

	memset(got, 0, sizeof(*got));
	for (i = 0; i < 400 && got->n < want; i++) {
		snprintf(path, sizeof(path), N "/events/poll?since=%" PRIu64
		    "&%s", since, filter);
		api_as(&r, hdr, "NGINX_URL", "GET", path, NULL);
		if (r.status == 200 && json_str_at(r.json, "type") != NULL) {
			since = (uint64_t)json_object_get_int64(json_at(r.json,
			    "id"));
			if (strcmp(json_str_at(r.json, "type"),
			    "heartbeat") != 0) {
				ids_add(got, since);
				if (foreign != NULL && me != NULL &&
				    json_str_at(r.json, "owner") &&
				    strcmp(json_str_at(r.json, "owner"),
				    me) != 0)
					*foreign = 1;
			}
		} else
			harness_msleep(200);	/* 503 while re-seeding */
		http_resp_free(&r);
	}
}

/* ---- the tests ---- */

static void
test_replay(void)
{
	struct http_resp r;
	json_object *a;
	const char *eid;
	char path[256];
	size_t i;
	int foreign = 0, found = 0;
	uint64_t last;

	is_int(mk_ctr(alice_hdr, "eva-a"), 201, "alice creates eva-a");
	is_int(mk_ctr(bob_hdr, "eva-b"), 201, "bob creates eva-b");
	api_as(&r, alice_hdr, "NGINX_URL", "POST", N "/containers/eva-a/pause",
	    NULL);
	is_int(r.status, 200, "alice pauses eva-a");
	eid = http_header(&r, "X-Event-Id");
	ok(eid != NULL && atoll(eid) > 0, "the answer carries X-Event-Id");
	snprintf(path, sizeof(path), N "/events?since=%lld&type="
	    "container_event&limit=1", eid ? atoll(eid) - 1 : 0);
	http_resp_free(&r);
	api_as(&r, alice_hdr, "NGINX_URL", "GET", path, NULL);
	is_str(json_str_at(r.json, "events.0.data.event"), "pause",
	    "X-Event-Id is the pause itself");
	http_resp_free(&r);
	api_as(&r, alice_hdr, "NGINX_URL", "POST",
	    N "/containers/eva-a/unpause", NULL);
	http_resp_free(&r);

	api_as(&r, alice_hdr, "NGINX_URL", "GET", N "/events?limit=1000",
	    NULL);
	is_int(r.status, 200, "alice replays the log");
	a = json_at(r.json, "events");
	for (i = 0; a && i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);
		const char *o = json_str_at(e, "owner");

		if (o == NULL || (strcmp(o, "alice") != 0 &&
		    strcmp(o, "*") != 0))
			foreign = 1;
		if (json_str_at(e, "data.container_name") &&
		    strcmp(json_str_at(e, "data.container_name"), "eva-a") == 0)
			found = 1;
	}
	ok(found, "alice's replay has her container's events");
	ok(!foreign, "and nothing of bob's or the admins'");
	http_resp_free(&r);
	api_as(&r, bob_hdr, "NGINX_URL", "GET",
	    N "/events?container=eva-a&limit=1000", NULL);
	is_int(json_object_array_length(json_at(r.json, "events")), 0,
	    "bob's replay of alice's container is empty");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "GET", N "/events?container=eva-a,eva-b&type="
	    "container_event&limit=1000", NULL);
	ok(json_object_array_length(json_at(r.json, "events")) >= 4,
	    "the admin sees both, container=a,b being an OR");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "GET", N "/events?container=eva-a&type="
	    "job_status", NULL);
	is_int(json_object_array_length(json_at(r.json, "events")), 0,
	    "and two keys are an AND");
	http_resp_free(&r);

	last = last_id();
	snprintf(path, sizeof(path), N "/events?since=%" PRIu64, last + 1000);
	is_int(api_code("NGINX_URL", "GET", path, NULL, "EVENTS_GONE",
	    "a since past the log"), 410, "a since past the newest id is 410");
	api(&r, "NGINX_URL", "GET", path, NULL);
	ok(json_at(r.json, "error.details.oldest_id") != NULL &&
	    json_at(r.json, "error.details.last_id") != NULL,
	    "410 names the oldest and newest ids kept");
	http_resp_free(&r);
}

/* Each transport through nchan; resume after 50 events. */
static void
test_transports_resume(void)
{
	struct sse s;
	struct ids got, want;
	struct js j;
	json_object *res;
	char path[256], nchan_id[128] = "", leid[160];
	uint64_t from;
	int hb;

	/* SSE with curl, live */
	sse_start(&s, "NGINX_URL", admin_hdr, NULL, N "/events/stream?type=audit");
	ok(sse_wait_open(&s), "SSE through nchan opens");
	from = last_id();
	cause(5);
	replay_ids(admin_hdr, "type=audit", from, &want);
	sse_collect(&s, want.n, &got, nchan_id, sizeof(nchan_id));
	ok(ids_equal(&got, &want), "SSE: the 5 events, live (%zu of %zu)",
	    got.n, want.n);
	ok(strchr(nchan_id, ':') != NULL, "nchan put its id on the messages "
	    "(%s)", nchan_id);

	/* resume with our id */
	from = got.n ? got.v[got.n - 1] : last_id();
	cause(50);
	sse_resume_check(from, "SSE resumed with since after 50 events",
	    &want);
	/* resume with nchan's Last-Event-ID */
	snprintf(leid, sizeof(leid), "Last-Event-ID: %s", nchan_id);
	sse_resume("NGINX_URL", admin_hdr, leid, N "/events/stream?type=audit",
	    50, &got);
	ok(ids_equal(&got, &want) && !got.dup,
	    "SSE resumed with nchan's Last-Event-ID: the same 50");

	/* WebSocket with the ws package */
	if (!js_ok) {
		skip(2, "no node clients");
	} else {
		snprintf(path, sizeof(path), N "/events/ws?type=audit&since=%"
		    PRIu64, from);
		ws_run(admin_hdr, path, 50, 30000, &j, 0);
		res = js_result(&j);
		js_ids(res, &got, &hb);
		ok(json_object_get_boolean(json_at(res, "ready")),
		    "a WebSocket (ws) through nchan opens");
		ok(ids_equal(&got, &want) && !got.dup && !got.order,
		    "WebSocket resumed with since: all 50, in order, no "
		    "duplicates (%zu)", got.n);
		json_object_put(res);
	}

	/* long-poll */
	poll_collect(admin_hdr, "type=audit", from, 50, &got, NULL, NULL);
	ok(ids_equal(&got, &want) && !got.dup && !got.order,
	    "long-poll from since: all 50, in order, no duplicates");
}

/* The pool's publisher, by GET /system/info, other than skip; 0 if
 * none. */
static pid_t
publisher_pid(pid_t skip)
{
	struct http_resp r;
	json_object *procs;
	pid_t pid = 0;
	size_t i;

	api(&r, "NGINX_URL", "GET", N "/system/info", NULL);
	procs = json_at(r.json, "system.pool.processes");
	for (i = 0; procs && i < json_object_array_length(procs); i++) {
		json_object *p = json_object_array_get_idx(procs, i);

		if (json_str_at(p, "kind") && strcmp(json_str_at(p, "kind"),
		    "publisher") == 0 && json_object_get_int(json_at(p,
		    "pid")) != skip)
			pid = (pid_t)json_object_get_int(json_at(p, "pid"));
	}
	http_resp_free(&r);
	return pid;
}

/* The same after an nginx reload and after a publisher SIGKILL. */
static void
test_resume_breaks(void)
{
	struct ids want;
	char pidf[PATH_MAX];
	uint64_t from;
	pid_t ngx = 0, pub = 0, pub2 = 0;
	int k;
	FILE *f;

	/* nginx reload: nchan loses its buffers */
	from = last_id();
	cause(50);
	snprintf(pidf, sizeof(pidf), "%s/nginx/nginx.pid", harness_dir());
	if ((f = fopen(pidf, "r")) != NULL) {
		if (fscanf(f, "%d", &ngx) != 1)
			ngx = 0;
		fclose(f);
	}
	ok(ngx > 0 && kill(ngx, SIGHUP) == 0, "reload nginx (SIGHUP %d)",
	    (int)ngx);
	harness_msleep(500);
	sse_resume_check(from, "after the reload", &want);

	/* the publisher killed */
	pub = publisher_pid(0);
	ok(pub > 0 && kill(pub, SIGKILL) == 0, "SIGKILL the publisher (%d)",
	    (int)pub);
	from = last_id();
	cause(50);
	for (k = 0; k < 100 && (pub2 = publisher_pid(pub)) == 0; k++)
		harness_msleep(100);
	ok(pub2 > 0, "the pool started another publisher");
	sse_resume_check(from, "after the SIGKILL", &want);
}

/* Older than the live window (events_window = 100): a WebSocket gets
 * 410, SSE is served from the log; past the log, 410 everywhere. */
static void
test_too_old(void)
{
	struct ids want;
	struct js j;
	json_object *res;
	char path[256];
	uint64_t from = last_id();

	cause(200);
	sse_resume_check(from, "SSE older than nchan holds, from the log",
	    &want);
	is_int(want.n, 200, "200 events, more than the window");
	if (js_ok) {
		snprintf(path, sizeof(path), N "/events/ws?type=audit&since=%"
		    PRIu64, from);
		ws_run(admin_hdr, path, 1, 10000, &j, 0);
		res = js_result(&j);
		is_int(json_object_get_int(json_at(res, "status")), 410,
		    "a WebSocket older than its window is 410");
		ok(json_str_at(res, "error") && strstr(json_str_at(res,
		    "error"), "EVENTS_GONE") && strstr(json_str_at(res,
		    "error"), "live_from"), "EVENTS_GONE with live_from");
		json_object_put(res);
	} else
		skip(2, "no node clients");
	snprintf(path, sizeof(path), N "/events/stream?since=%" PRIu64,
	    last_id() + 1000);
	is_int(api_code("NGINX_URL", "GET", path, NULL, "EVENTS_GONE",
	    "SSE since past the log"), 410, "SSE since past the log is 410");
}

/* Operator A never sees B's events, over every transport. */
static void
test_visibility(void)
{
	struct http_resp r;
	struct sse s;
	struct ids got;
	struct js j;
	json_object *res, *m;
	char path[256], tpath[512];
	const char *ticket;
	uint64_t from = last_id();
	size_t i;
	int foreign = 0;

	sse_start(&s, "NGINX_URL", alice_hdr, NULL,
	    N "/events/stream?type=container_event");
	ok(sse_wait_open(&s), "alice's SSE opens");
	api_as(&r, alice_hdr, "NGINX_URL", "POST", N "/events/ticket", NULL);
	is_int(r.status, 201, "alice gets a ticket");
	ticket = json_str_at(r.json, "ticket.ticket");
	snprintf(tpath, sizeof(tpath), N "/events/ws?type=container_event&"
	    "ticket=%s", ticket ? ticket : "x");
	http_resp_free(&r);
	if (js_ok)
		ws_run(NULL, tpath, 4, 30000, &j, 1);
	/* bob's first, then alice's: a leak of bob's would come first */
	api_as(&r, bob_hdr, "NGINX_URL", "POST", N "/containers/eva-b/pause",
	    NULL);
	http_resp_free(&r);
	api_as(&r, bob_hdr, "NGINX_URL", "POST",
	    N "/containers/eva-b/unpause", NULL);
	http_resp_free(&r);
	api_as(&r, alice_hdr, "NGINX_URL", "POST", N "/containers/eva-a/pause",
	    NULL);
	http_resp_free(&r);
	api_as(&r, alice_hdr, "NGINX_URL", "POST",
	    N "/containers/eva-a/unpause", NULL);
	http_resp_free(&r);
	sse_collect(&s, 2, &got, NULL, 0);
	{
		char *buf = harness_file_read(s.out);

		ok(got.n >= 2 && buf && strstr(buf, "eva-a") &&
		    !strstr(buf, "\"bob\"") && !strstr(buf, "eva-b"),
		    "SSE: alice's pause and unpause, nothing of bob's");
		free(buf);
	}
	if (js_ok) {
		res = js_result(&j);
		ok(json_object_get_boolean(json_at(res, "ready")),
		    "alice's WebSocket with a ticket opens");
		m = json_at(res, "messages");
		for (i = 0; m && i < json_object_array_length(m); i++) {
			const char *o = json_str_at(json_object_array_get_idx(m,
			    i), "owner");

			if (o != NULL && strcmp(o, "alice") != 0)
				foreign = 1;
		}
		ok(m && json_object_array_length(m) >= 2 && !foreign,
		    "WebSocket: alice's events only");
		json_object_put(res);
		/* the ticket is spent */
		ws_run(NULL, tpath, 1, 10000, &j, 0);
		res = js_result(&j);
		is_int(json_object_get_int(json_at(res, "status")), 401,
		    "a used ticket is 401");
		json_object_put(res);
		ws_run(NULL, N "/events/ws?ticket=not-a-ticket", 1, 10000, &j,
		    0);
		res = js_result(&j);
		is_int(json_object_get_int(json_at(res, "status")), 401,
		    "a bad ticket is 401");
		json_object_put(res);
	} else
		skip(5, "no node clients");
	http_resp_free(&r);
	foreign = 0;
	poll_collect(alice_hdr, "type=container_event", from, 2, &got,
	    &foreign, "alice");
	ok(got.n >= 2 && !foreign, "long-poll: alice's events only");
	is_int(api_as(&r, "X-API-Key: cc_0123456789ab_bad", "NGINX_URL", "GET",
	    N "/events/stream", NULL), 401, "a bad key is 401");
	http_resp_free(&r);
	snprintf(path, sizeof(path), N "/events/poll?ticket=nope");
	is_int(api_as(&r, NULL, "NGINX_URL", "GET", path, NULL), 401,
	    "a bad ticket on long-poll is 401");
	http_resp_free(&r);
	is_int(api_as(&r, NULL, "NGINX_URL", "GET", N "/events", NULL), 401,
	    "the replay needs a credential");
	http_resp_free(&r);
}

/* podman stop by hand; system_metric; the LXC Tools pairs. */
static void
test_sources(void)
{
	struct http_resp r;
	char root[512], run[512], tmp[512], conf[512], out[PATH_MAX],
	    err[PATH_MAX], net[64], body[160];
	char *argv[16];
	const char *dir = harness_env("STACK_DIR");
	json_object *a;
	size_t i;
	int k, seen = 0, n;

	is_int(mk_ctr(admin_hdr, "eva-cli"), 201, "a container to stop by "
	    "hand");
	snprintf(root, sizeof(root), "%s/podman/root", dir);
	snprintf(run, sizeof(run), "%s/podman/run", dir);
	snprintf(tmp, sizeof(tmp), "%s/podman/tmp", dir);
	harness_src_path("tests/stack/containers.conf", conf, sizeof(conf));
	setenv("CONTAINERS_CONF", conf, 1);
	snprintf(out, sizeof(out), "%s/podman-stop.out", harness_dir());
	snprintf(err, sizeof(err), "%s/podman-stop.err", harness_dir());
	n = 0;
	argv[n++] = "podman";
	argv[n++] = "--root";
	argv[n++] = root;
	argv[n++] = "--runroot";
	argv[n++] = run;
	argv[n++] = "--tmpdir";
	argv[n++] = tmp;
	argv[n++] = "--events-backend";
	argv[n++] = "file";
	argv[n++] = "stop";
	argv[n++] = "-t";
	argv[n++] = "1";
	argv[n++] = "eva-cli";
	argv[n] = NULL;
	is_int(harness_run_in(NULL, argv, out, err, 60), 0, "podman stop eva-cli, "
	    "with podman's own CLI");
	unsetenv("CONTAINERS_CONF");
	for (k = 0; k < 100 && !seen; k++) {
		api(&r, "NGINX_URL", "GET", N "/events?container=eva-cli&type="
		    "container_event&limit=1000", NULL);
		a = json_at(r.json, "events");
		for (i = 0; a && i < json_object_array_length(a); i++) {
			json_object *e = json_object_array_get_idx(a, i);

			if (json_str_at(e, "data.source") &&
			    strcmp(json_str_at(e, "data.source"), "engine") ==
			    0 && json_str_at(e, "data.event") &&
			    (strcmp(json_str_at(e, "data.event"), "stop") == 0 ||
			    strcmp(json_str_at(e, "data.event"), "die") == 0))
				seen = 1;
		}
		http_resp_free(&r);
		if (!seen)
			harness_msleep(200);
	}
	ok(seen, "the stop by hand is a container_event with source engine");
	api(&r, "NGINX_URL", "GET", N "/events?container=eva-cli&type="
	    "container_event&limit=1000", NULL);
	a = json_at(r.json, "events");
	n = 0;
	for (i = 0; a && i < json_object_array_length(a); i++)
		n += json_str_at(json_object_array_get_idx(a, i),
		    "data.source") && strcmp(json_str_at(
		    json_object_array_get_idx(a, i), "data.source"), "engine")
		    == 0 && strcmp(json_str_at(json_object_array_get_idx(a, i),
		    "data.event"), "create") == 0;
	is_int(n, 0, "its API creation is not repeated from the engine");
	http_resp_free(&r);

	/* system_metric every metrics_interval (2 s here) */
	for (k = 0, n = 0; k < 100 && n < 2; k++) {
		api_as(&r, alice_hdr, "NGINX_URL", "GET",
		    N "/events?type=system_metric&limit=1000", NULL);
		n = (int)json_object_array_length(json_at(r.json, "events"));
		if (n >= 2)
			ok(json_at(r.json, "events.0.data.cpu_usage") &&
			    json_at(r.json, "events.0.data.memory_usage") &&
			    json_at(r.json, "events.0.data.endpoints.local"),
			    "system_metric has cpu_usage, memory_usage and the "
			    "endpoint's counts (seen by an operator)");
		http_resp_free(&r);
		if (n < 2)
			harness_msleep(250);
	}
	ok(n >= 2, "system_metric arrives at its interval");

	/* LXC Tools pairs */
	is_int(mk_ctr(admin_hdr, "eva-lxc"), 201, "create eva-lxc");
	api(&r, "NGINX_URL", "POST", N "/containers/eva-lxc/restart?timeout=1",
	    NULL);
	http_resp_free(&r);
	rm_ctr("eva-lxc");
	api(&r, "NGINX_URL", "POST", N "/containers", "{\"name\":\"eva-bad\","
	    "\"image\":\"localhost/no-such-image:1\"}");
	http_resp_free(&r);
	/* podman keeps networks outside the stack's storage: a name of
	 * this run's own, removed again */
	snprintf(net, sizeof(net), "eva-net-%d", (int)getpid());
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", net);
	is_int(api(&r, "NGINX_URL", "POST", N "/networks", body), 201,
	    "create network %s", net);
	http_resp_free(&r);
	snprintf(body, sizeof(body), N "/networks/%s", net);
	api(&r, "NGINX_URL", "DELETE", body, NULL);
	http_resp_free(&r);
	{
		static const char *const want[] = {
			"container_create_start", "container_create_success",
			"container_restart_start", "container_restart_success",
			"container_delete_start", "container_delete_success",
			"container_create_start", "container_create_error",
			"network_setup_start", "network_setup_success",
		};
		char got[1024] = "", exp[1024] = "";

		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			strcat(exp, want[i]);
			strcat(exp, " ");
		}
		api(&r, "NGINX_URL", "GET", N "/events?type="
		    "container_create_start,container_create_success,"
		    "container_create_error,container_restart_start,"
		    "container_restart_success,container_delete_start,"
		    "container_delete_success,container_delete_error,"
		    "container_restart_error,network_setup_start,"
		    "network_setup_success,network_setup_error&limit=1000",
		    NULL);
		a = json_at(r.json, "events");
		for (i = 0; a && i < json_object_array_length(a); i++) {
			json_object *e = json_object_array_get_idx(a, i);
			const char *c = json_str_at(e, "data.container");

			if (c == NULL)
				c = json_str_at(e, "data.network");
			if (c == NULL || (strcmp(c, "eva-lxc") != 0 &&
			    strcmp(c, "eva-bad") != 0 && strcmp(c, net) != 0))
				continue;
			strncat(got, json_str_at(e, "type"), sizeof(got) -
			    strlen(got) - 2);
			strcat(got, " ");
		}
		is_str(got, exp, "the LXC Tools types come in start/success "
		    "and start/error pairs");
		http_resp_free(&r);
	}
}

/* GET /metrics' pool.stream_busy, or -1. */
static int
streams_busy(void)
{
	struct http_resp r;
	json_object *v;
	int n = -1;

	api_as(&r, admin_hdr, "NGINX_URL", "GET", N "/metrics", NULL);
	if (r.status == 200 && (v = json_at(r.json, "metrics.pool.stream_busy"))
	    != NULL)
		n = json_object_get_int(v);
	http_resp_free(&r);
	return n;
}

/* Apache: SSE from the app; a stream beyond the pool is 503. */
static void
test_apache(void)
{
	struct http_resp r;
	struct sse s1, s2;
	struct ids got;
	char path[256], out[PATH_MAX], err[PATH_MAX], url[512];
	char *argv[] = { "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
	    "--max-time", "1", url, NULL };
	char *code;
	uint64_t from = last_id();

	if (harness_env("APACHE_URL") == NULL ||
	    *harness_env("APACHE_URL") == '\0') {
		skip(10, "no Apache");
		return;
	}
	snprintf(path, sizeof(path), N "/events/stream?type=audit&since=%"
	    PRIu64, from);
	sse_start(&s1, "APACHE_URL", admin_hdr, NULL, path);
	ok(sse_wait_open(&s1), "SSE through Apache, served by the app");
	cause(3);
	{
		int i;

		for (i = 0; i < WANT_WAIT_MS / 100; i++) {
			sse_events(&s1, &got, NULL, NULL, 0, NULL);
			if (got.n >= 3)
				break;
			harness_msleep(100);
		}
	}
	is_int(got.n, 3, "it carries the events, ids and all");
	/* both stream workers (stream_workers = 2) are taken */
	sse_start(&s2, "APACHE_URL", admin_hdr, NULL, path);
	ok(sse_wait_open(&s2), "a second SSE takes the other stream worker");
	is_int(streams_busy(), 2, "/metrics counts both stream workers busy");
	api_as(&r, admin_hdr, "APACHE_URL", "GET", path, NULL);
	is_int(r.status, 503, "a stream beyond the pool is 503");
	ok(http_header(&r, "Retry-After") != NULL, "with Retry-After");
	http_resp_free(&r);
	snprintf(url, sizeof(url), "%s", harness_url("APACHE_URL", "/health"));
	snprintf(out, sizeof(out), "%s/health.out", harness_dir());
	snprintf(err, sizeof(err), "%s/health.err", harness_dir());
	harness_run_in(NULL, argv, out, err, 10);
	code = harness_file_read(out);
	is_str(code, "200", "while it is full, /health answers within 1 s");
	free(code);
	harness_proc_stop(s1.pid);
	harness_proc_stop(s2.pid);
	/* the stream ends once the app sees its client gone: its slot is
	 * free again (an answer at once: an event after since) */
	{
		int k;

		snprintf(path, sizeof(path), N "/events/poll?type=audit&"
		    "since=%" PRIu64, from);
		for (k = 0; k < 50; k++) {
			api_as(&r, admin_hdr, "APACHE_URL", "GET", path, NULL);
			if (r.status == 200) {
				http_resp_free(&r);
				break;
			}
			http_resp_free(&r);
			harness_msleep(200);
		}
		ok(k < 50, "the stream's slot is free once its client went");
		/* both, before Socket.IO needs them */
		for (k = 0; k < 50 && streams_busy() != 0; k++)
			harness_msleep(200);
		is_int(streams_busy(), 0, "every stream worker is free again");
	}
	is_int(api_code("APACHE_URL", "GET", N "/events/ws", NULL,
	    "INVALID_REQUEST", "WebSocket behind Apache"), 400,
	    "a WebSocket behind Apache is 400, naming the SSE path");
}

/* A key of user's (admin made); its header into hdr, prefix into pfx. */
static void
mk_key(const char *user, char *hdr, size_t len, char pfx[16])
{
	struct http_resp r;
	char path[128];

	snprintf(path, sizeof(path), N "/users/%s/keys", user);
	api(&r, "NGINX_URL", "POST", path, "{}");
	snprintf(hdr, len, "X-API-Key: %s", json_str_at(r.json,
	    "key.api_key") ? json_str_at(r.json, "key.api_key") : "");
	snprintf(pfx, 16, "%s", json_str_at(r.json, "key.prefix") ?
	    json_str_at(r.json, "key.prefix") : "");
	http_resp_free(&r);
}

/* Whether a client started by sse_start ends (bounded) by itself. */
static int
ends(pid_t pid)
{
	return harness_proc_wait(pid, WANT_WAIT_MS) >= 0;
}

/*
 * A key revoked closes what it opened: the nchan SSE and WebSocket of
 * its user (and the admins'; another user's stays), the app's SSE
 * behind Apache, a log follow (with {"end": "revoked"}), a Socket.IO
 * session.  Coming back with the revoked key is 401; with the user's
 * other key it works.  The audit entry names whose credentials changed.
 */
static void
test_revoked(void)
{
	struct http_resp r;
	struct sse nx, ap, fol, other, adm, again;
	char k1[256], k2[256], p1[16], p2[16], path[256], *sid = NULL, *body;
	const char *apache = harness_env("APACHE_URL");
	int have_apache = apache != NULL && *apache != '\0', i, found;
	json_object *e;
	size_t k;

	api(&r, "NGINX_URL", "POST", N "/users", "{\"username\":\"carol\","
	    "\"password\":\"Events-Pass-42-carol!\",\"role\":\"operator\"}");
	http_resp_free(&r);
	mk_key("carol", k1, sizeof(k1), p1);
	mk_key("carol", k2, sizeof(k2), p2);
	is_int(mk_ctr(k1, "eva-carol"), 201, "carol's container");
	/* first: the follow and Apache's SSE take both stream workers */
	api_as(&r, k1, "NGINX_URL", "GET", "/socket.io/?EIO=4&transport="
	    "polling", NULL);
	if (r.body != NULL && r.body[0] == '0' && (e = json_tokener_parse(
	    r.body + 1)) != NULL) {
		sid = strdup(json_str_at(e, "sid") ? json_str_at(e, "sid") :
		    "");
		json_object_put(e);
	}
	http_resp_free(&r);
	ok(sid != NULL, "a Socket.IO session for carol");
	sse_start(&nx, "NGINX_URL", k1, NULL, N "/events/stream");
	sse_start(&other, "NGINX_URL", bob_hdr, NULL, N "/events/stream");
	sse_start(&adm, "NGINX_URL", admin_hdr, NULL, N "/events/stream");
	sse_start(&fol, "NGINX_URL", k1, NULL, N
	    "/containers/eva-carol/logs?follow=true");
	if (have_apache)
		sse_start(&ap, "APACHE_URL", k1, NULL, N "/events/stream");
	ok(sse_wait_open(&nx) && sse_wait_open(&other) && sse_wait_open(&adm),
	    "SSE through nchan for carol, bob and the admin");
	/* the follow has begun once its worker holds a stream */
	for (i = 0; i < 100 && streams_busy() < (have_apache ? 2 : 1); i++)
		harness_msleep(100);
	if (have_apache)
		ok(sse_wait_open(&ap), "the app's SSE behind Apache");
	else
		skip(1, "no Apache");

	snprintf(path, sizeof(path), N "/users/carol/keys/%s", p1);
	is_int(api(&r, "NGINX_URL", "DELETE", path, NULL), 200,
	    "the admin revokes carol's first key");
	http_resp_free(&r);
	ok(ends(nx.pid), "carol's SSE through nchan is closed");
	ok(ends(adm.pid), "so is the admins' channel (carol might be one)");
	ok(ends(fol.pid), "carol's log follow ends");
	body = harness_file_read(fol.out);
	ok(body != NULL && strstr(body, "{\"end\":\"revoked\"}") != NULL,
	    "with {\"end\": \"revoked\"}");
	free(body);
	if (have_apache)
		ok(ends(ap.pid), "the app's SSE behind Apache ends");
	else
		skip(1, "no Apache");
	ok(harness_proc_wait(other.pid, 1000) == -2,
	    "bob's SSE goes on");

	snprintf(path, sizeof(path), "/socket.io/?EIO=4&transport=polling&"
	    "sid=%s", sid ? sid : "x");
	api_as(&r, k2, "NGINX_URL", "GET", path, NULL);
	ok(r.status == 400 && r.body != NULL && strstr(r.body,
	    "Session ID unknown") != NULL, "the Socket.IO session is over");
	http_resp_free(&r);
	free(sid);
	api_as(&r, k1, "NGINX_URL", "GET", N "/events/stream", NULL);
	is_int(r.status, 401, "the revoked key cannot subscribe again");
	http_resp_free(&r);
	sse_start(&again, "NGINX_URL", k2, NULL, N "/events/stream");
	ok(sse_wait_open(&again), "carol's other key subscribes");
	harness_proc_stop(again.pid);

	api(&r, "NGINX_URL", "GET", N "/audit?action=DELETE%20/users", NULL);
	e = json_at(r.json, "entries");
	for (k = 0, found = 0; e && k < json_object_array_length(e); k++) {
		const char *v = json_str_at(json_object_array_get_idx(e, k),
		    "data.revokes");

		found |= v != NULL && strcmp(v, "carol") == 0;
	}
	ok(found, "the audit entry says whose credentials changed");
	http_resp_free(&r);
	rm_ctr("eva-carol");
}

/* Socket.IO with socket.io-client: one room's updates only. */
static void
test_socketio(void)
{
	struct js j;
	json_object *res, *m, *c;
	size_t i;
	int other = 0, mine = 0;

	if (!js_ok) {
		skip(4, "no node clients");
		return;
	}
	c = js_cfg("sio", harness_env("NGINX_URL"), admin_hdr, 2, 30000);
	json_object_object_add(c, "room", json_object_new_string("eva-room-a"));
	js_start(&j, c);
	ok(js_ready(&j), "socket.io-client connects and joins eva-room-a");
	mk_ctr(admin_hdr, "eva-room-b");
	mk_ctr(admin_hdr, "eva-room-a");
	res = js_result(&j);
	is_str(json_str_at(res, "transport"), "polling",
	    "on Engine.IO polling (no upgrade offered)");
	ok(json_str_at(res, "connected.sid") != NULL, "connected came");
	m = json_at(res, "messages");
	for (i = 0; m && i < json_object_array_length(m); i++) {
		const char *ct = json_str_at(json_object_array_get_idx(m, i),
		    "container");

		if (ct != NULL && strcmp(ct, "eva-room-a") == 0)
			mine++;
		else
			other++;
	}
	ok(mine >= 2 && other == 0, "container_update for eva-room-a (%d), "
	    "none for eva-room-b (%d)", mine, other);
	json_object_put(res);
}

/* A page's EventSource in headless Chromium receives a job_status. */
static void
test_browser(void)
{
	static const char *const chromium = "/usr/bin/chromium";
	struct http_resp r;
	struct js j;
	json_object *c, *res;
	char url[1024], profile[PATH_MAX];

	if (!js_ok || access(chromium, X_OK) != 0) {
		skip(2, "no node clients or no %s", chromium);
		return;
	}
	api(&r, "NGINX_URL", "POST", N "/events/ticket", NULL);
	snprintf(url, sizeof(url), "%s", harness_url("NGINX_URL",
	    N "/events/stream?type=job_status&ticket="));
	strncat(url, json_str_at(r.json, "ticket.ticket") ?
	    json_str_at(r.json, "ticket.ticket") : "x", sizeof(url) -
	    strlen(url) - 1);
	http_resp_free(&r);
	snprintf(profile, sizeof(profile), "%s/chromium-profile",
	    harness_dir());
	c = js_cfg("es", url, NULL, 1, 45000);
	json_object_object_add(c, "chromium", json_object_new_string(chromium));
	json_object_object_add(c, "profile", json_object_new_string(profile));
	json_object_object_add(c, "page", json_object_new_string(
	    harness_url("NGINX_URL", "/health")));
	js_start(&j, c);
	ok(js_ready(&j), "Chromium's EventSource opens");
	api(&r, "NGINX_URL", "POST", N "/jobs", "{\"image\":\"" IMAGE "\","
	    "\"command\":[\"true\"]}");
	http_resp_free(&r);
	res = js_result(&j);
	is_str(json_str_at(res, "messages.0.type"), "job_status",
	    "and receives a job_status");
	json_object_put(res);
}

/* The list cache: hits, fresh, ownership, staleness bound. */
static void
test_cache(void)
{
	struct http_resp r;
	const char *xc;
	char root[512], run[512], tmp[512], conf[512], out[PATH_MAX],
	    err[PATH_MAX];
	char *argv[] = { "podman", "--root", root, "--runroot", run,
	    "--tmpdir", tmp, "--events-backend", "file", "stop", "-t", "1",
	    "eva-a", NULL };
	const char *dir = harness_env("STACK_DIR");
	json_object *rows;
	size_t i;
	int k, hit = 0, stale = 0, foreign = 0, stopped = 0;

	for (k = 0; k < 100 && !hit; k++) {
		api(&r, "NGINX_URL", "GET", N "/containers", NULL);
		xc = http_header(&r, "X-Cache");
		hit = xc != NULL && strcmp(xc, "hit") == 0;
		if (hit)
			ok(json_at(r.json, "cache_age_ms") != NULL,
			    "a hit says cache_age_ms");
		http_resp_free(&r);
		if (!hit)
			harness_msleep(200);
	}
	ok(hit, "GET /containers is served from the cache");
	api(&r, "NGINX_URL", "GET", N "/containers?fresh=true", NULL);
	is_str(http_header(&r, "X-Cache"), "miss", "fresh=true asks the "
	    "engine");
	is_int(json_object_get_int(json_at(r.json, "cache_age_ms")), 0,
	    "cache_age_ms 0 for the engine's answer");
	http_resp_free(&r);
	for (k = 0, hit = 0; k < 100 && !hit; k++) {
		api_as(&r, bob_hdr, "NGINX_URL", "GET", N "/containers", NULL);
		xc = http_header(&r, "X-Cache");
		hit = xc != NULL && strcmp(xc, "hit") == 0;
		rows = json_at(r.json, "containers");
		for (i = 0; rows && i < json_object_array_length(rows); i++)
			if (json_str_at(json_object_array_get_idx(rows, i),
			    "owner") == NULL || strcmp(json_str_at(
			    json_object_array_get_idx(rows, i), "owner"),
			    "bob") != 0)
				foreign = 1;
		http_resp_free(&r);
		if (!hit)
			harness_msleep(200);
	}
	ok(hit && !foreign, "bob's hit lists only bob's containers");

	/* an out-of-band change */
	snprintf(root, sizeof(root), "%s/podman/root", dir);
	snprintf(run, sizeof(run), "%s/podman/run", dir);
	snprintf(tmp, sizeof(tmp), "%s/podman/tmp", dir);
	harness_src_path("tests/stack/containers.conf", conf, sizeof(conf));
	setenv("CONTAINERS_CONF", conf, 1);
	snprintf(out, sizeof(out), "%s/podman-stop2.out", harness_dir());
	snprintf(err, sizeof(err), "%s/podman-stop2.err", harness_dir());
	is_int(harness_run_in(NULL, argv, out, err, 60), 0, "podman stop eva-a by "
	    "hand");
	unsetenv("CONTAINERS_CONF");
	for (k = 0; k < 100 && !stopped; k++) {
		api(&r, "NGINX_URL", "GET", N "/containers?fresh=true&name="
		    "eva-a", NULL);
		stopped = json_str_at(r.json, "containers.0.status") &&
		    strcmp(json_str_at(r.json, "containers.0.status"),
		    "stopped") == 0;
		http_resp_free(&r);
		if (!stopped)
			harness_msleep(100);
	}
	ok(stopped, "the engine says eva-a stopped");
	/* list_cache_max_age (2 s) and a second more */
	harness_msleep(3000);
	for (k = 0; k < 5; k++) {
		api(&r, "NGINX_URL", "GET", N "/containers?name=eva-a", NULL);
		if (!json_str_at(r.json, "containers.0.status") ||
		    strcmp(json_str_at(r.json, "containers.0.status"),
		    "stopped") != 0)
			stale = 1;
		http_resp_free(&r);
	}
	ok(!stale, "no answer past list_cache_max_age shows it running");
}

int
main(void)
{
	harness_start("events_heartbeat = 2s\nmetrics_interval = 2s\n"
	    "events_window = 100\nstream_workers = 2\nstream_per_user = 0\n");
	snprintf(admin_hdr, sizeof(admin_hdr), "%s", harness_admin_header());
	if (harness_env("NCHAN_PUB_URL") == NULL ||
	    *harness_env("NCHAN_PUB_URL") == '\0')
		bail_out("nginx has no nchan module (libnginx-mod-nchan)");
	harness_src_path("tests/events-js", jsdir, sizeof(jsdir));
	js_ok = harness_npm_ready(jsdir, (const char *const[]){
	    "socket.io-client", "ws", NULL }, HARNESS_NPM_LIMIT_S) == 0;
	ok(js_ok, "the node clients are installed in tests/events-js");
	mk_user("alice", alice_hdr, sizeof(alice_hdr));
	mk_user("bob", bob_hdr, sizeof(bob_hdr));

	test_replay();
	test_transports_resume();
	test_resume_breaks();
	test_too_old();
	test_visibility();
	test_sources();
	test_apache();
	test_socketio();
	test_revoked();
	test_browser();
	test_cache();
	return done_testing();
}
