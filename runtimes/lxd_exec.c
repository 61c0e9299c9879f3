/*
 * lxd_exec.c: a command run in an instance, non-interactive.  Without
 * stdin LXD records the output ("record-output"): the finished
 * operation gives the exit code ("return") and the paths of the stdout
 * and stderr logs, read capped and then deleted.  With stdin (a
 * password for chpasswd) there is nothing to record into: LXD's
 * WebSockets carry the streams, one each (ws.c, on one loop), and the
 * operation gives the exit code.  Output past the cap is drained and
 * dropped, and truncated says so; stdout comes first in "output", then
 * stderr (LXD keeps them apart).
 *
 * LXD marks the operation failed for exit codes 126 and 127, yet gives
 * "return": when it is there the command ran, whatever the status says.
 * User names are looked up in the instance's /etc/passwd: LXD takes ids.
 *
 * A console (lx_console_open) is an interactive exec on a terminal that
 * waits for its WebSockets: the operation's "0" (the terminal, both
 * ways) and "control" (window resizes, signals).  LXD starts the
 * command once both are open and fails the operation when they are not
 * within about 5 s; the front end proxies them (handlers/console.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lxd.h"

int
lx_passwd_ids(const char *text, const char *user, long *uid, long *gid)
{
	const char *l, *pw, *u;
	char *end;
	long uv, gv;
	size_t n;

	for (l = text; l != NULL && *l != '\0'; l = strchr(l, '\n'),
	    l = l ? l + 1 : NULL) {
		n = strcspn(l, ":\n");
		if (l[n] != ':' || (pw = l + n + 1, u = strpbrk(pw, ":\n")) ==
		    NULL || *u != ':')
			continue;
		uv = strtol(u + 1, &end, 10);
		if (end == u + 1 || *end != ':')
			continue;
		gv = strtol(end + 1, &end, 10);
		if (*end != ':')
			continue;
		if (user != NULL ? strlen(user) == n && strncmp(l, user, n) ==
		    0 : uv == *uid) {
			*uid = uv;
			*gid = gv;
			return 0;
		}
	}
	return -1;
}

/* The user of an exec as ids: "uid:gid" as is; a uid alone with the
 * group of its passwd line (else the same number); a name from the
 * instance's /etc/passwd. */
static int
user_ids(const struct rt_endpoint *ep, const char *id, const char *user,
    long *uid, long *gid, struct rt_err *err)
{
	char *pw = NULL, *end = NULL;
	size_t len;
	int numeric;

	*uid = 0;
	*gid = 0;
	if (user == NULL || *user == '\0')
		return 0;
	*uid = strtol(user, &end, 10);
	numeric = end != user && *uid >= 0 && (*end == '\0' || *end == ':');
	if (numeric && *end == ':') {
		*gid = strtol(end + 1, &end, 10);
		if (*end == '\0' && *gid >= 0)
			return 0;
		numeric = 0;
	}
	if (!numeric && strpbrk(user, ":") != NULL) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': user must be a "
		    "name or uid[:gid]", ep->name);
		return -1;
	}
	*gid = *uid;
	if (lx_file_get(ep, id, "/etc/passwd", 1 << 20, &pw, &len, err) < 0)
		return numeric ? 0 : -1;
	if (lx_passwd_ids(pw, numeric ? NULL : user, uid, gid) < 0 &&
	    !numeric) {
		free(pw);
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': no user '%.64s' "
		    "in container '%s'", ep->name, user, id);
		return -1;
	}
	free(pw);
	return 0;
}

json_object *
lx_exec_body(const struct rt_exec_spec *xs, int websockets)
{
	json_object *o = json_object_new_object(), *a, *env;
	const char *const *p;
	const char *eq;
	char key[256];

	a = json_object_new_array();
	for (p = xs->argv; p != NULL && *p != NULL; p++)
		json_object_array_add(a, json_object_new_string(*p));
	json_object_object_add(o, "command", a);
	env = json_object_new_object();
	for (p = xs->env; p != NULL && *p != NULL; p++)
		if ((eq = strchr(*p, '=')) != NULL && eq > *p &&
		    (size_t)(eq - *p) < sizeof(key)) {
			snprintf(key, sizeof(key), "%.*s", (int)(eq - *p), *p);
			json_object_object_add(env, key,
			    json_object_new_string(eq + 1));
		}
	json_object_object_add(o, "environment", env);
	if (xs->workdir != NULL)
		json_object_object_add(o, "cwd",
		    json_object_new_string(xs->workdir));
	json_object_object_add(o, "wait-for-websocket",
	    json_object_new_boolean(websockets));
	json_object_object_add(o, "interactive", json_object_new_boolean(0));
	json_object_object_add(o, "record-output",
	    json_object_new_boolean(!websockets));
	return o;
}

/* What the streams keep: the combined cap, as Docker's exec has. */
struct keep {
	struct rt_exec_result	*x;
	size_t			 max;
	int			 oom;
};

static int
keep_bytes(struct keep *k, enum rt_stream s, const char *p, size_t n)
{
	if (rt_exec_keep(k->x, k->max, s, p, n) < 0) {
		k->oom = 1;
		return -1;
	}
	return 0;
}

/* ---- recorded output ---- */

/* A recorded log's path as LXD gave it: one of its own, checked. */
static const char *
log_path(json_object *outputs, const char *fd)
{
	const char *p = jget_str(outputs, fd);

	if (p == NULL || strncmp(p, "/1.0/instances/", 15) != 0 ||
	    strstr(p, "..") != NULL || strpbrk(p, "?# \r\n") != NULL ||
	    strlen(p) > 400)
		return NULL;
	return p;
}

/* Reads the recorded stdout and stderr (capped), then deletes both. */
static int
read_recorded(const struct rt_endpoint *ep, json_object *outputs,
    struct keep *k, struct rt_err *err)
{
	static const char *const fds[] = { "1", "2" };
	const char *p;
	char path[512], *data;
	size_t len, i;
	int trunc, rc = 0;

	for (i = 0; i < 2; i++) {
		if ((p = log_path(outputs, fds[i])) == NULL)
			continue;
		lx_path(ep, path, sizeof(path), "%s", p);
		if (rc == 0 && lx_get_raw(ep, path, k->max > k->x->output_len ?
		    k->max - k->x->output_len : 0, RT_K_NONE, &data, &len,
		    &trunc, err) == 0) {
			if (keep_bytes(k, i ? RT_STDERR : RT_STDOUT, data,
			    len) < 0)
				rc = -1;
			if (trunc)
				k->x->truncated = 1;
			free(data);
		} else
			rc = -1;
		/* The logs stay until deleted: always delete them. */
		{
			struct rt_err e2;

			(void)lx_call(ep, "DELETE", path, NULL, NULL, 0, NULL, 0,
			    RT_K_NONE, NULL, &e2);
		}
	}
	return rc;
}

/* ---- streams over WebSockets ---- */

struct stream {
	struct keep	*k;
	enum rt_stream	 s;
};

static int
stream_sink(void *arg, enum rt_stream kind, const char *p, size_t n)
{
	struct stream *st = arg;

	if (p == NULL || n == 0 || kind != RT_BINARY)
		return 0;
	return keep_bytes(st->k, st->s, p, n);
}

static int
ignore_sink(void *arg, enum rt_stream s, const char *p, size_t n)
{
	(void)arg, (void)s, (void)p, (void)n;
	return 0;
}

/*
 * Connects the operation's four WebSockets (LXD starts the command once
 * all are there), writes stdin and closes it, and reads stdout and
 * stderr until LXD closes them.  0 or -1 with err.
 */
static int
run_streams(const struct rt_endpoint *ep, const char *op, json_object *fds,
    const struct rt_exec_spec *xs, struct keep *k, long tmo,
    struct rt_err *err)
{
	static const char *const names[] = { "control", "0", "1", "2" };
	struct stream st[2] = { { k, RT_STDOUT }, { k, RT_STDERR } };
	struct rt_ws *ws[4] = { NULL, NULL, NULL, NULL };
	char path[512], msg[512];
	uint64_t deadline = now_us() + (uint64_t)tmo * 1000000ULL;
	const char *secret;
	long status, left;
	int i, rc = RT_OK;

	for (i = 0; i < 4 && rc == RT_OK; i++) {
		secret = jget_str(fds, names[i]);
		if (secret == NULL || strlen(secret) > 128 ||
		    strspn(secret, "0123456789abcdef") != strlen(secret)) {
			rt_err_set(err, RT_E_PROTO, "endpoint '%s': malformed "
			    "answer (an exec without its stream secrets)",
			    ep->name);
			rc = -1;
			goto out;
		}
		lx_path(ep, path, sizeof(path),
		    "/1.0/operations/%s/websocket?secret=%s", op, secret);
		rc = rt_ws_connect(&ep->target, path, i > 0 ? ws[0] : NULL,
		    i >= 2 ? stream_sink : ignore_sink, i >= 2 ? &st[i - 2] :
		    NULL, tmo, &status, &ws[i], msg, sizeof(msg));
	}
	if (rc == RT_OK && xs->in_len > 0)
		rc = rt_ws_send(ws[1], 1, xs->in, xs->in_len, tmo, msg,
		    sizeof(msg));
	if (rc == RT_OK) {
		rt_ws_close(ws[1]);	/* the end of stdin */
		ws[1] = NULL;
	}
	for (i = 2; i < 4 && rc == RT_OK; i++) {
		left = (long)((deadline > now_us() ? deadline - now_us() : 0) /
		    1000);
		rc = rt_ws_wait(ws[i], left > 0 ? left : 1, msg, sizeof(msg));
	}
	if (k->oom) {
		rt_err_set(err, RT_E_INTERNAL, "out of memory");
		rc = -1;
	} else if (rc != RT_OK) {
		rt_err_transport(err, rc == RT_E_STOPPED ? RT_E_PROTO : rc, ep,
		    msg);
		rc = -1;
	}
out:
	for (i = 3; i >= 0; i--)
		rt_ws_close(ws[i]);
	return rc;
}

/* ---- the call ---- */

int
lx_exec(const struct rt_endpoint *ep, const char *id,
    const struct rt_exec_spec *xs, struct rt_exec_result *x,
    struct rt_err *err)
{
	struct keep k = { x, xs->max_output ? xs->max_output :
	    rt_cfg.exec_max_output, 0 };
	json_object *body = NULL, *op0 = NULL, *op = NULL, *md;
	long tmo = xs->timeout_s ? xs->timeout_s : rt_cfg.runtime_timeout;
	long uid, gid;
	int ws = xs->in != NULL, rc = -1;
	int64_t ret;
	char path[256], opid[64];

	memset(x, 0, sizeof(*x));
	x->exit_code = -1;
	if (!lx_name_ok(id))
		return lx_no_instance(ep, id, err);
	if (xs->argv == NULL || xs->argv[0] == NULL) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': exec needs a "
		    "command", ep->name);
		return -1;
	}
	if (user_ids(ep, id, xs->user, &uid, &gid, err) < 0)
		return -1;
	body = lx_exec_body(xs, ws);
	json_object_object_add(body, "user", json_object_new_int64(uid));
	json_object_object_add(body, "group", json_object_new_int64(gid));
	lx_path(ep, path, sizeof(path), "/1.0/instances/%s/exec", id);
	{
		const char *s = json_object_to_json_string_ext(body,
		    JSON_C_TO_STRING_PLAIN);

		int rc2 = lx_send(ep, "POST", path, "application/json", s,
		    strlen(s), NULL, 0, RT_K_CONTAINER, &op0, opid, err);

		if (rc2 == LX_SYNC)
			rt_err_set(err, RT_E_PROTO, "endpoint '%s': exec "
			    "answered without an operation", ep->name);
		if (rc2 != LX_ASYNC)
			goto out;
	}
	if (ws && run_streams(ep, opid, jget_obj(jget_obj(op0, "metadata"),
	    "fds"), xs, &k, tmo, err) < 0)
		goto out;
	if (lx_op_wait(ep, opid, tmo, &op, err) < 0)
		goto out;
	md = jget_obj(op, "metadata");
	if ((ret = jget_int(md, "return", INT64_MIN)) == INT64_MIN) {
		/* It did not run: the operation's err says why. */
		if (lx_op_result(ep, op, RT_K_NONE, err) == 0)
			rt_err_set(err, RT_E_PROTO, "endpoint '%s': exec ended "
			    "without an exit code", ep->name);
		goto out;
	}
	x->exit_code = (int)ret;
	if (!ws && read_recorded(ep, jget_obj(md, "output"), &k, err) < 0)
		goto out;
	rc = 0;
out:
	json_object_put(body);
	json_object_put(op0);
	json_object_put(op);
	if (rc < 0)
		rt_exec_result_free(x);
	return rc;
}

/* A secret as LXD makes them: hex. */
static int
secret_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 16 && n <= 128 && strspn(s, "0123456789abcdef") == n;
}

int
lx_console_open(const struct rt_endpoint *ep, const char *id,
    const struct rt_console_spec *cs, struct rt_console *out,
    struct rt_err *err)
{
	static const char *const shell[] = { "/bin/sh", "-l", NULL };
	struct rt_exec_spec xs;
	json_object *body, *op0 = NULL, *fds, *env;
	const char *s, *term, *ctl;
	char path[256], opid[64];
	long uid, gid;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!lx_name_ok(id))
		return lx_no_instance(ep, id, err);
	if (user_ids(ep, id, cs->user, &uid, &gid, err) < 0)
		return -1;
	memset(&xs, 0, sizeof(xs));
	xs.argv = cs->argv ? cs->argv : shell;
	body = lx_exec_body(&xs, 1);
	json_object_object_add(body, "interactive", json_object_new_boolean(1));
	json_object_object_add(body, "width", json_object_new_int(
	    cs->width > 0 ? cs->width : 80));
	json_object_object_add(body, "height", json_object_new_int(
	    cs->height > 0 ? cs->height : 24));
	env = jget_obj(body, "environment");
	json_object_object_add(env, "TERM", json_object_new_string("xterm"));
	json_object_object_add(body, "user", json_object_new_int64(uid));
	json_object_object_add(body, "group", json_object_new_int64(gid));
	lx_path(ep, path, sizeof(path), "/1.0/instances/%s/exec", id);
	s = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
	rc = lx_send(ep, "POST", path, "application/json", s, strlen(s), NULL,
	    0, RT_K_CONTAINER, &op0, opid, err);
	json_object_put(body);
	if (rc != LX_ASYNC) {
		if (rc == LX_SYNC)
			rt_err_set(err, RT_E_PROTO, "endpoint '%s': exec "
			    "answered without an operation", ep->name);
		rc = -1;
		goto out;
	}
	rc = -1;
	fds = jget_obj(jget_obj(op0, "metadata"), "fds");
	term = jget_str(fds, "0");
	ctl = jget_str(fds, "control");
	if (!secret_ok(term) || !secret_ok(ctl)) {
		rt_err_set(err, RT_E_PROTO, "endpoint '%s': malformed answer "
		    "(a console without its channel secrets)", ep->name);
		goto out;
	}
	if (lx_path(ep, out->terminal, sizeof(out->terminal),
	    "/1.0/operations/%s/websocket?secret=%s", opid, term) < 0 ||
	    lx_path(ep, out->control, sizeof(out->control),
	    "/1.0/operations/%s/websocket?secret=%s", opid, ctl) < 0) {
		rt_err_set(err, RT_E_INTERNAL, "endpoint '%s': a console path "
		    "too long", ep->name);
		goto out;
	}
	rc = 0;
out:
	json_object_put(op0);
	if (rc < 0)
		explicit_bzero(out, sizeof(*out));
	return rc;
}
