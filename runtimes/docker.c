/*
 * docker.c: the Docker Engine API driver (Docker and Podman's compatible
 * service), through http.c.  Every request body is built in the driver
 * field by field from our structs; every answer is capped
 * (runtime_max_answer) and read with jget_* (a missing or mistyped
 * member becomes a default), an unparsable answer RT_E_PROTO.
 *
 * Engine statuses become RT_E_* in dk_fail(): 404 -> RT_E_NOT_FOUND of
 * the caller's kind, 409 and Podman's "container state improper" ->
 * RT_E_CONFLICT, 400 -> RT_E_INVALID, anything else -> RT_E_ENGINE, all
 * with the engine's status and message and the endpoint's name.
 *
 * This file holds the driver table (rt_docker), the requests every call
 * goes through and the builders more than one resource uses, all
 * declared for the other files in docker.h.  The calls themselves are one
 * file a resource: docker_containers.c (list, create, lifecycle, inspect,
 * wait), docker_container_io.c (logs, stats, exec, archives, events),
 * docker_images.c (list, pull, remove, build), docker_networks.c (list,
 * create, remove), docker_volumes.c (list, create, remove),
 * docker_system.c (info, version, ping, prune); docker_demux.c reads the
 * engine's framed output.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "docker.h"

/* ---- values ---- */

json_object *
dk_jnew_str(const char *s)
{
	return json_object_new_string(s ? s : "");
}

/* RFC 3339 ("2024-01-01T12:00:00.123456789+01:00") to unix seconds. */
time_t
dk_time(const char *s)
{
	struct tm tm;
	const char *p;
	time_t t;
	int sign, hh, mm;

	if (s == NULL)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return 0;
	if (tm.tm_year < 71)
		return 0;	/* Go's zero time: never */
	t = timegm(&tm);
	if (*p == '.')
		while (isdigit((unsigned char)*++p))
			;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &hh,
	    &mm) == 2) {
		sign = *p == '+' ? 1 : -1;
		t -= sign * (hh * 3600 + mm * 60);
	}
	return t;
}

json_object *
dk_iso_or_null(time_t t)
{
	char buf[32];

	if (t <= 0)
		return NULL;
	iso8601(buf, t);
	return json_object_new_string(buf);
}

/* ---- requests ---- */

/* The engine's message from an error answer ({"message": ...}), else
 * the answer's first bytes. */
static void
engine_message(const char *body, char *out, size_t outlen)
{
	json_object *o = NULL;
	const char *m;

	if (body != NULL && *body == '{')
		o = json_tokener_parse(body);
	if ((m = jget_str(o, "message")) != NULL)
		snprintf(out, outlen, "%s", m);
	else
		snprintf(out, outlen, "%.200s", body ? body : "");
	json_object_put(o);
	/* One line only: it ends up in a JSON message. */
	for (; *out; out++)
		if (*out == '\n' || *out == '\r')
			*out = ' ';
}

/* Fills err for an engine status that is not success; kind is what a
 * 404 is about. */
void
dk_fail(const struct rt_endpoint *ep, long status, const char *body,
    enum rt_kind kind, struct rt_err *err)
{
	char msg[400];
	int code;

	engine_message(body, msg, sizeof(msg));
	if (status == 404)
		code = RT_E_NOT_FOUND;
	else if (status == 409 || strstr(msg, "state improper") != NULL ||
	    strstr(msg, "already") != NULL ||
	    strstr(msg, "in use") != NULL || strstr(msg, "is being used") !=
	    NULL)
		code = RT_E_CONFLICT;
	else if (status == 400)
		code = RT_E_INVALID;
	else
		code = RT_E_ENGINE;
	rt_err_set(err, code, "endpoint '%s': %s", ep->name, msg);
	if (code == RT_E_NOT_FOUND)
		err->kind = kind;
	err->status = (int)status;
}

/*
 * How a stream ended: 0 when it ran to its end or the sink stopped it,
 * else -1 with err set (kind: what the engine's 404 is about here).
 */
int
dk_stream_end(const struct rt_endpoint *ep, int rc, long status,
    const char *msg, enum rt_kind kind, struct rt_err *err)
{
	if (rc == RT_E_STOPPED)
		return 0;
	if (rc != RT_OK) {
		rt_err_transport(err, rc, ep, msg);
		return -1;
	}
	if (status < 200 || status >= 300) {
		dk_fail(ep, status, msg, kind, err);
		return -1;
	}
	return 0;
}

/*
 * One request; on 2xx *out (if wanted) gets the parsed JSON answer.
 * Returns 0, RT_CHANGED_NOT for 304, or -1 with err.
 */
int
dk_call(const struct rt_endpoint *ep, const char *method, const char *path,
    const char *ctype, const void *body, size_t blen, long timeout_s,
    enum rt_kind kind, json_object **out, struct rt_err *err)
{
	struct rt_resp resp;
	char msg[512];
	json_tokener *tok;
	int rc;

	if (out != NULL)
		*out = NULL;
	if ((rc = rt_http(&ep->target, method, path, ctype, body, blen,
	    rt_cfg.runtime_max_answer, timeout_s, &resp, msg, sizeof(msg))) !=
	    RT_OK) {
		rt_err_transport(err, rc, ep, msg);
		return -1;
	}
	if (resp.status == 304) {
		rt_resp_free(&resp);
		return RT_CHANGED_NOT;
	}
	if (resp.status < 200 || resp.status >= 300) {
		dk_fail(ep, resp.status, resp.body, kind, err);
		rt_resp_free(&resp);
		return -1;
	}
	rc = 0;
	if (out != NULL && resp.len > 0) {
		if ((tok = json_tokener_new()) == NULL)
			rc = -1;
		else {
			*out = json_tokener_parse_ex(tok, resp.body,
			    (int)resp.len);
			json_tokener_free(tok);
		}
		if (*out == NULL) {
			rt_err_set(err, RT_E_PROTO, "endpoint '%s': "
			    "unparsable answer to %s %s", ep->name, method,
			    path);
			rc = -1;
		}
	}
	rt_resp_free(&resp);
	return rc;
}

int
dk_json(const struct rt_endpoint *ep, const char *method, const char *path,
    json_object *body, enum rt_kind kind, json_object **out,
    struct rt_err *err)
{
	const char *s = NULL;
	size_t len = 0;

	if (body != NULL)
		s = json_object_to_json_string_length(body,
		    JSON_C_TO_STRING_PLAIN, &len);
	return dk_call(ep, method, path, s ? "application/json" : NULL, s,
	    len, 0, kind, out, err);
}

/* An answer that must be of one JSON type. */
int
dk_want_type(const struct rt_endpoint *ep, json_object *o, json_type t,
    const char *what, struct rt_err *err)
{
	if (o != NULL && json_object_is_type(o, t))
		return 0;
	rt_err_set(err, RT_E_PROTO, "endpoint '%s': malformed answer "
	    "for %s", ep->name, what);
	return -1;
}

/*
 * GET path and check the answer is of type t; on any failure *out is NULL
 * and err says why (kind: what a 404 is about).  The caller puts *out.
 */
int
dk_get_as(const struct rt_endpoint *ep, const char *path, enum rt_kind kind,
    json_type t, const char *what, json_object **out, struct rt_err *err)
{
	*out = NULL;
	if (dk_json(ep, "GET", path, NULL, kind, out, err) < 0 ||
	    dk_want_type(ep, *out, t, what, err) < 0) {
		json_object_put(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

char *
dk_esc(const char *s)
{
	return curl_easy_escape(NULL, s, 0);
}

/* filters={"label":["k=v"]}, URL-escaped (curl_free it); NULL if none. */
char *
dk_label_filter(const char *label)
{
	json_object *f, *l;
	char *q;

	if (label == NULL)
		return NULL;
	f = json_object_new_object();
	l = json_object_new_array();
	json_object_object_add(f, "label", l);
	json_object_array_add(l, json_object_new_string(label));
	q = dk_esc(json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN));
	json_object_put(f);
	return q;
}

/* ---- builders and sinks more than one resource uses ---- */

/* A copy of a labels object, string values only. */
json_object *
dk_labels_copy(json_object *l)
{
	json_object *out = json_object_new_object();

	if (!json_object_is_type(l, json_type_object))
		return out;
	json_object_object_foreach(l, k, v)
		if (json_object_is_type(v, json_type_string))
			json_object_object_add(out, k,
			    json_object_get(v));
	return out;
}

/* A copy of an array, string members only. */
json_object *
dk_strings_of(json_object *arr)
{
	json_object *out = json_object_new_array(), *v;
	size_t i, n;

	n = json_object_is_type(arr, json_type_array) ?
	    json_object_array_length(arr) : 0;
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(arr, i);
		if (json_object_is_type(v, json_type_string))
			json_object_array_add(out, json_object_get(v));
	}
	return out;
}

/* o[key] = argv as a JSON array; nothing when v is NULL. */
void
dk_add_argv(json_object *o, const char *key, const char *const *v)
{
	json_object *a;

	if (v == NULL)
		return;
	a = json_object_new_array();
	for (; *v != NULL; v++)
		json_object_array_add(a, json_object_new_string(*v));
	json_object_object_add(o, key, a);
}

/* A sink that cuts a stream into lines (struct dk_lines, docker.h)
 * and hands each non-empty one to l->fn; a line that fills the
 * whole buffer is dropped. */
int
dk_lines_sink(void *arg, enum rt_stream s, const char *p, size_t n)
{
	struct dk_lines *l = arg;
	char *nl;
	size_t take, used;

	if (p == NULL)
		return l->fn(l->arg, s == RT_WAIT ? RT_WAIT : RT_RAW, NULL, 0);
	while (n > 0) {
		take = n < sizeof(l->buf) - l->len ? n : sizeof(l->buf) -
		    l->len;
		memcpy(l->buf + l->len, p, take);
		l->len += take;
		p += take;
		n -= take;
		while ((nl = memchr(l->buf, '\n', l->len)) != NULL) {
			used = (size_t)(nl - l->buf) + 1;
			if (used > 1 && l->fn(l->arg, RT_RAW, l->buf,
			    used - 1) != 0)
				return -1;
			memmove(l->buf, l->buf + used, l->len - used);
			l->len -= used;
		}
		if (l->len == sizeof(l->buf))
			l->len = 0;	/* an absurd line: dropped */
	}
	return 0;
}

/* The create body of a network or volume: Name, Driver, Labels. */
json_object *
dk_named_body(const char *name, const char *driver, const struct rt_kv *labels,
    size_t nlabels)
{
	json_object *b = json_object_new_object(), *l;
	size_t i;

	json_object_object_add(b, "Name", json_object_new_string(name));
	if (driver != NULL)
		json_object_object_add(b, "Driver",
		    json_object_new_string(driver));
	l = json_object_new_object();
	for (i = 0; i < nlabels; i++)
		json_object_object_add(l, labels[i].key,
		    dk_jnew_str(labels[i].value));
	json_object_object_add(b, "Labels", l);
	return b;
}

const struct rt_driver rt_docker = {
	.name = "docker",
	.caps = RT_CAP_EXEC | RT_CAP_ARCHIVE | RT_CAP_LOGS | RT_CAP_STATS |
	    RT_CAP_EVENTS | RT_CAP_IMAGES | RT_CAP_BUILD | RT_CAP_NETWORKS |
	    RT_CAP_VOLUMES | RT_CAP_PAUSE | RT_CAP_WAIT | RT_CAP_PRUNE,
	.list = dk_list,
	.create = dk_create,
	.start = dk_start,
	.stop = dk_stop,
	.restart = dk_restart,
	.kill = dk_kill,
	.pause = dk_pause,
	.unpause = dk_unpause,
	.remove = dk_remove,
	.inspect = dk_inspect,
	.wait = dk_wait,
	.logs = dk_logs,
	.stats = dk_stats_one,
	.exec = dk_exec,
	.put_archive = dk_put_archive,
	.get_archive = dk_get_archive,
	.events = dk_events,
	.image_list = dk_image_list,
	.image_pull = dk_image_pull,
	.image_remove = dk_image_remove,
	.image_build = dk_image_build,
	.network_list = dk_network_list,
	.network_create = dk_network_create,
	.network_remove = dk_network_remove,
	.volume_list = dk_volume_list,
	.volume_create = dk_volume_create,
	.volume_remove = dk_volume_remove,
	.info = dk_info,
	.version = dk_version,
	.ping = dk_ping,
	.prune = dk_prune,
};
