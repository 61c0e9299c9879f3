/*
 * model.c: the reverse proxy's model, checked.  Every value that can
 * reach a web server's configuration is held to an allow-list here:
 * names, addresses, paths, header names and values, durations, numbers.
 * What could break out of a directive (";", "{", "}", quotes, newlines,
 * "#", "$" outside the variables allowed, backslashes, NUL, over-long
 * values) is refused with the field named, before anything is stored or
 * rendered.  The renderers quote again and refuse again (render.c), so a
 * value that slipped past this file still renders nothing.
 *
 * The parse functions give a new canonical object: every member there,
 * defaults filled in, durations as "<n>s".
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "proxy.h"

static const char *const errnames[] = {
	"invalid value", "conflict", "not found",
	"not supported by the web server", "refused by the web server",
	"internal error",
};

const char *
px_strerror(int code)
{
	int i = PX_E_INVALID - code;

	if (i < 0 || (size_t)i >= sizeof(errnames) / sizeof(errnames[0]))
		return "proxy error";
	return errnames[i];
}

int
px_fail(struct px_error *e, int code, const char *field, const char *fmt,
    ...)
{
	va_list ap;

	if (e == NULL)
		return code;
	e->code = code;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

/* "at.key" (or "key" at the top) into buf. */
static const char *
fld(char *buf, size_t len, const char *at, const char *key)
{
	if (snprintf(buf, len, "%s%s%s", at, *at && key[0] != '[' ? "." : "",
	    key) >= (int)len)
		buf[len - 1] = '\0';	/* cut: still names the place */
	return buf;
}

/* "at[i]" into buf. */
static const char *
fldi(char *buf, size_t len, const char *at, const char *key, size_t i)
{
	if (snprintf(buf, len, "%s%s%s[%zu]", at, *at ? "." : "", key, i) >=
	    (int)len)
		buf[len - 1] = '\0';
	return buf;
}

json_object *
px_model_new(void)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "upstreams", json_object_new_array());
	json_object_object_add(m, "routes", json_object_new_array());
	json_object_object_add(m, "streams", json_object_new_array());
	return m;
}

/* ---- members ---- */

/* Every member of o is one of allowed (NULL-terminated). */
static int
only(json_object *o, const char *const *allowed, const char *at,
    struct px_error *e)
{
	char f[160];
	size_t i;

	if (!json_object_is_type(o, json_type_object))
		return px_fail(e, PX_E_INVALID, at, "%s must be an object",
		    *at ? at : "the body");
	json_object_object_foreach(o, k, v) {
		(void)v;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(k, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			char safe[40];

			/* The name is the client's: echo only its safe part. */
			snprintf(safe, sizeof(safe), "%.32s", k);
			for (i = 0; safe[i]; i++)
				if (!isalnum((unsigned char)safe[i]) &&
				    safe[i] != '_' && safe[i] != '-')
					safe[i] = '?';
			return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at,
			    safe), "unknown field '%s'", safe);
		}
	}
	return 0;
}

/* A string member: *out NULL when absent (an error if required). */
static int
get_str(json_object *o, const char *key, const char *at, size_t max,
    int required, const char **out, struct px_error *e)
{
	json_object *v;
	char f[160];
	size_t n;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL) {
		if (required)
			return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at,
			    key), "%s is required", key);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at, key),
		    "%s must be a string", key);
	n = (size_t)json_object_get_string_len(v);
	if (n == 0 || n > max)
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at, key),
		    "%s must be 1 to %zu bytes", key, max);
	if (strlen(json_object_get_string(v)) != n)
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at, key),
		    "%s holds a NUL byte", key);
	*out = json_object_get_string(v);
	return 0;
}

static int
get_int(json_object *o, const char *key, const char *at, long min, long max,
    long def, long *out, struct px_error *e)
{
	json_object *v;
	char f[160];
	int64_t n;

	*out = def;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at, key),
		    "%s must be an integer", key);
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at, key),
		    "%s must be between %ld and %ld", key, min, max);
	*out = (long)n;
	return 0;
}

static int
get_bool(json_object *o, const char *key, const char *at, int def, int *out,
    struct px_error *e)
{
	json_object *v;
	char f[160];

	*out = def;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at, key),
		    "%s must be true or false", key);
	*out = json_object_get_boolean(v);
	return 0;
}

/* "30s", "5m", "2h", "1d" or a number of seconds, within [min, max]. */
long
px_duration(json_object *v, long min, long max)
{
	long s;

	if (json_object_is_type(v, json_type_int)) {
		int64_t n = json_object_get_int64(v);

		if (n < min || n > max)
			return -1;
		return (long)n;
	}
	if (!json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) > 16 ||
	    parse_duration(json_object_get_string(v), &s) < 0 ||
	    s < min || s > max)
		return -1;
	return s;
}

/* A duration member: *out def when absent (def -1: none). */
static int
get_dur(json_object *o, const char *key, const char *at, long min, long max,
    long def, long *out, struct px_error *e)
{
	json_object *v;
	char f[160];

	*out = def;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if ((*out = px_duration(v, min, max)) < 0)
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at, key),
		    "%s must be a duration between %lds and %lds (\"30s\", "
		    "\"5m\", \"1h\")", key, min, max);
	return 0;
}

static json_object *
dur_json(long s)
{
	char b[32];

	snprintf(b, sizeof(b), "%lds", s);
	return json_object_new_string(b);
}

/* ---- allow-lists ---- */

/* A name: a letter or digit, then letters, digits, '_' and '-'. */
int
px_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > PX_NAME_MAX || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '-')
			return 0;
	return 1;
}

static int
hostname_ok(const char *h)
{
	size_t n = strlen(h), i, label = 0;

	if (n == 0 || n > 253 || h[0] == '.' || h[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		if (h[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)h[i]) && h[i] != '-')
			return 0;
		if (++label > 63)
			return 0;
	}
	return 1;
}

/*
 * A route's host: a DNS name as a server name takes it, stricter than an
 * address's host: every label 1-63 letters, digits and '-', starting and
 * ending with a letter or digit; no trailing dot, no port, no wildcard.
 * The renderers write it into a server_name and into Apache expressions
 * (render_apache.c holds it to the same bytes again).
 */
static int
route_host_ok(const char *h)
{
	size_t n = strlen(h), i;

	if (!hostname_ok(h) || h[n - 1] == '.' || h[n - 1] == '-')
		return 0;
	for (i = 1; i < n; i++)
		if ((h[i] == '.' && h[i - 1] == '-') ||
		    (h[i] == '-' && h[i - 1] == '.'))
			return 0;
	return 1;
}

static int
ipv4_ok(const char *h)
{
	int parts = 0, digits = 0, v = 0;

	for (;; h++) {
		if (isdigit((unsigned char)*h)) {
			v = v * 10 + (*h - '0');
			if (++digits > 3 || v > 255)
				return 0;
			continue;
		}
		if (digits == 0 || (*h != '.' && *h != '\0'))
			return 0;
		parts++;
		if (*h == '\0')
			return parts == 4;
		digits = v = 0;
	}
}

static int
ipv6_ok(const char *h)
{
	size_t n = strlen(h);

	return n >= 2 && n <= 45 && strspn(h, "0123456789abcdefABCDEF:.") == n &&
	    strchr(h, ':') != NULL;
}

/*
 * Splits "host:port" or "[v6]:port" into host (without brackets) and
 * port 1-65535.  The host is an IPv4 or IPv6 address or a DNS name.
 */
int
px_split_addr(const char *addr, char *host, size_t hostlen, int *port)
{
	const char *colon, *h = addr;
	size_t hl;
	long p;

	if (addr == NULL || strlen(addr) > 300)
		return -1;
	if (*addr == '[') {
		const char *close = strchr(addr, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		h = addr + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		if ((colon = strrchr(addr, ':')) == NULL)
			return -1;
		hl = (size_t)(colon - addr);
	}
	if (hl == 0 || hl >= hostlen)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    parse_long(colon + 1, 1, 65535, &p) < 0)
		return -1;
	*port = (int)p;
	if (*addr == '[')
		return ipv6_ok(host) ? 0 : -1;
	if (strchr(host, ':') != NULL)
		return -1;	/* a v6 address needs its brackets */
	return ipv4_ok(host) || hostname_ok(host) ? 0 : -1;
}

/* Path characters: unreserved ones and a few sub-delims that mean
 * nothing to nginx or Apache inside a location or a quoted string. */
static int
path_char(int c)
{
	return isalnum(c) || strchr("/-._~@:+,=!", c) != NULL;
}

/*
 * A route path: "/a/b" (exact) or "/a/b/" and a '*' (everything below
 * /a/b/).
 * No "//", no "." or ".." segment, only path_char()s.
 */
static int
route_path_ok(const char *p)
{
	size_t n = strlen(p), i;

	if (n == 0 || n > PX_PATH_MAX || p[0] != '/')
		return 0;
	if (n >= 2 && strcmp(p + n - 2, "/*") == 0)
		n -= 1;		/* the trailing '*' is the prefix mark */
	for (i = 0; i < n; i++) {
		if (!path_char((unsigned char)p[i]))
			return 0;
		if (p[i] == '/' && i + 1 < n && p[i + 1] == '/')
			return 0;
		if (p[i] == '/' && p[i + 1] == '.' && (p[i + 2] == '/' ||
		    p[i + 2] == '\0' || p[i + 2] == '*' || (p[i + 2] == '.' &&
		    (p[i + 3] == '/' || p[i + 3] == '\0' || p[i + 3] == '*'))))
			return 0;
	}
	return 1;
}

/* A health check path: a route path's characters plus a query. */
static int
check_path_ok(const char *p)
{
	size_t n = strlen(p), i;

	if (n == 0 || n > PX_PATH_MAX || p[0] != '/')
		return 0;
	for (i = 0; i < n; i++)
		if (!path_char((unsigned char)p[i]) && p[i] != '?' &&
		    p[i] != '&')
			return 0;
	return strstr(p, "/../") == NULL && strstr(p, "//") == NULL;
}

int
px_header_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 64 && isalpha((unsigned char)s[0]) &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-") == n;
}

static int
one_of(const char *s, const char *const *list)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

/* The variables a header value may be (alone): nginx's names; the
 * Apache renderer has its own for each. */
static const char *const header_vars[] = {
	"$remote_addr", "$remote_port", "$host", "$scheme", "$request_id",
	"$proxy_add_x_forwarded_for", "$request_uri", "$server_name",
	"$server_port", NULL,
};

/* A literal header value: printable ASCII without quotes, backslash,
 * '$', '%', ';', '#', '{', '}', '`'; not Apache's "expr=" either. */
static int
header_literal_ok(const char *v)
{
	size_t n = strlen(v), i;

	if (n == 0 || n > 256 || strncasecmp(v, "expr=", 5) == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) &&
		    strchr(" -_.:/=,+*@!()?&~^|[]<>'", v[i]) == NULL)
			return 0;
	return 1;
}

static int
origin_ok(const char *s)
{
	size_t n = strlen(s);

	if (strcmp(s, "*") == 0)
		return 1;
	if (n > 200 || (strncmp(s, "http://", 7) != 0 &&
	    strncmp(s, "https://", 8) != 0))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.:/-[]") == n;
}

/* ---- upstreams ---- */

static const char *const strategies[] = { "round_robin", "least_conn",
	"ip_hash", "random", NULL };

static int
parse_expect(json_object *v, const char *at, json_object **out,
    struct px_error *e)
{
	char f[160];
	size_t i, n;

	*out = json_object_new_array();
	if (v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		int64_t s = json_object_get_int64(v);

		if (s < 100 || s > 599)
			goto bad;
		json_object_array_add(*out, json_object_new_int((int)s));
		return 0;
	}
	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) > 16)
		goto bad;
	for (i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(v, i);
		int64_t c;

		if (!json_object_is_type(s, json_type_int) ||
		    (c = json_object_get_int64(s)) < 100 || c > 599)
			goto bad;
		json_object_array_add(*out, json_object_new_int((int)c));
	}
	return 0;
bad:
	json_object_put(*out);
	*out = NULL;
	return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at,
	    "expect_status"), "expect_status must be a status (100-599) or "
	    "a list of up to 16");
}

static int
parse_health(json_object *in, const char *at, json_object **out,
    struct px_error *e)
{
	static const char *const keys[] = { "enabled", "path", "interval",
		"timeout", "healthy_threshold", "unhealthy_threshold",
		"expect_status", NULL };
	json_object *o = NULL, *expect = NULL, *v = NULL;
	const char *path;
	long interval, timeout, up, down;
	int enabled, rc;
	char f[160];

	*out = NULL;
	if (in != NULL && (rc = only(in, keys, at, e)) < 0)
		return rc;
	if (in == NULL)
		in = o = json_object_new_object();
	if ((rc = get_bool(in, "enabled", at, 1, &enabled, e)) < 0 ||
	    (rc = get_str(in, "path", at, PX_PATH_MAX, 0, &path, e)) < 0 ||
	    (rc = get_dur(in, "interval", at, 1, 3600, 10, &interval,
	    e)) < 0 ||
	    (rc = get_dur(in, "timeout", at, 1, 300, 2, &timeout, e)) < 0 ||
	    (rc = get_int(in, "healthy_threshold", at, 1, 100, 2, &up,
	    e)) < 0 ||
	    (rc = get_int(in, "unhealthy_threshold", at, 1, 100, 3, &down,
	    e)) < 0)
		goto err;
	if (path != NULL && !check_path_ok(path)) {
		rc = px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at, "path"),
		    "path must be an absolute path of letters, digits and "
		    "-._~@:+,=!?& (no \"//\" or \"..\"), up to %d bytes",
		    PX_PATH_MAX);
		goto err;
	}
	if (timeout > interval) {
		rc = px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at,
		    "timeout"), "timeout must not be longer than interval");
		goto err;
	}
	json_object_object_get_ex(in, "expect_status", &v);
	if ((rc = parse_expect(v, at, &expect, e)) < 0)
		goto err;
	*out = json_object_new_object();
	json_object_object_add(*out, "enabled",
	    json_object_new_boolean(enabled));
	json_object_object_add(*out, "path",
	    json_object_new_string(path ? path : "/"));
	json_object_object_add(*out, "interval", dur_json(interval));
	json_object_object_add(*out, "timeout", dur_json(timeout));
	json_object_object_add(*out, "healthy_threshold",
	    json_object_new_int((int)up));
	json_object_object_add(*out, "unhealthy_threshold",
	    json_object_new_int((int)down));
	json_object_object_add(*out, "expect_status", expect);
	rc = 0;
err:
	json_object_put(o);
	return rc;
}

static int
parse_server(json_object *in, const char *at, json_object **out,
    struct px_error *e)
{
	static const char *const keys[] = { "address", "weight", "max_fails",
		"fail_timeout", "backup", "down", NULL };
	const char *addr;
	char f[160], host[256];
	long weight, fails, ftimeout;
	int backup, down, port, rc;

	*out = NULL;
	if ((rc = only(in, keys, at, e)) < 0 ||
	    (rc = get_str(in, "address", at, 300, 1, &addr, e)) < 0)
		return rc;
	if (px_split_addr(addr, host, sizeof(host), &port) < 0)
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at,
		    "address"), "address must be host:port (an IPv4 "
		    "address, [IPv6] or a DNS name, and a port 1-65535)");
	if ((rc = get_int(in, "weight", at, 1, 1000, 1, &weight, e)) < 0 ||
	    (rc = get_int(in, "max_fails", at, 0, 1000, 1, &fails, e)) < 0 ||
	    (rc = get_dur(in, "fail_timeout", at, 1, 86400, 10, &ftimeout,
	    e)) < 0 ||
	    (rc = get_bool(in, "backup", at, 0, &backup, e)) < 0 ||
	    (rc = get_bool(in, "down", at, 0, &down, e)) < 0)
		return rc;
	*out = json_object_new_object();
	json_object_object_add(*out, "address", json_object_new_string(addr));
	json_object_object_add(*out, "weight", json_object_new_int((int)weight));
	json_object_object_add(*out, "max_fails",
	    json_object_new_int((int)fails));
	json_object_object_add(*out, "fail_timeout", dur_json(ftimeout));
	json_object_object_add(*out, "backup", json_object_new_boolean(backup));
	json_object_object_add(*out, "down", json_object_new_boolean(down));
	return 0;
}

/*
 * An upstream: {name, strategy, health_check, servers[]}.  400 with the
 * field for anything outside the allow-lists, a duplicate server or a
 * backup server with a strategy nginx does not allow it with.
 */
int
px_upstream_parse(json_object *in, const char *at, json_object **out,
    struct px_error *e)
{
	static const char *const keys[] = { "name", "strategy",
		"health_check", "servers", NULL };
	json_object *servers = NULL, *hc = NULL, *v, *s;
	const char *name, *strategy;
	char f[160], sat[160];
	size_t i, j, n;
	int rc;

	*out = NULL;
	if ((rc = only(in, keys, at, e)) < 0 ||
	    (rc = get_str(in, "name", at, PX_NAME_MAX, 1, &name, e)) < 0 ||
	    (rc = get_str(in, "strategy", at, 32, 0, &strategy, e)) < 0)
		return rc;
	if (!px_name_ok(name))
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at, "name"),
		    "name must be 1-%d letters, digits, '_' or '-', starting "
		    "with a letter or digit", PX_NAME_MAX);
	if (strategy == NULL)
		strategy = "round_robin";
	if (!one_of(strategy, strategies))
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at,
		    "strategy"), "strategy must be round_robin, least_conn, "
		    "ip_hash or random");
	v = NULL;
	json_object_object_get_ex(in, "health_check", &v);
	if (v != NULL && (rc = parse_health(v, fld(sat, sizeof(sat), at,
	    "health_check"), &hc, e)) < 0)
		return rc;
	if (v == NULL) {
		json_object *off = json_object_new_object();

		json_object_object_add(off, "enabled",
		    json_object_new_boolean(0));
		rc = parse_health(off, "health_check", &hc, e);
		json_object_put(off);
		if (rc < 0)
			return rc;
	}
	if (!json_object_object_get_ex(in, "servers", &v) ||
	    !json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) == 0 || n > PX_MAX_SERVERS) {
		rc = px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at,
		    "servers"), "servers must be a list of 1 to %d servers",
		    PX_MAX_SERVERS);
		goto err;
	}
	servers = json_object_new_array();
	for (i = 0; i < n; i++) {
		fldi(sat, sizeof(sat), at, "servers", i);
		if ((rc = parse_server(json_object_array_get_idx(v, i), sat,
		    &s, e)) < 0)
			goto err;
		for (j = 0; j < i; j++)
			if (strcmp(jget_str(json_object_array_get_idx(servers,
			    j), "address"), jget_str(s, "address")) == 0) {
				json_object_put(s);
				rc = px_fail(e, PX_E_INVALID, fld(f, sizeof(f),
				    sat, "address"), "address repeats "
				    "servers[%zu]", j);
				goto err;
			}
		if (jget_bool(s, "backup", 0) &&
		    strcmp(strategy, "round_robin") != 0 &&
		    strcmp(strategy, "least_conn") != 0) {
			json_object_put(s);
			rc = px_fail(e, PX_E_INVALID, fld(f, sizeof(f), sat,
			    "backup"), "backup servers work with round_robin "
			    "and least_conn only");
			goto err;
		}
		json_object_array_add(servers, s);
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "name", json_object_new_string(name));
	json_object_object_add(*out, "strategy",
	    json_object_new_string(strategy));
	json_object_object_add(*out, "health_check", hc);
	json_object_object_add(*out, "servers", servers);
	return 0;
err:
	json_object_put(hc);
	json_object_put(servers);
	return rc;
}

/* ---- routes ---- */

static const char *const methods[] = { "GET", "HEAD", "POST", "PUT",
	"PATCH", "DELETE", "OPTIONS", NULL };
static const char *const mw_names[] = { "rate_limit", "auth", "cors",
	"strip_prefix", NULL };

static int
parse_method(json_object *v, const char *at, json_object **out,
    struct px_error *e)
{
	char f[160];
	size_t i, j, n;

	fld(f, sizeof(f), at, "method");
	if (v == NULL || (json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), "ANY") == 0)) {
		*out = json_object_new_string("ANY");
		return 0;
	}
	if (json_object_is_type(v, json_type_string)) {
		if (!one_of(json_object_get_string(v), methods))
			goto bad;
		*out = json_object_new_array();
		json_object_array_add(*out, json_object_new_string(
		    json_object_get_string(v)));
		return 0;
	}
	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) == 0 || n > 7)
		goto bad;
	*out = json_object_new_array();
	for (i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(v, i);

		if (!json_object_is_type(m, json_type_string) ||
		    !one_of(json_object_get_string(m), methods)) {
			json_object_put(*out);
			goto bad;
		}
		for (j = 0; j < i; j++)
			if (strcmp(json_object_get_string(m),
			    json_object_get_string(json_object_array_get_idx(v,
			    j))) == 0)
				break;
		if (j == i)
			json_object_array_add(*out,
			    json_object_new_string(json_object_get_string(m)));
	}
	return 0;
bad:
	*out = NULL;
	return px_fail(e, PX_E_INVALID, f, "method must be \"ANY\" or a list "
	    "of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
}

/* "10r/s", "600r/m" or a number (per second): canonical "<n>r/s|m". */
static int
parse_rate(json_object *v, char *out, size_t len)
{
	const char *s, *p;
	long n;
	char num[16];

	if (v == NULL) {
		snprintf(out, len, "10r/s");
		return 0;
	}
	if (json_object_is_type(v, json_type_int)) {
		int64_t r = json_object_get_int64(v);

		if (r < 1 || r > 100000)
			return -1;
		snprintf(out, len, "%lldr/s", (long long)r);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) > 12)
		return -1;
	s = json_object_get_string(v);
	if ((p = strstr(s, "r/")) == NULL || (size_t)(p - s) >= sizeof(num) ||
	    p == s || (strcmp(p, "r/s") != 0 && strcmp(p, "r/m") != 0))
		return -1;
	memcpy(num, s, (size_t)(p - s));
	num[p - s] = '\0';
	if (strspn(num, "0123456789") != strlen(num) ||
	    parse_long(num, 1, 100000, &n) < 0)
		return -1;
	snprintf(out, len, "%ld%s", n, p);
	return 0;
}

static int
parse_mw(json_object *in, const char *at, json_object **out,
    struct px_error *e)
{
	static const char *const rl_keys[] = { "type", "rate", "burst", NULL };
	static const char *const auth_keys[] = { "type", "role", NULL };
	static const char *const cors_keys[] = { "type", "origins",
		"credentials", NULL };
	static const char *const sp_keys[] = { "type", NULL };
	const char *type, *role;
	json_object *o = NULL, *v;
	char f[160], rate[24];
	long burst;
	int rc, cred;
	size_t i, n;

	*out = NULL;
	if (json_object_is_type(in, json_type_string)) {
		o = json_object_new_object();
		json_object_object_add(o, "type",
		    json_object_new_string(json_object_get_string(in)));
		in = o;
	}
	if (!json_object_is_type(in, json_type_object)) {
		rc = px_fail(e, PX_E_INVALID, at, "a middleware is a name or "
		    "an object with a type");
		goto err;
	}
	if ((rc = get_str(in, "type", at, 32, 1, &type, e)) < 0)
		goto err;
	if (!one_of(type, mw_names)) {
		rc = px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at, "type"),
		    "middleware type must be rate_limit, auth, cors or "
		    "strip_prefix");
		goto err;
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "type", json_object_new_string(type));
	if (strcmp(type, "rate_limit") == 0) {
		if ((rc = only(in, rl_keys, at, e)) < 0 ||
		    (rc = get_int(in, "burst", at, 0, 100000, 20, &burst,
		    e)) < 0)
			goto err;
		v = NULL;
		json_object_object_get_ex(in, "rate", &v);
		if (parse_rate(v, rate, sizeof(rate)) < 0) {
			rc = px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at,
			    "rate"), "rate must be \"<n>r/s\", \"<n>r/m\" or "
			    "a number per second (1-100000)");
			goto err;
		}
		json_object_object_add(*out, "rate",
		    json_object_new_string(rate));
		json_object_object_add(*out, "burst",
		    json_object_new_int((int)burst));
	} else if (strcmp(type, "auth") == 0) {
		if ((rc = only(in, auth_keys, at, e)) < 0 ||
		    (rc = get_str(in, "role", at, 16, 0, &role, e)) < 0)
			goto err;
		if (role == NULL)
			role = "viewer";
		if (strcmp(role, "viewer") != 0 &&
		    strcmp(role, "operator") != 0 &&
		    strcmp(role, "admin") != 0) {
			rc = px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at,
			    "role"), "role must be viewer, operator or admin");
			goto err;
		}
		json_object_object_add(*out, "role",
		    json_object_new_string(role));
	} else if (strcmp(type, "cors") == 0) {
		json_object *list = json_object_new_array();

		json_object_object_add(*out, "origins", list);
		if ((rc = only(in, cors_keys, at, e)) < 0 ||
		    (rc = get_bool(in, "credentials", at, 0, &cred, e)) < 0)
			goto err;
		json_object_object_add(*out, "credentials",
		    json_object_new_boolean(cred));
		v = NULL;
		json_object_object_get_ex(in, "origins", &v);
		if (v == NULL) {
			json_object_array_add(list,
			    json_object_new_string("*"));
			return (json_object_put(o), 0);
		}
		if (json_object_is_type(v, json_type_string)) {
			if (!origin_ok(json_object_get_string(v)))
				goto bad_origin;
			json_object_array_add(list, json_object_new_string(
			    json_object_get_string(v)));
			return (json_object_put(o), 0);
		}
		if (!json_object_is_type(v, json_type_array) ||
		    (n = json_object_array_length(v)) == 0 || n > 32)
			goto bad_origin;
		for (i = 0; i < n; i++) {
			json_object *s = json_object_array_get_idx(v, i);

			if (!json_object_is_type(s, json_type_string) ||
			    !origin_ok(json_object_get_string(s)))
				goto bad_origin;
			json_object_array_add(list, json_object_new_string(
			    json_object_get_string(s)));
		}
	} else if ((rc = only(in, sp_keys, at, e)) < 0)
		goto err;
	json_object_put(o);
	return 0;
bad_origin:
	rc = px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at, "origins"),
	    "origins must be \"*\" or a list of up to 32 http(s)://host[:port]");
err:
	json_object_put(*out);
	*out = NULL;
	json_object_put(o);
	return rc;
}

static int
parse_headers(json_object *in, const char *at, json_object **out,
    struct px_error *e)
{
	char f[160], safe[72];
	const char *val;
	size_t n = 0, i;
	int rc = 0;

	*out = json_object_new_object();
	if (in == NULL)
		return 0;
	if (!json_object_is_type(in, json_type_object)) {
		rc = px_fail(e, PX_E_INVALID, at, "headers must be an object "
		    "of name: value");
		goto err;
	}
	json_object_object_foreach(in, k, v) {
		snprintf(safe, sizeof(safe), "%.64s", k);
		for (i = 0; safe[i]; i++)
			if (!isalnum((unsigned char)safe[i]) && safe[i] != '-')
				safe[i] = '?';
		fld(f, sizeof(f), at, safe);
		val = json_object_is_type(v, json_type_string) ?
		    json_object_get_string(v) : NULL;
		if (++n > PX_MAX_HEADERS) {
			rc = px_fail(e, PX_E_INVALID, at, "at most %d headers",
			    PX_MAX_HEADERS);
			goto err;
		}
		if (!px_header_name_ok(k)) {
			rc = px_fail(e, PX_E_INVALID, f, "a header name is 1-64 "
			    "letters, digits and '-', starting with a letter");
			goto err;
		}
		if (val == NULL || strlen(val) !=
		    (size_t)json_object_get_string_len(v) || (val[0] == '$' ?
		    !one_of(val, header_vars) : !header_literal_ok(val))) {
			rc = px_fail(e, PX_E_INVALID, f, "a header value is "
			    "one of $remote_addr, $remote_port, $host, "
			    "$scheme, $request_id, $proxy_add_x_forwarded_for, "
			    "$request_uri, $server_name, $server_port, or up to "
			    "256 printable characters without quotes, '\\', "
			    "'$', '%%', ';', '#', '{', '}' or '`'");
			goto err;
		}
		json_object_object_add(*out, k, json_object_new_string(val));
	}
	return 0;
err:
	json_object_put(*out);
	*out = NULL;
	return rc;
}

static void
new_route_id(char *out, size_t len)
{
	unsigned char r[6];
	char hex[13];

	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
	snprintf(out, len, "route_%s", hex);
}

/*
 * A route: {id, path, host, method, upstream, middleware[], headers{},
 * timeout, retries, websocket}.  An id is made when none is sent.
 */
int
px_route_parse(json_object *in, const char *at, json_object **out,
    struct px_error *e)
{
	static const char *const keys[] = { "id", "path", "host", "method",
		"upstream", "middleware", "headers", "timeout", "retries",
		"websocket", NULL };
	json_object *method = NULL, *mw = NULL, *hdrs = NULL, *v, *m;
	const char *id, *path, *host, *up;
	char f[160], sat[160], idbuf[32];
	long timeout, retries;
	int ws, rc;
	size_t i, j, n;

	*out = NULL;
	if ((rc = only(in, keys, at, e)) < 0 ||
	    (rc = get_str(in, "id", at, PX_NAME_MAX, 0, &id, e)) < 0 ||
	    (rc = get_str(in, "path", at, PX_PATH_MAX, 1, &path, e)) < 0 ||
	    (rc = get_str(in, "host", at, 253, 0, &host, e)) < 0 ||
	    (rc = get_str(in, "upstream", at, PX_NAME_MAX, 1, &up, e)) < 0)
		return rc;
	if (id != NULL && !px_name_ok(id))
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at, "id"),
		    "id must be 1-%d letters, digits, '_' or '-'", PX_NAME_MAX);
	if (!route_path_ok(path))
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at, "path"),
		    "path must be an absolute path (\"/app\") or a prefix "
		    "(\"/app/*\") of letters, digits and -._~@:+,=! without "
		    "\"//\", \".\" or \"..\" segments, up to %d bytes",
		    PX_PATH_MAX);
	if (host != NULL && !route_host_ok(host))
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at, "host"),
		    "host must be a DNS name: dot-separated labels of 1-63 "
		    "letters, digits and '-', each starting and ending with a "
		    "letter or digit, up to 253 bytes, without a port or a "
		    "trailing dot");
	if (!px_name_ok(up))
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at,
		    "upstream"), "upstream must be an upstream's name");
	if ((rc = get_dur(in, "timeout", at, 1, 3600, -1, &timeout, e)) < 0 ||
	    (rc = get_int(in, "retries", at, 0, 20, -1, &retries, e)) < 0 ||
	    (rc = get_bool(in, "websocket", at, 0, &ws, e)) < 0)
		return rc;
	v = NULL;
	json_object_object_get_ex(in, "method", &v);
	if ((rc = parse_method(v, at, &method, e)) < 0)
		return rc;
	mw = json_object_new_array();
	v = NULL;
	json_object_object_get_ex(in, "middleware", &v);
	if (v != NULL && (!json_object_is_type(v, json_type_array) ||
	    json_object_array_length(v) > 8)) {
		rc = px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at,
		    "middleware"), "middleware must be a list of up to 8");
		goto err;
	}
	n = v ? json_object_array_length(v) : 0;
	for (i = 0; i < n; i++) {
		fldi(sat, sizeof(sat), at, "middleware", i);
		if ((rc = parse_mw(json_object_array_get_idx(v, i), sat, &m,
		    e)) < 0)
			goto err;
		for (j = 0; j < i; j++)
			if (strcmp(jget_str(json_object_array_get_idx(mw, j),
			    "type"), jget_str(m, "type")) == 0) {
				json_object_put(m);
				rc = px_fail(e, PX_E_INVALID, sat, "middleware "
				    "repeats middleware[%zu]", j);
				goto err;
			}
		json_object_array_add(mw, m);
	}
	v = NULL;
	json_object_object_get_ex(in, "headers", &v);
	if ((rc = parse_headers(v, fld(sat, sizeof(sat), at, "headers"),
	    &hdrs, e)) < 0)
		goto err;
	if (id == NULL) {
		new_route_id(idbuf, sizeof(idbuf));
		id = idbuf;
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "id", json_object_new_string(id));
	json_object_object_add(*out, "path", json_object_new_string(path));
	json_object_object_add(*out, "host",
	    host ? json_object_new_string(host) : NULL);
	json_object_object_add(*out, "method", method);
	json_object_object_add(*out, "upstream", json_object_new_string(up));
	json_object_object_add(*out, "middleware", mw);
	json_object_object_add(*out, "headers", hdrs);
	json_object_object_add(*out, "timeout",
	    timeout >= 0 ? dur_json(timeout) : NULL);
	json_object_object_add(*out, "retries",
	    retries >= 0 ? json_object_new_int((int)retries) : NULL);
	json_object_object_add(*out, "websocket", json_object_new_boolean(ws));
	return 0;
err:
	json_object_put(method);
	json_object_put(mw);
	json_object_put(hdrs);
	return rc;
}

/* ---- streams ---- */

/*
 * A TCP or UDP forward: {name, listen, upstream | address, protocol}.
 * listen is an IP address and port; below 1024 needs
 * proxy_allow_privileged.
 */
int
px_stream_parse(json_object *in, const char *at, json_object **out,
    struct px_error *e)
{
	static const char *const keys[] = { "name", "listen", "upstream",
		"address", "protocol", NULL };
	const char *name, *listen, *up, *addr, *proto;
	char f[160], host[256];
	int port, rc;

	*out = NULL;
	if ((rc = only(in, keys, at, e)) < 0 ||
	    (rc = get_str(in, "name", at, PX_NAME_MAX, 1, &name, e)) < 0 ||
	    (rc = get_str(in, "listen", at, 64, 1, &listen, e)) < 0 ||
	    (rc = get_str(in, "upstream", at, PX_NAME_MAX, 0, &up, e)) < 0 ||
	    (rc = get_str(in, "address", at, 300, 0, &addr, e)) < 0 ||
	    (rc = get_str(in, "protocol", at, 8, 0, &proto, e)) < 0)
		return rc;
	if (!px_name_ok(name))
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at, "name"),
		    "name must be 1-%d letters, digits, '_' or '-'",
		    PX_NAME_MAX);
	if (px_split_addr(listen, host, sizeof(host), &port) < 0 ||
	    (!ipv4_ok(host) && !ipv6_ok(host)))
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at,
		    "listen"), "listen must be an IP address and a port "
		    "(\"127.0.0.1:9000\", \"[::1]:9000\")");
	if (port < 1024 && !proxy_cfg.proxy_allow_privileged)
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at,
		    "listen"), "port %d is privileged: set "
		    "proxy_allow_privileged = true to forward ports below 1024",
		    port);
	if ((up == NULL) == (addr == NULL))
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at,
		    up ? "address" : "upstream"), "a stream names either an "
		    "upstream or an address");
	if (up != NULL && !px_name_ok(up))
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at,
		    "upstream"), "upstream must be an upstream's name");
	if (addr != NULL && px_split_addr(addr, host, sizeof(host), &port) < 0)
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at,
		    "address"), "address must be host:port");
	if (proto == NULL)
		proto = "tcp";
	if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
		return px_fail(e, PX_E_INVALID, fld(f, sizeof(f), at,
		    "protocol"), "protocol must be tcp or udp");
	*out = json_object_new_object();
	json_object_object_add(*out, "name", json_object_new_string(name));
	json_object_object_add(*out, "listen", json_object_new_string(listen));
	json_object_object_add(*out, "upstream",
	    up ? json_object_new_string(up) : NULL);
	json_object_object_add(*out, "address",
	    addr ? json_object_new_string(addr) : NULL);
	json_object_object_add(*out, "protocol", json_object_new_string(proto));
	return 0;
}

/* ---- the whole model ---- */

typedef int (*parse_fn)(json_object *, const char *, json_object **,
    struct px_error *);

static int
parse_list(json_object *in, const char *key, parse_fn fn, size_t max,
    json_object *model, struct px_error *e)
{
	json_object *v = NULL, *list, *el;
	char at[160];
	size_t i, n;
	int rc;

	list = json_object_new_array();
	json_object_object_add(model, key, list);
	if (!json_object_object_get_ex(in, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) > max)
		return px_fail(e, PX_E_INVALID, key, "%s must be a list of at "
		    "most %zu", key, max);
	for (i = 0; i < n; i++) {
		snprintf(at, sizeof(at), "%s[%zu]", key, i);
		if ((rc = fn(json_object_array_get_idx(v, i), at, &el, e)) < 0)
			return rc;
		json_object_array_add(list, el);
	}
	return 0;
}

/* PUT /proxy/config's body: {upstreams, routes, streams}, each optional
 * (absent is empty); version may be there too (GET's answer sent back). */
int
px_config_parse(json_object *in, json_object **out, struct px_error *e)
{
	static const char *const keys[] = { "upstreams", "routes", "streams",
		"version", "generation", "updated_at", NULL };
	int rc;

	*out = NULL;
	if ((rc = only(in, keys, "", e)) < 0)
		return rc;
	*out = json_object_new_object();
	if ((rc = parse_list(in, "upstreams", px_upstream_parse, 1000, *out,
	    e)) < 0 ||
	    (rc = parse_list(in, "routes", px_route_parse, 5000, *out, e)) < 0 ||
	    (rc = parse_list(in, "streams", px_stream_parse, 1000, *out,
	    e)) < 0) {
		json_object_put(*out);
		*out = NULL;
		return rc;
	}
	return 0;
}

json_object *
px_find(json_object *list, const char *key, const char *name, size_t *idx)
{
	size_t i, n = list ? json_object_array_length(list) : 0;
	const char *s;

	for (i = 0; i < n; i++) {
		s = jget_str(json_object_array_get_idx(list, i), key);
		if (s != NULL && name != NULL && strcmp(s, name) == 0) {
			if (idx != NULL)
				*idx = i;
			return json_object_array_get_idx(list, i);
		}
	}
	return NULL;
}

json_object *
px_users_of(json_object *model, const char *upstream)
{
	json_object *out = json_object_new_array(), *list, *el;
	size_t i, n;
	int k;
	static const char *const lists[] = { "routes", "streams" };
	static const char *const ids[] = { "id", "name" };

	for (k = 0; k < 2; k++) {
		list = jget_arr(model, lists[k]);
		n = list ? json_object_array_length(list) : 0;
		for (i = 0; i < n; i++) {
			el = json_object_array_get_idx(list, i);
			if (jget_str(el, "upstream") != NULL &&
			    strcmp(jget_str(el, "upstream"), upstream) == 0)
				json_object_array_add(out,
				    json_object_new_string(jget_str(el,
				    ids[k])));
		}
	}
	return out;
}

/* The API's own locations: a route there would take them over. */
static int
shadows_api(const char *path)
{
	static const char *const exact[] = { "/", "/*", "/api", "/api/*",
		"/health", "/docker-debug", NULL };
	size_t i;

	for (i = 0; exact[i] != NULL; i++)
		if (strcmp(path, exact[i]) == 0)
			return 1;
	return strncmp(path, "/api/", 5) == 0 || strncmp(path, "/_cc", 4) == 0 ||
	    strncmp(path, "/health/", 8) == 0;
}

static int
dup_in(json_object *list, const char *key, const char *what,
    struct px_error *e)
{
	size_t i, j, n = json_object_array_length(list);
	char f[160];

	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			/* nginx's upstream names ignore case */
			if (strcasecmp(jget_str(json_object_array_get_idx(list,
			    i), key), jget_str(json_object_array_get_idx(list,
			    j), key)) == 0) {
				snprintf(f, sizeof(f), "%ss[%zu].%s", what, i,
				    key);
				return px_fail(e, PX_E_CONFLICT, f, "%s '%s' "
				    "exists already", what,
				    jget_str(json_object_array_get_idx(list,
				    i), key));
			}
	return 0;
}

static int
same_host(json_object *a, json_object *b)
{
	const char *ha = jget_str(a, "host"), *hb = jget_str(b, "host");

	if (ha == NULL || hb == NULL)
		return ha == hb;
	return strcasecmp(ha, hb) == 0;
}

/*
 * The checks across a model.  409: a name or id twice, a route path that
 * would shadow the API's locations (/api/, /health, /docker-debug, /,
 * the internal /_cc ones) or another route's, a stream listen twice.
 * 400: a route or stream naming an unknown upstream.
 */
int
px_model_check(json_object *model, struct px_error *e)
{
	json_object *ups = jget_arr(model, "upstreams"),
	    *routes = jget_arr(model, "routes"),
	    *streams = jget_arr(model, "streams"), *r, *o;
	size_t i, j, n;
	char f[160];
	int rc;

	if (ups == NULL || routes == NULL || streams == NULL)
		return px_fail(e, PX_E_INTERNAL, "", "a model without its "
		    "lists");
	if ((rc = dup_in(ups, "name", "upstream", e)) < 0 ||
	    (rc = dup_in(routes, "id", "route", e)) < 0 ||
	    (rc = dup_in(streams, "name", "stream", e)) < 0)
		return rc;
	n = json_object_array_length(routes);
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(routes, i);
		if (px_find(ups, "name", jget_str(r, "upstream"), NULL) == NULL)
			return px_fail(e, PX_E_INVALID, (snprintf(f, sizeof(f),
			    "routes[%zu].upstream", i), f), "no upstream "
			    "named '%s'", jget_str(r, "upstream"));
		if (shadows_api(jget_str(r, "path")))
			return px_fail(e, PX_E_CONFLICT, (snprintf(f, sizeof(f),
			    "routes[%zu].path", i), f), "path '%s' would "
			    "shadow the API's own locations (/api/, /health, "
			    "/docker-debug, /, /_cc...)", jget_str(r, "path"));
		for (j = 0; j < i; j++) {
			o = json_object_array_get_idx(routes, j);
			if (same_host(r, o) && strcmp(jget_str(r, "path"),
			    jget_str(o, "path")) == 0)
				return px_fail(e, PX_E_CONFLICT,
				    (snprintf(f, sizeof(f), "routes[%zu].path",
				    i), f), "path '%s' is route '%s''s already",
				    jget_str(r, "path"), jget_str(o, "id"));
		}
	}
	n = json_object_array_length(streams);
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(streams, i);
		if (jget_str(r, "upstream") != NULL &&
		    px_find(ups, "name", jget_str(r, "upstream"), NULL) == NULL)
			return px_fail(e, PX_E_INVALID, (snprintf(f, sizeof(f),
			    "streams[%zu].upstream", i), f), "no upstream "
			    "named '%s'", jget_str(r, "upstream"));
		for (j = 0; j < i; j++) {
			o = json_object_array_get_idx(streams, j);
			if (strcmp(jget_str(r, "listen"), jget_str(o,
			    "listen")) == 0 && strcmp(jget_str(r, "protocol"),
			    jget_str(o, "protocol")) == 0)
				return px_fail(e, PX_E_CONFLICT,
				    (snprintf(f, sizeof(f), "streams[%zu]."
				    "listen", i), f), "listen %s is stream "
				    "'%s''s already", jget_str(r, "listen"),
				    jget_str(o, "name"));
		}
	}
	return 0;
}
