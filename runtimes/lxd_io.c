/*
 * lxd_io.c: what goes in and out of an instance besides exec
 * (lxd_exec.c): logs (the console log as stdout, the instance's log
 * files as stderr; followed by polling the console), one stats sample
 * (two state reads a moment apart, for the CPU share), files one at a
 * time through LXD's file API, and the event stream (/1.0/events over
 * ws.c).  Requests are lxd.c's (lxd.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "lxd.h"

/* The pause between the two state reads of a stats sample. */
#define STATS_GAP_US	250000
/* How often a followed console is read again. */
#define FOLLOW_POLL_MS	1000

/* ---- logs ---- */

/* The start of the last tail lines of buf (tail < 0: all of it). */
static size_t
tail_start(const char *buf, size_t len, long tail)
{
	size_t i = len;
	long seen = 0;

	if (tail < 0)
		return 0;
	if (tail == 0)
		return len;
	if (i > 0 && buf[i - 1] == '\n')
		i--;
	while (i > 0) {
		if (buf[i - 1] == '\n' && ++seen == tail)
			return i;
		i--;
	}
	return 0;
}

/* buf[from..len) to the sink without carriage returns; -1 when the sink
 * stops. */
static int
emit(rt_sink_fn fn, void *arg, enum rt_stream s, const char *buf,
    size_t from, size_t len)
{
	size_t i = from, j;

	while (i < len) {
		for (j = i; j < len && buf[j] != '\r'; j++)
			;
		if (j > i && fn(arg, s, buf + i, j - i) != 0)
			return -1;
		i = j + 1;
	}
	return 0;
}

/* The console log (capped; "" for an instance that has none now). */
static int
console(const struct rt_endpoint *ep, const char *id, char **data,
    size_t *len, struct rt_err *err)
{
	char path[256];
	int trunc;

	lx_path(ep, path, sizeof(path), "/1.0/instances/%s/console", id);
	if (lx_get_raw(ep, path, rt_cfg.runtime_max_answer, RT_K_CONTAINER,
	    data, len, &trunc, err) == 0)
		return 0;
	if (err->code == RT_E_NOT_FOUND || err->code == RT_E_UNREACHABLE ||
	    err->code == RT_E_TIMEOUT)
		return -1;
	/* A stopped instance may have no console to read: none. */
	if ((*data = calloc(1, 1)) == NULL)
		return -1;
	*len = 0;
	return 0;
}

/* The instance's log files (LXC's lxc.log; not its lxc.conf nor the
 * exec outputs), to the sink as stderr, each one's last tail lines. */
static int
log_files(const struct rt_endpoint *ep, const char *id,
    const struct rt_logs_spec *ls, rt_sink_fn fn, void *arg,
    struct rt_err *err)
{
	json_object *list = NULL;
	const char *u, *base;
	char path[512], *data;
	size_t i, n, len;
	int trunc, rc = 0;

	lx_path(ep, path, sizeof(path), "/1.0/instances/%s/logs", id);
	if (lx_json(ep, "GET", path, NULL, 0, RT_K_CONTAINER, &list, err) < 0)
		return -1;
	n = json_object_is_type(list, json_type_array) ?
	    json_object_array_length(list) : 0;
	for (i = 0; i < n && rc == 0; i++) {
		u = json_object_get_string(json_object_array_get_idx(list, i));
		base = u ? strrchr(u, '/') : NULL;
		/* lxc.log; not lxc.conf (host paths) nor exec outputs */
		if (base == NULL || strcmp(base + 1, "lxc.conf") == 0 ||
		    strncmp(base + 1, "exec", 4) == 0 ||
		    strspn(base + 1, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
		    strlen(base + 1))
			continue;
		lx_path(ep, path, sizeof(path), "/1.0/instances/%s/logs/%s", id,
		    base + 1);
		if (lx_get_raw(ep, path, rt_cfg.runtime_max_answer, RT_K_NONE,
		    &data, &len, &trunc, err) < 0)
			continue;	/* one unreadable file: the others */
		rc = emit(fn, arg, RT_STDERR, data, tail_start(data, len,
		    ls->tail), len);
		free(data);
	}
	json_object_put(list);
	return 0;
}

/* Whether the instance runs (0 also when it cannot be read). */
static int
running(const struct rt_endpoint *ep, const char *id)
{
	json_object *o = NULL;
	struct rt_err e;
	char path[256];
	int yes;

	lx_path(ep, path, sizeof(path), "/1.0/instances/%s/state", id);
	yes = lx_json(ep, "GET", path, NULL, 0, RT_K_CONTAINER, &o, &e) == 0 &&
	    strcmp(lx_status_of(jget_str(o, "status")), "stopped") != 0;
	json_object_put(o);
	return yes;
}

/*
 * Logs: since, until and timestamps do not apply (neither log has
 * times).  A follow reads the console again every FOLLOW_POLL_MS and
 * passes on what grew, until the instance stops or the sink stops.
 */
int
lx_logs(const struct rt_endpoint *ep, const char *id,
    const struct rt_logs_spec *ls, rt_sink_fn fn, void *arg,
    struct rt_err *err)
{
	char *data = NULL;
	size_t len, seen;

	if (!lx_name_ok(id))
		return lx_no_instance(ep, id, err);
	if (console(ep, id, &data, &len, err) < 0)
		return -1;
	seen = len;
	if (!ls->no_stdout && emit(fn, arg, RT_STDOUT, data, tail_start(data,
	    len, ls->tail), len) < 0) {
		free(data);
		return 0;
	}
	free(data);
	if (!ls->no_stderr && !ls->follow && log_files(ep, id, ls, fn, arg,
	    err) < 0)
		return -1;
	while (ls->follow) {
		if (fn(arg, RT_RAW, NULL, 0) != 0)
			return 0;
		usleep(FOLLOW_POLL_MS * 1000);
		if (!running(ep, id))
			return 0;
		if (console(ep, id, &data, &len, err) < 0)
			return -1;
		/* The console log is a ring: a shorter one starts over. */
		if (len < seen)
			seen = 0;
		if (!ls->no_stdout && emit(fn, arg, RT_STDOUT, data, seen,
		    len) < 0) {
			free(data);
			return 0;
		}
		seen = len;
		free(data);
	}
	return 0;
}

/* ---- stats ---- */

/* A byte counter added to sum (>= 0): a negative one is none, and the
 * sum stops at INT64_MAX. */
static int64_t
counter_add(int64_t sum, int64_t v)
{
	if (v <= 0)
		return sum;
	return v > INT64_MAX - sum ? INT64_MAX : sum + v;
}

json_object *
lx_stats_of(json_object *s0, json_object *s1, uint64_t dt_us,
    json_object *config)
{
	json_object *o = json_object_new_object(), *nets;
	int64_t c0 = jget_int(jget_obj(s0, "cpu"), "usage", 0),
	    c1 = jget_int(jget_obj(s1, "cpu"), "usage", 0), rx = 0, tx = 0;
	double pct = 0;
	char ts[32];

	/* a usage below 0 is no reading (and c1 - c0 could overflow) */
	if (dt_us > 0 && c0 >= 0 && c1 > c0)
		pct = (double)(c1 - c0) / ((double)dt_us * 1000.0) * 100.0;
	nets = jget_obj(s1, "network");
	if (json_object_is_type(nets, json_type_object)) {
		json_object_object_foreach(nets, k, v) {
			if (strcmp(k, "lo") == 0)
				continue;
			rx = counter_add(rx, jget_int(jget_obj(v, "counters"),
			    "bytes_received", 0));
			tx = counter_add(tx, jget_int(jget_obj(v, "counters"),
			    "bytes_sent", 0));
		}
	}
	/* two decimals; past 1e13 a double has none to cut (and the cast
	 * could overflow) */
	json_object_object_add(o, "cpu_usage", json_object_new_double(
	    pct < 1e13 ? (double)(int64_t)(pct * 100) / 100 : pct));
	json_object_object_add(o, "memory_usage", json_object_new_int64(
	    jget_int(jget_obj(s1, "memory"), "usage", 0)));
	json_object_object_add(o, "memory_limit", json_object_new_int64(
	    lx_bytes(jget_str(config, "limits.memory"))));
	json_object_object_add(o, "network_rx", json_object_new_int64(rx));
	json_object_object_add(o, "network_tx", json_object_new_int64(tx));
	/* A dir pool has no disk figures; other pools give usage only. */
	json_object_object_add(o, "block_read", json_object_new_int64(0));
	json_object_object_add(o, "block_write", json_object_new_int64(0));
	json_object_object_add(o, "pids", json_object_new_int64(
	    jget_int(s1, "processes", 0)));
	iso8601(ts, now_wall());
	json_object_object_add(o, "timestamp", json_object_new_string(ts));
	return o;
}

int
lx_stats(const struct rt_endpoint *ep, const char *id, json_object **out,
    struct rt_err *err)
{
	json_object *inst = NULL, *s1 = NULL;
	char path[256];
	uint64_t t0, t1;

	*out = NULL;
	if (!lx_name_ok(id))
		return lx_no_instance(ep, id, err);
	lx_path(ep, path, sizeof(path), "/1.0/instances/%s?recursion=1", id);
	t0 = now_us();
	if (lx_json(ep, "GET", path, NULL, 0, RT_K_CONTAINER, &inst, err) < 0)
		return -1;
	usleep(STATS_GAP_US);
	lx_path(ep, path, sizeof(path), "/1.0/instances/%s/state", id);
	t1 = now_us();
	if (lx_json(ep, "GET", path, NULL, 0, RT_K_CONTAINER, &s1, err) < 0) {
		json_object_put(inst);
		return -1;
	}
	*out = lx_stats_of(jget_obj(inst, "state"), s1, t1 - t0,
	    jget_obj(inst, "expanded_config"));
	json_object_put(inst);
	json_object_put(s1);
	return 0;
}

/* ---- files ---- */

/* .../files?path=P (escaped), or -1 for a path that is not absolute and
 * clean. */
static int
file_path(const struct rt_endpoint *ep, const char *id, const char *p,
    char *out, size_t len)
{
	size_t n = p ? strlen(p) : 0;
	char *esc;
	int rc;

	if (n == 0 || *p != '/' || n > 4096 || strstr(p, "/../") != NULL ||
	    (n >= 3 && strcmp(p + n - 3, "/..") == 0))
		return -1;
	if ((esc = curl_easy_escape(NULL, p, 0)) == NULL)
		return -1;
	rc = lx_path(ep, out, len, "/1.0/instances/%s/files?path=%s", id, esc);
	curl_free(esc);
	return rc;
}

/* A file is deleted first: LXD keeps an existing file's owner and mode
 * on an overwrite, and the caller's must hold. */
int
lx_file_put(const struct rt_endpoint *ep, const char *id,
    const struct rt_file *f, struct rt_err *err)
{
	char path[4096 + 512], uid[48], gid[48], mode[32], type[32];
	const char *hdrs[] = { uid, gid, mode, type, NULL };
	struct rt_err e2;

	if (!lx_name_ok(id))
		return lx_no_instance(ep, id, err);
	if (file_path(ep, id, f->path, path, sizeof(path)) < 0) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': a file path must "
		    "be absolute and clean", ep->name);
		return -1;
	}
	snprintf(uid, sizeof(uid), "X-LXD-uid: %ld", f->uid);
	snprintf(gid, sizeof(gid), "X-LXD-gid: %ld", f->gid);
	snprintf(mode, sizeof(mode), "X-LXD-mode: %04o", f->mode & 07777);
	snprintf(type, sizeof(type), "X-LXD-type: %s", f->dir ? "directory" :
	    "file");
	if (!f->dir)
		(void)lx_call(ep, "DELETE", path, NULL, NULL, 0, NULL, 0,
		    RT_K_NONE, NULL, &e2);
	/* Without this Content-Type LXD reads the body as a form and
	 * writes an empty file. */
	return lx_call(ep, "POST", path, "application/octet-stream",
	    f->dir ? "" : f->data, f->dir ? 0 : f->len, hdrs, 0, RT_K_NONE,
	    NULL, err);
}

int
lx_file_get(const struct rt_endpoint *ep, const char *id, const char *p,
    size_t max, char **data, size_t *len, struct rt_err *err)
{
	char path[4096 + 512];
	json_object *o;

	*data = NULL;
	*len = 0;
	if (!lx_name_ok(id))
		return lx_no_instance(ep, id, err);
	if (file_path(ep, id, p, path, sizeof(path)) < 0) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': a file path must "
		    "be absolute and clean", ep->name);
		return -1;
	}
	if (lx_get_raw(ep, path, max, RT_K_NONE, data, len, NULL, err) < 0)
		return -1;
	/* A directory comes back as a sync list of names. */
	if (*len > 8 && strncmp(*data, "{\"type\":\"sync\"", 14) == 0 &&
	    (o = json_tokener_parse(*data)) != NULL) {
		int dir = json_object_is_type(jget_arr(o, "metadata"),
		    json_type_array);

		json_object_put(o);
		if (dir) {
			free(*data);
			*data = NULL;
			*len = 0;
			rt_err_set(err, RT_E_INVALID, "endpoint '%s': '%.200s' "
			    "is a directory", ep->name, p);
			return -1;
		}
	}
	return 0;
}

/* ---- events ---- */

/* LXD's lifecycle actions on an instance, as the engine verbs of
 * rt_driver.events (the follower's words); the others (file, log,
 * console, snapshot, ...) are passed over.  A clean stop is
 * instance-shutdown, a forced one instance-stopped. */
static const char *const lx_verbs[][2] = {
	{ "instance-created", "create" }, { "instance-started", "start" },
	{ "instance-shutdown", "stop" }, { "instance-stopped", "stop" },
	{ "instance-restarted", "restart" }, { "instance-paused", "pause" },
	{ "instance-resumed", "unpause" }, { "instance-deleted", "destroy" },
	{ "instance-renamed", "rename" }, { "instance-exec", "exec_start" },
	{ "instance-updated", "update" },
};

/* LXD's RFC 3339 time in nanoseconds (its fraction has up to 9 digits),
 * 0 for none. */
static int64_t
lx_time_ns(const char *s)
{
	time_t t = lx_time(s);
	const char *p;
	int64_t ns = 0;
	int d = 0;

	if (t == 0)
		return 0;
	if ((p = strchr(s, '.')) != NULL)
		for (p++; d < 9 && *p >= '0' && *p <= '9'; p++, d++)
			ns = ns * 10 + (*p - '0');
	for (; d < 9; d++)
		ns *= 10;
	return (int64_t)t * 1000000000LL + ns;
}

json_object *
lx_event_of(const struct rt_endpoint *ep, json_object *in)
{
	const char *project = ep->project[0] != '\0' ? ep->project : "default";
	const char *src, *act, *verb = NULL, *p;
	json_object *md = jget_obj(in, "metadata"), *out;
	char name[64];
	int64_t ns;
	size_t i, n;

	if (jget_str(in, "type") == NULL || strcmp(jget_str(in, "type"),
	    "lifecycle") != 0 || (act = jget_str(md, "action")) == NULL ||
	    (src = jget_str(md, "source")) == NULL ||
	    strncmp(src, "/1.0/instances/", 15) != 0)
		return NULL;
	/* another project's instance may have the same name */
	if (jget_str(in, "project") != NULL && strcmp(jget_str(in, "project"),
	    project) != 0)
		return NULL;
	for (i = 0; verb == NULL && i < sizeof(lx_verbs) / sizeof(lx_verbs[0]);
	    i++)
		if (strcmp(lx_verbs[i][0], act) == 0)
			verb = lx_verbs[i][1];
	p = src + 15;
	n = strcspn(p, "/?");
	if (verb == NULL || n >= sizeof(name) || p[n] == '/')
		return NULL;	/* not ours, or a snapshot's */
	memcpy(name, p, n);
	name[n] = '\0';
	if (!lx_name_ok(name))
		return NULL;
	ns = lx_time_ns(jget_str(in, "timestamp"));
	out = json_object_new_object();
	json_object_object_add(out, "kind", json_object_new_string("container"));
	json_object_object_add(out, "action", json_object_new_string(verb));
	json_object_object_add(out, "id", json_object_new_string(name));
	json_object_object_add(out, "name", json_object_new_string(name));
	json_object_object_add(out, "time",
	    json_object_new_int64(ns / 1000000000LL));
	json_object_object_add(out, "time_ns", json_object_new_int64(ns));
	return out;
}

/* The owners of the instances the stream has named, so that an event
 * about one that is gone (deleted) still says whose it was. */
#define EV_OWNERS	64

struct ev {
	const struct rt_endpoint *ep;
	rt_sink_fn	 fn;
	void		*arg;
	struct {
		char	 name[64], owner[72];
	}		 own[EV_OWNERS];
	size_t		 next;
};

/* The owner of instance name ("" when it has none or cannot be read):
 * remembered, else read from the instance (user.cc.owner). */
static const char *
ev_owner(struct ev *ev, const char *name, int gone)
{
	json_object *inst = NULL;
	struct rt_err err;
	const char *o;
	size_t i, k;

	for (i = 0; i < EV_OWNERS; i++)
		if (strcmp(ev->own[i].name, name) == 0)
			return ev->own[i].owner;
	if (gone || lx_instance(ev->ep, name, &inst, &err) < 0)
		return "";
	o = jget_str(jget_obj(inst, "config"), LX_OWNER_KEY);
	k = ev->next++ % EV_OWNERS;
	snprintf(ev->own[k].name, sizeof(ev->own[k].name), "%s", name);
	snprintf(ev->own[k].owner, sizeof(ev->own[k].owner), "%s",
	    o ? o : "");
	json_object_put(inst);
	return ev->own[k].owner;
}

/* Each message (one JSON object) that is about an instance, as ours in
 * one RT_RAW call. */
static int
ev_sink(void *arg, enum rt_stream s, const char *p, size_t n)
{
	struct ev *ev = arg;
	json_object *in, *out;
	json_tokener *tok;
	const char *owner, *txt;
	size_t len;
	int rc;

	if (s != RT_TEXT || p == NULL || n == 0 ||
	    (tok = json_tokener_new()) == NULL)
		return 0;
	in = json_tokener_parse_ex(tok, p, (int)n);
	json_tokener_free(tok);
	if (in == NULL)
		return 0;
	out = lx_event_of(ev->ep, in);
	json_object_put(in);
	if (out == NULL)
		return 0;
	owner = ev_owner(ev, jget_str(out, "id"),
	    strcmp(jget_str(out, "action"), "destroy") == 0);
	if (*owner != '\0')
		json_object_object_add(out, "owner",
		    json_object_new_string(owner));
	txt = json_object_to_json_string_length(out, JSON_C_TO_STRING_PLAIN,
	    &len);
	rc = ev->fn(ev->arg, RT_RAW, txt, len);
	json_object_put(out);
	return rc;
}

/*
 * LXD's lifecycle events on the endpoint's instances as ours (see
 * lx_event_of), one JSON object a sink call, with a tick (NULL, 0)
 * about once a second.  LXD keeps no past events: since does not
 * apply, and a follower re-lists after a reconnect.  0 when the sink
 * stopped or until passed; -1 with err when the stream could not be had
 * or ended (RT_E_UNREACHABLE: reconnect).
 */
int
lx_events(const struct rt_endpoint *ep, const struct rt_events_spec *es,
    rt_sink_fn fn, void *arg, struct rt_err *err)
{
	struct ev *ev;
	struct rt_ws *ws = NULL;
	char path[256], msg[512];
	long status;
	int rc;

	if ((ev = calloc(1, sizeof(*ev))) == NULL) {
		rt_err_set(err, RT_E_INTERNAL, "out of memory");
		return -1;
	}
	ev->ep = ep;
	ev->fn = fn;
	ev->arg = arg;
	lx_path(ep, path, sizeof(path), "/1.0/events?type=lifecycle,operation");
	if ((rc = rt_ws_connect(&ep->target, path, NULL, ev_sink, ev, 0,
	    &status, &ws, msg, sizeof(msg))) != RT_OK) {
		rt_err_transport(err, rc, ep, msg);
		free(ev);
		return -1;
	}
	for (;;) {
		rc = rt_ws_wait(ws, 1000, msg, sizeof(msg));
		if (rc == RT_E_STOPPED)
			break;
		if (rc == RT_E_TIMEOUT) {
			if (fn(arg, RT_RAW, NULL, 0) != 0 || (es->until > 0 &&
			    now_wall() >= es->until))
				break;
			continue;
		}
		rt_ws_close(ws);
		free(ev);
		if (rc == RT_OK)
			rt_err_set(err, RT_E_UNREACHABLE, "endpoint '%s': the "
			    "event stream ended", ep->name);
		else
			rt_err_transport(err, rc, ep, msg);
		return -1;
	}
	rt_ws_close(ws);
	free(ev);
	return 0;
}
