/*
 * docker_container_io.c: the Docker driver's streams in and out of
 * containers: logs (demultiplexed), stats, exec (with stdin through a
 * hijacked connection), archives put and got, and the engine's events.
 * Requests and builders are docker.c's (docker.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "docker.h"

/* ---- streams: logs ---- */

static int
demux_sink(void *arg, enum rt_stream s, const char *buf, size_t len)
{
	struct dk_demux *dm = arg;

	if (buf == NULL)	/* a tick: let the caller look around */
		return dm->fn(dm->arg, s == RT_WAIT ? RT_WAIT : RT_STDOUT,
		    NULL, 0);
	return dk_demux_feed(dm, buf, len);
}

/* Streams a GET whose body is framed output, demultiplexed to fn. */
static int
dk_stream_framed(const struct rt_endpoint *ep, const char *method,
    const char *path, const char *body, long timeout_s, rt_sink_fn fn,
    void *arg, struct rt_err *err)
{
	struct dk_demux dm;
	char msg[512];
	long status;
	int rc;

	dk_demux_init(&dm, fn, arg);
	rc = rt_http_stream(&ep->target, method, path, body ?
	    "application/json" : NULL, body, body ? strlen(body) : 0,
	    timeout_s, &status, demux_sink, &dm, msg, sizeof(msg));
	return dk_stream_end(ep, rc, status, msg, RT_K_CONTAINER, err);
}

int
dk_logs(const struct rt_endpoint *ep, const char *id,
    const struct rt_logs_spec *ls, rt_sink_fn fn, void *arg,
    struct rt_err *err)
{
	char path[768], tail[32];

	if (ls->tail >= 0)
		snprintf(tail, sizeof(tail), "%ld", ls->tail);
	else
		snprintf(tail, sizeof(tail), "all");
	snprintf(path, sizeof(path), API "/containers/%s/logs?stdout=%d"
	    "&stderr=%d&tail=%s&timestamps=%s&follow=%s&since=%ld%s%.0ld",
	    id, !ls->no_stdout, !ls->no_stderr, tail,
	    ls->timestamps ? "true" : "false", ls->follow ? "true" : "false",
	    ls->since, ls->until > 0 ? "&until=" : "", ls->until);
	return dk_stream_framed(ep, "GET", path, NULL,
	    ls->follow ? 0 : rt_cfg.runtime_timeout, fn, arg, err);
}

/* ---- stats ---- */

static int64_t
blkio_sum(json_object *st, const char *op)
{
	json_object *arr = jget_arr(jget_obj(st, "blkio_stats"),
	    "io_service_bytes_recursive"), *e;
	int64_t sum = 0;
	size_t i, n;

	n = json_object_is_type(arr, json_type_array) ?
	    json_object_array_length(arr) : 0;
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		if (jget_str(e, "op") != NULL &&
		    strcasecmp(jget_str(e, "op"), op) == 0)
			sum += jget_int(e, "value", 0);
	}
	return sum;
}

/*
 * Docker's stats in our shape.  cpu_usage is percent of one CPU times
 * the CPUs used: the delta against precpu when the engine gives one,
 * else the share since the container started (Podman's one-shot).
 */
static json_object *
stats_of(json_object *st)
{
	json_object *o = json_object_new_object(), *cpu, *pre, *nets;
	double cpu_pct = 0, cd, sd;
	int64_t rx = 0, tx = 0, ncpu;
	char ts[32];

	cpu = jget_obj(st, "cpu_stats");
	pre = jget_obj(st, "precpu_stats");
	ncpu = jget_int(cpu, "online_cpus", 0);
	if (ncpu <= 0)
		ncpu = 1;
	cd = (double)(jget_int(jget_obj(cpu, "cpu_usage"), "total_usage", 0) -
	    jget_int(jget_obj(pre, "cpu_usage"), "total_usage", 0));
	sd = (double)(jget_int(cpu, "system_cpu_usage", 0) -
	    jget_int(pre, "system_cpu_usage", 0));
	if (cd > 0 && sd > 0)
		cpu_pct = cd / sd * (double)ncpu * 100.0;
	nets = jget_obj(st, "networks");
	if (json_object_is_type(nets, json_type_object)) {
		json_object_object_foreach(nets, k, v) {
			(void)k;
			rx += jget_int(v, "rx_bytes", 0);
			tx += jget_int(v, "tx_bytes", 0);
		}
	}
	json_object_object_add(o, "cpu_usage",
	    json_object_new_double((double)(int64_t)(cpu_pct * 100) / 100));
	json_object_object_add(o, "memory_usage", json_object_new_int64(
	    jget_int(jget_obj(st, "memory_stats"), "usage", 0)));
	json_object_object_add(o, "memory_limit", json_object_new_int64(
	    jget_int(jget_obj(st, "memory_stats"), "limit", 0)));
	json_object_object_add(o, "network_rx", json_object_new_int64(rx));
	json_object_object_add(o, "network_tx", json_object_new_int64(tx));
	json_object_object_add(o, "block_read",
	    json_object_new_int64(blkio_sum(st, "read")));
	json_object_object_add(o, "block_write",
	    json_object_new_int64(blkio_sum(st, "write")));
	json_object_object_add(o, "pids", json_object_new_int64(
	    jget_int(jget_obj(st, "pids_stats"), "current", 0)));
	iso8601(ts, now_wall());
	json_object_object_add(o, "timestamp", json_object_new_string(ts));
	return o;
}

int
dk_stats_one(const struct rt_endpoint *ep, const char *id, json_object **out,
    struct rt_err *err)
{
	json_object *st = NULL;
	char path[512];

	*out = NULL;
	snprintf(path, sizeof(path), API "/containers/%s/stats?stream=false",
	    id);
	if (dk_get_as(ep, path, RT_K_CONTAINER, json_type_object,
	    "stats", &st, err) < 0)
		return -1;
	*out = stats_of(st);
	json_object_put(st);
	return 0;
}

/* ---- exec ---- */

/*
 * Docker's hijacked exchange (exec start with stdin): the connection is
 * upgraded to a raw stream, in_len bytes of in go out as the process's
 * stdin, the write side is shut so the process sees end of input, and
 * everything the engine sends back goes to fn.  Half-closing a TLS
 * stream is not clean, hence unix and tcp endpoints only.  RT_OK with
 * *status (msg holds the answer for a status other than 101 or 2xx), or
 * an RT_E_* with msg.
 */
static int
dk_hijack(const struct rt_endpoint *ep, const char *path, const char *body,
    const void *in, size_t in_len, long timeout_s, long *status,
    rt_sink_fn fn, void *arg, char *msg, size_t msglen)
{
	struct rt_conn *c = NULL;
	char buf[16384];
	size_t n;
	int rc;

	*status = 0;
	if (ep->target.unix_path[0] == '\0' &&
	    strncmp(ep->target.base, "http://", 7) != 0) {
		snprintf(msg, msglen, "stdin to a process needs a unix or tcp "
		    "endpoint, not TLS");
		return RT_E_PROTO;
	}
	if ((rc = rt_http_upgrade(&ep->target, "POST", path,
	    "application/json", body, strlen(body), "tcp", timeout_s, status,
	    &c, msg, msglen)) != RT_OK || c == NULL)
		return rc;
	if (in_len > 0 && (rc = rt_conn_send(c, in, in_len, msg, msglen)) !=
	    RT_OK)
		goto out;
	rt_conn_shutdown(c);
	for (;;) {
		if ((rc = rt_conn_recv(c, buf, sizeof(buf), &n, msg, msglen)) !=
		    RT_OK || n == 0)
			break;
		if (fn(arg, RT_RAW, buf, n) != 0) {
			rc = RT_E_STOPPED;
			break;
		}
	}
out:
	rt_conn_close(c);
	return rc;
}

struct collect {
	struct rt_exec_result	*x;
	size_t			 max;
};

/* Keeps output up to the cap and drains the rest, so the process can
 * finish and its exit code is known; truncated tells the caller. */
static int
exec_collect(void *arg, enum rt_stream s, const char *p, size_t n)
{
	struct collect *c = arg;

	if (p == NULL || n == 0)
		return 0;
	return rt_exec_keep(c->x, c->max, s, p, n);
}

int
dk_exec(const struct rt_endpoint *ep, const char *id,
    const struct rt_exec_spec *xs, struct rt_exec_result *x,
    struct rt_err *err)
{
	json_object *body = NULL, *ans = NULL;
	struct collect c = { x, xs->max_output ? xs->max_output :
	    rt_cfg.exec_max_output };
	struct dk_demux dm;
	char path[512], eid[128], msg[512];
	long status, tmo = xs->timeout_s ? xs->timeout_s : rt_cfg.runtime_timeout;
	int rc, i;

	memset(x, 0, sizeof(*x));
	x->exit_code = -1;
	body = json_object_new_object();
	json_object_object_add(body, "AttachStdout", json_object_new_boolean(1));
	json_object_object_add(body, "AttachStderr", json_object_new_boolean(1));
	json_object_object_add(body, "AttachStdin",
	    json_object_new_boolean(xs->in != NULL));
	json_object_object_add(body, "Tty", json_object_new_boolean(0));
	dk_add_argv(body, "Cmd", xs->argv);
	dk_add_argv(body, "Env", xs->env);
	if (xs->user != NULL)
		json_object_object_add(body, "User", dk_jnew_str(xs->user));
	if (xs->workdir != NULL)
		json_object_object_add(body, "WorkingDir",
		    dk_jnew_str(xs->workdir));
	snprintf(path, sizeof(path), API "/containers/%s/exec", id);
	rc = dk_json(ep, "POST", path, body, RT_K_CONTAINER, &ans,
	    err);
	json_object_put(body);
	if (rc == 0 && (jget_str(ans, "Id") == NULL ||
	    strlen(jget_str(ans, "Id")) >= sizeof(eid) ||
	    strspn(jget_str(ans, "Id"), "0123456789abcdef") !=
	    strlen(jget_str(ans, "Id")))) {
		rt_err_set(err, RT_E_PROTO, "endpoint '%s': exec "
		    "create answered without a usable Id", ep->name);
		rc = -1;
	}
	if (rc < 0) {
		json_object_put(ans);
		return -1;
	}
	snprintf(eid, sizeof(eid), "%s", jget_str(ans, "Id"));
	json_object_put(ans);

	snprintf(path, sizeof(path), API "/exec/%s/start", eid);
	dk_demux_init(&dm, exec_collect, &c);
	if (xs->in != NULL)
		rc = dk_hijack(ep, path, "{\"Detach\":false,\"Tty\":false}",
		    xs->in, xs->in_len, tmo, &status, demux_sink, &dm, msg,
		    sizeof(msg));
	else {
		static const char start[] = "{\"Detach\":false,\"Tty\":false}";

		rc = rt_http_stream(&ep->target, "POST", path,
		    "application/json", start, sizeof(start) - 1, tmo, &status,
		    demux_sink, &dm, msg, sizeof(msg));
	}
	if (rc != RT_OK) {
		rt_err_transport(err, rc, ep, msg);
		return -1;
	}
	if (status != 200 && status != 101) {
		dk_fail(ep, status, msg, RT_K_CONTAINER, err);
		return -1;
	}
	/* The stream ends as the process does; its exit code may take the
	 * engine a moment more to record (bounded). */
	snprintf(path, sizeof(path), API "/exec/%s/json", eid);
	for (i = 0; i < 100; i++) {
		if (dk_json(ep, "GET", path, NULL, RT_K_NONE, &ans,
		    err) < 0)
			return -1;
		if (!jget_bool(ans, "Running", 0)) {
			x->exit_code = (int)jget_int(ans, "ExitCode", 0);
			json_object_put(ans);
			return 0;
		}
		json_object_put(ans);
		usleep(20000);
	}
	rt_err_set(err, RT_E_TIMEOUT, "endpoint '%s': exec output ended but "
	    "the process did not", ep->name);
	return -1;
}

/* ---- archives ---- */

int
dk_put_archive(const struct rt_endpoint *ep, const char *id, const char *dir,
    const void *tar, size_t len, struct rt_err *err)
{
	char *path = NULL, *d;
	int rc;

	if ((d = dk_esc(dir)) == NULL || asprintf(&path, API "/containers/%s/"
	    "archive?path=%s", id, d) < 0) {
		curl_free(d);
		rt_err_set(err, RT_E_INTERNAL, "out of memory");
		return -1;
	}
	curl_free(d);
	rc = dk_call(ep, "PUT", path, "application/x-tar", tar, len, 0,
	    RT_K_CONTAINER, NULL, err);
	free(path);
	return rc < 0 ? -1 : 0;
}

struct capped {
	rt_sink_fn	 fn;
	void		*arg;
	size_t		 max, got;
	int		 over;
};

static int
capped_sink(void *arg, enum rt_stream s, const char *p, size_t n)
{
	struct capped *c = arg;

	if (p == NULL)
		return c->fn(c->arg, s, NULL, 0);
	if (c->max > 0 && c->got + n > c->max) {
		c->over = 1;
		return -1;
	}
	c->got += n;
	return c->fn(c->arg, s, p, n);
}

int
dk_get_archive(const struct rt_endpoint *ep, const char *id,
    const char *cpath, size_t max, rt_sink_fn fn, void *arg,
    struct rt_err *err)
{
	struct capped c = { fn, arg, max, 0, 0 };
	char *path = NULL, *d, msg[512];
	long status;
	int rc;

	if ((d = dk_esc(cpath)) == NULL || asprintf(&path, API "/containers/%s/"
	    "archive?path=%s", id, d) < 0) {
		curl_free(d);
		rt_err_set(err, RT_E_INTERNAL, "out of memory");
		return -1;
	}
	curl_free(d);
	rc = rt_http_stream(&ep->target, "GET", path, NULL, NULL, 0,
	    rt_cfg.runtime_timeout, &status, capped_sink, &c, msg, sizeof(msg));
	free(path);
	if (c.over) {
		rt_err_set(err, RT_E_TOO_BIG, "endpoint '%s': archive "
		    "of '%s' is larger than %zu bytes", ep->name, cpath, max);
		return -1;
	}
	/* 404 here is a path missing in a container that exists. */
	return dk_stream_end(ep, rc, status, msg, RT_K_NONE, err);
}

/* ---- events: one JSON object per line, turned into ours ---- */

struct dk_evsink {
	rt_sink_fn	 fn;
	void		*arg;
};

/*
 * One line of Docker's /events as our event (rt_driver.events): a
 * container's {kind, action, id, name, owner, image, time, time_ns,
 * exit_code}; the engine's other kinds and malformed lines are passed
 * over.  A tick (NULL) goes on as it is.
 */
static int
dk_event_sink(void *arg, enum rt_stream s, const char *p, size_t n)
{
	struct dk_evsink *e = arg;
	json_object *in, *out, *attrs;
	json_tokener *tok;
	const char *type, *action, *id, *v;
	size_t len;
	int rc;

	if (p == NULL)
		return e->fn(e->arg, s, NULL, 0);
	if ((tok = json_tokener_new()) == NULL)
		return 0;
	in = json_tokener_parse_ex(tok, p, (int)n);
	json_tokener_free(tok);
	if (in == NULL)
		return 0;
	type = jget_str(in, "Type");
	action = jget_str(in, "Action");
	id = jget_str(jget_obj(in, "Actor"), "ID");
	attrs = jget_obj(jget_obj(in, "Actor"), "Attributes");
	if (type == NULL || strcmp(type, "container") != 0 || action == NULL ||
	    id == NULL) {
		json_object_put(in);
		return 0;
	}
	out = json_object_new_object();
	json_object_object_add(out, "kind", json_object_new_string("container"));
	/* "exec_start: sh -c ..." and "health_status: healthy": the verb */
	len = strcspn(action, ":");
	json_object_object_add(out, "action",
	    json_object_new_string_len(action, (int)len));
	json_object_object_add(out, "id", json_object_new_string(id));
	if ((v = jget_str(attrs, "name")) != NULL)
		json_object_object_add(out, "name", json_object_new_string(v));
	if ((v = jget_str(attrs, "cc.owner")) != NULL)
		json_object_object_add(out, "owner", json_object_new_string(v));
	if ((v = jget_str(attrs, "image")) != NULL)
		json_object_object_add(out, "image", json_object_new_string(v));
	if ((v = jget_str(attrs, "exitCode")) != NULL)
		json_object_object_add(out, "exit_code",
		    json_object_new_int(atoi(v)));
	json_object_object_add(out, "time", json_object_new_int64(
	    jget_int(in, "time", 0)));
	json_object_object_add(out, "time_ns", json_object_new_int64(
	    jget_int(in, "timeNano", 0)));
	v = json_object_to_json_string_length(out, JSON_C_TO_STRING_PLAIN,
	    &len);
	rc = e->fn(e->arg, RT_RAW, v, len);
	json_object_put(out);
	json_object_put(in);
	return rc;
}

int
dk_events(const struct rt_endpoint *ep, const struct rt_events_spec *es,
    rt_sink_fn fn, void *arg, struct rt_err *err)
{
	struct dk_evsink e = { fn, arg };
	struct dk_lines *l;
	char path[1024], *fq, msg[512];
	long status;
	int rc;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		rt_err_set(err, RT_E_INTERNAL, "out of memory");
		return -1;
	}
	l->fn = dk_event_sink;
	l->arg = &e;
	fq = dk_label_filter(es->label);
	snprintf(path, sizeof(path), API "/events?since=%ld%s%.0ld%s%s",
	    es->since > 0 ? es->since : (long)now_wall(),
	    es->until > 0 ? "&until=" : "", es->until, fq ? "&filters=" : "",
	    fq ? fq : "");
	curl_free(fq);
	rc = rt_http_stream(&ep->target, "GET", path, NULL, NULL, 0, 0,
	    &status, dk_lines_sink, l, msg, sizeof(msg));
	free(l);
	return dk_stream_end(ep, rc, status, msg, RT_K_NONE, err);
}
