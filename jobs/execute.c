/*
 * execute.c: one attempt of one job, in a process of its own (forked by
 * the runner).  create -> inputs in -> start -> wait with the timeout ->
 * outputs out -> logs kept -> remove, then jobq_finish() decides what
 * comes next (completed, queued again after the backoff, failed).
 *
 * This process waits in short slices, sampling the container's stats
 * (resource_usage) and noticing a cancel between slices; once the
 * container outlives the first slice, a helper process follows its
 * output for PROGRESS lines (a shorter job's are read from its logs).  Whenever the
 * job turns out to be no longer this attempt's (cancelled), the attempt
 * stops, the container goes, and only the attempt's row is written.
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/base.h"
#include "../runtimes/runtime.h"
#include "../services/services.h"
#include "../storage/storage.h"
#include "jobs.h"

#define WAIT_SLICE_S	2

struct attempt {
	const struct job_claim	*cl;
	json_object		*job;
	const char		*owner;
	struct rt_endpoint	 ep;
	char			 cid[128];
	struct job_result	 res;
	json_object		*outputs;
	json_object		*usage;
	double			 cpu_time, mem_peak, net_io;
	size_t			 out_used;
};

static void fail(struct attempt *, enum job_outcome, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Records why the attempt did not succeed. */
static void
fail(struct attempt *a, enum job_outcome o, const char *fmt, ...)
{
	va_list ap;

	a->res.outcome = o;
	va_start(ap, fmt);
	vsnprintf(a->res.reason, sizeof(a->res.reason), fmt, ap);
	va_end(ap);
}

/* ---- what a job needs of its endpoint ---- */

/*
 * Beyond the core every driver has, a job needs wait, and archives when
 * it copies files in or out.  0, or -1 with why naming the endpoint and
 * what it lacks.  The API checks it at submission (400), an attempt
 * again before it starts: nothing here calls a member a driver lacks.
 */
int
job_endpoint_check(json_object *job, const struct rt_endpoint *ep, char *why,
    size_t whylen)
{
	json_object *in = jget_arr(job, "input_files"),
	    *out = jget_arr(job, "output_patterns");
	unsigned need = RT_CAP_WAIT;
	const char *lack;

	if ((in != NULL && json_object_array_length(in) > 0) ||
	    (out != NULL && json_object_array_length(out) > 0))
		need |= RT_CAP_ARCHIVE;
	if ((lack = rt_cap_missing(ep, need)) == NULL)
		return 0;
	snprintf(why, whylen, "endpoint '%s' (%s) does not support %s, which "
	    "this job needs", ep->name, ep->driver->name, lack);
	return -1;
}

/* ---- progress: a helper process follows stdout ---- */

struct follow {
	const struct job_claim	*cl;
	char			 line[256];
	size_t			 len;
	int			 skip;		/* in an overlong line */
	int			 quiet;		/* only note the last value */
	double			 last;
};

static void
follow_line(struct follow *f)
{
	double p;

	if (job_progress_line(f->line, f->len, &p) == 0 && p != f->last) {
		f->last = p;
		if (!f->quiet && jobq_set_progress(f->cl->id, f->cl->attempt, p) ==
		    STORE_E_GONE)
			exit(0);
	}
}

static int
follow_sink(void *arg, enum rt_stream s, const char *buf, size_t len)
{
	struct follow *f = arg;
	size_t i;

	if (buf == NULL || s != RT_STDOUT)
		return 0;
	for (i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			if (!f->skip)
				follow_line(f);
			f->len = 0;
			f->skip = 0;
		} else if (f->len < sizeof(f->line) - 1)
			f->line[f->len++] = buf[i];
		else
			f->skip = 1;
	}
	return 0;
}

/* The follower: its own LMDB environment and CURL handle (after fork),
 * a logs stream with follow that ends when the container stops. */
static pid_t
follow_start(struct attempt *a)
{
	struct rt_logs_spec ls = { .tail = -1, .follow = 1 };
	struct follow f = { .cl = a->cl, .last = -1 };
	struct rt_err err;
	pid_t pid;

	store_close();
	rt_cleanup();
	if ((pid = fork()) != 0) {
		if (store_open(store_cfg.data_dir, store_cfg.map_size) != 0)
			log_msg(LOG_L_ERROR, "job %s: storage lost after fork",
			    a->cl->id);
		return pid;
	}
	signal(SIGTERM, SIG_DFL);
	if (store_open(store_cfg.data_dir, store_cfg.map_size) != 0)
		_exit(1);
	a->ep.driver->logs(&a->ep, a->cid, &ls, follow_sink, &f, &err);
	if (f.len > 0 && !f.skip)
		follow_line(&f);
	rt_cleanup();
	store_close();
	_exit(0);
}

static void
follow_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* ---- inputs ---- */

static int
put_inputs(struct attempt *a)
{
	json_object *in = jget_arr(a->job, "input_files"), *row;
	struct job_input *v = NULL;
	struct rt_err err;
	void *tar = NULL;
	size_t n, i, tlen;
	int rc = -1;

	n = in ? json_object_array_length(in) : 0;
	if (n == 0)
		return 0;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(in, i);
		v[i].dest = jget_str(row, "destination");
		if (job_fs_read(jget_str(row, "source"), (void **)&v[i].data,
		    &v[i].len) != 0) {
			fail(a, JOB_ERROR, "input file '%.200s' cannot be read",
			    jget_str(row, "source"));
			goto out;
		}
	}
	if (job_tar_build(v, n, &tar, &tlen) < 0) {
		fail(a, JOB_ERROR, "%s", "cannot build the inputs' archive");
		goto out;
	}
	if (a->ep.driver->put_archive(&a->ep, a->cid, "/", tar, tlen,
	    &err) < 0) {
		fail(a, JOB_ERROR, "copying the inputs in: %s", err.msg);
		goto out;
	}
	rc = 0;
out:
	for (i = 0; v != NULL && i < n; i++)
		free((void *)v[i].data);
	free(v);
	free(tar);
	return rc;
}

/* ---- outputs ---- */

struct membuf {
	char	*p;
	size_t	 len, cap, max;
};

static int
mem_sink(void *arg, enum rt_stream s, const char *buf, size_t len)
{
	struct membuf *m = arg;
	char *np;

	(void)s;
	if (buf == NULL)
		return 0;
	if (m->len + len > m->max)
		return -1;
	if (m->len + len + 1 > m->cap) {
		m->cap = (m->len + len + 1) * 2;
		if ((np = realloc(m->p, m->cap)) == NULL)
			return -1;
		m->p = np;
	}
	memcpy(m->p + m->len, buf, len);
	m->len += len;
	m->p[m->len] = '\0';
	return 0;
}

struct collect {
	struct attempt	*a;
	const char	*pattern;
};

/* Stores one matching file at jobs/<id>/<basename>. */
static int
collect_file(const char *cpath, const void *data, size_t len, void *arg)
{
	struct collect *c = arg;
	json_object *row, *meta = NULL;
	const char *base = strrchr(cpath, '/') + 1, *etag;
	char path[256];
	size_t i;

	snprintf(path, sizeof(path), "/jobs/%s/%s", c->a->cl->id, base);
	for (i = 0; i < json_object_array_length(c->a->outputs); i++)
		if (strcmp(jget_str(json_object_array_get_idx(c->a->outputs, i),
		    "name"), base) == 0)
			return 0;	/* an earlier pattern took it */
	if (job_fs_write(c->a->owner, path, data, len, &meta) != 0) {
		fail(c->a, JOB_ERROR, "cannot store output '%.200s'", cpath);
		return -3;
	}
	row = json_object_new_object();
	json_object_object_add(row, "name", json_object_new_string(base));
	json_object_object_add(row, "path", json_object_new_string(path));
	json_object_object_add(row, "container_path",
	    json_object_new_string(cpath));
	json_object_object_add(row, "size", json_object_new_int64(
	    (int64_t)len));
	json_object_object_add(row, "pattern",
	    json_object_new_string(c->pattern));
	if ((etag = jget_str(meta, "etag")) != NULL)
		json_object_object_add(row, "etag",
		    json_object_new_string(etag));
	json_object_put(meta);
	json_object_array_add(c->a->outputs, row);
	return 0;
}

static int
collect_outputs(struct attempt *a)
{
	json_object *pats = jget_arr(a->job, "output_patterns");
	struct membuf m = { 0 };
	struct collect c = { a, NULL };
	struct rt_err err;
	char dir[1100];
	size_t i;
	int rejected = 0, rc = 0;

	for (i = 0; pats != NULL && i < json_object_array_length(pats); i++) {
		c.pattern = json_object_get_string(
		    json_object_array_get_idx(pats, i));
		snprintf(dir, sizeof(dir), "%s", c.pattern);
		*strrchr(dir, '/') = '\0';
		if (dir[0] == '\0')
			snprintf(dir, sizeof(dir), "/");
		m.len = 0;
		m.max = jobs_cfg.jobs_max_output - a->out_used;
		if (a->ep.driver->get_archive(&a->ep, a->cid, dir, m.max,
		    mem_sink, &m, &err) < 0) {
			if (err.code == RT_E_NOT_FOUND)
				continue;	/* no such directory: no match */
			if (err.code == RT_E_TOO_BIG) {
				fail(a, JOB_ERROR, "%s", "outputs exceed "
				    "jobs_max_output");
				rc = -1;
				break;
			}
			fail(a, JOB_ERROR, "collecting outputs: %s", err.msg);
			rc = -1;
			break;
		}
		rc = job_tar_extract(m.p, m.len, strcmp(dir, "/") ? dir : "",
		    c.pattern, jobs_cfg.jobs_max_output, &a->out_used, collect_file,
		    &c, &rejected);
		if (rc == -2)
			fail(a, JOB_ERROR, "%s", "outputs exceed jobs_max_output");
		else if (rc == -1)
			fail(a, JOB_ERROR, "%s", "the engine's archive of the "
			    "outputs is unreadable");
		if (rc != 0)
			break;
	}
	if (rejected > 0)
		log_msg(LOG_L_WARN, "job %s: %d output entries refused "
		    "(absolute, '..' or links)", a->cl->id, rejected);
	free(m.p);
	return rc == 0 ? 0 : -1;
}

/* ---- logs and usage ---- */

static void
keep_logs(struct attempt *a)
{
	struct rt_logs_spec ls = { .tail = -1 };
	struct membuf m = { .max = jobs_cfg.jobs_max_log };
	struct rt_err err;

	struct follow f = { .cl = a->cl, .last = -1, .quiet = 1 };

	/* past the cap the sink stops: the first jobs_max_log bytes stay */
	if (rt_can(&a->ep, RT_CAP_LOGS))
		a->ep.driver->logs(&a->ep, a->cid, &ls, mem_sink, &m, &err);
	/* the last PROGRESS line counts, also when no follower saw it */
	follow_sink(&f, RT_STDOUT, m.p ? m.p : "", m.len);
	if (f.len > 0 && !f.skip)
		follow_line(&f);
	if (f.last >= 0)
		jobq_set_progress(a->cl->id, a->cl->attempt, f.last);
	if (jobq_put_log(a->cl->id, a->cl->attempt, m.p ? m.p : "",
	    m.len) != 0)
		log_msg(LOG_L_WARN, "job %s: cannot store the logs of attempt "
		    "%d", a->cl->id, a->cl->attempt);
	free(m.p);
}

static void
sample_usage(struct attempt *a)
{
	json_object *st = NULL;
	struct rt_err err;
	double mem;

	if (!rt_can(&a->ep, RT_CAP_STATS) ||
	    a->ep.driver->stats(&a->ep, a->cid, &st, &err) < 0)
		return;
	/* cpu_usage is percent of one CPU now: integrate over the slice */
	a->cpu_time += jget_double(st, "cpu_usage", 0) / 100.0 *
	    WAIT_SLICE_S;
	if ((mem = jget_double(st, "memory_usage", 0)) > a->mem_peak)
		a->mem_peak = mem;
	a->net_io = jget_double(st, "network_rx", 0) +
	    jget_double(st, "network_tx", 0);
	json_object_put(st);
	json_object_put(a->usage);
	a->usage = json_object_new_object();
	json_object_object_add(a->usage, "cpu_time",
	    json_object_new_double(a->cpu_time));
	json_object_object_add(a->usage, "memory_peak",
	    json_object_new_int64((int64_t)a->mem_peak));
	json_object_object_add(a->usage, "network_io",
	    json_object_new_int64((int64_t)a->net_io));
	jobq_set_usage(a->cl->id, a->cl->attempt, a->usage);
}

/* ---- the container ---- */

static int
make_container(struct attempt *a)
{
	struct rt_create_spec spec;
	struct rt_kv labels[4];
	struct rt_err err;
	json_object *cmd = jget_arr(a->job, "command"), *env, *res;
	const char **argv = NULL, **envv = NULL;
	char name[96], att[16], **envs = NULL;
	size_t i, n = 0, ne = 0;
	int rc = -1;

	memset(&spec, 0, sizeof(spec));
	snprintf(name, sizeof(name), "cc-%s-%d", a->cl->id, a->cl->attempt);
	snprintf(att, sizeof(att), "%d", a->cl->attempt);
	labels[0] = (struct rt_kv){ "cc.job", a->cl->id };
	labels[1] = (struct rt_kv){ "cc.owner", a->owner };
	labels[2] = (struct rt_kv){ "cc.attempt", att };
	labels[3] = (struct rt_kv){ "cc.kind", "job" };
	if (cmd != NULL && (n = json_object_array_length(cmd)) > 0) {
		if ((argv = calloc(n + 1, sizeof(*argv))) == NULL)
			goto out;
		for (i = 0; i < n; i++)
			argv[i] = json_object_get_string(
			    json_object_array_get_idx(cmd, i));
	}
	if ((env = jget_obj(a->job, "environment")) != NULL) {
		ne = (size_t)json_object_object_length(env);
		if ((envv = calloc(ne + 1, sizeof(*envv))) == NULL ||
		    (envs = calloc(ne + 1, sizeof(*envs))) == NULL)
			goto out;
		i = 0;
		json_object_object_foreach(env, k, v) {
			if (asprintf(&envs[i], "%s=%s", k,
			    json_object_get_string(v)) < 0)
				goto out;
			envv[i] = envs[i];
			i++;
		}
	}
	res = jget_obj(a->job, "resources");
	spec.name = name;
	spec.image = jget_str(a->job, "image");
	spec.cmd = argv;
	spec.env = envv;
	spec.labels = labels;
	spec.nlabels = 4;
	spec.network_mode = jobs_cfg.jobs_network_mode;
	spec.memory_bytes = jget_int(res, "memory_limit", 0);
	spec.nano_cpus = (int64_t)(jget_double(res, "cpu_limit", 0) * 1e9);
	if (a->ep.driver->create(&a->ep, &spec, a->cid, sizeof(a->cid),
	    &err) < 0) {
		fail(a, JOB_ERROR, "creating the container: %s", err.msg);
		a->cid[0] = '\0';
		goto out;
	}
	rc = 0;
out:
	for (i = 0; envs != NULL && i < ne; i++)
		free(envs[i]);
	free(envs);
	free(envv);
	free(argv);
	return rc;
}

/*
 * Waits in slices until exit, timeout or cancel.  1 exited, 0 the
 * deadline passed, -1 error or cancelled (res says which).  The first
 * slice is short and has no follower: most short jobs end within it, and
 * their PROGRESS lines are read from the kept logs instead (keep_logs).
 */
static int
wait_exit(struct attempt *a, time_t deadline, int *code, pid_t *follower)
{
	struct rt_err err;
	long left, slice = 1;

	for (;;) {
		if ((left = (long)(deadline - now_wall())) <= 0)
			return 0;
		if (a->ep.driver->wait(&a->ep, a->cid, left < slice ? left :
		    slice, code, &err) == 0)
			return 1;
		slice = WAIT_SLICE_S;
		if (*follower <= 0 && rt_can(&a->ep, RT_CAP_LOGS))
			*follower = follow_start(a);
		if (jobq_attempt_live(a->cl->id, a->cl->attempt) != 0)
			return -1;
		if (err.code != RT_E_TIMEOUT) {
			fail(a, JOB_ERROR, "waiting for the container: %s",
			    err.msg);
			return -1;
		}
		sample_usage(a);
	}
}

/*
 * Runs attempt cl->attempt of job cl->id to its end and records it.
 * Called in the process that claimed the attempt.
 */
void
job_execute(const struct job_claim *cl)
{
	struct attempt a;
	struct rt_err err;
	const char *ep;
	char why[256];
	pid_t follower = -1;
	time_t deadline;
	long timeout;
	int code = -1, w, cancelled = 0;

	memset(&a, 0, sizeof(a));
	a.cl = cl;
	a.res.exit_code = -1;
	a.outputs = json_object_new_array();
	if (jobq_get(cl->id, &a.job) != 0) {
		log_msg(LOG_L_ERROR, "job %s vanished", cl->id);
		json_object_put(a.outputs);
		return;
	}
	a.owner = jget_str(a.job, "owner") ? jget_str(a.job, "owner") : "";
	ep = jget_str(a.job, "endpoint");
	timeout = (long)jget_int(jget_obj(a.job, "resources"), "timeout", 0);
	if (timeout <= 0)
		timeout = jobs_cfg.jobs_default_timeout;
	if (endpoints_get(ep, &a.ep, &err) < 0) {
		fail(&a, JOB_ERROR, "endpoint: %s", err.msg);
		goto finish;
	}
	if (job_endpoint_check(a.job, &a.ep, why, sizeof(why)) < 0) {
		fail(&a, JOB_ERROR, "%s", why);
		goto finish;
	}
	if (make_container(&a) < 0)
		goto finish;
	if (jobq_set_container(cl->id, cl->attempt, a.cid) == STORE_E_GONE) {
		cancelled = 1;
		goto finish;
	}
	if (put_inputs(&a) < 0)
		goto finish;
	if (a.ep.driver->start(&a.ep, a.cid, &err) < 0) {
		fail(&a, JOB_ERROR, "starting the container: %s", err.msg);
		goto finish;
	}
	deadline = now_wall() + timeout;
	w = wait_exit(&a, deadline, &code, &follower);
	if (w == 0) {
		a.ep.driver->kill(&a.ep, a.cid, "KILL", &err);
		a.ep.driver->wait(&a.ep, a.cid, 10, &code, &err);
		fail(&a, JOB_TIMEOUT, "%s", "timeout");
		snprintf(a.res.reason, sizeof(a.res.reason), "timeout: still "
		    "running after %lds", timeout);
	}
	follow_stop(follower);
	if (w < 0 && jobq_attempt_live(cl->id, cl->attempt) != 0) {
		cancelled = 1;
		goto finish;
	}
	if (w == 1) {
		a.res.exit_code = code;
		if (code == 0)
			a.res.outcome = JOB_OK;
		else {
			a.res.outcome = JOB_EXIT;
			snprintf(a.res.reason, sizeof(a.res.reason),
			    "exit code %d", code);
		}
		if (collect_outputs(&a) < 0)
			a.res.outcome = JOB_ERROR;
	}
finish:
	if (a.cid[0] != '\0') {
		keep_logs(&a);
		if (a.ep.driver->remove(&a.ep, a.cid, 1, &err) < 0 &&
		    err.code != RT_E_NOT_FOUND)
			log_msg(LOG_L_WARN, "job %s: cannot remove container "
			    "%s: %s", cl->id, a.cid, err.msg);
	}
	if (cancelled) {
		a.res.outcome = JOB_INTERRUPTED;
		snprintf(a.res.reason, sizeof(a.res.reason), "cancelled");
	}
	a.res.outputs = a.outputs;
	a.res.usage = a.usage;
	if (jobq_finish(job_policy(), cl->id, cl->attempt, &a.res) != 0)
		log_msg(LOG_L_ERROR, "job %s: cannot record the end of attempt "
		    "%d", cl->id, cl->attempt);
	json_object_put(a.outputs);
	json_object_put(a.usage);
	json_object_put(a.job);
}
