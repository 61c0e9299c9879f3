/*
 * engine_system.c: the engine side of the /system routes, after dokemon-api.md: summary,
 * per-container usage, prune, and /docker-debug, the connectivity
 * diagnosis for each endpoint.  /system/info's "runtime" member comes
 * from engine_info_json() here.  What an engine says about itself comes
 * in our words (struct rt_info, rt_version), built by its driver.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handlers.h"

/*
 * The default engine's info for /system/info: {endpoint, available,
 * info} or {endpoint, available, info: null, error}.  Podman takes
 * seconds to build its info, and /system/info is a cheap probe for
 * monitors: so each worker keeps the answer (60 s; a failure 10 s) and
 * fetches it within a third of request_timeout (1 to 5 s); past that
 * the engine is still "available", only its info is missing.
 */
json_object *
engine_info_json(void)
{
	static json_object *cached;
	static uint64_t at_us;
	static int cached_ok;
	struct rt_endpoint ep;
	struct rt_info info;
	json_object *o;
	struct rt_err e;
	uint64_t now = now_us();
	long budget = front_cfg.request_timeout / 3;

	if (cached != NULL && now - at_us < (cached_ok ? 60 : 10) * 1000000ULL)
		return json_object_get(cached);
	json_object_put(cached);
	o = json_object_new_object();
	if (rt_endpoint_default(&ep, &e) < 0) {
		json_object_object_add(o, "available",
		    json_object_new_boolean(0));
		json_object_object_add(o, "error", json_object_new_string(e.msg));
		return o;	/* a config problem: not cached */
	}
	json_object_object_add(o, "endpoint", json_object_new_string(ep.name));
	budget = budget < 1 ? 1 : budget > 5 ? 5 : budget;
	cached_ok = ep.driver->info != NULL &&
	    ep.driver->info(&ep, budget, &info, &e) == 0;
	if (cached_ok) {
		json_object_object_add(o, "available",
		    json_object_new_boolean(1));
		json_object_object_add(o, "info", json_object_get(info.raw));
		rt_info_free(&info);
	} else {
		/* Slow or odd is still there; unreachable is not. */
		json_object_object_add(o, "available", json_object_new_boolean(
		    ep.driver->info != NULL && e.code != RT_E_UNREACHABLE));
		json_object_object_add(o, "info", NULL);
		json_object_object_add(o, "error", json_object_new_string(
		    ep.driver->info ? e.msg : "not supported"));
	}
	cached = o;
	at_us = now;
	return json_object_get(cached);
}

/*
 * GET /system/summary: dokemon's summary of one endpoint: docker_version,
 * containers {total, running, paused, stopped}, images, storage_driver,
 * operating_system, architecture, cpus, total_memory.
 */
int
h_system_summary(struct request *r)
{
	struct rt_endpoint ep;
	struct rt_info info;
	json_object *o;
	struct rt_err e;

	if (ctr_endpoint(r, &ep) < 0)
		return r->status;
	if (ep.driver->info == NULL)
		return ctr_unsupported(r, &ep, "system info");
	if (ep.driver->info(&ep, 0, &info, &e) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	o = json_object_new_object();
	json_object_object_add(o, "endpoint", json_object_new_string(ep.name));
	json_object_object_add(o, "docker_version",
	    json_object_new_string(info.version));
	json_object_object_add(o, "containers", rt_info_counts(&info));
	json_object_object_add(o, "images", json_object_new_int64(info.images));
	json_object_object_add(o, "storage_driver",
	    json_object_new_string(info.storage_driver));
	json_object_object_add(o, "operating_system",
	    json_object_new_string(info.os));
	json_object_object_add(o, "architecture",
	    json_object_new_string(info.arch));
	json_object_object_add(o, "cpus", json_object_new_int64(info.cpus));
	json_object_object_add(o, "total_memory", json_object_new_string(
	    req_printf(r, "%.3fGiB", (double)info.memory /
	    (1024.0 * 1024 * 1024))));
	json_object_object_add(o, "total_memory_bytes",
	    json_object_new_int64(info.memory));
	rt_info_free(&info);
	return resp_ok(r, 200, "summary", o);
}

/*
 * GET /system/stats: one usage sample per running container the caller
 * may see (at most 100; no-stream is the only mode).  A container that
 * stops meanwhile is skipped.
 */
int
h_system_stats(struct request *r)
{
	struct rt_list_opts lo = { 0, NULL };
	struct rt_endpoint ep;
	json_object *rows = NULL, *out, *row, *st;
	const char *id, *name;
	struct rt_err e;
	size_t i, n;

	if (ctr_endpoint(r, &ep) < 0)
		return r->status;
	if (ep.driver->list == NULL || !rt_can(&ep, RT_CAP_STATS))
		return ctr_unsupported(r, &ep, "stats");
	if (!ctr_is_admin(r))
		lo.label = req_printf(r, CTR_OWNER_LABEL "=%s", r->who.user);
	if (ep.driver->list(&ep, &lo, &rows, &e) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	out = json_object_new_array();
	n = json_object_array_length(rows);
	for (i = 0; i < n && json_object_array_length(out) < 100; i++) {
		row = json_object_array_get_idx(rows, i);
		if (!ctr_may_see(r, jget_str(row, "owner")))
			continue;
		if ((id = jget_str(row, "id")) == NULL ||
		    ep.driver->stats(&ep, id, &st, &e) < 0)
			continue;
		json_object_object_add(st, "id", json_object_new_string(id));
		name = jget_str(row, "name");
		json_object_object_add(st, "name", name ?
		    json_object_new_string(name) : NULL);
		json_object_object_add(st, "endpoint",
		    json_object_new_string(ep.name));
		json_object_array_add(out, st);
	}
	json_object_put(rows);
	n = json_object_array_length(out);
	return resp_list(r, "stats", out, (long)n, (long)n, 0);
}

/*
 * POST /system/prune?force=true[&label=k=v]: removes stopped containers,
 * dangling images, unused networks and volumes (only those labelled so,
 * with label).  Without force=true: 400, nothing removed.
 */
int
h_system_prune(struct request *r)
{
	struct rt_endpoint ep;
	const char *label = req_query(r, "label");
	json_object *out;
	struct rt_err e;
	int force;

	if (req_query_bool(r, "force", 0, &force) < 0)
		return r->status;
	if (!force)
		return resp_error(r, CC_E_INVALID_REQUEST, "prune removes "
		    "stopped containers, dangling images and unused networks "
		    "and volumes: confirm with force=true");
	if (label != NULL && (strlen(label) > 200 || strspn(label,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	    "_.=-") != strlen(label)))
		return resp_error(r, CC_E_INVALID_REQUEST, "label must be "
		    "key or key=value of [A-Za-z0-9_.-]");
	if (ctr_endpoint(r, &ep) < 0)
		return r->status;
	if (!rt_can(&ep, RT_CAP_PRUNE))
		return ctr_unsupported(r, &ep, "prune");
	if (ep.driver->prune(&ep, label, &out, &e) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	json_object_object_add(out, "endpoint", json_object_new_string(ep.name));
	return resp_ok(r, 200, "prune", out);
}

static void
advise(json_object *adv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
advise(json_object *adv, const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_array_add(adv, json_object_new_string(buf));
}

/* The diagnosis of one endpoint. */
static json_object *
diagnose(const struct rt_endpoint *ep)
{
	json_object *o = json_object_new_object(), *sock, *adv, *p,
	    *rows = NULL;
	struct rt_list_opts lo = { 1, NULL };
	struct rt_version ver;
	const char *path = ep->target.unix_path;
	struct rt_err e;
	struct stat st;
	char mode[8];
	int exists = 0, rw = 0, ping_ok;

	adv = json_object_new_array();
	json_object_object_add(o, "name", json_object_new_string(ep->name));
	json_object_object_add(o, "url", json_object_new_string(ep->url));
	json_object_object_add(o, "transport", json_object_new_string(
	    path[0] ? "unix" : strncmp(ep->url, "https://", 8) == 0 ? "https" :
	    "tcp"));
	if (path[0] != '\0') {
		sock = json_object_new_object();
		json_object_object_add(sock, "path",
		    json_object_new_string(path));
		exists = stat(path, &st) == 0;
		json_object_object_add(sock, "exists",
		    json_object_new_boolean(exists));
		if (exists) {
			rw = access(path, R_OK | W_OK) == 0;
			json_object_object_add(sock, "is_socket",
			    json_object_new_boolean(S_ISSOCK(st.st_mode)));
			snprintf(mode, sizeof(mode), "%04o",
			    (unsigned)(st.st_mode & 07777));
			json_object_object_add(sock, "mode",
			    json_object_new_string(mode));
			json_object_object_add(sock, "uid",
			    json_object_new_int((int)st.st_uid));
			json_object_object_add(sock, "gid",
			    json_object_new_int((int)st.st_gid));
			json_object_object_add(sock, "readable_writable",
			    json_object_new_boolean(rw));
		}
		json_object_object_add(o, "socket", sock);
	}
	ping_ok = ep->driver->ping != NULL && ep->driver->ping(ep, &e) == 0;
	p = json_object_new_object();
	json_object_object_add(p, "ok", json_object_new_boolean(ping_ok));
	if (!ping_ok)
		json_object_object_add(p, "error", json_object_new_string(
		    ep->driver->ping ? e.msg : "not supported"));
	json_object_object_add(o, "ping", p);
	if (ping_ok && ep->driver->version != NULL &&
	    ep->driver->version(ep, &ver, &e) == 0) {
		p = json_object_new_object();
		json_object_object_add(p, "version",
		    json_object_new_string(ver.version));
		json_object_object_add(p, "api_version",
		    json_object_new_string(ver.api_version));
		json_object_object_add(p, "min_api_version",
		    json_object_new_string(ver.min_api_version));
		json_object_object_add(p, "os", json_object_new_string(ver.os));
		json_object_object_add(p, "arch",
		    json_object_new_string(ver.arch));
		json_object_object_add(o, "version", p);
	}
	if (ping_ok && ep->driver->list != NULL) {
		p = json_object_new_object();
		if (ep->driver->list(ep, &lo, &rows, &e) == 0) {
			json_object_object_add(p, "ok",
			    json_object_new_boolean(1));
			json_object_object_add(p, "containers",
			    json_object_new_int((int)
			    json_object_array_length(rows)));
			json_object_put(rows);
		} else {
			json_object_object_add(p, "ok",
			    json_object_new_boolean(0));
			json_object_object_add(p, "error",
			    json_object_new_string(e.msg));
		}
		json_object_object_add(o, "list_test", p);
	}
	if (path[0] != '\0' && !exists)
		advise(adv, "The socket %s does not exist. Start the engine "
		    "(podman system service --time=0 unix://%s, or systemctl "
		    "start podman.socket / docker) or point docker_host at the "
		    "right socket.", path, path);
	else if (path[0] != '\0' && !rw)
		advise(adv, "The server (uid %d) cannot read and write %s. Add "
		    "its user to the socket's group, or run the engine's "
		    "socket with a group the server is in.", (int)geteuid(),
		    path);
	else if (!ping_ok && path[0] != '\0')
		advise(adv, "The socket %s exists but no engine answers on it: "
		    "the engine has probably stopped; restart it.", path);
	else if (!ping_ok)
		advise(adv, "No engine answers at %s. Check that it listens "
		    "there, that the host and port are reachable, and for "
		    "https that tls_ca, tls_cert and tls_key match the "
		    "engine's certificates.", ep->url);
	if (json_object_array_length(adv) == 0)
		advise(adv, "No problems found.");
	json_object_object_add(o, "healthy", json_object_new_boolean(ping_ok));
	json_object_object_add(o, "advice", adv);
	return o;
}

/*
 * GET /docker-debug[?endpoint=name]: for each endpoint (or the one
 * named): socket existence and permissions, ping, version, a list test
 * and concrete advice.  Always 200: the diagnosis is the answer.
 */
int
h_docker_debug(struct request *r)
{
	struct rt_endpoint *eps = NULL, one;
	json_object *o, *arr;
	const char *name = req_query(r, "endpoint");
	struct rt_err e;
	size_t i, n = 1;

	if (name != NULL && strcmp(name, "all") != 0) {
		if (ctr_endpoint(r, &one) < 0)
			return r->status;
		eps = &one;
	} else if (endpoints_all(&eps, &n, &e) < 0)
		return ctr_ep_error(r, &e);
	arr = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(arr, diagnose(&eps[i]));
	if (eps != &one)
		free(eps);
	o = json_object_new_object();
	json_object_object_add(o, "server_uid", json_object_new_int(
	    (int)geteuid()));
	json_object_object_add(o, "server_gid", json_object_new_int(
	    (int)getegid()));
	json_object_object_add(o, "docker_host_config",
	    json_object_new_string(rt_cfg.docker_host));
	json_object_object_add(o, "docker_host_env_ignored",
	    json_object_new_boolean(getenv("DOCKER_HOST") != NULL));
	json_object_object_add(o, "endpoints", arr);
	return resp_ok(r, 200, "diagnostics", o);
}
