/*
 * runtime.c: what every driver shares: the RT_E_* error space, the
 * mapping of an engine's state word to ours, an exec's output kept under
 * its cap, JSON pieces of answers, a pod's resolv.conf, and the result
 * structs' release.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

/* A short phrase for an RT_E_* (or RT_OK). */
const char *
rt_strerror(int code)
{
	switch (code) {
	case RT_OK:
		return "success";
	case RT_E_NOT_FOUND:
		return "not found";
	case RT_E_CONFLICT:
		return "conflict";
	case RT_E_INVALID:
		return "invalid request";
	case RT_E_UNREACHABLE:
		return "engine unreachable";
	case RT_E_TIMEOUT:
		return "timed out";
	case RT_E_TOO_BIG:
		return "too big";
	case RT_E_PROTO:
		return "malformed answer or broken exchange";
	case RT_E_ENGINE:
		return "engine error";
	case RT_E_UNSUPPORTED:
		return "not supported";
	case RT_E_INTERNAL:
		return "internal error";
	case RT_E_STOPPED:
		return "stopped";
	default:
		return "unknown error";
	}
}

void
rt_err_set(struct rt_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	e->code = code;
	e->kind = RT_K_NONE;
	e->status = 0;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

/*
 * Docker and Podman states: created, running, paused, restarting,
 * removing, exited, dead (Podman adds configured, stopped, stopping).
 * Ours: running | paused | stopped.  restarting counts as running: the
 * engine is bringing it up.
 */
const char *
rt_status_of(const char *s)
{
	if (s == NULL)
		return "stopped";
	if (strcmp(s, "running") == 0 || strcmp(s, "restarting") == 0)
		return "running";
	if (strcmp(s, "paused") == 0)
		return "paused";
	return "stopped";
}

/* A transport failure on ep: its code as is, the message with the
 * endpoint's name.  A stop or a bad address is not the engine's answer
 * either: both count as a broken exchange. */
void
rt_err_transport(struct rt_err *e, int rc, const struct rt_endpoint *ep,
    const char *msg)
{
	if (rc == RT_E_STOPPED || rc == RT_E_INVALID || rc >= 0)
		rc = RT_E_PROTO;
	rt_err_set(e, rc, "endpoint '%s': %s", ep->name, msg);
}

json_object *
rt_json_words(const char *s)
{
	json_object *a = json_object_new_array();
	const char *p = s;
	size_t n;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " ,;");
		if ((n = strcspn(p, " ,;")) > 0)
			json_object_array_add(a, json_object_new_string_len(p,
			    (int)n));
		p += n;
	}
	return a;
}

json_object *
rt_json_str_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? json_object_new_string(s) : NULL;
}

json_object *
rt_json_strings(const char *const *v)
{
	json_object *a = json_object_new_array();

	for (; v != NULL && *v != NULL; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

/* "word a b c\n" for a non-empty list (one_each: a line per member);
 * nothing for an empty one.  0 or -1 (out of memory). */
static int
conf_line(char **buf, size_t *len, const char *word, const char *const *v,
    int one_each)
{
	const char *const *p;
	int rc = 0;

	for (p = v; p != NULL && *p != NULL; p++) {
		if (one_each || p == v)
			rc |= buf_append(buf, len, word, strlen(word));
		rc |= buf_append(buf, len, " ", 1);
		rc |= buf_append(buf, len, *p, strlen(*p));
		if (one_each || p[1] == NULL)
			rc |= buf_append(buf, len, "\n", 1);
	}
	return rc < 0 ? -1 : 0;
}

char *
rt_pod_resolv_conf(const struct rt_pod_dns *d)
{
	char *buf = NULL;
	size_t len = 0;

	if (buf_append(&buf, &len, "", 0) < 0 ||
	    conf_line(&buf, &len, "nameserver", d->servers, 1) < 0 ||
	    conf_line(&buf, &len, "search", d->search, 0) < 0 ||
	    conf_line(&buf, &len, "options", d->options, 0) < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int
rt_exec_keep(struct rt_exec_result *x, size_t max, enum rt_stream s,
    const char *p, size_t n)
{
	size_t room = x->output_len < max ? max - x->output_len : 0;

	if (n > room) {
		x->truncated = 1;
		n = room;
	}
	if (n == 0)
		return 0;
	if (buf_append(&x->output, &x->output_len, p, n) < 0 ||
	    (s == RT_STDERR ? buf_append(&x->out_stderr, &x->stderr_len, p, n) :
	    buf_append(&x->out_stdout, &x->stdout_len, p, n)) < 0)
		return -1;
	return 0;
}

void
rt_exec_result_free(struct rt_exec_result *x)
{
	free(x->output);
	free(x->out_stdout);
	free(x->out_stderr);
	memset(x, 0, sizeof(*x));
}

void
rt_info_free(struct rt_info *i)
{
	json_object_put(i->raw);
	i->raw = NULL;
}

json_object *
rt_info_counts(const struct rt_info *i)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "total",
	    json_object_new_int64(i->containers.total));
	json_object_object_add(o, "running",
	    json_object_new_int64(i->containers.running));
	json_object_object_add(o, "paused",
	    json_object_new_int64(i->containers.paused));
	json_object_object_add(o, "stopped",
	    json_object_new_int64(i->containers.stopped));
	return o;
}
