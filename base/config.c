/*
 * config.c: every setting is one row of keys[] below.  The same row drives
 * the defaults, the config file (key = value), the environment (CC_KEY and
 * the seed's aliases), command-line flags, validation, the redacted dump of
 * GET /config and PUT /config/validate.  Later values win: file, then
 * environment, then flags.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"

struct config cfg;

enum cfg_type { T_STR, T_INT, T_LONG, T_BOOL, T_SIZE, T_MODE, T_SECS };

struct cfg_key {
	const char	*name;
	enum cfg_type	 type;
	size_t		 off;
	const char	*def;
	long		 min, max;	/* for numbers */
	const char	*alias;		/* extra environment name, or NULL */
	int		 secret;
	const char	*choices;	/* for strings: "a|b", or NULL */
};

#define O(f) offsetof(struct config, f)

static const struct cfg_key keys[] = {
	/* "" means: fd 0 if it is a FastCGI listener (mod_fcgid,
	 * spawn-fcgi), else unix:/run/container-codes/pool.sock. */
	{ "listen", T_STR, O(listen), "", 0, 0, NULL, 0, NULL },
	{ "listen_mode", T_MODE, O(listen_mode), "0660", 0, 0777, NULL, 0,
	    NULL },
	{ "backlog", T_INT, O(backlog), "1024", 1, 65535, NULL, 0, NULL },
	{ "user", T_STR, O(user), "", 0, 0, NULL, 0, NULL },
	{ "group", T_STR, O(group), "", 0, 0, NULL, 0, NULL },
	{ "workers", T_INT, O(workers), "0", 0, 256, "MAX_WORKERS", 0, NULL },
	{ "max_requests", T_INT, O(max_requests), "10000", 0, 100000000,
	    NULL, 0, NULL },
	{ "request_timeout", T_SECS, O(request_timeout), "30", 1, 86400,
	    "REQUEST_TIMEOUT", 0, NULL },
	{ "shutdown_timeout", T_SECS, O(shutdown_timeout), "10", 0, 3600,
	    NULL, 0, NULL },
	{ "data_dir", T_STR, O(data_dir), "/var/lib/container-codes", 0, 0,
	    NULL, 0, NULL },
	{ "map_size", T_SIZE, O(map_size), "1g", 1L << 20, 0, NULL, 0, NULL },
	{ "max_body", T_SIZE, O(max_body), "1m", 1, 0, NULL, 0, NULL },
	{ "log", T_STR, O(log), "stderr", 0, 0, NULL, 0, "stderr|syslog" },
	{ "access_log", T_BOOL, O(access_log), "true", 0, 1, NULL, 0, NULL },
	{ "debug", T_BOOL, O(debug), "false", 0, 1, "DEBUG", 0, NULL },
	{ "docker_host", T_STR, O(docker_host), "unix:///run/podman/podman.sock",
	    0, 0, NULL, 0, NULL },
	{ "docker_tls_ca", T_STR, O(docker_tls_ca), "", 0, 0, NULL, 0, NULL },
	{ "docker_tls_cert", T_STR, O(docker_tls_cert), "", 0, 0, NULL, 0,
	    NULL },
	{ "docker_tls_key", T_STR, O(docker_tls_key), "", 0, 0, NULL, 1,
	    NULL },
	{ "runtime_connect_timeout", T_SECS, O(runtime_connect_timeout), "5",
	    1, 600, NULL, 0, NULL },
	{ "runtime_timeout", T_SECS, O(runtime_timeout), "60", 1, 86400, NULL,
	    0, NULL },
	{ "endpoints", T_STR, O(endpoints), "", 0, 0, NULL, 0, NULL },
	{ "bind_roots", T_STR, O(bind_roots), "", 0, 0, NULL, 0, NULL },
	{ "build_roots", T_STR, O(build_roots), "", 0, 0, NULL, 0, NULL },
	{ "allow_privileged", T_BOOL, O(allow_privileged), "false", 0, 1, NULL,
	    0, NULL },
	{ "runtime_max_answer", T_SIZE, O(runtime_max_answer), "16m", 4096, 0,
	    NULL, 0, NULL },
	{ "exec_max_output", T_SIZE, O(exec_max_output), "1m", 1, 0, NULL, 0,
	    NULL },
	{ "logs_max_tail", T_LONG, O(logs_max_tail), "100000", 1, 100000000L,
	    NULL, 0, NULL },
	{ "health_cache_ms", T_INT, O(health_cache_ms), "1000", 0, 600000,
	    NULL, 0, NULL },
	{ "events_max", T_LONG, O(events_max), "100000", 1, 1000000000L, NULL,
	    0, NULL },
	{ "events_max_age", T_SECS, O(events_max_age), "7d", 1, 315360000L,
	    NULL, 0, NULL },
	{ "jobs_enabled", T_BOOL, O(jobs_enabled), "true", 0, 1, NULL, 0,
	    NULL },
	{ "jobs_concurrency", T_INT, O(jobs_concurrency), "2", 1, 64, NULL, 0,
	    NULL },
	{ "jobs_max_timeout", T_SECS, O(jobs_max_timeout), "24h", 1, 2592000L,
	    NULL, 0, NULL },
	{ "jobs_default_timeout", T_SECS, O(jobs_default_timeout), "1h", 1,
	    2592000L, NULL, 0, NULL },
	{ "jobs_network_mode", T_STR, O(jobs_network_mode), "none", 0, 0, NULL,
	    0, NULL },
	{ "jobs_max_output", T_SIZE, O(jobs_max_output), "256m", 1024, 0, NULL,
	    0, NULL },
	{ "jobs_max_log", T_SIZE, O(jobs_max_log), "1m", 1024, 0, NULL, 0,
	    NULL },
	{ "jobs_poll_ms", T_INT, O(jobs_poll_ms), "200", 10, 60000, NULL, 0,
	    NULL },
	{ "jobs_max_attempts", T_INT, O(jobs_max_attempts), "1", 1, 100, NULL,
	    0, NULL },
	{ "jobs_retry_delay", T_SECS, O(jobs_retry_delay), "1s", 0, 86400,
	    NULL, 0, NULL },
	{ "jobs_retry_max_delay", T_SECS, O(jobs_retry_max_delay), "5m", 0,
	    86400, NULL, 0, NULL },
	{ "files_max_size", T_SIZE, O(files_max_size), "10g", 0, 0, NULL, 0,
	    NULL },
	{ "files_max_ranges", T_INT, O(files_max_ranges), "16", 1, 1000, NULL,
	    0, NULL },
	/* auto: whatever the front end announces in CC_FRONTEND. */
	{ "files_offload", T_STR, O(files_offload), "auto", 0, 0, NULL, 0,
	    "auto|none|x-accel|x-sendfile" },
	{ "files_offload_prefix", T_STR, O(files_offload_prefix),
	    "/_cc_files/", 0, 0, NULL, 0, NULL },
	/* authentication */
	{ "pwhash", T_STR, O(pwhash), "interactive", 0, 0, NULL, 0,
	    "interactive|moderate|sensitive" },
	{ "pwhash_wait_ms", T_INT, O(pwhash_wait_ms), "2000", 0, 60000, NULL,
	    0, NULL },
	{ "session_idle_timeout", T_SECS, O(session_idle_timeout), "2h", 60,
	    31536000, NULL, 0, NULL },
	{ "session_max_age", T_SECS, O(session_max_age), "24h", 60, 31536000,
	    NULL, 0, NULL },
	{ "jwt_ttl", T_SECS, O(jwt_ttl), "1h", 1, 31536000, NULL, 0, NULL },
	{ "allow_signup", T_BOOL, O(allow_signup), "false", 0, 1, NULL, 0,
	    NULL },
	{ "login_rate", T_INT, O(login_rate), "5", 1, 1000000, NULL, 0, NULL },
	{ "login_rate_addr", T_INT, O(login_rate_addr), "20", 1, 1000000,
	    NULL, 0, NULL },
	{ "login_window", T_SECS, O(login_window), "60", 1, 86400, NULL, 0,
	    NULL },
	{ "request_rate", T_INT, O(request_rate), "0", 0, 100000000, NULL, 0,
	    NULL },
	{ "request_window", T_SECS, O(request_window), "60", 1, 86400, NULL,
	    0, NULL },
	{ "cookie_secure", T_STR, O(cookie_secure), "auto", 0, 0, NULL, 0,
	    "auto|on|off" },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* The name of the i-th setting, NULL past the last (for docs checks). */
const char *
config_key_name(size_t i)
{
	return i < NKEYS ? keys[i].name : NULL;
}

static const struct cfg_key *
find_key(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int
choice_ok(const char *choices, const char *v)
{
	size_t n = strlen(v);
	const char *p = choices;

	while (p != NULL && *p != '\0') {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && strncmp(p, v, n) == 0)
			return 1;
		p = bar ? bar + 1 : NULL;
	}
	return 0;
}

static int
parse_bool(const char *v, int *out)
{
	static const char *yes[] = { "1", "true", "yes", "on" };
	static const char *no[] = { "0", "false", "no", "off" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

/*
 * Sets one key from its text form.  On a bad key or value returns -1 and
 * writes a message naming both into err.
 */
int
config_set(struct config *c, const char *name, const char *v, char *err,
    size_t errlen)
{
	const struct cfg_key *k = find_key(name);
	char *field;
	long l = 0;
	size_t sz;
	int b;

	if (k == NULL) {
		snprintf(err, errlen, "unknown configuration key '%s'", name);
		return -1;
	}
	field = (char *)c + k->off;
	switch (k->type) {
	case T_STR:
		if (strlen(v) >= CFG_STRLEN)
			goto bad;
		if (k->choices != NULL && !choice_ok(k->choices, v)) {
			snprintf(err, errlen, "invalid value '%s' for '%s': "
			    "expected one of %s", v, name, k->choices);
			return -1;
		}
		memcpy(field, v, strlen(v) + 1);
		return 0;
	case T_INT:
	case T_LONG:
		if (parse_long(v, k->min, k->max, &l) < 0)
			goto range;
		break;
	case T_SECS:
		if (parse_duration(v, &l) < 0 || l < k->min || l > k->max)
			goto range;
		break;
	case T_MODE:
		if (*v == '\0' || strspn(v, "01234567") != strlen(v) ||
		    strlen(v) > 4)
			goto bad;
		l = strtol(v, NULL, 8);
		if (l > k->max)
			goto bad;
		*(unsigned *)field = (unsigned)l;
		return 0;
	case T_BOOL:
		if (parse_bool(v, &b) < 0)
			goto bad;
		*(int *)field = b;
		return 0;
	case T_SIZE:
		if (parse_size(v, &sz) < 0 || sz < (size_t)k->min)
			goto bad;
		*(size_t *)field = sz;
		return 0;
	}
	if (k->type == T_LONG)
		*(long *)field = l;
	else
		*(int *)field = (int)l;
	return 0;
range:
	snprintf(err, errlen, "invalid value '%s' for '%s': expected a number "
	    "from %ld to %ld%s", v, name, k->min, k->max,
	    k->type == T_SECS ? " seconds (suffix s, m, h or d allowed)" : "");
	return -1;
bad:
	snprintf(err, errlen, "invalid value '%s' for '%s'", v, name);
	return -1;
}

void
config_defaults(struct config *c)
{
	char err[256];
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NKEYS; i++)
		if (config_set(c, keys[i].name, keys[i].def, err,
		    sizeof(err)) < 0)
			abort();	/* a bad default is a programming error */
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * Parses "key = value" lines; '#' and ';' start comments.  Values may be
 * double-quoted.  Stops at the first bad line, naming it.
 */
int
config_parse_text(struct config *c, const char *text, char *err, size_t errlen)
{
	char *copy = NULL, *line, *save = NULL, *eq, *k, *v, msg[384];
	int lineno = 0, rc = -1;

	if ((copy = strdup(text)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto err;
	}
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		line = trim(line);
		if (*line == '\0' || *line == '#' || *line == ';')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			snprintf(err, errlen, "line %d: expected 'key = value'",
			    lineno);
			goto err;
		}
		*eq = '\0';
		k = trim(line);
		v = trim(eq + 1);
		if (*v == '"' && strlen(v) >= 2 && v[strlen(v) - 1] == '"') {
			v[strlen(v) - 1] = '\0';
			v++;
		}
		if (config_set(c, k, v, msg, sizeof(msg)) < 0) {
			snprintf(err, errlen, "line %d: %s", lineno, msg);
			goto err;
		}
	}
	rc = 0;
err:
	free(copy);
	return rc;
}

static int
load_file(struct config *c, const char *path, char *err, size_t errlen)
{
	FILE *f = NULL;
	char *text = NULL, msg[512];
	long n;
	int rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto err;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 ||
	    n > 1024 * 1024 || fseek(f, 0, SEEK_SET) < 0) {
		snprintf(err, errlen, "%s: unreadable or larger than 1 MiB",
		    path);
		goto err;
	}
	if ((text = calloc(1, (size_t)n + 1)) == NULL ||
	    fread(text, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, errlen, "%s: read failed", path);
		goto err;
	}
	if (config_parse_text(c, text, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "%s: %s", path, msg);
		goto err;
	}
	rc = 0;
err:
	free(text);
	if (f != NULL)
		fclose(f);
	return rc;
}

static int
load_env(struct config *c, char *err, size_t errlen)
{
	char envname[96], msg[384];
	const char *v;
	size_t i, j;

	for (i = 0; i < NKEYS; i++) {
		/* The seed's plain names first, so CC_* wins over them. */
		if (keys[i].alias != NULL &&
		    (v = getenv(keys[i].alias)) != NULL &&
		    config_set(c, keys[i].name, v, msg, sizeof(msg)) < 0)
			goto bad;
		snprintf(envname, sizeof(envname), "CC_%s", keys[i].name);
		for (j = 3; envname[j] != '\0'; j++)
			envname[j] = (char)toupper((unsigned char)envname[j]);
		if ((v = getenv(envname)) != NULL &&
		    config_set(c, keys[i].name, v, msg, sizeof(msg)) < 0)
			goto bad;
	}
	return 0;
bad:
	snprintf(err, errlen, "environment: %s", msg);
	return -1;
}

/*
 * Builds the effective configuration: defaults, the file (if any), the
 * environment, then the flags.  Fills in derived defaults (workers = cores).
 */
int
config_load(struct config *c, const char *path, const struct cfg_override *ov,
    size_t nov, char *err, size_t errlen)
{
	char msg[384];
	size_t i;

	config_defaults(c);
	if (path != NULL && load_file(c, path, err, errlen) < 0)
		return -1;
	if (load_env(c, err, errlen) < 0)
		return -1;
	for (i = 0; i < nov; i++) {
		if (config_set(c, ov[i].key, ov[i].value, msg,
		    sizeof(msg)) < 0) {
			snprintf(err, errlen, "flag: %s", msg);
			return -1;
		}
	}
	if (c->workers == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		c->workers = n > 0 ? (int)(n > 256 ? 256 : n) : 2;
	}
	return 0;
}

static json_object *
key_json(const struct config *c, const struct cfg_key *k)
{
	const char *field = (const char *)c + k->off;
	char buf[16];

	if (k->secret)
		return json_object_new_string(*field ? "<redacted>" : "");
	switch (k->type) {
	case T_STR:
		return json_object_new_string(field);
	case T_INT:
	case T_SECS:
		return json_object_new_int(*(const int *)field);
	case T_LONG:
		return json_object_new_int64(*(const long *)field);
	case T_BOOL:
		return json_object_new_boolean(*(const int *)field);
	case T_SIZE:
		return json_object_new_int64((int64_t)*(const size_t *)field);
	case T_MODE:
		snprintf(buf, sizeof(buf), "%04o", *(const unsigned *)field);
		return json_object_new_string(buf);
	}
	return NULL;
}

/* The effective configuration as JSON, with every secret redacted. */
json_object *
config_to_json(const struct config *c)
{
	json_object *o = json_object_new_object();
	size_t i;

	for (i = 0; i < NKEYS; i++)
		json_object_object_add(o, keys[i].name, key_json(c, &keys[i]));
	return o;
}

/*
 * Checks posted settings ({"key": value, ...}) without applying them.
 * Returns an array of {key, value, message}; empty means valid.
 */
json_object *
config_check_json(json_object *settings)
{
	json_object *errors = json_object_new_array(), *e;
	struct config scratch;
	char msg[384];
	const char *v;

	config_defaults(&scratch);
	json_object_object_foreach(settings, key, val) {
		if (json_object_is_type(val, json_type_object) ||
		    json_object_is_type(val, json_type_array) ||
		    json_object_is_type(val, json_type_null)) {
			snprintf(msg, sizeof(msg), "value of '%s' must be a "
			    "string, number or boolean", key);
			v = "";
		} else {
			v = json_object_get_string(val);
			if (config_set(&scratch, key, v, msg, sizeof(msg)) == 0)
				continue;
		}
		e = json_object_new_object();
		json_object_object_add(e, "key", json_object_new_string(key));
		json_object_object_add(e, "value", json_object_new_string(v));
		json_object_object_add(e, "message",
		    json_object_new_string(msg));
		json_object_array_add(errors, e);
	}
	return errors;
}
