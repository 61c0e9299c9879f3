/*
 * lxd_system.c: the LXD driver's calls about the daemon itself: info
 * (GET /1.0, /1.0/resources and the instance and image lists, in our
 * words), version and ping.  The certificate the daemon sends in /1.0
 * is left out of raw.  Requests are lxd.c's (lxd.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lxd.h"

static void
copy_str(char *dst, size_t len, json_object *o, const char *key)
{
	const char *v = jget_str(o, key);

	snprintf(dst, len, "%s", v ? v : "");
}

/* GET /1.0 as an object (the server's environment in it). */
static int
server(const struct rt_endpoint *ep, json_object **out, struct rt_err *err)
{
	char path[64];

	lx_path(ep, path, sizeof(path), "/1.0");
	if (lx_json(ep, "GET", path, NULL, 0, RT_K_NONE, out, err) < 0)
		return -1;
	if (!json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		rt_err_set(err, RT_E_PROTO, "endpoint '%s': malformed answer "
		    "(the server)", ep->name);
		return -1;
	}
	return 0;
}

int
lx_info(const struct rt_endpoint *ep, long timeout_s, struct rt_info *out,
    struct rt_err *err)
{
	json_object *o = NULL, *env, *res = NULL, *rows = NULL, *imgs = NULL;
	struct rt_list_opts lo = { 1, NULL };
	const char *st;
	char path[64];
	size_t i, n;

	(void)timeout_s;
	memset(out, 0, sizeof(*out));
	if (server(ep, &o, err) < 0)
		return -1;
	env = jget_obj(o, "environment");
	json_object_object_del(env, "certificate");
	copy_str(out->name, sizeof(out->name), env, "server_name");
	snprintf(out->driver, sizeof(out->driver), "%s", rt_lxd.name);
	copy_str(out->version, sizeof(out->version), env, "server_version");
	snprintf(out->os, sizeof(out->os), "%s%s%s", jget_str(env, "os_name") ?
	    jget_str(env, "os_name") : "", jget_str(env, "os_version") ? " " :
	    "", jget_str(env, "os_version") ? jget_str(env, "os_version") : "");
	copy_str(out->arch, sizeof(out->arch), env, "kernel_architecture");
	copy_str(out->kernel, sizeof(out->kernel), env, "kernel_version");
	copy_str(out->storage_driver, sizeof(out->storage_driver), env,
	    "storage");
	/* The rest is extra: what cannot be read now stays 0. */
	lx_path(ep, path, sizeof(path), "/1.0/resources");
	if (lx_json(ep, "GET", path, NULL, 0, RT_K_NONE, &res, err) == 0) {
		out->cpus = jget_int(jget_obj(res, "cpu"), "total", 0);
		out->memory = jget_int(jget_obj(res, "memory"), "total", 0);
	}
	if (lx_list(ep, &lo, &rows, err) == 0) {
		n = json_object_array_length(rows);
		out->containers.total = (int64_t)n;
		for (i = 0; i < n; i++) {
			st = jget_str(json_object_array_get_idx(rows, i),
			    "status");
			if (strcmp(st, "running") == 0)
				out->containers.running++;
			else if (strcmp(st, "paused") == 0)
				out->containers.paused++;
			else
				out->containers.stopped++;
		}
	}
	lx_path(ep, path, sizeof(path), "/1.0/images");
	if (lx_json(ep, "GET", path, NULL, 0, RT_K_NONE, &imgs, err) == 0 &&
	    json_object_is_type(imgs, json_type_array))
		out->images = (int64_t)json_object_array_length(imgs);
	json_object_put(res);
	json_object_put(rows);
	json_object_put(imgs);
	out->raw = o;
	return 0;
}

int
lx_version(const struct rt_endpoint *ep, struct rt_version *out,
    struct rt_err *err)
{
	json_object *o = NULL, *env;

	memset(out, 0, sizeof(*out));
	if (server(ep, &o, err) < 0)
		return -1;
	env = jget_obj(o, "environment");
	copy_str(out->version, sizeof(out->version), env, "server_version");
	copy_str(out->api_version, sizeof(out->api_version), o, "api_version");
	snprintf(out->os, sizeof(out->os), "linux");
	copy_str(out->arch, sizeof(out->arch), env, "kernel_architecture");
	json_object_put(o);
	return 0;
}

/* GET /1.0 (5 s at most): 0 when the daemon answers and trusts us. */
int
lx_ping(const struct rt_endpoint *ep, struct rt_err *err)
{
	struct rt_resp resp;
	json_object *o = NULL;
	char path[64], msg[512], op[64];
	int rc;

	lx_path(ep, path, sizeof(path), "/1.0");
	if ((rc = rt_http(&ep->target, "GET", path, NULL, NULL, 0,
	    rt_cfg.runtime_max_answer, 5, &resp, msg, sizeof(msg))) != RT_OK) {
		rt_err_transport(err, rc, ep, msg);
		return -1;
	}
	rc = lx_envelope(ep, resp.status, resp.body, resp.len, RT_K_NONE, &o,
	    op, err);
	rt_resp_free(&resp);
	if (rc == LX_SYNC && jget_str(o, "auth") != NULL &&
	    strcmp(jget_str(o, "auth"), "trusted") != 0) {
		rt_err_set(err, RT_E_ENGINE, "endpoint '%s': the daemon does "
		    "not trust this client (lxc config trust add)", ep->name);
		rc = -1;
	}
	json_object_put(o);
	return rc == LX_SYNC ? 0 : -1;
}
