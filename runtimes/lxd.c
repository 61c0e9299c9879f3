/*
 * lxd.c: the LXD REST API driver (system containers), through http.c
 * and ws.c, over LXD's unix socket or HTTPS with a client certificate
 * the server trusts.  Every request body is built in the driver field by
 * field from our structs; every answer is capped (runtime_max_answer)
 * and read with jget_*.
 *
 * LXD answers in one envelope of three types: sync (the result in
 * metadata), async (202 and an operation, which we wait for with
 * /1.0/operations/ID/wait, bounded by runtime_timeout) and error.  A
 * failed operation is a 200 too: its status_code and err say so.  LXD's
 * statuses and words become RT_E_* in lx_fail(): it has no 409, so its
 * "already exists", "in use" and the like are RT_E_CONFLICT; host paths
 * in its texts are taken out.
 *
 * This file holds the driver table (rt_lxd), the endpoint's preparation
 * (project, TLS, pod defaults) and the requests every call goes through,
 * declared for the other files in lxd.h: lxd_instances.c (list, create,
 * lifecycle, remove, inspect), lxd_exec.c (exec, the console), lxd_io.c
 * (logs, stats, files, events), lxd_images.c (list, remove, import),
 * lxd_network.c (port forwards, network setup), lxd_system.c (info,
 * version, ping), lxd_pods.c (the pod members).
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lxd.h"

/* Each wait request asks LXD for at most this many seconds, so a daemon
 * that went away is noticed. */
#define WAIT_STEP_S	30

/* ---- answers ---- */

/* msg with host paths ("/var/lib/lxd/..."; two slashes or more) taken
 * out, on one line. */
static void
scrub(const char *in, char *out, size_t outlen)
{
	static const char stops[] = " \t\r\n\"',;:()[]{}";
	size_t o = 0, n, slashes, i;

	if (outlen == 0)
		return;
	while (in != NULL && *in != '\0' && o + 1 < outlen) {
		if (*in == '/' && (o == 0 || strchr(stops, out[o - 1]))) {
			n = strcspn(in, stops);
			for (i = 0, slashes = 0; i < n; i++)
				slashes += in[i] == '/';
			if (slashes >= 2) {
				o += (size_t)snprintf(out + o, outlen - o,
				    "<path>");
				if (o >= outlen)
					o = outlen - 1;
				in += n;
				continue;
			}
		}
		out[o++] = *in == '\n' || *in == '\r' ? ' ' : *in;
		in++;
	}
	out[o] = '\0';
}

/* Whether text holds any of the words (a NULL-terminated list). */
static int
says(const char *text, const char *const *words)
{
	for (; *words != NULL; words++)
		if (strstr(text, *words) != NULL)
			return 1;
	return 0;
}

void
lx_fail(const struct rt_endpoint *ep, long status, const char *text,
    enum rt_kind kind, struct rt_err *err)
{
	static const char *const conflict[] = { "already exists",
	    "already running", "already stopped", "already frozen",
	    "is running", "is not running", "in use", "ETag doesn't match",
	    "is not frozen", "is frozen", NULL };
	static const char *const invalid[] = { "Invalid", "invalid",
	    "Unknown protocol", "Unknown action", "not valid", NULL };
	char msg[400];
	int code;

	scrub(text != NULL && *text != '\0' ? text : "no error text", msg,
	    sizeof(msg));
	if (status == 404 || strstr(msg, "Image not provided") != NULL) {
		code = RT_E_NOT_FOUND;
		if (strncmp(msg, "Image", 5) == 0)
			kind = RT_K_IMAGE;
		else if (strncmp(msg, "Network", 7) == 0)
			kind = RT_K_NETWORK;
		else if (strncmp(msg, "Operation", 9) == 0)
			kind = RT_K_NONE;
	} else if (status == 412 || says(msg, conflict))
		code = RT_E_CONFLICT;
	else if (status == 400 || says(msg, invalid) ||
	    strstr(msg, "not found") != NULL)
		code = RT_E_INVALID;	/* a parent, a profile... */
	else
		code = RT_E_ENGINE;
	if (status == 403)
		rt_err_set(err, RT_E_ENGINE, "endpoint '%s': %s (is this "
		    "client's certificate trusted? lxc config trust add)",
		    ep->name, msg);
	else
		rt_err_set(err, code, "endpoint '%s': %s", ep->name, msg);
	if (code == RT_E_NOT_FOUND)
		err->kind = kind;
	err->status = (int)status;
}

static int
malformed(const struct rt_endpoint *ep, const char *what, struct rt_err *err)
{
	rt_err_set(err, RT_E_PROTO, "endpoint '%s': malformed answer (%s)",
	    ep->name, what);
	return -1;
}

/* An operation id: what LXD makes (a UUID), nothing for a path. */
static int
op_id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n < 64 && strspn(s, "0123456789abcdef-") == n;
}

int
lx_envelope(const struct rt_endpoint *ep, long status, const char *body,
    size_t len, enum rt_kind kind, json_object **meta, char *op,
    struct rt_err *err)
{
	json_tokener *tok;
	json_object *root = NULL, *m;
	const char *type, *id;
	char text[200];
	int rc = -1;

	if (meta != NULL)
		*meta = NULL;
	if (body != NULL && len > 0 && (tok = json_tokener_new()) != NULL) {
		root = json_tokener_parse_ex(tok, body, (int)len);
		json_tokener_free(tok);
	}
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		if (status >= 200 && status < 300)
			return malformed(ep, "not a JSON envelope", err);
		/* body need not end in a NUL: at most len bytes of it */
		snprintf(text, sizeof(text), "HTTP %ld: %.*s", status,
		    body != NULL ? (int)(len < 150 ? len : 150) : 0,
		    body != NULL ? body : "");
		lx_fail(ep, status, text, kind, err);
		return -1;
	}
	type = jget_str(root, "type");
	m = json_object_object_get(root, "metadata");
	if (type != NULL && strcmp(type, "error") == 0) {
		lx_fail(ep, jget_int(root, "error_code", 0) > 0 ?
		    jget_int(root, "error_code", 0) : status,
		    jget_str(root, "error"), kind, err);
	} else if (status < 200 || status >= 300) {
		lx_fail(ep, status, jget_str(root, "error") ?
		    jget_str(root, "error") : "an error without text", kind, err);
	} else if (type != NULL && strcmp(type, "sync") == 0) {
		if (meta != NULL && m != NULL)
			*meta = json_object_get(m);
		rc = LX_SYNC;
	} else if (type != NULL && strcmp(type, "async") == 0) {
		id = jget_str(m, "id");
		if (id == NULL && jget_str(root, "operation") != NULL &&
		    strncmp(jget_str(root, "operation"), "/1.0/operations/",
		    16) == 0)
			id = jget_str(root, "operation") + 16;
		if (!op_id_ok(id))
			malformed(ep, "an operation without a usable id", err);
		else {
			snprintf(op, 64, "%s", id);
			if (meta != NULL && m != NULL)
				*meta = json_object_get(m);
			rc = LX_ASYNC;
		}
	} else
		malformed(ep, "an envelope of no known type", err);
	json_object_put(root);
	return rc;
}

int
lx_op_result(const struct rt_endpoint *ep, json_object *op, enum rt_kind kind,
    struct rt_err *err)
{
	int64_t code = jget_int(op, "status_code", 0);

	if (code == 200)
		return 0;
	if (code != 400 && code != 401)
		return malformed(ep, "an operation that has not ended", err);
	lx_fail(ep, 0, jget_str(op, "err") ? jget_str(op, "err") :
	    "the operation failed", kind, err);
	return -1;
}

/* ---- values ---- */

/* LXD's RFC 3339 time ("2026-12-01T16:46:09.4995Z", or with an offset)
 * as a time; 0 for none (Go's zero time, 0001-01-01). */
time_t
lx_time(const char *s)
{
	struct tm tm;
	const char *p;
	time_t t;
	int hh, mm;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL ||
	    tm.tm_year < 71)
		return 0;
	t = timegm(&tm);
	if (*p == '.')
		while (isdigit((unsigned char)*++p))
			;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &hh, &mm) ==
	    2)
		t -= (*p == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
	return t;
}

json_object *
lx_iso(const char *s)
{
	time_t t = lx_time(s);
	char buf[32];

	if (t == 0)
		return NULL;
	iso8601(buf, t);
	return json_object_new_string(buf);
}

json_object *
lx_str(const char *s)
{
	return json_object_new_string(s ? s : "");
}

/* ---- requests ---- */

int
lx_path(const struct rt_endpoint *ep, char *out, size_t len, const char *fmt,
    ...)
{
	va_list ap;
	int n;
	size_t used;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		return -1;
	used = (size_t)n;
	if (ep->project[0] != '\0') {
		n = snprintf(out + used, len - used, "%sproject=%s",
		    strchr(out, '?') ? "&" : "?", ep->project);
		if (n < 0 || (size_t)n >= len - used)
			return -1;
	}
	return 0;
}

/* The endpoint's target, with hdrs ("Name: value") added in copy. */
static int
target_with(const struct rt_endpoint *ep, const char *const *hdrs,
    struct rt_target *t, struct rt_err *err)
{
	char name[64];
	const char *colon, *v;

	*t = ep->target;
	for (; hdrs != NULL && *hdrs != NULL; hdrs++) {
		if ((colon = strchr(*hdrs, ':')) == NULL ||
		    (size_t)(colon - *hdrs) >= sizeof(name))
			goto bad;
		snprintf(name, sizeof(name), "%.*s", (int)(colon - *hdrs),
		    *hdrs);
		for (v = colon + 1; *v == ' '; v++)
			;
		if (rt_target_header(t, name, v) != 0)
			goto bad;
	}
	return 0;
bad:
	rt_err_set(err, RT_E_INTERNAL, "endpoint '%s': too many or bad "
	    "request headers", ep->name);
	return -1;
}

int
lx_send(const struct rt_endpoint *ep, const char *method, const char *path,
    const char *ctype, const void *body, size_t blen, const char *const *hdrs,
    long timeout_s, enum rt_kind kind, json_object **out, char *op,
    struct rt_err *err)
{
	struct rt_target t;
	struct rt_resp resp;
	char msg[512];
	int rc;

	if (out != NULL)
		*out = NULL;
	if (target_with(ep, hdrs, &t, err) < 0)
		return -1;
	rc = rt_http(&t, method, path, ctype, body, blen,
	    rt_cfg.runtime_max_answer, timeout_s, &resp, msg, sizeof(msg));
	explicit_bzero(t.hdr, sizeof(t.hdr));
	if (rc != RT_OK) {
		rt_err_transport(err, rc, ep, msg);
		return -1;
	}
	rc = lx_envelope(ep, resp.status, resp.body, resp.len, kind, out, op,
	    err);
	rt_resp_free(&resp);
	return rc;
}

int
lx_op_wait(const struct rt_endpoint *ep, const char *op, long timeout_s,
    json_object **opobj, struct rt_err *err)
{
	uint64_t deadline = now_us() + (uint64_t)(timeout_s > 0 ? timeout_s :
	    rt_cfg.runtime_timeout) * 1000000ULL;
	json_object *o = NULL;
	char path[256], dummy[64];
	long step;
	int64_t code;

	*opobj = NULL;
	for (;;) {
		step = (long)((deadline > now_us() ? deadline - now_us() : 0) /
		    1000000ULL);
		if (step < 1)
			step = 1;
		if (step > WAIT_STEP_S)
			step = WAIT_STEP_S;
		if (lx_path(ep, path, sizeof(path),
		    "/1.0/operations/%s/wait?timeout=%ld", op, step) < 0)
			return malformed(ep, "an operation id too long", err);
		if (lx_send(ep, "GET", path, NULL, NULL, 0, NULL, step + 10,
		    RT_K_NONE, &o, dummy, err) != LX_SYNC) {
			json_object_put(o);
			return -1;
		}
		if (!json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			return malformed(ep, "an operation that is no object",
			    err);
		}
		code = jget_int(o, "status_code", 0);
		if (code == 200 || code == 400 || code == 401) {
			*opobj = o;
			return 0;
		}
		json_object_put(o);
		o = NULL;
		if (now_us() >= deadline) {
			rt_err_set(err, RT_E_TIMEOUT, "endpoint '%s': operation "
			    "%s still running after %ld s", ep->name, op,
			    timeout_s > 0 ? timeout_s :
			    (long)rt_cfg.runtime_timeout);
			return -1;
		}
	}
}

int
lx_call(const struct rt_endpoint *ep, const char *method, const char *path,
    const char *ctype, const void *body, size_t blen, const char *const *hdrs,
    long timeout_s, enum rt_kind kind, json_object **out, struct rt_err *err)
{
	json_object *o = NULL;
	char op[64];
	int rc;

	if (out != NULL)
		*out = NULL;
	rc = lx_send(ep, method, path, ctype, body, blen, hdrs, 0, kind, &o,
	    op, err);
	if (rc == LX_ASYNC) {
		json_object_put(o);
		if (lx_op_wait(ep, op, timeout_s, &o, err) < 0)
			return -1;
		if (lx_op_result(ep, o, kind, err) < 0) {
			json_object_put(o);
			return -1;
		}
	} else if (rc < 0)
		return -1;
	if (out != NULL)
		*out = o;
	else
		json_object_put(o);
	return 0;
}

int
lx_json(const struct rt_endpoint *ep, const char *method, const char *path,
    json_object *body, long timeout_s, enum rt_kind kind, json_object **out,
    struct rt_err *err)
{
	const char *s = NULL;
	size_t len = 0;

	if (body != NULL)
		s = json_object_to_json_string_length(body,
		    JSON_C_TO_STRING_PLAIN, &len);
	return lx_call(ep, method, path, s ? "application/json" : NULL, s, len,
	    NULL, timeout_s, kind, out, err);
}

struct raw {
	char	*p;
	size_t	 len, max;
	int	 over, oom;
};

static int
raw_sink(void *arg, enum rt_stream s, const char *p, size_t n)
{
	struct raw *r = arg;

	(void)s;
	if (p == NULL || n == 0)
		return 0;
	if (r->len + n > r->max) {
		n = r->max - r->len;
		r->over = 1;
	}
	if (n > 0 && buf_append(&r->p, &r->len, p, n) < 0) {
		r->oom = 1;
		return -1;
	}
	return r->over ? -1 : 0;
}

int
lx_get_raw(const struct rt_endpoint *ep, const char *path, size_t max,
    enum rt_kind kind, char **data, size_t *len, int *truncated,
    struct rt_err *err)
{
	struct raw r = { NULL, 0, max, 0, 0 };
	char msg[1024], op[64];
	long status = 0;
	int rc;

	*data = NULL;
	*len = 0;
	if (truncated != NULL)
		*truncated = 0;
	rc = rt_http_stream(&ep->target, "GET", path, NULL, NULL, 0,
	    rt_cfg.runtime_timeout, &status, raw_sink, &r, msg, sizeof(msg));
	if (r.oom) {
		rt_err_set(err, RT_E_INTERNAL, "out of memory");
		goto err;
	}
	if (rc != RT_OK && rc != RT_E_STOPPED) {
		rt_err_transport(err, rc, ep, msg);
		goto err;
	}
	if (status < 200 || status >= 300) {
		(void)lx_envelope(ep, status, msg, strlen(msg), kind, NULL, op,
		    err);
		goto err;
	}
	if (r.over && truncated == NULL) {
		rt_err_set(err, RT_E_TOO_BIG, "endpoint '%s': an answer over "
		    "%zu bytes", ep->name, max);
		goto err;
	}
	if (truncated != NULL)
		*truncated = r.over;
	if (buf_append(&r.p, &r.len, "", 0) < 0 || (r.p == NULL &&
	    (r.p = calloc(1, 1)) == NULL)) {
		rt_err_set(err, RT_E_INTERNAL, "out of memory");
		goto err;
	}
	*data = r.p;
	*len = r.len;
	return 0;
err:
	free(r.p);
	return -1;
}

int
lx_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= 63 && isalpha((unsigned char)s[0]) &&
	    s[n - 1] != '-' && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}

int
lx_no_instance(const struct rt_endpoint *ep, const char *name,
    struct rt_err *err)
{
	rt_err_set(err, RT_E_NOT_FOUND, "endpoint '%s': no instance '%.64s'",
	    ep->name, name ? name : "");
	err->kind = RT_K_CONTAINER;
	return -1;
}

/* The instance object, with its state too when full (recursion=1). */
static int
instance_get(const struct rt_endpoint *ep, const char *name, int full,
    json_object **out, struct rt_err *err)
{
	char path[256];

	*out = NULL;
	if (!lx_name_ok(name))
		return lx_no_instance(ep, name, err);
	lx_path(ep, path, sizeof(path), "/1.0/instances/%s%s", name, full ?
	    "?recursion=1" : "");
	if (lx_json(ep, "GET", path, NULL, 0, RT_K_CONTAINER, out, err) < 0)
		return -1;
	if (!json_object_is_type(*out, json_type_object) ||
	    jget_str(*out, "name") == NULL) {
		json_object_put(*out);
		*out = NULL;
		return malformed(ep, "an instance", err);
	}
	return 0;
}

int
lx_instance(const struct rt_endpoint *ep, const char *name, json_object **out,
    struct rt_err *err)
{
	return instance_get(ep, name, 0, out, err);
}

int
lx_instance_full(const struct rt_endpoint *ep, const char *name,
    json_object **out, struct rt_err *err)
{
	return instance_get(ep, name, 1, out, err);
}

int
lx_instance_put(const struct rt_endpoint *ep, const char *name,
    json_object *inst, struct rt_err *err)
{
	static const char *const keys[] = { "architecture", "config",
	    "devices", "ephemeral", "profiles", "stateful", "description" };
	json_object *body = json_object_new_object(), *v;
	char path[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_object_get_ex(inst, keys[i], &v))
			json_object_object_add(body, keys[i],
			    json_object_get(v));
	lx_path(ep, path, sizeof(path), "/1.0/instances/%s", name);
	rc = lx_json(ep, "PUT", path, body, 0, RT_K_CONTAINER, NULL, err);
	json_object_put(body);
	return rc;
}

/* ---- the endpoint ---- */

/* An LXD name (a project, a pool, a network): 1 to max of
 * [A-Za-z0-9_-]. */
static int
lx_word_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= max && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/*
 * An LXD endpoint: its unix socket, or https with the client
 * certificate and key the server trusts, and the server's certificate
 * as tls_ca (LXD's own is self-signed) or its pinned SHA-256
 * fingerprint (tls_pin.c).  The project, when given, goes on every
 * request; storage (a pool) and bridge (a network) are the defaults of
 * new pods.  A token or a node is another driver's: refused.
 */
static int
lx_prepare(struct rt_endpoint *ep, const struct rt_endpoint_conf *c,
    struct rt_err *err)
{
	const char *p = c->project;
	int https = strncmp(c->url, "https://", 8) == 0;

	if (strncmp(c->url, "tcp://", 6) == 0) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': LXD answers on "
		    "its unix socket or on https://", c->name);
		return -1;
	}
	if (c->token != NULL || c->node != NULL) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': an LXD endpoint "
		    "takes no token or node (it trusts a client certificate)",
		    c->name);
		return -1;
	}
	if (https && (ep->target.cert[0] == '\0' ||
	    ep->target.key[0] == '\0')) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': LXD over https "
		    "needs tls_cert and tls_key, a client certificate the "
		    "server trusts (lxc config trust add)", c->name);
		return -1;
	}
	if (c->tls_fingerprint != NULL && ((c->tls_ca && *c->tls_ca) ||
	    !https || rt_target_pin(&ep->target, c->tls_fingerprint) != 0)) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': tls_fingerprint "
		    "(instead of tls_ca, on https only) is the server "
		    "certificate's SHA-256 fingerprint: 64 hex digits, with or "
		    "without ':' between pairs", c->name);
		return -1;
	}
	if ((p != NULL && *p != '\0' && !lx_word_ok(p,
	    sizeof(ep->project) - 1)) || (c->storage != NULL &&
	    !lx_word_ok(c->storage, sizeof(ep->storage) - 1)) ||
	    (c->bridge != NULL && !lx_word_ok(c->bridge,
	    sizeof(ep->bridge) - 1))) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': project, storage "
		    "(a pool) and bridge (a network) are 1 to 63 of "
		    "[A-Za-z0-9_-]", c->name);
		return -1;
	}
	snprintf(ep->project, sizeof(ep->project), "%s", p ? p : "");
	snprintf(ep->storage, sizeof(ep->storage), "%s", c->storage ?
	    c->storage : "");
	snprintf(ep->bridge, sizeof(ep->bridge), "%s", c->bridge ?
	    c->bridge : "");
	return 0;
}

const struct rt_driver rt_lxd = {
	.name = "lxd",
	.caps = RT_CAP_EXEC | RT_CAP_LOGS | RT_CAP_STATS | RT_CAP_EVENTS |
	    RT_CAP_IMAGES | RT_CAP_PAUSE | RT_CAP_FILES | RT_CAP_INSTANCE |
	    RT_CAP_FORWARDS | RT_CAP_NETSETUP | RT_CAP_IMPORT | RT_CAP_PODS |
	    RT_CAP_CONSOLE,
	.prepare = lx_prepare,
	.pods = &lx_pod_ops,
	.list = lx_list,
	.create = lx_create,
	.start = lx_start,
	.stop = lx_stop,
	.restart = lx_restart,
	.kill = lx_kill,
	.pause = lx_pause,
	.unpause = lx_unpause,
	.remove = lx_remove,
	.inspect = lx_inspect,
	.logs = lx_logs,
	.stats = lx_stats,
	.exec = lx_exec,
	.events = lx_events,
	.image_list = lx_image_list,
	.image_pull = lx_image_pull,
	.image_remove = lx_image_remove,
	.info = lx_info,
	.version = lx_version,
	.ping = lx_ping,
	.file_put = lx_file_put,
	.file_get = lx_file_get,
	.image_import = lx_image_import,
	.forward_list = lx_forward_list,
	.forward_add = lx_forward_add,
	.forward_remove = lx_forward_remove,
	.net_setup = lx_net_setup,
	.console_open = lx_console_open,
};
