/*
 * docker_containers.c: the Docker driver's container calls: list,
 * create (the engine's body built field by field from our spec),
 * start, stop, restart, kill, pause, unpause, remove, inspect and wait.
 * Requests and readers are docker.c's (docker.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "docker.h"

/* Ports of a list row ([{IP, PrivatePort, PublicPort, Type}]) as
 * "host:container" strings; unpublished ports as "container/proto". */
static json_object *
ports_of_list(json_object *arr)
{
	json_object *out = json_object_new_array(), *p;
	char buf[128];
	size_t i, n;

	n = json_object_is_type(arr, json_type_array) ?
	    json_object_array_length(arr) : 0;
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(arr, i);
		if (jget_int(p, "PublicPort", 0) > 0)
			snprintf(buf, sizeof(buf), "%lld:%lld",
			    (long long)jget_int(p, "PublicPort", 0),
			    (long long)jget_int(p, "PrivatePort", 0));
		else
			snprintf(buf, sizeof(buf), "%lld/%s",
			    (long long)jget_int(p, "PrivatePort", 0),
			    jget_str(p, "Type") ? jget_str(p, "Type") : "tcp");
		json_object_array_add(out, json_object_new_string(buf));
	}
	return out;
}

/* Ports of inspect (NetworkSettings.Ports {"80/tcp": [{HostPort}]}). */
static json_object *
ports_of_inspect(json_object *map)
{
	json_object *out = json_object_new_array(), *b;
	char buf[128];
	size_t i, n;

	if (!json_object_is_type(map, json_type_object))
		return out;
	json_object_object_foreach(map, k, v) {
		n = json_object_is_type(v, json_type_array) ?
		    json_object_array_length(v) : 0;
		for (i = 0; i < n; i++) {
			b = json_object_array_get_idx(v, i);
			snprintf(buf, sizeof(buf), "%s:%.*s",
			    jget_str(b, "HostPort") ? jget_str(b, "HostPort") :
			    "",
			    (int)strcspn(k, "/"), k);
			json_object_array_add(out,
			    json_object_new_string(buf));
		}
		if (n == 0)
			json_object_array_add(out, json_object_new_string(k));
	}
	return out;
}

/* A list row in our shape. */
static json_object *
row_of(json_object *c)
{
	json_object *o = json_object_new_object(), *names;
	const char *name = "", *state = jget_str(c, "State");

	names = jget_arr(c, "Names");
	if (json_object_is_type(names, json_type_array) &&
	    json_object_array_length(names) > 0 &&
	    json_object_is_type(json_object_array_get_idx(names, 0),
	    json_type_string))
		name = json_object_get_string(json_object_array_get_idx(names,
		    0));
	if (*name == '/')
		name++;
	json_object_object_add(o, "id", dk_jnew_str(jget_str(c, "Id")));
	json_object_object_add(o, "name", dk_jnew_str(name));
	json_object_object_add(o, "image", dk_jnew_str(jget_str(c, "Image")));
	json_object_object_add(o, "status",
	    json_object_new_string(rt_status_of(state)));
	json_object_object_add(o, "state", dk_jnew_str(state));
	json_object_object_add(o, "status_text",
	    dk_jnew_str(jget_str(c, "Status")));
	json_object_object_add(o, "created_at",
	    dk_iso_or_null((time_t)jget_int(c, "Created", 0)));
	json_object_object_add(o, "ports", ports_of_list(jget_arr(c, "Ports")));
	json_object_object_add(o, "command",
	    dk_jnew_str(jget_str(c, "Command")));
	json_object_object_add(o, "labels",
	    dk_labels_copy(jget_obj(c, "Labels")));
	json_object_object_add(o, "owner",
	    dk_jnew_str(jget_str(jget_obj(c, "Labels"), "cc.owner")));
	return o;
}

int
dk_list(const struct rt_endpoint *ep, const struct rt_list_opts *opts,
    json_object **rows, struct rt_err *err)
{
	json_object *arr = NULL, *out;
	char *path, *fq = dk_label_filter(opts->label);
	size_t i, n;
	int rc;

	*rows = NULL;
	if (asprintf(&path, API "/containers/json?all=%s%s%s",
	    opts->all ? "true" : "false", fq ? "&filters=" : "",
	    fq ? fq : "") < 0) {
		curl_free(fq);
		rt_err_set(err, RT_E_INTERNAL, "out of memory");
		return -1;
	}
	curl_free(fq);
	rc = dk_get_as(ep, path, RT_K_NONE, json_type_array,
	    "container list", &arr, err);
	free(path);
	if (rc < 0)
		return -1;
	out = json_object_new_array();
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++)
		json_object_array_add(out,
		    row_of(json_object_array_get_idx(arr, i)));
	json_object_put(arr);
	*rows = out;
	return 0;
}

/*
 * The engine's create body from our spec, field by field: nothing from
 * the user's JSON is forwarded as is.
 */
json_object *
dk_create_body(const struct rt_create_spec *s)
{
	json_object *o = json_object_new_object(), *hc, *lab, *ex, *pb, *a,
	    *b, *m, *rp;
	char key[32], hp[16];
	size_t i;

	json_object_object_add(o, "Image", dk_jnew_str(s->image));
	dk_add_argv(o, "Cmd", s->cmd);
	dk_add_argv(o, "Entrypoint", s->entrypoint);
	dk_add_argv(o, "Env", s->env);
	if (s->user != NULL)
		json_object_object_add(o, "User", dk_jnew_str(s->user));
	if (s->workdir != NULL)
		json_object_object_add(o, "WorkingDir",
		    dk_jnew_str(s->workdir));
	if (s->hostname != NULL)
		json_object_object_add(o, "Hostname", dk_jnew_str(s->hostname));
	json_object_object_add(o, "Tty", json_object_new_boolean(s->tty));
	json_object_object_add(o, "OpenStdin",
	    json_object_new_boolean(s->open_stdin));
	lab = json_object_new_object();
	for (i = 0; i < s->nlabels; i++)
		json_object_object_add(lab, s->labels[i].key,
		    dk_jnew_str(s->labels[i].value));
	json_object_object_add(o, "Labels", lab);

	hc = json_object_new_object();
	if (s->nports > 0) {
		ex = json_object_new_object();
		pb = json_object_new_object();
		for (i = 0; i < s->nports; i++) {
			snprintf(key, sizeof(key), "%d/%s",
			    s->ports[i].container_port,
			    s->ports[i].proto[0] ? s->ports[i].proto : "tcp");
			json_object_object_add(ex, key,
			    json_object_new_object());
			if (!json_object_object_get_ex(pb, key, &a)) {
				a = json_object_new_array();
				json_object_object_add(pb, key, a);
			}
			b = json_object_new_object();
			json_object_object_add(b, "HostIp",
			    dk_jnew_str(s->ports[i].host_ip));
			snprintf(hp, sizeof(hp), "%d", s->ports[i].host_port);
			json_object_object_add(b, "HostPort",
			    json_object_new_string(s->ports[i].host_port ?
			    hp : ""));
			json_object_array_add(a, b);
		}
		json_object_object_add(o, "ExposedPorts", ex);
		json_object_object_add(hc, "PortBindings", pb);
	}
	if (s->nmounts > 0) {
		a = json_object_new_array();
		for (i = 0; i < s->nmounts; i++) {
			m = json_object_new_object();
			json_object_object_add(m, "Type",
			    json_object_new_string(s->mounts[i].bind ?
			    "bind" : "volume"));
			json_object_object_add(m, "Source",
			    dk_jnew_str(s->mounts[i].source));
			json_object_object_add(m, "Target",
			    dk_jnew_str(s->mounts[i].target));
			json_object_object_add(m, "ReadOnly",
			    json_object_new_boolean(s->mounts[i].read_only));
			json_object_array_add(a, m);
		}
		json_object_object_add(hc, "Mounts", a);
	}
	if (s->network_mode != NULL)
		json_object_object_add(hc, "NetworkMode",
		    dk_jnew_str(s->network_mode));
	if (s->restart_policy != NULL) {
		rp = json_object_new_object();
		json_object_object_add(rp, "Name",
		    dk_jnew_str(s->restart_policy));
		json_object_object_add(rp, "MaximumRetryCount",
		    json_object_new_int(s->restart_max));
		json_object_object_add(hc, "RestartPolicy", rp);
	}
	if (s->memory_bytes > 0)
		json_object_object_add(hc, "Memory",
		    json_object_new_int64(s->memory_bytes));
	if (s->nano_cpus > 0)
		json_object_object_add(hc, "NanoCpus",
		    json_object_new_int64(s->nano_cpus));
	if (s->pids_limit > 0)
		json_object_object_add(hc, "PidsLimit",
		    json_object_new_int64(s->pids_limit));
	if (s->privileged)
		json_object_object_add(hc, "Privileged",
		    json_object_new_boolean(1));
	if (s->pid_host)
		json_object_object_add(hc, "PidMode",
		    json_object_new_string("host"));
	dk_add_argv(hc, "CapAdd", s->cap_add);
	dk_add_argv(hc, "CapDrop", s->cap_drop);
	if (s->devices != NULL) {
		const char *const *d;

		a = json_object_new_array();
		for (d = s->devices; *d != NULL; d++) {
			char src[256] = "", dst[256] = "", perm[8] = "rwm";

			sscanf(*d, "%255[^:]:%255[^:]:%7s", src, dst, perm);
			m = json_object_new_object();
			json_object_object_add(m, "PathOnHost",
			    json_object_new_string(src));
			json_object_object_add(m, "PathInContainer",
			    json_object_new_string(dst[0] ? dst : src));
			json_object_object_add(m, "CgroupPermissions",
			    json_object_new_string(perm));
			json_object_array_add(a, m);
		}
		json_object_object_add(hc, "Devices", a);
	}
	json_object_object_add(o, "HostConfig", hc);
	return o;
}

int
dk_create(const struct rt_endpoint *ep, const struct rt_create_spec *s,
    char *id, size_t idlen, struct rt_err *err)
{
	json_object *body, *ans = NULL;
	char *path, *n = NULL;
	int rc;

	if (s->name != NULL && (n = dk_esc(s->name)) == NULL)
		goto oom;
	if (asprintf(&path, API "/containers/create%s%s", n ? "?name=" : "",
	    n ? n : "") < 0) {
		curl_free(n);
		goto oom;
	}
	curl_free(n);
	body = dk_create_body(s);
	rc = dk_json(ep, "POST", path, body, RT_K_IMAGE, &ans, err);
	free(path);
	json_object_put(body);
	if (rc == 0 && jget_str(ans, "Id") == NULL) {
		rt_err_set(err, RT_E_PROTO, "endpoint '%s': create "
		    "answered without an Id", ep->name);
		rc = -1;
	}
	if (rc == 0)
		snprintf(id, idlen, "%s", jget_str(ans, "Id"));
	json_object_put(ans);
	return rc < 0 ? -1 : 0;
oom:
	rt_err_set(err, RT_E_INTERNAL, "out of memory");
	return -1;
}

/* POST /containers/{id}/{action}[?query]. */
static int
dk_action(const struct rt_endpoint *ep, const char *id, const char *action,
    const char *query, long timeout_s, struct rt_err *err)
{
	char path[512];

	snprintf(path, sizeof(path), API "/containers/%s/%s%s%s", id, action,
	    query ? "?" : "", query ? query : "");
	return dk_call(ep, "POST", path, NULL, NULL, 0, timeout_s,
	    RT_K_CONTAINER, NULL, err);
}

int
dk_start(const struct rt_endpoint *ep, const char *id, struct rt_err *err)
{
	return dk_action(ep, id, "start", NULL, 0, err);
}

int
dk_stop(const struct rt_endpoint *ep, const char *id, int timeout_s,
    struct rt_err *err)
{
	char q[32];

	snprintf(q, sizeof(q), "t=%d", timeout_s);
	/* The engine waits up to t seconds before killing: allow for it. */
	return dk_action(ep, id, "stop", q, timeout_s + rt_cfg.runtime_timeout,
	    err);
}

int
dk_restart(const struct rt_endpoint *ep, const char *id, int timeout_s,
    struct rt_err *err)
{
	char q[32];

	snprintf(q, sizeof(q), "t=%d", timeout_s);
	return dk_action(ep, id, "restart", q, timeout_s + rt_cfg.runtime_timeout,
	    err);
}

int
dk_kill(const struct rt_endpoint *ep, const char *id, const char *sig,
    struct rt_err *err)
{
	char q[64];

	snprintf(q, sizeof(q), "signal=%s", sig ? sig : "KILL");
	return dk_action(ep, id, "kill", q, 0, err);
}

/* The engine state of one container, "" if it cannot be read. */
static void
dk_state(const struct rt_endpoint *ep, const char *id, char *out,
    size_t outlen)
{
	json_object *o = NULL;
	struct rt_err e;
	char path[512];

	out[0] = '\0';
	snprintf(path, sizeof(path), API "/containers/%s/json", id);
	if (dk_json(ep, "GET", path, NULL, RT_K_CONTAINER, &o,
	    &e) == 0)
		snprintf(out, outlen, "%s", jget_str(jget_obj(o, "State"),
		    "Status") ? jget_str(jget_obj(o, "State"), "Status") : "");
	json_object_put(o);
}

/*
 * Pause and unpause: Podman answers 500 "state improper" when the
 * container is already there, Docker 409; both become RT_CHANGED_NOT
 * when the container is in fact in the target state.
 */
static int
dk_pause_common(const struct rt_endpoint *ep, const char *id,
    const char *action, const char *target, struct rt_err *err)
{
	char state[32];
	int rc;

	rc = dk_action(ep, id, action, NULL, 0, err);
	if (rc < 0 && err->code == RT_E_CONFLICT) {
		dk_state(ep, id, state, sizeof(state));
		if (strcmp(state, target) == 0)
			return RT_CHANGED_NOT;
	}
	return rc;
}

int
dk_pause(const struct rt_endpoint *ep, const char *id, struct rt_err *err)
{
	return dk_pause_common(ep, id, "pause", "paused", err);
}

int
dk_unpause(const struct rt_endpoint *ep, const char *id, struct rt_err *err)
{
	return dk_pause_common(ep, id, "unpause", "running", err);
}

int
dk_remove(const struct rt_endpoint *ep, const char *id, int force,
    struct rt_err *err)
{
	char path[512];

	snprintf(path, sizeof(path), API "/containers/%s?force=%s&v=true", id,
	    force ? "true" : "false");
	return dk_call(ep, "DELETE", path, NULL, NULL, 0, 0,
	    RT_K_CONTAINER, NULL, err) < 0 ? -1 : 0;
}

static json_object *
mounts_of(json_object *arr)
{
	json_object *out = json_object_new_array(), *m, *o;
	size_t i, n;

	n = json_object_is_type(arr, json_type_array) ?
	    json_object_array_length(arr) : 0;
	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(arr, i);
		o = json_object_new_object();
		json_object_object_add(o, "type",
		    dk_jnew_str(jget_str(m, "Type")));
		json_object_object_add(o, "source",
		    dk_jnew_str(jget_str(m, "Name") &&
		    strcmp(jget_str(m, "Type") ? jget_str(m, "Type") : "",
		    "volume") == 0 ? jget_str(m, "Name") :
		    jget_str(m, "Source")));
		json_object_object_add(o, "destination",
		    dk_jnew_str(jget_str(m, "Destination")));
		json_object_object_add(o, "read_only", json_object_new_boolean(
		    !jget_bool(m, "RW", 0)));
		json_object_array_add(out, o);
	}
	return out;
}

int
dk_inspect(const struct rt_endpoint *ep, const char *id, json_object **out,
    struct rt_err *err)
{
	json_object *c = NULL, *o, *st, *cf, *hc;
	const char *name, *state;
	char path[512];

	*out = NULL;
	snprintf(path, sizeof(path), API "/containers/%s/json", id);
	if (dk_json(ep, "GET", path, NULL, RT_K_CONTAINER, &c,
	    err) < 0)
		return -1;
	if (dk_want_type(ep, c, json_type_object, "container inspect",
	    err) < 0 ||
	    jget_str(c, "Id") == NULL) {
		if (jget_str(c, "Id") == NULL)
			rt_err_set(err, RT_E_PROTO, "endpoint '%s': "
			    "malformed container inspect", ep->name);
		json_object_put(c);
		return -1;
	}
	st = jget_obj(c, "State");
	cf = jget_obj(c, "Config");
	hc = jget_obj(c, "HostConfig");
	name = jget_str(c, "Name") ? jget_str(c, "Name") : "";
	if (*name == '/')
		name++;
	state = jget_str(st, "Status");
	o = json_object_new_object();
	json_object_object_add(o, "id", dk_jnew_str(jget_str(c, "Id")));
	json_object_object_add(o, "name", dk_jnew_str(name));
	json_object_object_add(o, "image", dk_jnew_str(jget_str(cf, "Image")));
	json_object_object_add(o, "image_id", dk_jnew_str(jget_str(c, "Image")));
	json_object_object_add(o, "status",
	    json_object_new_string(rt_status_of(state)));
	json_object_object_add(o, "state", dk_jnew_str(state));
	json_object_object_add(o, "created_at",
	    dk_iso_or_null(dk_time(jget_str(c, "Created"))));
	json_object_object_add(o, "started_at",
	    dk_iso_or_null(dk_time(jget_str(st, "StartedAt"))));
	json_object_object_add(o, "finished_at",
	    dk_iso_or_null(dk_time(jget_str(st, "FinishedAt"))));
	json_object_object_add(o, "exit_code",
	    json_object_new_int((int)jget_int(st, "ExitCode", 0)));
	json_object_object_add(o, "pid", json_object_new_int64(jget_int(st,
	    "Pid", 0)));
	json_object_object_add(o, "oom_killed", json_object_new_boolean(
	    jget_bool(st, "OOMKilled", 0)));
	json_object_object_add(o, "ports", ports_of_inspect(
	    jget_obj(jget_obj(c, "NetworkSettings"), "Ports")));
	json_object_object_add(o, "command", dk_strings_of(jget_arr(cf, "Cmd")));
	json_object_object_add(o, "environment",
	    dk_strings_of(jget_arr(cf, "Env")));
	json_object_object_add(o, "labels",
	    dk_labels_copy(jget_obj(cf, "Labels")));
	json_object_object_add(o, "owner",
	    dk_jnew_str(jget_str(jget_obj(cf, "Labels"), "cc.owner")));
	json_object_object_add(o, "user", dk_jnew_str(jget_str(cf, "User")));
	json_object_object_add(o, "workdir", dk_jnew_str(jget_str(cf,
	    "WorkingDir")));
	json_object_object_add(o, "network_mode",
	    dk_jnew_str(jget_str(hc, "NetworkMode")));
	json_object_object_add(o, "restart_policy",
	    dk_jnew_str(jget_str(jget_obj(hc, "RestartPolicy"), "Name")));
	json_object_object_add(o, "memory_limit",
	    json_object_new_int64(jget_int(hc, "Memory", 0)));
	json_object_object_add(o, "nano_cpus",
	    json_object_new_int64(jget_int(hc, "NanoCpus", 0)));
	json_object_object_add(o, "mounts", mounts_of(jget_arr(c, "Mounts")));
	json_object_put(c);
	*out = o;
	return 0;
}

int
dk_wait(const struct rt_endpoint *ep, const char *id, long timeout_s,
    int *exit_code, struct rt_err *err)
{
	json_object *o = NULL;
	char path[512];
	int64_t code = INT64_MIN;
	int rc;

	snprintf(path, sizeof(path), API "/containers/%s/wait"
	    "?condition=not-running", id);
	rc = dk_call(ep, "POST", path, NULL, NULL, 0, timeout_s > 0 ?
	    timeout_s : rt_cfg.runtime_timeout, RT_K_CONTAINER, &o, err);
	/* An exit code is a number: INT64_MIN is none of them. */
	if (rc == 0 && (code = jget_int(o, "StatusCode", INT64_MIN)) ==
	    INT64_MIN) {
		rt_err_set(err, RT_E_PROTO, "endpoint '%s': wait "
		    "answered without a StatusCode", ep->name);
		rc = -1;
	}
	if (rc == 0)
		*exit_code = (int)code;
	json_object_put(o);
	return rc < 0 ? -1 : 0;
}
