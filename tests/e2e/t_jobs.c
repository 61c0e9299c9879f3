/*
 * t_jobs.c: batch jobs end to end with the real Podman engine, through
 * nginx (bad submissions through Apache too): input files in and output
 * files out by pattern, downloads with Range and ETag, logs kept after
 * the container is gone, retries with a growing backoff, a timeout,
 * cancel of a queued and of a running job (its container is gone),
 * priority order under a busy runner, a dependency chain and a failure
 * that cancels its dependents, retry, the runner killed with SIGKILL
 * mid-job (restarted by the pool; the job completes once), a job's
 * process killed (the attempt is retried per policy), a non-admin seeing
 * only their jobs, and bad submissions of every kind with storage left
 * unchanged.  Every wait is bounded; nothing asserts on elapsed time.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ctr_util.h"
#include "harness.h"

#define IMAGE "localhost/busybox:test"

static char user_key_hdr[256];

/* Submits a job; returns its id (static storage, one of 8) or NULL. */
static const char *
submit(const char *json)
{
	static char ids[8][32];
	static int n;
	struct http_resp r;
	const char *id;
	char *out = ids[n++ % 8];

	if (api(&r, "NGINX_URL", "POST", "/api/v1/jobs", json) != 201 ||
	    (id = json_str_at(r.json, "job_id")) == NULL) {
		diag("submit %s: %ld %s", json, r.status, r.body ? r.body : "");
		http_resp_free(&r);
		return NULL;
	}
	snprintf(out, 32, "%s", id);
	http_resp_free(&r);
	return out;
}

/* The job's record (a new reference; caller puts), or NULL. */
static json_object *
get_job(const char *id)
{
	struct http_resp r;
	json_object *job = NULL;
	char path[128];

	snprintf(path, sizeof(path), "/api/v1/jobs/%s", id ? id : "none");
	if (api(&r, "NGINX_URL", "GET", path, NULL) == 200 &&
	    (job = json_at(r.json, "job")) != NULL)
		json_object_get(job);
	http_resp_free(&r);
	return job;
}

static const char *
status_in(json_object *job)
{
	const char *s = json_str_at(job, "status");

	return s ? s : "";
}

/* Polls until the job's status is one of want ("a|b"), at most secs. */
static json_object *
wait_for(const char *id, const char *want, int secs)
{
	json_object *job = NULL;
	char w[64], *tok, *save;
	int i;

	for (i = 0; i < secs * 10; i++) {
		json_object_put(job);
		if ((job = get_job(id)) == NULL)
			return NULL;
		snprintf(w, sizeof(w), "%s", want);
		for (tok = strtok_r(w, "|", &save); tok != NULL;
		    tok = strtok_r(NULL, "|", &save))
			if (strcmp(status_in(job), tok) == 0)
				return job;
		harness_msleep(100);
	}
	diag("job %s still %s after %ds (wanted %s)", id, status_in(job),
	    secs, want);
	return job;
}

/* Waits until a running job has its container. */
static json_object *
wait_container(const char *id, int secs)
{
	json_object *job = NULL;
	int i;

	for (i = 0; i < secs * 10; i++) {
		json_object_put(job);
		job = get_job(id);
		if (job != NULL && strcmp(status_in(job), "running") == 0 &&
		    json_str_at(job, "container_id") != NULL)
			return job;
		harness_msleep(100);
	}
	return job;
}

static long
jint(json_object *o, const char *path)
{
	json_object *v = json_at(o, path);

	return v ? (long)json_object_get_int64(v) : -1;
}

/* ---- the engine, straight over its socket ---- */

static size_t
grow(char *p, size_t sz, size_t n, void *arg)
{
	struct http_resp *r = arg;
	char *nb = realloc(r->body, r->len + sz * n + 1);

	if (nb == NULL)
		return 0;
	r->body = nb;
	memcpy(r->body + r->len, p, sz * n);
	r->len += sz * n;
	r->body[r->len] = '\0';
	return sz * n;
}

static long
engine_get(const char *path, struct http_resp *r)
{
	CURL *h = curl_easy_init();
	char url[1024];

	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "http://d/v1.41%s", path);
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH,
	    harness_env("DOCKER_SOCK"));
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, grow);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(h);
	return r->status;
}

static int
container_exists(const char *cid)
{
	struct http_resp r;
	char path[256];
	long st;

	snprintf(path, sizeof(path), "/containers/%s/json", cid);
	st = engine_get(path, &r);
	free(r.body);
	return st == 200;
}

/*
 * Containers the engine created for a job since t0 (its events).  A read
 * of the engine's event log can come back empty while the engine is
 * writing to it, so an empty answer is asked again (three times at most,
 * half a second apart); a count above zero is taken as it is.
 */
static int
creations(const char *id, time_t t0)
{
	struct http_resp r;
	char path[512], *esc;
	CURL *h = curl_easy_init();
	char filt[256];
	const char *p;
	long st;
	int n = 0, tries;

	snprintf(filt, sizeof(filt), "{\"label\":[\"cc.job=%s\"],"
	    "\"event\":[\"create\"],\"type\":[\"container\"]}", id);
	esc = curl_easy_escape(h, filt, 0);
	curl_easy_cleanup(h);
	for (tries = 0; tries < 3 && n == 0; tries++) {
		if (tries > 0)
			harness_msleep(500);
		snprintf(path, sizeof(path), "/events?since=%ld&until=%ld"
		    "&filters=%s", (long)t0 - 1, (long)time(NULL) + 1, esc);
		if ((st = engine_get(path, &r)) == 200)
			for (p = r.body; p != NULL && (p = strstr(p,
			    "\"create\"")) != NULL; p++)
				if (strncmp(p - 9, "\"status\":", 9) == 0 ||
				    strncmp(p - 10, "\"status\": ", 10) == 0)
					n++;
		if (n == 0)	/* say what the engine answered */
			diag("GET %s: %ld, %zu bytes: %.300s", path, st,
			    r.len, r.body ? r.body : "");
		free(r.body);
	}
	curl_free(esc);
	return n;
}

/* ---- the pool's runner ---- */

static long
runner_pid(void)
{
	struct http_resp r;
	json_object *procs, *p;
	long pid = 0;
	size_t i;

	if (api(&r, "NGINX_URL", "GET", "/api/v1/system/info", NULL) == 200 &&
	    (procs = json_at(r.json, "system.pool.processes")) != NULL)
		for (i = 0; i < json_object_array_length(procs); i++) {
			p = json_object_array_get_idx(procs, i);
			if (json_str_at(p, "kind") != NULL &&
			    strcmp(json_str_at(p, "kind"), "runner") == 0)
				pid = jint(p, "pid");
		}
	http_resp_free(&r);
	return pid;
}

/* ---- the tests ---- */

static void
put_file(const char *path, const char *data)
{
	struct http_resp r;
	const char *h[2] = { harness_admin_header(), NULL };

	http_do(&r, "PUT", harness_url("NGINX_URL", path), h, data,
	    strlen(data));
	is_int(r.status, 201, "PUT %s", path);
	http_resp_free(&r);
}

static void
test_files(void)
{
	struct http_resp r;
	json_object *job, *files;
	const char *id, *name;
	char path[256];
	size_t i;

	put_file("/api/v1/files/jt/a.txt", "alpha\n");
	put_file("/api/v1/files/jt/b.csv", "x,y\n1,2\n");
	id = submit("{\"name\":\"io\",\"image\":\"" IMAGE "\",\"command\":"
	    "\"mkdir -p /output && cp /in/a.txt /output/a.json && "
	    "cp /in/data/b.csv /output/b.json && echo skip > /output/c.txt && "
	    "echo PROGRESS 60 && echo finished\",\"input_files\":["
	    "{\"source\":\"/jt/a.txt\",\"destination\":\"/in/a.txt\"},"
	    "{\"source\":\"/jt/b.csv\",\"destination\":\"/in/data/b.csv\"}],"
	    "\"output_patterns\":[\"/output/*.json\"],\"resources\":"
	    "{\"memory_limit\":\"64m\",\"cpu_limit\":\"0.5\",\"timeout\":"
	    "\"60s\"}}");
	ok(id != NULL, "job with two inputs submitted");
	job = wait_for(id, "completed|failed", 60);
	is_str(status_in(job), "completed", "it completed");
	is_int(jint(job, "exit_code"), 0, "exit code 0");
	is_int(jint(job, "progress"), 100, "progress 100 at the end");
	files = json_at(job, "output_files");
	is_int(files ? (long)json_object_array_length(files) : -1, 2,
	    "exactly two outputs were collected");
	for (i = 0; files != NULL && i < json_object_array_length(files);
	    i++) {
		name = json_str_at(json_object_array_get_idx(files, i), "name");
		ok(name && (strcmp(name, "a.json") == 0 ||
		    strcmp(name, "b.json") == 0), "output %s matches", name);
	}
	snprintf(path, sizeof(path), "/api/v1/jobs/%s/output/a.json", id);
	is_int(api(&r, "NGINX_URL", "GET", path, NULL), 200, "a.json downloads");
	is_str(r.body, "alpha\n", "with the input's bytes");
	ok(http_header(&r, "ETag") != NULL, "and an ETag");
	http_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/jobs/%s/output/b.json", id);
	{
		const char *h[3] = { harness_admin_header(),
		    "Range: bytes=2-4", NULL };

		http_do(&r, "GET", harness_url("NGINX_URL", path), h, NULL, 0);
		is_int(r.status, 206, "a Range of b.json is 206");
		is_str(r.body, "y\n1", "with those bytes");
		http_resp_free(&r);
	}
	snprintf(path, sizeof(path), "/api/v1/jobs/%s/output/c.txt", id);
	is_int(api(&r, "NGINX_URL", "GET", path, NULL), 404,
	    "c.txt was not collected");
	http_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/jobs/%s/output", id);
	is_int(api(&r, "NGINX_URL", "GET", path, NULL), 200, "output list");
	is_int(jint(r.json, "total"), 2, "lists two files");
	http_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/jobs/%s/logs", id);
	is_int(api(&r, "NGINX_URL", "GET", path, NULL), 200, "logs after the end");
	ok(r.body && strstr(r.body, "finished\n") != NULL,
	    "logs kept after the container is gone");
	http_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/jobs/%s/logs?tail=1", id);
	api(&r, "NGINX_URL", "GET", path, NULL);
	is_str(r.body, "finished\n", "tail=1 is the last line");
	http_resp_free(&r);
	ok(json_str_at(job, "container_id") != NULL &&
	    !container_exists(json_str_at(job, "container_id")),
	    "the container was removed");
	json_object_put(job);
}

static void
test_progress(void)
{
	json_object *job = NULL;
	struct http_resp r;
	const char *id;
	char path[128];
	int i;

	id = submit("{\"image\":\"" IMAGE "\",\"command\":\"echo PROGRESS "
	    "40; sleep 4\"}");
	for (i = 0; i < 150; i++) {
		json_object_put(job);
		job = get_job(id);
		if (jint(job, "progress") == 40)
			break;
		harness_msleep(100);
	}
	is_int(jint(job, "progress"), 40, "PROGRESS 40 is reported while "
	    "running");
	ok(json_str_at(job, "estimated_completion") != NULL,
	    "estimated_completion follows from it");
	json_object_put(job);
	/* follow streams from the engine and ends with the job */
	snprintf(path, sizeof(path), "/api/v1/jobs/%s/logs?follow=true", id);
	is_int(api(&r, "NGINX_URL", "GET", path, NULL), 200, "logs?follow=true");
	ok(r.body && strstr(r.body, "PROGRESS 40") != NULL,
	    "follow streams the running job's output");
	http_resp_free(&r);
	job = wait_for(id, "completed|failed", 30);
	is_str(status_in(job), "completed", "progress job completed");
	json_object_put(job);
}

static void
test_retries(void)
{
	json_object *job, *att;
	long d1, d2;
	const char *id;

	id = submit("{\"image\":\"" IMAGE "\",\"command\":\"echo try; exit 3\","
	    "\"retry_policy\":{\"max_attempts\":3,\"backoff\":\"exponential\","
	    "\"initial_delay\":\"1s\",\"max_delay\":\"10s\"}}");
	job = wait_for(id, "failed|completed", 60);
	is_str(status_in(job), "failed", "a failing command ends failed");
	att = json_at(job, "attempts");
	is_int(att ? (long)json_object_array_length(att) : -1, 3,
	    "after three attempts");
	is_str(json_str_at(job, "attempts.2.reason"), "exit code 3",
	    "each attempt records its reason");
	is_int(jint(job, "exit_code"), 3, "exit code 3");
	d1 = jint(job, "attempts.0.retry_delay");
	d2 = jint(job, "attempts.1.retry_delay");
	ok(d1 == 1 && d2 == 2, "backoff grows: %ld then %ld seconds", d1, d2);
	ok(json_str_at(job, "attempts.1.started_at") != NULL &&
	    strcmp(json_str_at(job, "attempts.1.started_at"),
	    json_str_at(job, "attempts.0.finished_at")) > 0,
	    "the second attempt started after the first's backoff");
	json_object_put(job);
}

static void
test_timeout(void)
{
	json_object *job;
	const char *id;

	id = submit("{\"image\":\"" IMAGE "\",\"command\":[\"sleep\",\"60\"],"
	    "\"resources\":{\"timeout\":\"2s\"}}");
	job = wait_for(id, "failed|completed", 45);
	is_str(status_in(job), "failed", "a job past its timeout fails");
	ok(json_str_at(job, "error") && strncmp(json_str_at(job, "error"),
	    "timeout", 7) == 0, "with reason timeout (%s)",
	    json_str_at(job, "error"));
	ok(json_str_at(job, "container_id") != NULL &&
	    !container_exists(json_str_at(job, "container_id")),
	    "and its container is gone");
	json_object_put(job);
}

static void
cancel(const char *id, long want, const char *what)
{
	struct http_resp r;
	char path[128];

	snprintf(path, sizeof(path), "/api/v1/jobs/%s/cancel", id);
	is_int(api(&r, "NGINX_URL", "POST", path, NULL), want, "%s", what);
	http_resp_free(&r);
}

/* Both slots busy with sleepers; four jobs of each priority queued
 * behind them; cancelling the sleepers frees the runner, which must then
 * start them highest first.  Also: cancel queued, cancel running. */
static void
test_cancel_and_priority(void)
{
	const char *s1, *s2, *q, *p[4];
	json_object *job, *j1;
	char cid[128];
	static const char *names[] = { "low", "normal", "high", "critical" };
	char body[256];
	long seq[4];
	int i;

	s1 = submit("{\"image\":\"" IMAGE "\",\"command\":[\"sleep\",\"60\"]}");
	s2 = submit("{\"image\":\"" IMAGE "\",\"command\":[\"sleep\",\"60\"]}");
	j1 = wait_container(s1, 30);
	job = wait_container(s2, 30);
	ok(strcmp(status_in(j1), "running") == 0 &&
	    strcmp(status_in(job), "running") == 0, "two sleepers run");
	snprintf(cid, sizeof(cid), "%s", json_str_at(j1, "container_id") ?
	    json_str_at(j1, "container_id") : "");
	json_object_put(job);
	json_object_put(j1);
	for (i = 0; i < 4; i++) {
		snprintf(body, sizeof(body), "{\"image\":\"" IMAGE "\","
		    "\"command\":[\"true\"],\"priority\":\"%s\"}", names[i]);
		p[i] = submit(body);
	}
	q = submit("{\"image\":\"" IMAGE "\",\"command\":[\"true\"],"
	    "\"priority\":\"critical\"}");
	job = get_job(q);
	is_str(status_in(job), "queued", "with the runner busy a job waits");
	json_object_put(job);
	cancel(q, 200, "cancel a queued job");
	job = get_job(q);
	is_str(status_in(job), "cancelled", "it is cancelled");
	ok(json_at(job, "started_at") == NULL ||
	    json_object_is_type(json_at(job, "started_at"), json_type_null),
	    "and never started");
	json_object_put(job);
	cancel(q, 409, "cancelling it again is 409");

	cancel(s1, 200, "cancel a running job");
	job = get_job(s1);
	is_str(status_in(job), "cancelled", "it is cancelled");
	json_object_put(job);
	ok(cid[0] != '\0' && !container_exists(cid),
	    "its container is gone when cancel answers");
	cancel(s2, 200, "cancel the other sleeper");
	for (i = 0; i < 4; i++) {
		job = wait_for(p[i], "completed|failed|cancelled", 60);
		is_str(status_in(job), "completed", "%s job completed",
		    names[i]);
		seq[i] = jint(job, "run_seq");
		json_object_put(job);
	}
	ok(seq[3] < seq[2] && seq[2] < seq[1] && seq[1] < seq[0],
	    "started highest priority first (%ld %ld %ld %ld)", seq[3],
	    seq[2], seq[1], seq[0]);
}

static void
test_dependencies(void)
{
	const char *a, *b, *c;
	json_object *ja, *jb, *jc;
	struct http_resp r;
	char body[256], path[128];

	a = submit("{\"name\":\"A\",\"image\":\"" IMAGE "\",\"command\":"
	    "\"sleep 1\"}");
	snprintf(body, sizeof(body), "{\"name\":\"B\",\"image\":\"" IMAGE
	    "\",\"command\":[\"true\"],\"priority\":\"critical\","
	    "\"depends_on\":[\"%s\"]}", a);
	b = submit(body);
	snprintf(body, sizeof(body), "{\"name\":\"C\",\"image\":\"" IMAGE
	    "\",\"command\":[\"true\"],\"priority\":\"critical\","
	    "\"depends_on\":[\"%s\"]}", b);
	c = submit(body);
	jc = wait_for(c, "completed|failed|cancelled", 60);
	ja = get_job(a);
	jb = get_job(b);
	ok(strcmp(status_in(ja), "completed") == 0 &&
	    strcmp(status_in(jb), "completed") == 0 &&
	    strcmp(status_in(jc), "completed") == 0, "A->B->C all completed");
	ok(jint(ja, "run_seq") < jint(jb, "run_seq") &&
	    jint(jb, "run_seq") < jint(jc, "run_seq"),
	    "in dependency order despite B and C's priority");
	json_object_put(ja);
	json_object_put(jb);
	json_object_put(jc);

	a = submit("{\"name\":\"A2\",\"image\":\"" IMAGE "\",\"command\":"
	    "\"exit 1\"}");
	snprintf(body, sizeof(body), "{\"name\":\"B2\",\"image\":\"" IMAGE
	    "\",\"command\":[\"true\"],\"depends_on\":[\"%s\"]}", a);
	b = submit(body);
	snprintf(body, sizeof(body), "{\"name\":\"C2\",\"image\":\"" IMAGE
	    "\",\"command\":[\"true\"],\"depends_on\":[\"%s\"]}", b);
	c = submit(body);
	ja = wait_for(a, "failed|completed", 60);
	is_str(status_in(ja), "failed", "A2 failed");
	jb = get_job(b);
	jc = get_job(c);
	is_str(status_in(jb), "cancelled", "so B2 is cancelled");
	is_str(status_in(jc), "cancelled", "and C2 too");
	ok(json_str_at(jb, "error") && strstr(json_str_at(jb, "error"), a),
	    "B2 names A2 as the reason (%s)", json_str_at(jb, "error"));
	ok(json_str_at(jc, "error") && strstr(json_str_at(jc, "error"), b),
	    "C2 names B2 as the reason");
	json_object_put(ja);
	json_object_put(jb);
	json_object_put(jc);

	/* retry: the failed A2 runs again as a new attempt */
	snprintf(path, sizeof(path), "/api/v1/jobs/%s/retry", a);
	is_int(api(&r, "NGINX_URL", "POST", path, NULL), 202, "retry a failed job");
	is_str(json_str_at(r.json, "job.status"), "queued", "it is queued");
	http_resp_free(&r);
	ja = wait_for(a, "failed|completed", 60);
	is_str(status_in(ja), "failed", "and fails again");
	is_int(json_at(ja, "attempts") ? (long)json_object_array_length(
	    json_at(ja, "attempts")) : -1, 2, "as a second attempt");
	json_object_put(ja);
	snprintf(path, sizeof(path), "/api/v1/jobs/%s/retry", c);
	is_int(api(&r, "NGINX_URL", "POST", path, NULL), 202, "retry a cancelled job");
	http_resp_free(&r);
	jc = wait_for(c, "cancelled|completed", 30);
	is_str(status_in(jc), "cancelled", "its dependency still failed: "
	    "cancelled again");
	json_object_put(jc);
}

/* The runner dies mid-job; the pool restarts it; the job's own process
 * finishes it: one run, one attempt. */
static void
test_runner_killed(void)
{
	json_object *job;
	const char *id;
	time_t t0 = time(NULL);
	long pid, npid = 0;
	int i;

	id = submit("{\"image\":\"" IMAGE "\",\"command\":\"sleep 3; echo "
	    "ran\",\"retry_policy\":{\"max_attempts\":2,\"initial_delay\":0}}");
	job = wait_container(id, 30);
	is_str(status_in(job), "running", "job running");
	json_object_put(job);
	pid = runner_pid();
	ok(pid > 0, "the runner is listed in system info (pid %ld)", pid);
	ok(pid > 0 && kill((pid_t)pid, SIGKILL) == 0, "SIGKILL the runner");
	for (i = 0; i < 300; i++) {
		if ((npid = runner_pid()) > 0 && npid != pid)
			break;
		harness_msleep(100);
	}
	ok(npid > 0 && npid != pid, "the pool started a new runner (%ld)",
	    npid);
	job = wait_for(id, "completed|failed", 60);
	is_str(status_in(job), "completed", "the job completed");
	is_int(json_at(job, "attempts") ? (long)json_object_array_length(
	    json_at(job, "attempts")) : -1, 1, "in one attempt");
	is_int(creations(id, t0), 1, "the engine created one container for "
	    "it: no duplicate run");
	json_object_put(job);

	/* now the job's own process dies: the attempt is interrupted and
	 * the policy runs it again, once */
	t0 = time(NULL);
	id = submit("{\"image\":\"" IMAGE "\",\"command\":\"sleep 3\","
	    "\"retry_policy\":{\"max_attempts\":2,\"initial_delay\":0}}");
	job = wait_container(id, 30);
	pid = jint(job, "runner_pid");
	json_object_put(job);
	ok(pid > 0 && kill((pid_t)pid, SIGKILL) == 0,
	    "SIGKILL the job's process (%ld)", pid);
	job = wait_for(id, "completed|failed", 60);
	is_str(status_in(job), "completed", "the job completed");
	is_int(json_at(job, "attempts") ? (long)json_object_array_length(
	    json_at(job, "attempts")) : -1, 2, "in a second attempt");
	ok(json_str_at(job, "attempts.0.reason") &&
	    strstr(json_str_at(job, "attempts.0.reason"), "interrupted"),
	    "the first was interrupted");
	is_int(creations(id, t0), 2, "two containers, one per attempt");
	json_object_put(job);
}

static void
test_owner(void)
{
	struct http_resp r;
	const char *key, *id;
	char path[128];

	api(&r, "NGINX_URL", "POST", "/api/v1/users", "{\"username\":\"jobber\","
	    "\"password\":\"Job-runner-Pass-42!\",\"role\":\"operator\"}");
	is_int(r.status, 201, "create an operator");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "POST", "/api/v1/users/jobber/keys", "{}");
	key = json_str_at(r.json, "key.api_key");
	snprintf(user_key_hdr, sizeof(user_key_hdr), "X-API-Key: %s",
	    key ? key : "");
	http_resp_free(&r);
	api_as(&r, user_key_hdr, "NGINX_URL", "POST", "/api/v1/jobs",
	    "{\"image\":\"" IMAGE "\",\"command\":[\"true\"]}");
	is_int(r.status, 201, "the operator submits a job");
	http_resp_free(&r);
	api_as(&r, user_key_hdr, "NGINX_URL", "GET", "/api/v1/jobs", NULL);
	is_int(jint(r.json, "total"), 1, "and lists only that one");
	is_str(json_str_at(r.json, "jobs.0.user"), "jobber", "owned by them");
	http_resp_free(&r);
	id = submit("{\"image\":\"" IMAGE "\",\"command\":[\"true\"]}");
	snprintf(path, sizeof(path), "/api/v1/jobs/%s", id);
	api_as(&r, user_key_hdr, "NGINX_URL", "GET", path, NULL);
	is_int(r.status, 404, "the admin's job is not theirs to see");
	http_resp_free(&r);
	api_as(&r, user_key_hdr, "NGINX_URL", "GET",
	    "/api/v1/jobs?user=admin", NULL);
	is_int(r.status, 403, "nor to list");
	http_resp_free(&r);
}

static long
total_jobs(void)
{
	struct http_resp r;
	long t;

	api(&r, "NGINX_URL", "GET", "/api/v1/jobs?limit=1", NULL);
	t = jint(r.json, "total");
	http_resp_free(&r);
	return t;
}

static void
test_bad(const char *base)
{
	static const struct {
		const char	*body;
		long		 status;
		const char	*code;
		const char	*what;
	} bad[] = {
		{ "{\"image\":\"" IMAGE "\",\"input_files\":[{\"source\":"
		    "\"/jt/nope.txt\",\"destination\":\"/in/x\"}]}", 404,
		    "FILE_NOT_FOUND", "unknown input file" },
		{ "{\"image\":\"" IMAGE "\",\"output_patterns\":[\"/o/[x\"]}",
		    400, "INVALID_REQUEST", "bad glob" },
		{ "{\"image\":\"" IMAGE "\",\"output_patterns\":"
		    "[\"/o*/x.json\"]}", 400, "INVALID_REQUEST",
		    "glob outside the last segment" },
		{ "{\"image\":\"" IMAGE "\",\"depends_on\":"
		    "[\"job_00000000deadbeef\"]}", 400, "INVALID_REQUEST",
		    "unknown dependency" },
		{ "{\"image\":\"" IMAGE "\",\"depends_on\":[\"nope\"]}", 400,
		    "INVALID_REQUEST", "malformed dependency" },
		{ "{\"image\":\"" IMAGE "\",\"resources\":{\"timeout\":"
		    "\"2h\"}}", 400, "INVALID_REQUEST",
		    "timeout over jobs_max_timeout" },
		{ "{\"command\":[\"true\"]}", 400, "INVALID_REQUEST",
		    "no image" },
		{ "{\"image\":\"" IMAGE "\",\"priority\":\"urgent\"}", 400,
		    "INVALID_REQUEST", "bad priority" },
		{ "{\"image\":\"" IMAGE "\",\"priority\":0}", 400,
		    "INVALID_REQUEST", "priority out of range" },
		{ "{\"image\":\"" IMAGE "\",\"retry_policy\":{\"backoff\":"
		    "\"random\"}}", 400, "INVALID_REQUEST", "bad backoff" },
		{ "{\"image\":\"" IMAGE "\",\"command\":42}", 400,
		    "INVALID_REQUEST", "bad command" },
		{ "{\"image\":\"" IMAGE "\",\"input_files\":[{\"source\":"
		    "\"/jt/a.txt\",\"destination\":\"../x\"}]}", 400,
		    "INVALID_REQUEST", "relative destination" },
		{ "{\"image\":\"" IMAGE "\",\"endpoint\":\"nowhere\"}", 404,
		    "ENDPOINT_NOT_FOUND", "unknown endpoint" },
		{ "[1,2]", 400, "INVALID_REQUEST", "not an object" },
		{ "{\"image\":", 400, "INVALID_REQUEST", "broken JSON" },
	};
	struct http_resp r;
	const char *h[3] = { harness_admin_header(), "Content-Type: text/plain",
	    NULL };
	long before = total_jobs();
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		api(&r, base, "POST", "/api/v1/jobs", bad[i].body);
		is_int(r.status, bad[i].status, "%s %s: status", base,
		    bad[i].what);
		is_str(json_str_at(r.json, "error.code"), bad[i].code,
		    "%s %s: code", base, bad[i].what);
		http_resp_free(&r);
	}
	http_do(&r, "POST", harness_url(base, "/api/v1/jobs"), h, "{}", 2);
	is_int(r.status, 415, "%s not JSON: 415", base);
	http_resp_free(&r);
	api(&r, base, "GET", "/api/v1/jobs/job_00000000deadbeef", NULL);
	is_int(r.status, 404, "%s unknown job: 404", base);
	is_str(json_str_at(r.json, "error.code"), "JOB_NOT_FOUND",
	    "%s JOB_NOT_FOUND", base);
	http_resp_free(&r);
	api(&r, base, "GET", "/api/v1/jobs?status=sleeping", NULL);
	is_int(r.status, 400, "%s bad status filter: 400", base);
	http_resp_free(&r);
	api(&r, base, "GET", "/api/v1/jobs?created_since=yesterday", NULL);
	is_int(r.status, 400, "%s bad created_since: 400", base);
	http_resp_free(&r);
	is_int(total_jobs(), before, "%s: no job was stored", base);
}

int
main(void)
{
	struct http_resp r;

	harness_start("jobs_poll_ms = 100\njobs_concurrency = 2\n"
	    "jobs_max_timeout = 1h\n");
	/* the file store must hold the inputs before the bad submissions
	 * can name a missing one next to a present one */
	test_files();
	test_bad("NGINX_URL");
	if (harness_env("APACHE_URL") != NULL && *harness_env("APACHE_URL"))
		test_bad("APACHE_URL");
	test_progress();
	test_retries();
	test_timeout();
	test_cancel_and_priority();
	test_dependencies();
	test_runner_killed();
	test_owner();
	api(&r, "NGINX_URL", "GET", "/api/v1/jobs?status=completed&limit=2", NULL);
	is_int(r.status, 200, "list with a status filter");
	ok(jint(r.json, "total") >= 10 && jint(r.json, "limit") == 2 &&
	    r.json && json_object_array_length(json_at(r.json, "jobs")) == 2,
	    "paged: total %ld, two rows", jint(r.json, "total"));
	http_resp_free(&r);
	return done_testing();
}
