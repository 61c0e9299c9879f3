/*
 * container_spec.c: a create request's JSON (both body shapes: the
 * container-codes-api.md maps, the podman-api.md / dokemon-api.md lists)
 * into a struct rt_create_spec, field by field, and the argv splitting
 * rules for string commands.  No JSON from the caller reaches the engine:
 * an unknown field is 400, and the options that reach outside a
 * container (privileged, host PID or network namespaces, cap_add,
 * devices, bind mounts outside bind_roots) are 403 naming the field
 * unless the caller is admin and allow_privileged is on.  Nothing the
 * caller sent is dropped: both names of one field, a variable given
 * twice, a retry count for a policy other than on-failure, and fields
 * the network_mode cannot honour (ports with none, host or container:x)
 * are 400 naming the field.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services.h"

/* ---- argv splitting ---- */

/*
 * Splits a command line into argv, without a shell:
 *  - blanks (space, tab, newline) separate words;
 *  - '...' groups everything up to the next ' literally;
 *  - "..." groups; inside, a backslash escapes only " and \ ;
 *  - outside quotes a backslash escapes the next character;
 *  - quotes join with adjacent text (a'b c'd is one word "ab cd");
 *  - nothing else is special: no $, globs, pipes or redirections.
 * An unterminated quote, a trailing backslash, an empty command or more
 * than 256 words is an error (-1, err says which).  *out is a malloc'd
 * NULL-terminated vector; free it with argv_free().
 */
int
argv_split(const char *s, char ***out, char *err, size_t errlen)
{
	char **v = NULL, *w = NULL;
	size_t nv = 0, wl = 0, len = strlen(s);
	int inword = 0;
	char q = 0;

	*out = NULL;
	if (len > 65536) {
		snprintf(err, errlen, "command longer than 65536 bytes");
		return -1;
	}
	if ((v = calloc(258, sizeof(*v))) == NULL ||
	    (w = malloc(len + 1)) == NULL)
		goto oom;
	for (; ; s++) {
		char c = *s;

		if (q == '\'') {
			if (c == '\0')
				goto unterminated;
			if (c == '\'')
				q = 0;
			else
				w[wl++] = c;
			continue;
		}
		if (q == '"') {
			if (c == '\0')
				goto unterminated;
			if (c == '"')
				q = 0;
			else if (c == '\\' && (s[1] == '"' || s[1] == '\\'))
				w[wl++] = *++s;
			else
				w[wl++] = c;
			continue;
		}
		if (c == '\0' || c == ' ' || c == '\t' || c == '\n') {
			if (inword) {
				if (nv == 256) {
					snprintf(err, errlen, "command has "
					    "more than 256 words");
					goto fail;
				}
				w[wl] = '\0';
				if ((v[nv++] = strdup(w)) == NULL)
					goto oom;
				wl = 0;
				inword = 0;
			}
			if (c == '\0')
				break;
			continue;
		}
		inword = 1;
		if (c == '\'' || c == '"')
			q = c;
		else if (c == '\\') {
			if (s[1] == '\0') {
				snprintf(err, errlen, "command ends with a "
				    "lone backslash");
				goto fail;
			}
			w[wl++] = *++s;
		} else
			w[wl++] = c;
	}
	free(w);
	if (nv == 0) {
		snprintf(err, errlen, "command is empty");
		argv_free(v);
		return -1;
	}
	*out = v;
	return 0;
unterminated:
	snprintf(err, errlen, "command has an unterminated %c quote", q);
	goto fail;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	free(w);
	argv_free(v);
	return -1;
}

void
argv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* ---- names ---- */

/* Container, network and volume names: [A-Za-z0-9][A-Za-z0-9_.-]*. */
int
ctr_name_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= max && isalnum((unsigned char)s[0]) &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-") == n;
}

/* An image reference: registry/name:tag or @digest, no blanks. */
int
ctr_image_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= 255 && isalnum((unsigned char)s[0]) &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-/:@") == n;
}

/* ---- the spec ---- */

static int
fail(struct cspec *cs, enum cc_err code, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	cs->err_code = code;
	snprintf(cs->err_field, sizeof(cs->err_field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(cs->err_msg, sizeof(cs->err_msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* n zeroed items of size sz from the spec's arena (cspec_free releases
 * it); NULL when memory is exhausted.  Callers bound n. */
static void *
zalloc(struct cspec *cs, size_t n, size_t sz)
{
	return arena_zalloc(&cs->ar, n * sz);
}

/* Releases what the spec owns (its arena and the split command lines);
 * cs is empty after, and may be parsed into again. */
void
cspec_free(struct cspec *cs)
{
	arena_reset(&cs->ar);
	argv_free(cs->argv_cmd);
	argv_free(cs->argv_ep);
	memset(cs, 0, sizeof(*cs));
}

static int
privileged_ok(struct cspec *cs, const char *field)
{
	if (cs->is_admin && svc_cfg.allow_privileged)
		return 0;
	return fail(cs, CC_E_FORBIDDEN, field, "'%s' reaches outside the "
	    "container: it needs an admin caller and allow_privileged = "
	    "true", field);
}

static const char *
str_of(json_object *v)
{
	return json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

/* A JSON scalar as text (env values, port numbers): NULL if not one. */
static const char *
scalar_of(struct cspec *cs, json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		return json_object_get_string(v);
	case json_type_int:
		return arena_printf(&cs->ar, "%lld",
		    (long long)json_object_get_int64(v));
	case json_type_double:
	case json_type_boolean:
		return arena_strdup(&cs->ar, json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN));
	default:
		return NULL;
	}
}

/* command/entrypoint: a string (split) or an array of strings. */
static int
parse_argv(struct cspec *cs, const char *field, json_object *v, char ***own,
    const char *const **out)
{
	const char **a;
	char msg[200];
	size_t i, n;

	if (json_object_is_type(v, json_type_null))
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);

		if (strspn(s, " \t\n") == strlen(s))
			return 0;	/* dokemon's "command": "" */
		if (argv_split(s, own, msg, sizeof(msg)) < 0)
			return fail(cs, CC_E_INVALID_REQUEST, field, "%s: %s",
			    field, msg);
		*out = (const char *const *)*own;
		return 0;
	}
	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) > 256)
		return fail(cs, CC_E_INVALID_REQUEST, field, "%s must be a "
		    "string or an array of at most 256 strings", field);
	if (n == 0)
		return 0;
	if ((a = zalloc(cs, n + 1, sizeof(*a))) == NULL)
		return fail(cs, CC_E_INTERNAL_ERROR, field, "out of memory");
	for (i = 0; i < n; i++)
		if ((a[i] = str_of(json_object_array_get_idx(v, i))) == NULL)
			return fail(cs, CC_E_INVALID_REQUEST, field, "%s[%zu] "
			    "must be a string", field, i);
	*out = a;
	return 0;
}

static int
env_key_ok(const char *k, size_t n)
{
	size_t i;

	if (n == 0 || n > 255)
		return 0;
	for (i = 0; i < n; i++)
		if (k[i] == '=' || k[i] == '\0' || isspace((unsigned char)k[i]))
			return 0;
	return 1;
}

/* environment: {"K": "V"} or ["K=V"]; into a NULL-terminated "K=V". */
int
cspec_env(struct cspec *cs, json_object *v, const char *const **out)
{
	const char **a;
	const char *s;
	size_t n, i = 0;

	if (json_object_is_type(v, json_type_object)) {
		n = (size_t)json_object_object_length(v);
		if (n > 1024 || (a = zalloc(cs, n + 1, sizeof(*a))) == NULL)
			return fail(cs, CC_E_INVALID_REQUEST, "environment",
			    "environment has too many entries");
		json_object_object_foreach(v, k, val) {
			if (!env_key_ok(k, strlen(k)))
				return fail(cs, CC_E_INVALID_REQUEST,
				    "environment", "environment name '%.64s' "
				    "is not valid", k);
			if ((s = scalar_of(cs, val)) == NULL)
				return fail(cs, CC_E_INVALID_REQUEST,
				    "environment", "environment value of '%.64s'"
				    " must be a string or number", k);
			if ((a[i++] = arena_printf(&cs->ar, "%s=%s", k,
			    s)) == NULL)
				return fail(cs, CC_E_INTERNAL_ERROR,
				    "environment", "out of memory");
		}
		*out = a;
		return 0;
	}
	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) > 1024)
		return fail(cs, CC_E_INVALID_REQUEST, "environment", "environment"
		    " must be an object or an array of \"K=V\" strings");
	if ((a = zalloc(cs, n + 1, sizeof(*a))) == NULL)
		return fail(cs, CC_E_INTERNAL_ERROR, "environment",
		    "out of memory");
	for (i = 0; i < n; i++) {
		size_t j, kl;

		s = str_of(json_object_array_get_idx(v, i));
		if (s == NULL || strchr(s, '=') == NULL ||
		    !env_key_ok(s, kl = (size_t)(strchr(s, '=') - s)))
			return fail(cs, CC_E_INVALID_REQUEST, "environment",
			    "environment[%zu] must be \"NAME=value\"", i);
		/* The engine keeps the last of two: the first is dropped. */
		for (j = 0; j < i; j++)
			if (strncmp(a[j], s, kl + 1) == 0)
				return fail(cs, CC_E_INVALID_REQUEST,
				    "environment", "environment name '%.*s' "
				    "is given twice", (int)(kl > 64 ? 64 : kl),
				    s);
		a[i] = s;
	}
	*out = a;
	return 0;
}

static int
port_num(const char *s, int *out)
{
	long v;

	if (s == NULL || parse_long(s, 1, 65535, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

/* "80", "80/udp" -> port and protocol. */
static int
port_proto(const char *s, struct rt_port *p)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (port_num(buf, &p->container_port) < 0)
		return -1;
	if (slash != NULL && strcmp(slash + 1, "tcp") != 0 &&
	    strcmp(slash + 1, "udp") != 0 && strcmp(slash + 1, "sctp") != 0)
		return -1;
	snprintf(p->proto, sizeof(p->proto), "%s", slash ? slash + 1 : "tcp");
	return 0;
}

/* A host side: "8080", "127.0.0.1:8080", "" or null (engine picks). */
static int
port_host(const char *s, struct rt_port *p)
{
	const char *colon;

	if (s == NULL || *s == '\0')
		return 0;
	if ((colon = strrchr(s, ':')) != NULL) {
		if ((size_t)(colon - s) >= sizeof(p->host_ip) ||
		    strspn(s, "0123456789.:abcdefABCDEF[]") < (size_t)(colon - s))
			return -1;
		memcpy(p->host_ip, s, (size_t)(colon - s));
		p->host_ip[colon - s] = '\0';
		s = colon + 1;
	}
	return port_num(s, &p->host_port);
}

/*
 * ports: {"<container>[/proto]": "<host>" | number | null} (the map is
 * container -> host, as in container-codes-api.md) or
 * ["[ip:]host:container[/proto]", "container[/proto]"] (docker CLI).
 */
static int
parse_ports(struct cspec *cs, json_object *v)
{
	struct rt_port *p;
	size_t n, i = 0;
	const char *s, *colon;
	char host[96];

	if (json_object_is_type(v, json_type_object))
		n = (size_t)json_object_object_length(v);
	else if (json_object_is_type(v, json_type_array))
		n = json_object_array_length(v);
	else
		return fail(cs, CC_E_INVALID_REQUEST, "ports", "ports must be "
		    "an object or an array of \"host:container\" strings");
	if (n > 256 || (p = zalloc(cs, n + 1, sizeof(*p))) == NULL)
		return fail(cs, CC_E_INVALID_REQUEST, "ports", "too many ports");
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, k, val) {
			s = json_object_is_type(val, json_type_null) ? "" :
			    scalar_of(cs, val);
			if (port_proto(k, &p[i]) < 0 || s == NULL ||
			    port_host(s, &p[i]) < 0)
				return fail(cs, CC_E_INVALID_REQUEST, "ports",
				    "ports entry '%.32s' is not a valid "
				    "container: host port pair", k);
			i++;
		}
	} else {
		for (i = 0; i < n; i++) {
			s = str_of(json_object_array_get_idx(v, i));
			if (s == NULL)
				goto bad;
			if ((colon = strrchr(s, ':')) == NULL) {
				if (port_proto(s, &p[i]) < 0)
					goto bad;
				continue;
			}
			if ((size_t)(colon - s) >= sizeof(host))
				goto bad;
			memcpy(host, s, (size_t)(colon - s));
			host[colon - s] = '\0';
			if (port_proto(colon + 1, &p[i]) < 0 ||
			    port_host(host, &p[i]) < 0)
				goto bad;
		}
	}
	cs->s.ports = p;
	cs->s.nports = n;
	return 0;
bad:
	return fail(cs, CC_E_INVALID_REQUEST, "ports", "ports[%zu] must be "
	    "\"[ip:]host:container[/proto]\"", i);
}

/* A lexically clean absolute path: no "..", ".", "//" segments. */
static int
path_clean(const char *s)
{
	const char *p;

	if (s == NULL || *s != '/' || strlen(s) > 1024)
		return 0;
	for (p = s; *p; p++) {
		if (*p == '/' && (p[1] == '/' ||
		    (p[1] == '.' && (p[2] == '/' || p[2] == '\0' ||
		    (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))))))
			return 0;
		if ((unsigned char)*p < 0x20 || *p == ':' || *p == ',')
			return 0;
	}
	return 1;
}

/* True if path is at or below one of the colon-separated roots. */
int
ctr_path_under(const char *path, const char *roots)
{
	const char *r = roots;
	size_t n;

	while (r != NULL && *r != '\0') {
		n = strcspn(r, ":");
		while (n > 1 && r[n - 1] == '/')
			n--;
		if (n > 0 && r[0] == '/' && strncmp(path, r, n) == 0 &&
		    (path[n] == '/' || path[n] == '\0' || n == 1))
			return 1;
		r = strchr(r, ':');
		r = r ? r + 1 : NULL;
	}
	return 0;
}

static int
add_mount(struct cspec *cs, struct rt_mount *m, const char *src,
    const char *dst, const char *opt)
{
	if (!path_clean(dst))
		return fail(cs, CC_E_INVALID_REQUEST, "volumes", "volume target "
		    "'%.64s' must be a clean absolute path", dst ? dst : "");
	if (opt != NULL && strcmp(opt, "ro") != 0 && strcmp(opt, "rw") != 0)
		return fail(cs, CC_E_INVALID_REQUEST, "volumes", "volume option "
		    "'%.16s' must be ro or rw", opt);
	m->target = dst;
	m->read_only = opt != NULL && strcmp(opt, "ro") == 0;
	m->source = src;
	if (src != NULL && *src == '/') {
		m->bind = 1;
		if (!path_clean(src))
			return fail(cs, CC_E_INVALID_REQUEST, "volumes",
			    "bind source '%.64s' must be a clean absolute "
			    "path", src);
		if (!ctr_path_under(src, svc_cfg.bind_roots) &&
		    privileged_ok(cs, "volumes") < 0) {
			snprintf(cs->err_msg, sizeof(cs->err_msg), "bind mount "
			    "of '%.200s' is outside bind_roots: it needs an "
			    "admin caller and allow_privileged = true", src);
			return -1;
		}
	} else if (src != NULL && !ctr_name_ok(src, 255))
		return fail(cs, CC_E_INVALID_REQUEST, "volumes", "volume name "
		    "'%.64s' is not valid", src);
	return 0;
}

/* "src:dst[:ro]" split in place into owned copies. */
static int
mount_of_string(struct cspec *cs, struct rt_mount *m, const char *s)
{
	char *c = arena_strdup(&cs->ar, s), *dst, *opt;

	if (c == NULL)
		return fail(cs, CC_E_INTERNAL_ERROR, "volumes", "out of memory");
	if ((dst = strchr(c, ':')) == NULL)
		return add_mount(cs, m, NULL, c, NULL);	/* anonymous */
	*dst++ = '\0';
	if ((opt = strchr(dst, ':')) != NULL)
		*opt++ = '\0';
	return add_mount(cs, m, c, dst, opt);
}

/*
 * volumes: {"<container path>": "<host path or volume>[:ro]"} (as in
 * container-codes-api.md) or ["src:dst[:ro]"] (docker CLI).
 */
static int
parse_volumes(struct cspec *cs, json_object *v)
{
	struct rt_mount *m;
	size_t n, i = 0;
	const char *s;
	char *src, *opt;

	if (json_object_is_type(v, json_type_object))
		n = (size_t)json_object_object_length(v);
	else if (json_object_is_type(v, json_type_array))
		n = json_object_array_length(v);
	else
		return fail(cs, CC_E_INVALID_REQUEST, "volumes", "volumes must "
		    "be an object or an array of \"src:dst\" strings");
	if (n > 64 || (m = zalloc(cs, n + 1, sizeof(*m))) == NULL)
		return fail(cs, CC_E_INVALID_REQUEST, "volumes",
		    "too many volumes");
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, k, val) {
			if ((s = str_of(val)) == NULL ||
			    (src = arena_strdup(&cs->ar, s)) == NULL)
				return fail(cs, CC_E_INVALID_REQUEST, "volumes",
				    "volumes['%.64s'] must be a string", k);
			if ((opt = strchr(src, ':')) != NULL)
				*opt++ = '\0';
			if (add_mount(cs, &m[i++], src, k, opt) < 0)
				return -1;
		}
	} else {
		for (i = 0; i < n; i++) {
			if ((s = str_of(json_object_array_get_idx(v, i))) ==
			    NULL)
				return fail(cs, CC_E_INVALID_REQUEST, "volumes",
				    "volumes[%zu] must be a string", i);
			if (mount_of_string(cs, &m[i], s) < 0)
				return -1;
		}
	}
	cs->s.mounts = m;
	cs->s.nmounts = n;
	return 0;
}

static int
parse_resources(struct cspec *cs, json_object *v)
{
	const char *s;
	size_t sz;
	double cpus;
	char *end;

	if (!json_object_is_type(v, json_type_object))
		return fail(cs, CC_E_INVALID_REQUEST, "resources", "resources "
		    "must be an object");
	json_object_object_foreach(v, k, val) {
		s = scalar_of(cs, val);
		if (strcmp(k, "memory_limit") == 0) {
			if (s == NULL || parse_size(s, &sz) < 0 ||
			    sz < (6u << 20) || sz > (1ULL << 42))
				return fail(cs, CC_E_INVALID_REQUEST,
				    "resources.memory_limit", "memory_limit "
				    "must be a size from 6m to 4t (e.g. "
				    "\"512m\")");
			cs->s.memory_bytes = (int64_t)sz;
		} else if (strcmp(k, "cpu_limit") == 0) {
			cpus = s ? strtod(s, &end) : 0;
			if (s == NULL || end == s || *end != '\0' ||
			    !(cpus >= 0.01 && cpus <= 1024))
				return fail(cs, CC_E_INVALID_REQUEST,
				    "resources.cpu_limit", "cpu_limit must be "
				    "a number of CPUs from 0.01 to 1024");
			cs->s.nano_cpus = (int64_t)(cpus * 1e9);
		} else if (strcmp(k, "pids_limit") == 0) {
			long l;

			if (s == NULL || parse_long(s, 1, 1 << 22, &l) < 0)
				return fail(cs, CC_E_INVALID_REQUEST,
				    "resources.pids_limit", "pids_limit must "
				    "be from 1 to 4194304");
			cs->s.pids_limit = l;
		} else
			return fail(cs, CC_E_INVALID_REQUEST, "resources",
			    "unknown field 'resources.%.32s'", k);
	}
	return 0;
}

/*
 * restart_policy: "name[:N]" or {name, maximum_retry_count}.  A retry
 * count is for on-failure only, and the object takes no other member:
 * nothing the caller sent is dropped.
 */
static int
parse_restart(struct cspec *cs, json_object *v)
{
	const char *s = str_of(v), *colon, *count = NULL;
	long n = 0;
	char name[32];

	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, k, val) {
			if (strcmp(k, "maximum_retry_count") == 0) {
				/* A number, or one written as a string. */
				if ((count = scalar_of(cs, val)) == NULL ||
				    json_object_is_type(val,
				    json_type_boolean))
					goto bad;
			} else if (strcmp(k, "name") != 0)
				return fail(cs, CC_E_INVALID_REQUEST,
				    "restart_policy", "unknown field "
				    "'restart_policy.%.32s': expected name or "
				    "maximum_retry_count", k);
		}
		s = jget_str(v, "name");
	}
	if (s == NULL || strlen(s) >= sizeof(name))
		goto bad;
	snprintf(name, sizeof(name), "%s", s);
	if ((colon = strchr(s, ':')) != NULL) {
		if (count != NULL)
			goto bad;	/* two counts */
		name[colon - s] = '\0';
		count = colon + 1;
	}
	if (count != NULL && parse_long(count, 0, 1000, &n) < 0)
		goto bad;
	if (strcmp(name, "no") != 0 && strcmp(name, "always") != 0 &&
	    strcmp(name, "unless-stopped") != 0 &&
	    strcmp(name, "on-failure") != 0)
		goto bad;
	if (count != NULL && strcmp(name, "on-failure") != 0)
		return fail(cs, CC_E_INVALID_REQUEST, "restart_policy",
		    "restart_policy '%s' takes no retry count: only "
		    "on-failure does", name);
	if ((cs->s.restart_policy = arena_strdup(&cs->ar, name)) == NULL)
		goto bad;
	cs->s.restart_max = (int)n;
	return 0;
bad:
	return fail(cs, CC_E_INVALID_REQUEST, "restart_policy", "restart_policy "
	    "must be no, always, unless-stopped or on-failure[:N] (N from 0 "
	    "to 1000)");
}

static int
parse_labels(struct cspec *cs, json_object *v)
{
	struct rt_kv *l;
	size_t n, i = 0;

	if (!json_object_is_type(v, json_type_object) ||
	    (n = (size_t)json_object_object_length(v)) > 64)
		return fail(cs, CC_E_INVALID_REQUEST, "labels", "labels must be "
		    "an object of at most 64 strings");
	/* One spare slot: the handler adds cc.owner. */
	if ((l = zalloc(cs, n + 2, sizeof(*l))) == NULL)
		return fail(cs, CC_E_INTERNAL_ERROR, "labels", "out of memory");
	json_object_object_foreach(v, k, val) {
		if (*k == '\0' || strlen(k) > 128 || str_of(val) == NULL ||
		    strlen(str_of(val)) > 4096)
			return fail(cs, CC_E_INVALID_REQUEST, "labels", "label "
			    "'%.64s' must be a string under 4096 bytes", k);
		if (strcmp(k, CTR_OWNER_LABEL) == 0)
			return fail(cs, CC_E_FORBIDDEN, "labels", "label '%s' "
			    "is set by the server", CTR_OWNER_LABEL);
		l[i].key = k;
		l[i].value = str_of(val);
		i++;
	}
	cs->s.labels = l;
	cs->s.nlabels = n;
	return 0;
}

static int
parse_strings(struct cspec *cs, const char *field, json_object *v,
    const char *const **out)
{
	const char **a;
	size_t i, n;

	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) > 64)
		return fail(cs, CC_E_INVALID_REQUEST, field, "%s must be an "
		    "array of at most 64 strings", field);
	if ((a = zalloc(cs, n + 1, sizeof(*a))) == NULL)
		return fail(cs, CC_E_INTERNAL_ERROR, field, "out of memory");
	for (i = 0; i < n; i++) {
		a[i] = str_of(json_object_array_get_idx(v, i));
		if (a[i] == NULL || *a[i] == '\0' || strlen(a[i]) > 255 ||
		    strspn(a[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR"
		    "STUVWXYZ0123456789_/:.-") != strlen(a[i]))
			return fail(cs, CC_E_INVALID_REQUEST, field, "%s[%zu] "
			    "is not valid", field, i);
	}
	*out = n ? a : NULL;
	return 0;
}

static int
simple_string(struct cspec *cs, const char *field, json_object *v,
    const char *allowed, size_t max, const char **out)
{
	const char *s = str_of(v);

	if (s == NULL || *s == '\0' || strlen(s) > max ||
	    (allowed != NULL && strspn(s, allowed) != strlen(s)))
		return fail(cs, CC_E_INVALID_REQUEST, field, "%s must be a "
		    "non-empty string of at most %zu allowed characters", field,
		    max);
	*out = s;
	return 0;
}

#define NAMECHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789_.-"

/* Fields with two names (the second a seed's or the docker CLI's). */
static const char *const aliases[][2] = {
	{ "command", "cmd" }, { "environment", "env" },
	{ "network_mode", "network" }, { "detached", "detach" },
	{ "workdir", "working_dir" },
};

/* Both names of one field in a body: one of them would be dropped. */
static int
alias_clash(struct cspec *cs, json_object *body, const char *k)
{
	size_t i;

	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(k, aliases[i][1]) == 0 &&
		    jget_has(body, aliases[i][0]))
			return fail(cs, CC_E_INVALID_REQUEST, k, "'%s' and "
			    "'%s' name the same field: give one of them",
			    aliases[i][0], aliases[i][1]);
	return 0;
}

/*
 * Combinations the engine would take and quietly not honour: ports with
 * no network of the container's own (none: nothing to publish on; host:
 * it listens on the host's ports itself; container:x: x's network), and
 * a hostname in another container's namespace.
 */
static int
spec_conflicts(struct cspec *cs)
{
	const char *nm = cs->s.network_mode;
	int shared = nm != NULL && strncmp(nm, "container:", 10) == 0;

	if (cs->s.nports > 0 && nm != NULL && (strcmp(nm, "none") == 0 ||
	    strcmp(nm, "host") == 0 || shared))
		return fail(cs, CC_E_INVALID_REQUEST, "ports", "ports cannot "
		    "be published with network_mode '%.64s': %s", nm,
		    strcmp(nm, "none") == 0 ? "the container has no network" :
		    strcmp(nm, "host") == 0 ? "the container uses the host's "
		    "ports directly" : "the container uses another "
		    "container's network");
	if (cs->s.hostname != NULL && shared)
		return fail(cs, CC_E_INVALID_REQUEST, "hostname", "hostname "
		    "cannot be set with network_mode '%.64s': the container "
		    "uses the other container's", nm);
	return 0;
}

/*
 * Parses a create body into cs (strings borrowed from body, which must
 * outlive cs).  is_admin gates the privileged options.  0, or -1 with
 * cs->err_code (400, 403), err_field and err_msg.  Free with cspec_free.
 */
int
cspec_parse(json_object *body, int is_admin, struct cspec *cs)
{
	const char *s;

	memset(cs, 0, sizeof(*cs));
	cs->is_admin = is_admin;
	cs->detached = 1;
	json_object_object_foreach(body, k, v) {
		if (strcmp(k, "endpoint") == 0)
			continue;	/* the handler's */
		if (alias_clash(cs, body, k) < 0)
			return -1;
		if (strcmp(k, "name") == 0) {
			if (json_object_is_type(v, json_type_null))
				continue;
			if (!ctr_name_ok(str_of(v), 128))
				return fail(cs, CC_E_INVALID_REQUEST, "name",
				    "name must be 1 to 128 of [A-Za-z0-9_.-], "
				    "starting with a letter or digit");
			cs->s.name = str_of(v);
		} else if (strcmp(k, "image") == 0) {
			if (!ctr_image_ok(str_of(v)))
				return fail(cs, CC_E_INVALID_REQUEST, "image",
				    "image must be an image reference such as "
				    "\"busybox:latest\"");
			cs->s.image = str_of(v);
		} else if (strcmp(k, "command") == 0 || strcmp(k, "cmd") == 0) {
			if (parse_argv(cs, k, v, &cs->argv_cmd, &cs->s.cmd) < 0)
				return -1;
		} else if (strcmp(k, "entrypoint") == 0) {
			if (parse_argv(cs, k, v, &cs->argv_ep,
			    &cs->s.entrypoint) < 0)
				return -1;
		} else if (strcmp(k, "environment") == 0 ||
		    strcmp(k, "env") == 0) {
			if (cspec_env(cs, v, &cs->s.env) < 0)
				return -1;
		} else if (strcmp(k, "ports") == 0) {
			if (parse_ports(cs, v) < 0)
				return -1;
		} else if (strcmp(k, "volumes") == 0) {
			if (parse_volumes(cs, v) < 0)
				return -1;
		} else if (strcmp(k, "resources") == 0) {
			if (parse_resources(cs, v) < 0)
				return -1;
		} else if (strcmp(k, "network_mode") == 0 ||
		    strcmp(k, "network") == 0) {
			if (simple_string(cs, "network_mode", v, NAMECHARS ":",
			    128, &cs->s.network_mode) < 0)
				return -1;
			if (ctr_net_mode(cs->s.network_mode) < 0)
				return fail(cs, CC_E_INVALID_REQUEST,
				    "network_mode", "network_mode '%.64s' is "
				    "not a mode: modes are lower case (none, "
				    "host, bridge, container:<id>)",
				    cs->s.network_mode);
			/* The host's or another container's namespace. */
			if ((strcmp(cs->s.network_mode, "host") == 0 ||
			    strncmp(cs->s.network_mode, "container:", 10) ==
			    0) && privileged_ok(cs, "network_mode") < 0)
				return -1;
		} else if (strcmp(k, "restart_policy") == 0) {
			if (parse_restart(cs, v) < 0)
				return -1;
		} else if (strcmp(k, "user") == 0) {
			if (simple_string(cs, "user", v, NAMECHARS ":", 64,
			    &cs->s.user) < 0)
				return -1;
		} else if (strcmp(k, "labels") == 0) {
			if (parse_labels(cs, v) < 0)
				return -1;
		} else if (strcmp(k, "detached") == 0 ||
		    strcmp(k, "detach") == 0) {
			if (!json_object_is_type(v, json_type_boolean))
				return fail(cs, CC_E_INVALID_REQUEST, k, "%s "
				    "must be true or false", k);
			cs->detached = json_object_get_boolean(v);
		} else if (strcmp(k, "workdir") == 0 ||
		    strcmp(k, "working_dir") == 0) {
			if (!path_clean(str_of(v)))
				return fail(cs, CC_E_INVALID_REQUEST, k, "%s "
				    "must be a clean absolute path", k);
			cs->s.workdir = str_of(v);
		} else if (strcmp(k, "hostname") == 0) {
			if (!ctr_name_ok(str_of(v), 63))
				return fail(cs, CC_E_INVALID_REQUEST, k,
				    "hostname must be 1 to 63 of [A-Za-z0-9_.-]");
			cs->s.hostname = str_of(v);
		} else if (strcmp(k, "privileged") == 0) {
			if (!json_object_is_type(v, json_type_boolean))
				return fail(cs, CC_E_INVALID_REQUEST, k,
				    "privileged must be true or false");
			if (json_object_get_boolean(v) &&
			    privileged_ok(cs, "privileged") < 0)
				return -1;
			cs->s.privileged = json_object_get_boolean(v);
		} else if (strcmp(k, "pid_mode") == 0) {
			s = str_of(v);
			if (s == NULL || (strcmp(s, "host") != 0 &&
			    strcmp(s, "private") != 0 && *s != '\0'))
				return fail(cs, CC_E_INVALID_REQUEST, k,
				    "pid_mode must be \"host\" or \"private\"");
			if (strcmp(s, "host") == 0 &&
			    privileged_ok(cs, "pid_mode") < 0)
				return -1;
			cs->s.pid_host = strcmp(s, "host") == 0;
		} else if (strcmp(k, "cap_add") == 0) {
			if (parse_strings(cs, k, v, &cs->s.cap_add) < 0)
				return -1;
			if (cs->s.cap_add != NULL &&
			    privileged_ok(cs, "cap_add") < 0)
				return -1;
		} else if (strcmp(k, "cap_drop") == 0) {
			if (parse_strings(cs, k, v, &cs->s.cap_drop) < 0)
				return -1;
		} else if (strcmp(k, "devices") == 0) {
			if (parse_strings(cs, k, v, &cs->s.devices) < 0)
				return -1;
			if (cs->s.devices != NULL &&
			    privileged_ok(cs, "devices") < 0)
				return -1;
		} else
			return fail(cs, CC_E_INVALID_REQUEST, k, "unknown field "
			    "'%.64s'", k);
	}
	if (cs->s.image == NULL)
		return fail(cs, CC_E_INVALID_REQUEST, "image", "image is "
		    "required");
	return spec_conflicts(cs);
}

/* Adds the owner label (the spare slot parse_labels keeps). */
int
cspec_set_owner(struct cspec *cs, const char *user)
{
	struct rt_kv *l;

	if (user == NULL || *user == '\0')
		return 0;
	if (cs->s.labels == NULL) {
		if ((l = zalloc(cs, 2, sizeof(*l))) == NULL)
			return -1;
		cs->s.labels = l;
	}
	l = (struct rt_kv *)cs->s.labels;
	l[cs->s.nlabels].key = CTR_OWNER_LABEL;
	l[cs->s.nlabels].value = user;
	cs->s.nlabels++;
	return 0;
}
