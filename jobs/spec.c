/*
 * spec.c: what a job submission may say, checked without storage: the
 * priority words, backoff kinds and delays, output globs, input paths,
 * durations and sizes, the dependency graph walk, and the PROGRESS line;
 * and the queue's policy made of them (job_policy), which storage/jobs.c
 * is handed rather than calling up here.  Everything here is pure so the
 * unit tests can drive it directly.
 */
#include "config.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "jobs.h"

static const struct {
	const char	*name;
	int		 value;
} prio_names[] = {
	{ "low", 25 }, { "normal", 50 }, { "high", 75 }, { "critical", 100 },
};

/* A priority is a word (low, normal, high, critical) or 1..100. */
int
job_priority_parse(json_object *v, int *out)
{
	const char *s;
	size_t i;
	long l;

	if (v == NULL) {
		*out = 50;
		return 0;
	}
	if (json_object_is_type(v, json_type_int)) {
		l = (long)json_object_get_int64(v);
		if (l < 1 || l > 100)
			return -1;
		*out = (int)l;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	for (i = 0; i < sizeof(prio_names) / sizeof(prio_names[0]); i++)
		if (strcmp(s, prio_names[i].name) == 0) {
			*out = prio_names[i].value;
			return 0;
		}
	if (parse_long(s, 1, 100, &l) == 0) {
		*out = (int)l;
		return 0;
	}
	return -1;
}

int
job_backoff_parse(const char *s, enum job_backoff *out)
{
	if (strcmp(s, "fixed") == 0)
		*out = JOB_BACKOFF_FIXED;
	else if (strcmp(s, "linear") == 0)
		*out = JOB_BACKOFF_LINEAR;
	else if (strcmp(s, "exponential") == 0)
		*out = JOB_BACKOFF_EXPONENTIAL;
	else
		return -1;
	return 0;
}

const char *
job_backoff_name(enum job_backoff b)
{
	switch (b) {
	case JOB_BACKOFF_FIXED: return "fixed";
	case JOB_BACKOFF_LINEAR: return "linear";
	default: return "exponential";
	}
}

/*
 * The wait before attempt `next` (the second attempt is next == 2):
 * fixed waits initial each time, linear initial * (next - 1),
 * exponential initial * 2^(next - 2); never more than max.
 */
long
job_backoff_delay(enum job_backoff b, long initial, long max, int next)
{
	long d = initial;
	int i;

	if (next < 2)
		return 0;
	switch (b) {
	case JOB_BACKOFF_FIXED:
		break;
	case JOB_BACKOFF_LINEAR:
		d = initial * (next - 1);
		break;
	case JOB_BACKOFF_EXPONENTIAL:
		for (i = 2; i < next && d <= max; i++)
			d *= 2;
		break;
	}
	return d > max ? max : d;
}

/* An absolute container path without "." or ".." segments or "//". */
int
job_path_ok(const char *p)
{
	const char *seg, *end;
	size_t n;

	if (p == NULL || p[0] != '/' || strlen(p) > 1024 || strcmp(p, "/") == 0)
		return -1;
	for (seg = p + 1; *seg; seg = *end ? end + 1 : end) {
		end = strchr(seg, '/');
		if (end == NULL)
			end = seg + strlen(seg);
		n = (size_t)(end - seg);
		if (n == 0 || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return -1;
	}
	for (; *p; p++)
		if ((unsigned char)*p < 0x20)
			return -1;
	return 0;
}

/* Brackets must close; a backslash must escape something. */
static int
glob_syntax_ok(const char *s)
{
	const char *p;

	for (p = s; *p; p++) {
		if (*p == '\\') {
			if (p[1] == '\0')
				return -1;
			p++;
		} else if (*p == '[') {
			p++;
			if (*p == '!' || *p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']')
				p++;
			if (*p != ']')
				return -1;
		}
	}
	return 0;
}

/*
 * An output pattern: an absolute clean path whose wildcards (* ? [...])
 * are in the last segment only, because collection fetches the directory
 * above it in one archive.
 */
int
job_glob_ok(const char *g, const char **why)
{
	const char *last;

	if (job_path_ok(g) < 0) {
		*why = "must be an absolute path without '.', '..' or '//'";
		return -1;
	}
	last = strrchr(g, '/');
	if (strcspn(g, "*?[\\") < (size_t)(last - g)) {
		*why = "wildcards are allowed in the last segment only";
		return -1;
	}
	if (glob_syntax_ok(last + 1) < 0) {
		*why = "unbalanced '[' or trailing '\\'";
		return -1;
	}
	/* fnmatch agrees it is a pattern it can use */
	if (fnmatch(last + 1, "x", FNM_PATHNAME) > FNM_NOMATCH) {
		*why = "not a valid pattern";
		return -1;
	}
	return 0;
}

/* Depth-first walk with an explicit stack and a path set. */
struct walk {
	const char	*ids[512];
	int		 state[512];	/* 1 on the path, 2 done */
	size_t		 n;
};

static int
walk_find(struct walk *w, const char *id)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (strcmp(w->ids[i], id) == 0)
			return (int)i;
	return -1;
}

static int
walk_visit(struct walk *w, const char *id, json_object *deps,
    jobq_deps_fn fn, void *arg, const char **bad, int *cycle, int depth)
{
	json_object *sub;
	const char *d;
	size_t i;
	int at, me;

	if (depth > 256 || w->n >= sizeof(w->ids) / sizeof(w->ids[0])) {
		*bad = id;
		*cycle = 1;	/* too deep to be sane: treat as a cycle */
		return -1;
	}
	me = (int)w->n++;
	w->ids[me] = id;
	w->state[me] = 1;
	for (i = 0; deps != NULL && i < json_object_array_length(deps); i++) {
		d = json_object_get_string(json_object_array_get_idx(deps, i));
		if ((at = walk_find(w, d)) >= 0) {
			if (w->state[at] == 1) {
				*bad = d;
				*cycle = 1;
				return -1;
			}
			continue;
		}
		if ((sub = fn(d, arg)) == NULL) {
			*bad = d;
			*cycle = 0;
			return -1;
		}
		if (walk_visit(w, d, sub, fn, arg, bad, cycle, depth + 1) < 0)
			return -1;
	}
	w->state[me] = 2;
	return 0;
}

int
job_deps_check(const char *self, json_object *deps, jobq_deps_fn fn,
    void *arg, const char **bad, int *cycle)
{
	struct walk *w;
	int rc;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		*bad = self;
		*cycle = 0;
		return -1;
	}
	rc = walk_visit(w, self, deps, fn, arg, bad, cycle, 0);
	free(w);
	return rc;
}

/*
 * The retry_policy member decides: max_attempts (1 when absent) bounds
 * the attempts, backoff, initial_delay and max_delay the wait.
 */
long
job_retry_delay(json_object *rp, int used)
{
	enum job_backoff b = JOB_BACKOFF_EXPONENTIAL;
	const char *bs;

	if (used >= jget_int(rp, "max_attempts", 1))
		return -1;
	if ((bs = jget_str(rp, "backoff")) != NULL)
		job_backoff_parse(bs, &b);
	return job_backoff_delay(b, (long)jget_int(rp, "initial_delay", 1),
	    (long)jget_int(rp, "max_delay", 300), used + 1);
}

const struct jobq_policy *
job_policy(void)
{
	static struct jobq_policy p = { job_retry_delay, job_deps_check, 1 };

	p.concurrency = jobs_cfg.jobs_concurrency > 0 ? jobs_cfg.jobs_concurrency : 1;
	return &p;
}

int
job_progress_line(const char *line, size_t len, double *out)
{
	char buf[32], *end;
	double v;

	if (len < 10 || strncmp(line, "PROGRESS ", 9) != 0)
		return -1;
	len -= 9;
	line += 9;
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n' ||
	    line[len - 1] == ' '))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	v = strtod(buf, &end);
	if (*end != '\0' || !(v >= 0 && v <= 100))
		return -1;
	*out = v;
	return 0;
}

/* ---- the submission body ---- */

static int
get_str(json_object *o, const char *k, size_t max, const char **out)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, k, &v) || json_object_is_type(v,
	    json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0 ||
	    (size_t)json_object_get_string_len(v) > max)
		return -1;
	*out = json_object_get_string(v);
	return 0;
}

/* A duration: seconds as a number, or "90", "90s", "15m", "2h". */
static int
get_secs(json_object *o, const char *k, long def, long *out)
{
	json_object *v;

	*out = def;
	if (!json_object_object_get_ex(o, k, &v) || json_object_is_type(v,
	    json_type_null))
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		*out = (long)json_object_get_int64(v);
		return *out < 0 ? -1 : 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return -1;
	return parse_duration(json_object_get_string(v), out);
}

#define FAIL(f, ...) do {						\
	*field = (f);							\
	snprintf(err, errlen, __VA_ARGS__);				\
	goto err;							\
} while (0)

static json_object *
str_array(json_object *v, size_t max_items, size_t max_len)
{
	json_object *a = NULL, *e;
	size_t i, n;

	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) > max_items)
		return NULL;
	a = json_object_new_array();
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(v, i);
		if (!json_object_is_type(e, json_type_string) ||
		    (size_t)json_object_get_string_len(e) > max_len) {
			json_object_put(a);
			return NULL;
		}
		json_object_array_add(a, json_object_get(e));
	}
	return a;
}

static int
parse_command(json_object *body, json_object *job, char *err, size_t errlen,
    const char **field)
{
	json_object *v, *a = NULL;

	if (!json_object_object_get_ex(body, "command", &v) ||
	    json_object_is_type(v, json_type_null))
		return 0;	/* the image's own command */
	if (json_object_is_type(v, json_type_string)) {
		if (json_object_get_string_len(v) == 0 ||
		    json_object_get_string_len(v) > 65536)
			FAIL("command", "command must be a non-empty string "
			    "or array");
		/* a string is a shell command line, as Docker's shell form */
		a = json_object_new_array();
		json_object_array_add(a, json_object_new_string("/bin/sh"));
		json_object_array_add(a, json_object_new_string("-c"));
		json_object_array_add(a, json_object_get(v));
	} else if ((a = str_array(v, 1024, 65536)) == NULL ||
	    json_object_array_length(a) == 0)
		FAIL("command", "command must be a non-empty string or an "
		    "array of strings");
	json_object_object_add(job, "command", a);
	return 0;
err:
	json_object_put(a);
	return -1;
}

static int
parse_env(json_object *body, json_object *job, char *err, size_t errlen,
    const char **field)
{
	json_object *v, *env = json_object_new_object();
	const char *p;

	if (!json_object_object_get_ex(body, "environment", &v) ||
	    json_object_is_type(v, json_type_null))
		goto out;
	if (!json_object_is_type(v, json_type_object))
		FAIL("environment", "environment must be an object of "
		    "NAME: value");
	json_object_object_foreach(v, k, val) {
		if (!isalpha((unsigned char)k[0]) && k[0] != '_')
			FAIL("environment", "bad variable name '%.64s'", k);
		for (p = k; *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '_')
				FAIL("environment", "bad variable name "
				    "'%.64s'", k);
		if (json_object_is_type(val, json_type_string) ||
		    json_object_is_type(val, json_type_int) ||
		    json_object_is_type(val, json_type_double) ||
		    json_object_is_type(val, json_type_boolean))
			json_object_object_add(env, k, json_object_new_string(
			    json_object_get_string(val)));
		else
			FAIL("environment", "variable '%.64s' must be a "
			    "string or number", k);
	}
out:
	json_object_object_add(job, "environment", env);
	return 0;
err:
	json_object_put(env);
	return -1;
}

static int
parse_inputs(json_object *body, json_object *job, char *err, size_t errlen,
    const char **field)
{
	json_object *v, *e, *row, *out = json_object_new_array();
	const char *src, *dst;
	size_t i;

	if (!json_object_object_get_ex(body, "input_files", &v) ||
	    json_object_is_type(v, json_type_null))
		goto done;
	if (!json_object_is_type(v, json_type_array) ||
	    json_object_array_length(v) > JOB_MAX_FILES)
		FAIL("input_files", "input_files must be an array of at most "
		    "%d {source, destination}", JOB_MAX_FILES);
	for (i = 0; i < json_object_array_length(v); i++) {
		e = json_object_array_get_idx(v, i);
		if (!json_object_is_type(e, json_type_object) ||
		    get_str(e, "source", 1024, &src) < 0 || src == NULL ||
		    get_str(e, "destination", 1024, &dst) < 0 || dst == NULL)
			FAIL("input_files", "input_files[%zu] needs string "
			    "source and destination", i);
		if (job_path_ok(dst) < 0)
			FAIL("input_files", "input_files[%zu].destination must "
			    "be an absolute path without '..'", i);
		row = json_object_new_object();
		json_object_object_add(row, "source",
		    json_object_new_string(src));
		json_object_object_add(row, "destination",
		    json_object_new_string(dst));
		json_object_array_add(out, row);
	}
done:
	json_object_object_add(job, "input_files", out);
	return 0;
err:
	json_object_put(out);
	return -1;
}

static int
parse_outputs(json_object *body, json_object *job, char *err, size_t errlen,
    const char **field)
{
	json_object *v, *a = NULL;
	const char *why;
	size_t i;

	if (!json_object_object_get_ex(body, "output_patterns", &v) ||
	    json_object_is_type(v, json_type_null)) {
		json_object_object_add(job, "output_patterns",
		    json_object_new_array());
		return 0;
	}
	if ((a = str_array(v, JOB_MAX_PATTERNS, 1024)) == NULL)
		FAIL("output_patterns", "output_patterns must be an array of "
		    "at most %d strings", JOB_MAX_PATTERNS);
	for (i = 0; i < json_object_array_length(a); i++)
		if (job_glob_ok(json_object_get_string(
		    json_object_array_get_idx(a, i)), &why) < 0)
			FAIL("output_patterns", "output_patterns[%zu] '%.200s': "
			    "%s", i, json_object_get_string(
			    json_object_array_get_idx(a, i)), why);
	json_object_object_add(job, "output_patterns", a);
	return 0;
err:
	json_object_put(a);
	return -1;
}

static int
parse_resources(json_object *body, json_object *job, char *err,
    size_t errlen, const char **field)
{
	json_object *v = NULL, *res = json_object_new_object(), *c;
	const char *mem = NULL;
	size_t bytes = 0;
	long timeout;
	double cpus = 0;
	char *end;

	if (json_object_object_get_ex(body, "resources", &v) &&
	    !json_object_is_type(v, json_type_null) &&
	    !json_object_is_type(v, json_type_object))
		FAIL("resources", "resources must be an object");
	if (v != NULL && json_object_object_get_ex(v, "cpu_limit", &c) &&
	    !json_object_is_type(c, json_type_null)) {
		if (json_object_is_type(c, json_type_string)) {
			cpus = strtod(json_object_get_string(c), &end);
			if (*end != '\0' || end == json_object_get_string(c))
				cpus = -1;
		} else if (json_object_is_type(c, json_type_int) ||
		    json_object_is_type(c, json_type_double))
			cpus = json_object_get_double(c);
		else
			cpus = -1;
		if (!(cpus > 0 && cpus <= 1024))
			FAIL("resources.cpu_limit", "cpu_limit must be a number "
			    "of CPUs above 0, such as \"0.5\"");
		json_object_object_add(res, "cpu_limit",
		    json_object_new_double(cpus));
	}
	if (v != NULL && (get_str(v, "memory_limit", 32, &mem) < 0 ||
	    (mem != NULL && (parse_size(mem, &bytes) < 0 ||
	    bytes < 4 * 1024 * 1024))))
		FAIL("resources.memory_limit", "memory_limit must be a size "
		    "of at least 4m, such as \"512m\" or \"1g\"");
	if (mem != NULL)
		json_object_object_add(res, "memory_limit",
		    json_object_new_int64((int64_t)bytes));
	timeout = jobs_cfg.jobs_default_timeout;
	if (v != NULL && (get_secs(v, "timeout", jobs_cfg.jobs_default_timeout,
	    &timeout) < 0 || timeout < 1))
		FAIL("resources.timeout", "timeout must be a duration such as "
		    "\"3600s\", \"15m\" or 90");
	if (timeout > jobs_cfg.jobs_max_timeout)
		FAIL("resources.timeout", "timeout %lds is over the configured "
		    "maximum (jobs_max_timeout = %ds)", timeout,
		    jobs_cfg.jobs_max_timeout);
	json_object_object_add(res, "timeout", json_object_new_int64(timeout));
	json_object_object_add(job, "resources", res);
	return 0;
err:
	json_object_put(res);
	return -1;
}

static int
parse_retry(json_object *body, json_object *job, char *err, size_t errlen,
    const char **field)
{
	json_object *v = NULL, *rp = json_object_new_object(), *m;
	enum job_backoff b = JOB_BACKOFF_EXPONENTIAL;
	const char *bs = NULL;
	long max_attempts = jobs_cfg.jobs_max_attempts, init, maxd;

	if (json_object_object_get_ex(body, "retry_policy", &v) &&
	    !json_object_is_type(v, json_type_null) &&
	    !json_object_is_type(v, json_type_object))
		FAIL("retry_policy", "retry_policy must be an object");
	if (v != NULL && json_object_is_type(v, json_type_null))
		v = NULL;
	if (v != NULL && json_object_object_get_ex(v, "max_attempts", &m)) {
		if (!json_object_is_type(m, json_type_int) ||
		    (max_attempts = (long)json_object_get_int64(m)) < 1 ||
		    max_attempts > 100)
			FAIL("retry_policy.max_attempts", "max_attempts must "
			    "be an integer from 1 to 100");
	}
	if (v != NULL && (get_str(v, "backoff", 32, &bs) < 0 ||
	    (bs != NULL && job_backoff_parse(bs, &b) < 0)))
		FAIL("retry_policy.backoff", "backoff must be exponential, "
		    "linear or fixed");
	if (v == NULL) {
		init = jobs_cfg.jobs_retry_delay;
		maxd = jobs_cfg.jobs_retry_max_delay;
	} else if (get_secs(v, "initial_delay", jobs_cfg.jobs_retry_delay,
	    &init) < 0 || init > 86400)
		FAIL("retry_policy.initial_delay", "initial_delay must be a "
		    "duration up to 1d, such as \"2s\"");
	else if (get_secs(v, "max_delay", jobs_cfg.jobs_retry_max_delay,
	    &maxd) < 0 || maxd > 86400)
		FAIL("retry_policy.max_delay", "max_delay must be a duration "
		    "up to 1d, such as \"300s\"");
	if (maxd < init)
		maxd = init;
	json_object_object_add(rp, "max_attempts",
	    json_object_new_int((int)max_attempts));
	json_object_object_add(rp, "backoff",
	    json_object_new_string(job_backoff_name(b)));
	json_object_object_add(rp, "initial_delay", json_object_new_int64(init));
	json_object_object_add(rp, "max_delay", json_object_new_int64(maxd));
	json_object_object_add(job, "retry_policy", rp);
	return 0;
err:
	json_object_put(rp);
	return -1;
}

static int
parse_deps(json_object *body, json_object *job, char *err, size_t errlen,
    const char **field)
{
	json_object *v, *a = NULL;
	const char *id;
	size_t i, j;

	if (!json_object_object_get_ex(body, "depends_on", &v) ||
	    json_object_is_type(v, json_type_null)) {
		json_object_object_add(job, "depends_on",
		    json_object_new_array());
		return 0;
	}
	if ((a = str_array(v, JOB_MAX_DEPS, 64)) == NULL)
		FAIL("depends_on", "depends_on must be an array of at most %d "
		    "job ids", JOB_MAX_DEPS);
	for (i = 0; i < json_object_array_length(a); i++) {
		id = json_object_get_string(json_object_array_get_idx(a, i));
		if (jobq_id_ok(id) < 0)
			FAIL("depends_on", "depends_on[%zu] '%.64s' is not a "
			    "job id", i, id);
		for (j = 0; j < i; j++)
			if (strcmp(id, json_object_get_string(
			    json_object_array_get_idx(a, j))) == 0)
				FAIL("depends_on", "depends_on names '%s' "
				    "twice", id);
	}
	json_object_object_add(job, "depends_on", a);
	return 0;
err:
	json_object_put(a);
	return -1;
}

static const char *const known_members[] = {
	"name", "image", "command", "environment", "input_files",
	"output_patterns", "resources", "priority", "retry_policy",
	"depends_on", "endpoint", NULL
};

json_object *
job_from_request(json_object *body, char *err, size_t errlen,
    const char **field)
{
	json_object *job = NULL, *v = NULL;
	const char *name, *image, *ep;
	size_t i;
	int prio;

	if (!json_object_is_type(body, json_type_object)) {
		*field = "";
		snprintf(err, errlen, "the body must be a JSON object");
		return NULL;
	}
	json_object_object_foreach(body, key, val) {
		(void)val;
		for (i = 0; known_members[i] != NULL; i++)
			if (strcmp(key, known_members[i]) == 0)
				break;
		if (known_members[i] == NULL) {
			*field = key;
			snprintf(err, errlen, "unknown member '%.64s'", key);
			return NULL;
		}
	}
	job = json_object_new_object();
	if (get_str(body, "name", 128, &name) < 0)
		FAIL("name", "name must be a string of 1 to 128 characters");
	if (get_str(body, "image", 256, &image) < 0 || image == NULL)
		FAIL("image", "image is required (a string up to 256 "
		    "characters)");
	if (get_str(body, "endpoint", 32, &ep) < 0)
		FAIL("endpoint", "endpoint must be an endpoint name");
	json_object_object_get_ex(body, "priority", &v);
	if (job_priority_parse(v, &prio) < 0)
		FAIL("priority", "priority must be low, normal, high, critical "
		    "or an integer from 1 to 100");
	json_object_object_add(job, "name",
	    json_object_new_string(name ? name : "job"));
	json_object_object_add(job, "image", json_object_new_string(image));
	json_object_object_add(job, "priority", json_object_new_int(prio));
	if (ep != NULL)
		json_object_object_add(job, "endpoint",
		    json_object_new_string(ep));
	if (parse_command(body, job, err, errlen, field) < 0 ||
	    parse_env(body, job, err, errlen, field) < 0 ||
	    parse_inputs(body, job, err, errlen, field) < 0 ||
	    parse_outputs(body, job, err, errlen, field) < 0 ||
	    parse_resources(body, job, err, errlen, field) < 0 ||
	    parse_retry(body, job, err, errlen, field) < 0 ||
	    parse_deps(body, job, err, errlen, field) < 0)
		goto err;
	return job;
err:
	json_object_put(job);
	return NULL;
}
