/*
 * lxd_instances.c: the LXD driver's container calls: list (one request,
 * recursion=2), create (the body built field by field from our spec,
 * then started unless the spec says not), start, stop, restart, kill,
 * freeze and unfreeze as pause and unpause, remove (a forced one stops
 * first) and inspect; and the rows in our shape.  An instance's name is
 * its id.  Requests are lxd.c's (lxd.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lxd.h"

/* ---- rows ---- */

const char *
lx_status_of(const char *s)
{
	if (s == NULL)
		return "stopped";
	if (strcmp(s, "Running") == 0 || strcmp(s, "Starting") == 0 ||
	    strcmp(s, "Freezing") == 0)
		return "running";
	if (strcmp(s, "Frozen") == 0)
		return "paused";
	return "stopped";
}

int64_t
lx_bytes(const char *s)
{
	static const struct {
		const char	*suffix;
		int64_t		 mult;
	} units[] = {
		{ "B", 1 }, { "kB", 1000 }, { "MB", 1000000 },
		{ "GB", 1000000000 }, { "TB", 1000000000000LL },
		{ "KiB", 1024 }, { "MiB", 1048576 }, { "GiB", 1073741824 },
		{ "TiB", 1099511627776LL }, { "", 1 },
	};
	char *end;
	long long v;
	size_t i;

	if (s == NULL || !isdigit((unsigned char)*s))
		return 0;
	v = strtoll(s, &end, 10);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].suffix) == 0)
			return v > 0 && v <= INT64_MAX / units[i].mult ?
			    (int64_t)v * units[i].mult : 0;
	return 0;	/* a percentage, or not a size */
}

int
lx_addr_parse(const char *s, char *proto, size_t plen, char *addr,
    size_t alen, int *port)
{
	const char *c1, *c2;
	long p;

	if (s == NULL || (c1 = strchr(s, ':')) == NULL ||
	    (c2 = strrchr(s, ':')) == c1 || (size_t)(c1 - s) >= plen ||
	    (size_t)(c2 - c1 - 1) >= alen || parse_long(c2 + 1, 1, 65535,
	    &p) < 0)
		return -1;
	snprintf(proto, plen, "%.*s", (int)(c1 - s), s);
	/* "[::1]": the address bare, as it is written elsewhere */
	if (c1[1] == '[' && c2[-1] == ']')
		snprintf(addr, alen, "%.*s", (int)(c2 - c1 - 3), c1 + 2);
	else
		snprintf(addr, alen, "%.*s", (int)(c2 - c1 - 1), c1 + 1);
	*port = (int)p;
	return strcmp(proto, "tcp") == 0 || strcmp(proto, "udp") == 0 ? 0 : -1;
}

int
lx_proxy_of(json_object *d, struct lx_proxy *p)
{
	char proto[8];

	return jget_str(d, "type") != NULL &&
	    strcmp(jget_str(d, "type"), "proxy") == 0 &&
	    lx_addr_parse(jget_str(d, "listen"), p->proto, sizeof(p->proto),
	    p->listen, sizeof(p->listen), &p->lport) == 0 &&
	    lx_addr_parse(jget_str(d, "connect"), proto, sizeof(proto),
	    p->connect, sizeof(p->connect), &p->cport) == 0 ? 0 : -1;
}

/* The proxy devices as ports, "host:container" as Docker rows have. */
static json_object *
ports_of(json_object *devices)
{
	json_object *out = json_object_new_array();
	struct lx_proxy p;
	char buf[64];

	if (!json_object_is_type(devices, json_type_object))
		return out;
	json_object_object_foreach(devices, k, d) {
		(void)k;
		if (lx_proxy_of(d, &p) < 0)
			continue;
		snprintf(buf, sizeof(buf), "%d:%d%s", p.lport, p.cport,
		    strcmp(p.proto, "udp") == 0 ? "/udp" : "");
		json_object_array_add(out, json_object_new_string(buf));
	}
	return out;
}

/* user.* keys as labels, the image key aside. */
static json_object *
labels_of(json_object *config)
{
	json_object *out = json_object_new_object();

	if (!json_object_is_type(config, json_type_object))
		return out;
	json_object_object_foreach(config, k, v)
		if (strncmp(k, "user.", 5) == 0 && strcmp(k, LX_IMAGE_KEY) !=
		    0 && json_object_is_type(v, json_type_string))
			json_object_object_add(out, k + 5, json_object_get(v));
	return out;
}

/* environment.K keys as "K=V". */
static json_object *
env_of(json_object *config)
{
	json_object *out = json_object_new_array();
	char buf[4200];

	if (!json_object_is_type(config, json_type_object))
		return out;
	json_object_object_foreach(config, k, v)
		if (strncmp(k, "environment.", 12) == 0 &&
		    json_object_is_type(v, json_type_string)) {
			snprintf(buf, sizeof(buf), "%s=%s", k + 12,
			    json_object_get_string(v));
			json_object_array_add(out, json_object_new_string(buf));
		}
	return out;
}

/* Disk devices other than the root one, as our mounts. */
static json_object *
mounts_of(json_object *devices)
{
	json_object *out = json_object_new_array(), *m;
	const char *src;

	if (!json_object_is_type(devices, json_type_object))
		return out;
	json_object_object_foreach(devices, k, d) {
		(void)k;
		src = jget_str(d, "source");
		if (jget_str(d, "type") == NULL || src == NULL ||
		    strcmp(jget_str(d, "type"), "disk") != 0)
			continue;
		m = json_object_new_object();
		json_object_object_add(m, "type", json_object_new_string(
		    *src == '/' ? "bind" : "volume"));
		json_object_object_add(m, "source", json_object_new_string(src));
		json_object_object_add(m, "destination",
		    lx_str(jget_str(d, "path")));
		json_object_object_add(m, "read_only", json_object_new_boolean(
		    jget_str(d, "readonly") != NULL &&
		    strcmp(jget_str(d, "readonly"), "true") == 0));
		json_object_array_add(out, m);
	}
	return out;
}

/* The state's interfaces: {name: {addresses, hwaddr, host_name, state}}. */
static json_object *
networks_of(json_object *state)
{
	static const char *const copied[] = { "hwaddr", "host_name", "state",
	    "type" };
	json_object *out = json_object_new_object(), *n, *addrs, *a, *o;
	size_t i, j, cnt;

	if (!json_object_is_type(jget_obj(state, "network"), json_type_object))
		return out;
	json_object_object_foreach(jget_obj(state, "network"), k, v) {
		n = json_object_new_object();
		addrs = json_object_new_array();
		a = jget_arr(v, "addresses");
		cnt = a ? json_object_array_length(a) : 0;
		for (i = 0; i < cnt; i++) {
			json_object *ad = json_object_array_get_idx(a, i);

			o = json_object_new_object();
			json_object_object_add(o, "family",
			    lx_str(jget_str(ad, "family")));
			json_object_object_add(o, "address",
			    lx_str(jget_str(ad, "address")));
			json_object_object_add(o, "netmask",
			    lx_str(jget_str(ad, "netmask")));
			json_object_object_add(o, "scope",
			    lx_str(jget_str(ad, "scope")));
			json_object_array_add(addrs, o);
		}
		json_object_object_add(n, "addresses", addrs);
		for (j = 0; j < sizeof(copied) / sizeof(copied[0]); j++)
			json_object_object_add(n, copied[j],
			    lx_str(jget_str(v, copied[j])));
		json_object_object_add(out, k, n);
	}
	return out;
}

json_object *
lx_row_of(json_object *inst, int full)
{
	json_object *o = json_object_new_object(), *cfg, *dev, *st, *lim;
	const char *status = jget_str(inst, "status"), *image;
	int64_t cpus;

	cfg = jget_obj(inst, "expanded_config");
	if (cfg == NULL)
		cfg = jget_obj(inst, "config");
	dev = jget_obj(inst, "expanded_devices");
	if (dev == NULL)
		dev = jget_obj(inst, "devices");
	st = jget_obj(inst, "state");
	image = jget_str(cfg, LX_IMAGE_KEY);
	if (image == NULL)
		image = jget_str(cfg, "volatile.base_image");
	json_object_object_add(o, "id", lx_str(jget_str(inst, "name")));
	json_object_object_add(o, "name", lx_str(jget_str(inst, "name")));
	json_object_object_add(o, "image", lx_str(image));
	json_object_object_add(o, "status",
	    json_object_new_string(lx_status_of(status)));
	json_object_object_add(o, "state", lx_str(status));
	json_object_object_add(o, "created_at",
	    lx_iso(jget_str(inst, "created_at")));
	json_object_object_add(o, "ports", ports_of(dev));
	json_object_object_add(o, "command", json_object_new_string(""));
	json_object_object_add(o, "labels", labels_of(cfg));
	json_object_object_add(o, "owner", lx_str(jget_str(cfg,
	    LX_OWNER_KEY)));
	json_object_object_add(o, "type", lx_str(jget_str(inst, "type")));
	json_object_object_add(o, "profiles", jget_arr(inst, "profiles") ?
	    json_object_get(jget_arr(inst, "profiles")) :
	    json_object_new_array());
	if (!full)
		return o;
	json_object_object_add(o, "started_at",
	    lx_iso(jget_str(inst, "last_used_at")));
	json_object_object_add(o, "finished_at", NULL);
	json_object_object_add(o, "exit_code", json_object_new_int(0));
	json_object_object_add(o, "pid", json_object_new_int64(jget_int(st,
	    "pid", 0)));
	json_object_object_add(o, "environment", env_of(cfg));
	json_object_object_add(o, "network_mode", json_object_new_string(""));
	json_object_object_add(o, "restart_policy", json_object_new_string(
	    jget_str(cfg, "boot.autostart") != NULL &&
	    strcmp(jget_str(cfg, "boot.autostart"), "true") == 0 ? "always" :
	    "no"));
	json_object_object_add(o, "memory_limit", json_object_new_int64(
	    lx_bytes(jget_str(cfg, "limits.memory"))));
	cpus = 0;
	if (jget_str(cfg, "limits.cpu") != NULL &&
	    strspn(jget_str(cfg, "limits.cpu"), "0123456789") ==
	    strlen(jget_str(cfg, "limits.cpu")))
		cpus = strtoll(jget_str(cfg, "limits.cpu"), NULL, 10);
	if (cpus > INT64_MAX / 1000000000LL)
		cpus = 0;	/* more cores than can be: no limit we show */
	json_object_object_add(o, "nano_cpus", json_object_new_int64(cpus *
	    1000000000LL));
	json_object_object_add(o, "mounts", mounts_of(dev));
	json_object_object_add(o, "networks", networks_of(st));
	lim = json_object_new_object();
	json_object_object_add(lim, "cpu", lx_str(jget_str(cfg,
	    "limits.cpu")));
	json_object_object_add(lim, "memory", lx_str(jget_str(cfg,
	    "limits.memory")));
	json_object_object_add(o, "limits", lim);
	return o;
}

/* ---- list ---- */

/* Whether a row carries the "k=v" label (NULL: every row does). */
static int
has_label(json_object *row, const char *label)
{
	const char *eq, *v;
	char key[160];

	if (label == NULL)
		return 1;
	if ((eq = strchr(label, '=')) == NULL || (size_t)(eq - label) >=
	    sizeof(key))
		return 0;
	snprintf(key, sizeof(key), "%.*s", (int)(eq - label), label);
	v = jget_str(jget_obj(row, "labels"), key);
	return v != NULL && strcmp(v, eq + 1) == 0;
}

int
lx_list(const struct rt_endpoint *ep, const struct rt_list_opts *opts,
    json_object **rows, struct rt_err *err)
{
	json_object *arr = NULL, *out, *row;
	char path[128];
	size_t i, n;

	*rows = NULL;
	lx_path(ep, path, sizeof(path), "/1.0/instances?recursion=2");
	if (lx_json(ep, "GET", path, NULL, 0, RT_K_NONE, &arr, err) < 0)
		return -1;
	if (!json_object_is_type(arr, json_type_array)) {
		json_object_put(arr);
		rt_err_set(err, RT_E_PROTO, "endpoint '%s': malformed answer "
		    "(an instance list that is no array)", ep->name);
		return -1;
	}
	out = json_object_new_array();
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		row = lx_row_of(json_object_array_get_idx(arr, i), 0);
		if ((!opts->all && strcmp(jget_str(row, "status"), "running") !=
		    0) || !has_label(row, opts->label)) {
			json_object_put(row);
			continue;
		}
		json_object_array_add(out, row);
	}
	json_object_put(arr);
	*rows = out;
	return 0;
}

/* ---- create ---- */

/* An image reference: a full fingerprint, else an alias. */
static int
is_fingerprint(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

json_object *
lx_create_body(const struct rt_create_spec *s)
{
	json_object *o = json_object_new_object(), *src, *cfg, *dev, *d, *pr;
	const char *const *p;
	char key[256], val[32];
	const char *eq;
	size_t i, j;

	if (s->name != NULL)
		json_object_object_add(o, "name", json_object_new_string(
		    s->name));
	json_object_object_add(o, "type", json_object_new_string("container"));
	src = json_object_new_object();
	json_object_object_add(src, "type", json_object_new_string("image"));
	json_object_object_add(src, is_fingerprint(s->image) ? "fingerprint" :
	    "alias", json_object_new_string(s->image));
	json_object_object_add(o, "source", src);
	cfg = json_object_new_object();
	for (i = 0; i < s->nconfig; i++)
		json_object_object_add(cfg, s->config[i].key,
		    lx_str(s->config[i].value));
	for (i = 0; i < s->nlabels; i++) {
		snprintf(key, sizeof(key), "user.%s", s->labels[i].key);
		json_object_object_add(cfg, key,
		    lx_str(s->labels[i].value));
	}
	json_object_object_add(cfg, LX_IMAGE_KEY,
	    json_object_new_string(s->image));
	for (p = s->env; p != NULL && *p != NULL; p++)
		if ((eq = strchr(*p, '=')) != NULL && eq > *p) {
			snprintf(key, sizeof(key), "environment.%.*s",
			    (int)(eq - *p), *p);
			json_object_object_add(cfg, key,
			    json_object_new_string(eq + 1));
		}
	if (s->memory_bytes > 0) {
		snprintf(val, sizeof(val), "%lldB", (long long)s->memory_bytes);
		json_object_object_add(cfg, "limits.memory",
		    json_object_new_string(val));
	}
	if (s->nano_cpus > 0) {
		snprintf(val, sizeof(val), "%lld", (long long)((s->nano_cpus +
		    999999999) / 1000000000));
		json_object_object_add(cfg, "limits.cpu",
		    json_object_new_string(val));
	}
	if (s->pids_limit > 0) {
		snprintf(val, sizeof(val), "%lld", (long long)s->pids_limit);
		json_object_object_add(cfg, "limits.processes",
		    json_object_new_string(val));
	}
	json_object_object_add(o, "config", cfg);
	dev = json_object_new_object();
	for (i = 0; i < s->ndevs; i++) {
		d = json_object_new_object();
		for (j = 0; j < s->devs[i].nopts; j++)
			json_object_object_add(d, s->devs[i].opts[j].key,
			    lx_str(s->devs[i].opts[j].value));
		json_object_object_add(dev, s->devs[i].name, d);
	}
	json_object_object_add(o, "devices", dev);
	if (s->profiles != NULL) {
		pr = json_object_new_array();
		for (p = s->profiles; *p != NULL; p++)
			json_object_array_add(pr, json_object_new_string(*p));
		json_object_object_add(o, "profiles", pr);
	}
	return o;
}

/* Made stopped (LXD 5.0 has no "start" in the create body); the handler
 * starts it unless the spec says not. */
int
lx_create(const struct rt_endpoint *ep, const struct rt_create_spec *s,
    char *id, size_t idlen, struct rt_err *err)
{
	json_object *body;
	char path[128];
	int rc;

	if (s->image == NULL || !lx_name_ok(s->name)) {
		rt_err_set(err, RT_E_INVALID, "endpoint '%s': an LXD instance "
		    "needs an image and a name of letters, digits and '-' "
		    "(at most 63, starting with a letter)", ep->name);
		return -1;
	}
	body = lx_create_body(s);
	lx_path(ep, path, sizeof(path), "/1.0/instances");
	rc = lx_json(ep, "POST", path, body, 0, RT_K_IMAGE, NULL, err);
	json_object_put(body);
	if (rc < 0)
		return -1;
	snprintf(id, idlen, "%s", s->name);
	return 0;
}

/* ---- lifecycle ---- */

/* The instance's LXD status word into out ("" if it cannot be read). */
static void
status_now(const struct rt_endpoint *ep, const char *name, char *out,
    size_t outlen)
{
	json_object *o = NULL;
	struct rt_err e;
	char path[256];

	out[0] = '\0';
	lx_path(ep, path, sizeof(path), "/1.0/instances/%s/state", name);
	if (lx_json(ep, "GET", path, NULL, 0, RT_K_CONTAINER, &o, &e) == 0)
		snprintf(out, outlen, "%s", jget_str(o, "status") ?
		    jget_str(o, "status") : "");
	json_object_put(o);
}

/*
 * PUT .../state {action, timeout, force} and its operation.  A conflict
 * ("already running") with the instance in fact in state want (LXD's
 * word; NULL: none) is RT_CHANGED_NOT.
 */
static int
state_put(const struct rt_endpoint *ep, const char *name, const char *action,
    int timeout_s, int force, const char *want, struct rt_err *err)
{
	json_object *body;
	char path[256], now[32];
	int rc;

	if (!lx_name_ok(name))
		return lx_no_instance(ep, name, err);
	body = json_object_new_object();
	json_object_object_add(body, "action", json_object_new_string(action));
	json_object_object_add(body, "timeout", json_object_new_int(
	    timeout_s > 0 ? timeout_s : -1));
	json_object_object_add(body, "force", json_object_new_boolean(force));
	lx_path(ep, path, sizeof(path), "/1.0/instances/%s/state", name);
	rc = lx_json(ep, "PUT", path, body, (long)timeout_s +
	    rt_cfg.runtime_timeout, RT_K_CONTAINER, NULL, err);
	json_object_put(body);
	if (rc < 0 && err->code == RT_E_CONFLICT && want != NULL) {
		status_now(ep, name, now, sizeof(now));
		if (strcmp(now, want) == 0)
			return RT_CHANGED_NOT;
	}
	return rc;
}

int
lx_start(const struct rt_endpoint *ep, const char *id, struct rt_err *err)
{
	return state_put(ep, id, "start", 0, 0, "Running", err);
}

/* A clean shutdown within timeout_s, then a forced stop (Docker's stop
 * semantics); timeout 0 forces at once. */
int
lx_stop(const struct rt_endpoint *ep, const char *id, int timeout_s,
    struct rt_err *err)
{
	int rc;

	if (timeout_s > 0) {
		rc = state_put(ep, id, "stop", timeout_s, 0, "Stopped", err);
		if (rc >= 0 || err->code == RT_E_NOT_FOUND ||
		    err->code == RT_E_UNREACHABLE)
			return rc;
	}
	return state_put(ep, id, "stop", 0, 1, "Stopped", err);
}

int
lx_restart(const struct rt_endpoint *ep, const char *id, int timeout_s,
    struct rt_err *err)
{
	int rc;

	if (timeout_s > 0) {
		rc = state_put(ep, id, "restart", timeout_s, 0, NULL, err);
		if (rc >= 0 || err->code == RT_E_NOT_FOUND ||
		    err->code == RT_E_UNREACHABLE)
			return rc;
	}
	return state_put(ep, id, "restart", 0, 1, NULL, err);
}

/* LXD sends no chosen signal: a kill is a forced stop. */
int
lx_kill(const struct rt_endpoint *ep, const char *id, const char *sig,
    struct rt_err *err)
{
	(void)sig;
	return state_put(ep, id, "stop", 0, 1, NULL, err);
}

int
lx_pause(const struct rt_endpoint *ep, const char *id, struct rt_err *err)
{
	return state_put(ep, id, "freeze", 0, 0, "Frozen", err);
}

int
lx_unpause(const struct rt_endpoint *ep, const char *id, struct rt_err *err)
{
	return state_put(ep, id, "unfreeze", 0, 0, "Running", err);
}

/* LXD refuses to delete a running instance: force stops it first. */
int
lx_remove(const struct rt_endpoint *ep, const char *id, int force,
    struct rt_err *err)
{
	char path[256], now[32];

	if (!lx_name_ok(id))
		return lx_no_instance(ep, id, err);
	if (force) {
		status_now(ep, id, now, sizeof(now));
		if (strcmp(now, "Stopped") != 0 && now[0] != '\0' &&
		    state_put(ep, id, "stop", 0, 1, "Stopped", err) < 0)
			return -1;
	}
	lx_path(ep, path, sizeof(path), "/1.0/instances/%s", id);
	return lx_json(ep, "DELETE", path, NULL, 0, RT_K_CONTAINER, NULL, err);
}

int
lx_inspect(const struct rt_endpoint *ep, const char *id, json_object **out,
    struct rt_err *err)
{
	json_object *inst = NULL;

	*out = NULL;
	if (lx_instance_full(ep, id, &inst, err) < 0)
		return -1;
	*out = lx_row_of(inst, 1);
	json_object_put(inst);
	return 0;
}
