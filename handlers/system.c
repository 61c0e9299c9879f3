/*
 * system.c: health, system info, metrics, configuration and the route
 * index.  Pool-wide figures come from the shared scoreboard, so any
 * worker can answer for all of them.
 */
#include "config.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "handlers.h"
#include "../runtimes/runtime.h"
#include "../storage/storage.h"

/* Health results are kept this long per worker, so a probe storm does not
 * become an engine storm (health_cache_ms).  The healthy answer's members
 * are kept serialized too: a probe then costs no JSON building.  The
 * default endpoint is the "docker" check; the other configured endpoints
 * are reported under "endpoints" (only when there are any), without
 * deciding the status. */
static struct {
	uint64_t	 at_us;
	int		 valid;
	int		 storage_ok, runtime_ok;
	char		 storage_err[256], runtime_err[256];
	json_object	*others;	/* {name: {status, error?}} or NULL */
	char		*body;		/* malloc'd */
	size_t		 body_len;
} health;

/* The members of the healthy answer, serialized once per refresh. */
static void
health_body(void)
{
	json_object *o = json_object_new_object(), *checks;
	const char *s;
	size_t len;

	checks = json_object_new_object();
	json_object_object_add(checks, "storage",
	    json_object_new_string("healthy"));
	json_object_object_add(checks, "docker",
	    json_object_new_string("healthy"));
	json_object_object_add(o, "status", json_object_new_string("healthy"));
	json_object_object_add(o, "version",
	    json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(o, "checks", checks);
	if (health.others != NULL)
		json_object_object_add(o, "endpoints",
		    json_object_get(health.others));
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	/* Without the braces: resp_ok_text() merges members. */
	health.body_len = 0;
	free(health.body);
	health.body = NULL;
	if (len > 2 && (health.body = malloc(len - 2)) != NULL) {
		memcpy(health.body, s + 1, len - 2);
		health.body_len = len - 2;
	}
	json_object_put(o);
}

/* An engine layer message without its "endpoint 'name': " opening:
 * the docker check's message never had one. */
static const char *
unprefixed(const char *msg, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(msg, "endpoint '", 10) == 0 &&
	    strncmp(msg + 10, name, n) == 0 &&
	    strncmp(msg + 10 + n, "': ", 3) == 0)
		return msg + 13 + n;
	return msg;
}

/* Pings one configured endpoint other than the default into
 * health.others (the first of a name wins, as in lookups). */
static int
health_other(const struct rt_endpoint_conf *c, void *arg)
{
	json_object *o;
	struct rt_endpoint ep;
	struct rt_err e;
	int ok;

	(void)arg;
	if (strcmp(c->name, RT_EP_DEFAULT) == 0 || (health.others != NULL &&
	    json_object_object_get_ex(health.others, c->name, NULL)))
		return 0;
	if (health.others == NULL)
		health.others = json_object_new_object();
	ok = rt_endpoint_make(c, &ep, &e) == 0 && ep.driver->ping(&ep, &e) ==
	    0;
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string(ok ?
	    "healthy" : "unhealthy"));
	if (!ok)
		json_object_object_add(o, "error", json_object_new_string(
		    e.msg));
	json_object_object_add(health.others, c->name, o);
	return 0;
}

static void
health_refresh(void)
{
	struct rt_endpoint ep;
	struct rt_err e;
	uint64_t now = now_us();
	int rc;

	if (health.valid &&
	    now - health.at_us < (uint64_t)front_cfg.health_cache_ms * 1000)
		return;
	rc = store_check();
	health.storage_ok = rc == 0;
	snprintf(health.storage_err, sizeof(health.storage_err), "%s",
	    rc ? store_strerror(rc) : "");
	health.runtime_ok = rt_endpoint_default(&ep, &e) == 0 &&
	    ep.driver->ping(&ep, &e) == 0;
	snprintf(health.runtime_err, sizeof(health.runtime_err), "%.255s",
	    health.runtime_ok ? "" : unprefixed(e.msg, RT_EP_DEFAULT));
	json_object_put(health.others);
	health.others = NULL;
	rt_endpoint_config_each(health_other, NULL);
	health.at_us = now;
	health.valid = 1;
	if (health.storage_ok && health.runtime_ok)
		health_body();
}

/*
 * GET /health: 200 {status: healthy, checks} when storage and the
 * container runtime answer; 503 SERVICE_UNAVAILABLE naming the failed
 * checks otherwise.
 */
int
h_health(struct request *r)
{
	json_object *checks, *o, *failed, *errors;

	health_refresh();
	if (health.storage_ok && health.runtime_ok)
		return resp_ok_text(r, 200, NULL, health.body,
		    health.body_len);
	checks = json_object_new_object();
	json_object_object_add(checks, "storage", json_object_new_string(
	    health.storage_ok ? "healthy" : "unhealthy"));
	json_object_object_add(checks, "docker", json_object_new_string(
	    health.runtime_ok ? "healthy" : "unhealthy"));
	o = json_object_new_object();
	failed = json_object_new_array();
	errors = json_object_new_object();
	if (!health.storage_ok) {
		json_object_array_add(failed, json_object_new_string("storage"));
		json_object_object_add(errors, "storage",
		    json_object_new_string(health.storage_err));
	}
	if (!health.runtime_ok) {
		json_object_array_add(failed, json_object_new_string("docker"));
		json_object_object_add(errors, "docker",
		    json_object_new_string(health.runtime_err));
	}
	json_object_object_add(o, "status",
	    json_object_new_string("unhealthy"));
	json_object_object_add(o, "checks", checks);
	if (health.others != NULL)
		json_object_object_add(o, "endpoints",
		    json_object_get(health.others));
	json_object_object_add(o, "failed", failed);
	json_object_object_add(o, "errors", errors);
	return resp_error_d(r, CC_E_SERVICE_UNAVAILABLE, o,
	    "health check failed: %s%s%s", health.storage_ok ? "" : "storage",
	    !health.storage_ok && !health.runtime_ok ? ", " : "",
	    health.runtime_ok ? "" : "docker");
}

/* Resident bytes and CPU seconds of one process, from /proc. */
static void
proc_usage(pid_t pid, long long *rss, double *cpu_s)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	long pages, resident;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%ld %ld", &pages, &resident) == 2)
			*rss += (long long)resident * sysconf(_SC_PAGESIZE);
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	/* Fields after the ")" closing the command name; utime is 14th. */
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL &&
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu", &ut, &st) == 2)
		*cpu_s += (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	fclose(f);
}

struct pool_totals {
	int		 workers, busy, idle;
	int		 streams, streams_busy;	/* the stream kind's */
	uint64_t	 requests, errors;
	long long	 rss;
	double		 cpu_s;
};

/*
 * The pool's processes.  Counts (workers, busy, idle) are of request
 * workers only, and streams, streams_busy of the stream workers; the list has every process with its kind ("worker",
 * "runner") when all_kinds, else the workers alone.  Memory and CPU add
 * up every process.
 */
static json_object *
pool_status(struct pool_totals *t, int per_worker, int all_kinds)
{
	json_object *arr = json_object_new_array(), *w;
	const struct sb_slot *s;
	int i, worker, busy;

	memset(t, 0, sizeof(*t));
	t->requests = sb->reaped_requests;
	t->errors = sb->reaped_errors;
	proc_usage(sb->master_pid, &t->rss, &t->cpu_s);
	for (i = 0; i < SB_MAX_SLOTS; i++) {
		long long rss = 0;

		s = &sb->slots[i];
		if (s->pid <= 0)
			continue;
		worker = strcmp(pool_kind_name(s->kind), "worker") == 0;
		busy = s->state == SB_BUSY || s->state == SB_STREAMING;
		if (worker) {
			t->workers++;
			t->busy += busy;
			t->idle += s->state == SB_IDLE;
		} else if (strcmp(pool_kind_name(s->kind), "stream") == 0) {
			t->streams++;
			t->streams_busy += busy;
		}
		t->requests += s->requests;
		t->errors += s->errors;
		proc_usage(s->pid, &rss, &t->cpu_s);
		t->rss += rss;
		if (!per_worker || (!worker && !all_kinds))
			continue;
		w = json_object_new_object();
		json_object_object_add(w, "pid", json_object_new_int(s->pid));
		json_object_object_add(w, "kind",
		    json_object_new_string(pool_kind_name(s->kind)));
		json_object_object_add(w, "state",
		    json_object_new_string(sb_state_name(s->state)));
		json_object_object_add(w, "requests",
		    json_object_new_int64((int64_t)s->requests));
		json_object_object_add(w, "errors",
		    json_object_new_int64((int64_t)s->errors));
		json_object_object_add(w, "rss", json_object_new_int64(rss));
		json_object_object_add(w, "generation",
		    json_object_new_int((int)s->generation));
		json_object_array_add(arr, w);
	}
	return arr;
}

/* The pool's figures shared by /system/info and /metrics. */
static json_object *
pool_summary(const struct pool_totals *t)
{
	json_object *pool = json_object_new_object();

	json_object_object_add(pool, "master_pid",
	    json_object_new_int(sb->master_pid));
	json_object_object_add(pool, "workers", json_object_new_int(t->workers));
	json_object_object_add(pool, "configured_workers",
	    json_object_new_int(front_cfg.workers));
	json_object_object_add(pool, "busy", json_object_new_int(t->busy));
	json_object_object_add(pool, "idle", json_object_new_int(t->idle));
	json_object_object_add(pool, "stream_workers",
	    json_object_new_int(t->streams));
	json_object_object_add(pool, "stream_busy",
	    json_object_new_int(t->streams_busy));
	json_object_object_add(pool, "generation",
	    json_object_new_int((int)sb->generation));
	json_object_object_add(pool, "restarts",
	    json_object_new_int64((int64_t)sb->restarts));
	return pool;
}

/* GET /system/info: version, uptime, memory, cpu, the pool's state and,
 * under "runtime", the default engine's own info. */
int
h_system_info(struct request *r)
{
	struct pool_totals t;
	json_object *o = json_object_new_object(), *pool, *workers;
	long uptime = (long)(now_wall() - sb->started_at);

	workers = pool_status(&t, 1, 1);
	json_object_object_add(o, "version",
	    json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(o, "uptime", json_object_new_int64(uptime));
	json_object_object_add(o, "memory_usage",
	    json_object_new_int64(t.rss));
	json_object_object_add(o, "cpu_usage", json_object_new_double(
	    uptime > 0 ? 100.0 * t.cpu_s / (double)uptime : 0.0));
	json_object_object_add(o, "active_connections",
	    json_object_new_int(t.busy));
	pool = pool_summary(&t);
	json_object_object_add(pool, "processes", workers);
	json_object_object_add(o, "pool", pool);
	json_object_object_add(o, "runtime", engine_info_json());
	return resp_ok(r, 200, "system", o);
}

static int
metrics_prometheus(struct request *r, const struct pool_totals *t,
    long uptime)
{
	char *text;

	text = req_printf(r,
	    "# HELP cc_uptime_seconds Seconds since the master started.\n"
	    "# TYPE cc_uptime_seconds gauge\n"
	    "cc_uptime_seconds %ld\n"
	    "# HELP cc_requests_total Requests answered by the pool.\n"
	    "# TYPE cc_requests_total counter\n"
	    "cc_requests_total %llu\n"
	    "# HELP cc_errors_total Requests answered with a 5xx status.\n"
	    "# TYPE cc_errors_total counter\n"
	    "cc_errors_total %llu\n"
	    "# HELP cc_workers Worker processes alive.\n"
	    "# TYPE cc_workers gauge\n"
	    "cc_workers %d\n"
	    "# HELP cc_workers_busy Workers handling a request.\n"
	    "# TYPE cc_workers_busy gauge\n"
	    "cc_workers_busy %d\n"
	    "# HELP cc_stream_workers Stream worker processes alive.\n"
	    "# TYPE cc_stream_workers gauge\n"
	    "cc_stream_workers %d\n"
	    "# HELP cc_stream_workers_busy Stream workers holding a stream.\n"
	    "# TYPE cc_stream_workers_busy gauge\n"
	    "cc_stream_workers_busy %d\n"
	    "# HELP cc_worker_restarts_total Workers replaced after dying.\n"
	    "# TYPE cc_worker_restarts_total counter\n"
	    "cc_worker_restarts_total %llu\n"
	    "# HELP cc_resident_bytes Resident memory of the pool.\n"
	    "# TYPE cc_resident_bytes gauge\n"
	    "cc_resident_bytes %lld\n",
	    uptime, (unsigned long long)t->requests,
	    (unsigned long long)t->errors, t->workers, t->busy, t->streams,
	    t->streams_busy, (unsigned long long)sb->restarts, t->rss);
	if (text == NULL)
		return resp_error(r, CC_E_INTERNAL_ERROR, "out of memory");
	return resp_send(r, 200, "text/plain; version=0.0.4", text,
	    strlen(text));
}

/* GET /metrics: JSON, or Prometheus text for Accept: text/plain or
 * ?format=prometheus. */
int
h_metrics(struct request *r)
{
	struct pool_totals t;
	json_object *o, *workers;
	const char *fmt = req_query(r, "format"), *accept;
	long uptime = (long)(now_wall() - sb->started_at);

	accept = req_header(r, "Accept");
	if (fmt != NULL && strcmp(fmt, "prometheus") != 0 &&
	    strcmp(fmt, "json") != 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "format must be "
		    "json or prometheus");
	workers = pool_status(&t, 1, 0);
	if ((fmt != NULL && strcmp(fmt, "prometheus") == 0) ||
	    (fmt == NULL && accept != NULL &&
	    strstr(accept, "text/plain") != NULL)) {
		json_object_put(workers);
		return metrics_prometheus(r, &t, uptime);
	}
	o = json_object_new_object();
	json_object_object_add(o, "uptime", json_object_new_int64(uptime));
	json_object_object_add(o, "requests",
	    json_object_new_int64((int64_t)t.requests));
	json_object_object_add(o, "errors",
	    json_object_new_int64((int64_t)t.errors));
	json_object_object_add(o, "pool", pool_summary(&t));
	json_object_object_add(o, "workers", workers);
	return resp_ok(r, 200, "metrics", o);
}

/* GET /config: the effective configuration, secrets redacted. */
int
h_config_get(struct request *r)
{
	return resp_ok(r, 200, "config", config_to_json(config_live()));
}

/* POST /config/reload: asks the master to re-read its configuration. */
int
h_config_reload(struct request *r)
{
	json_object *o;

	if (sb->master_pid <= 0 || kill(sb->master_pid, SIGHUP) < 0)
		return resp_error(r, CC_E_SERVICE_UNAVAILABLE, "no master "
		    "process to reload (running under a foreign manager?)");
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("scheduled"));
	json_object_object_add(o, "master_pid",
	    json_object_new_int(sb->master_pid));
	return resp_ok(r, 202, "reload", o);
}

/*
 * PUT /config/validate: checks settings without applying them, posted as
 * a JSON object or as the config file's text (text/plain).  200 with
 * {valid, errors[]}; 415 for any other type.
 */
int
h_config_validate(struct request *r)
{
	json_object *o, *errors;

	if (content_type_is(r->content_type, "application/json")) {
		if (req_read_json(r, 0) < 0)
			return r->status;
		errors = config_check_json(r->json);
	} else if (content_type_is(r->content_type, "text/plain")) {
		if (req_read_body(r) < 0)
			return r->status;
		if (r->body != NULL && strlen(r->body) != r->body_len)
			return resp_error(r, CC_E_INVALID_REQUEST, "the "
			    "configuration text contains a NUL byte");
		if (r->body != NULL &&
		    utf8_check(r->body, r->body_len, NULL) < 0)
			return resp_error(r, CC_E_INVALID_REQUEST, "the "
			    "configuration text is not valid UTF-8");
		errors = config_check_text(r->body != NULL ? r->body : "");
	} else
		return resp_error(r, CC_E_UNSUPPORTED_MEDIA_TYPE, "post the "
		    "settings as application/json or text/plain");
	o = json_object_new_object();
	json_object_object_add(o, "valid",
	    json_object_new_boolean(json_object_array_length(errors) == 0));
	json_object_object_add(o, "errors", errors);
	return resp_ok(r, 200, "validation", o);
}

/* GET / and GET /api/v1: the routes, generated from the route table. */
int
h_index(struct request *r)
{
	json_object *o = json_object_new_object(), *arr, *e;
	size_t i;

	arr = json_object_new_array();
	for (i = 0; i < nroutes; i++) {
		if ((routes[i].flags & R_DEBUG) && !base_cfg.debug)
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "method",
		    json_object_new_string(routes[i].method));
		json_object_object_add(e, "path", json_object_new_string(
		    req_printf(r, "/api/v1%s", strcmp(routes[i].pattern,
		    "/") == 0 ? "" : routes[i].pattern)));
		json_object_object_add(e, "access", json_object_new_string(
		    access_name(routes[i].access)));
		json_object_object_add(e, "summary",
		    json_object_new_string(routes[i].summary));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "name",
	    json_object_new_string("container-codes"));
	json_object_object_add(o, "version",
	    json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(o, "routes", arr);
	return resp_ok(r, 200, "api", o);
}

/*
 * ANY /_echo/...: debug only; shows what arrived through the web server.
 * ?sleep_ms=N holds the worker busy first, for the pool's own tests
 * (timeouts, kills, graceful stops).
 */
int
h_echo(struct request *r)
{
	json_object *o, *hdrs, *q;
	char name[128];
	size_t i, j;
	long sleep_ms;

	if (req_query_long(r, "sleep_ms", 0, 0, 600000, &sleep_ms) < 0 ||
	    req_read_body(r) < 0)
		return r->status;
	if (sleep_ms > 0) {
		struct timespec ts = { sleep_ms / 1000,
		    (sleep_ms % 1000) * 1000000 };

		while (nanosleep(&ts, &ts) < 0)
			;
	}
	o = json_object_new_object();
	hdrs = json_object_new_object();
	for (i = 0; r->envp[i] != NULL; i++) {
		const char *kv = r->envp[i], *eq = strchr(kv, '=');

		if (strncmp(kv, "HTTP_", 5) != 0 || eq == NULL ||
		    (size_t)(eq - kv - 5) >= sizeof(name))
			continue;
		for (j = 0; kv + 5 + j < eq; j++)
			name[j] = kv[5 + j] == '_' ? '-' :
			    (char)tolower((unsigned char)kv[5 + j]);
		name[j] = '\0';
		json_object_object_add(hdrs, name,
		    json_object_new_string(eq + 1));
	}
	q = json_object_new_object();
	for (i = 0; i < r->nquery; i++)
		json_object_object_add(q, r->query[i].key,
		    json_object_new_string(r->query[i].value));
	json_object_object_add(o, "method", json_object_new_string(r->method));
	json_object_object_add(o, "path", json_object_new_string(r->path));
	json_object_object_add(o, "query",
	    json_object_new_string(r->query_raw));
	json_object_object_add(o, "query_params", q);
	json_object_object_add(o, "headers", hdrs);
	json_object_object_add(o, "content_type", json_object_new_string(
	    r->content_type ? r->content_type : ""));
	json_object_object_add(o, "body", json_object_new_string_len(
	    r->body ? r->body : "", (int)r->body_len));
	json_object_object_add(o, "remote_addr", json_object_new_string(
	    req_env(r, "REMOTE_ADDR") ? req_env(r, "REMOTE_ADDR") : ""));
	return resp_ok(r, 200, "echo", o);
}
