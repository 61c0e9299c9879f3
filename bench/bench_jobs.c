/*
 * bench_jobs.c: what the jobs runner costs, on a real stack (Podman,
 * nginx, the pool) started by the e2e harness.
 *
 *   bench_jobs runner [N]   N trivial jobs (`true`) through the queue
 *                           against N create-start-wait-remove cycles made
 *                           straight against the engine, one at a time
 *                           both ways (jobs_concurrency = 1), in one run,
 *                           alternating blocks of ten.
 *                           Goal: the queue at most 15% slower.
 *   bench_jobs queue [N]    N submits (4 clients, keep-alive, runner off so
 *                           the jobs stay queued), then the latency of one
 *                           page of GET /jobs at 100, 1,000 and N queued.
 *                           Goal: >= 1,000 submits/s; list latency flat.
 *
 * Prints one JSON line of results; exits 1 when a goal is missed.
 */
#include "config.h"

#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "../tests/e2e/harness.h"

#define IMAGE "localhost/busybox:test"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct buf {
	char	*p;
	size_t	 len;
};

static size_t
sink(char *p, size_t sz, size_t n, void *arg)
{
	struct buf *b = arg;
	char *np = realloc(b->p, b->len + sz * n + 1);

	if (np == NULL)
		return 0;
	b->p = np;
	memcpy(b->p + b->len, p, sz * n);
	b->len += sz * n;
	b->p[b->len] = '\0';
	return sz * n;
}

/* One request on a reused handle (keep-alive).  unix_sock NULL: TCP. */
static long
call(CURL *h, const char *unix_sock, const char *method, const char *url,
    const char *json, struct buf *out)
{
	struct curl_slist *hdrs = NULL;
	char key[256];
	long status = 0;

	out->len = 0;
	curl_easy_reset(h);
	if (unix_sock != NULL)
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, unix_sock);
	else {
		snprintf(key, sizeof(key), "%s", harness_admin_header());
		hdrs = curl_slist_append(hdrs, key);
	}
	if (json != NULL) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
	}
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	return status;
}

static const char *
str_of(const char *json, const char *key, char *out, size_t len)
{
	json_object *o = json_tokener_parse(json ? json : ""), *v;

	out[0] = '\0';
	if (o != NULL && json_object_object_get_ex(o, key, &v))
		snprintf(out, len, "%s", json_object_get_string(v));
	json_object_put(o);
	return out;
}

/* One create-start-wait-remove cycle on the engine. */
static int
engine_cycle(CURL *h, const char *sock)
{
	struct buf b = { 0 };
	char id[128], url[512];
	int rc = -1;

	if (call(h, sock, "POST", "http://d/v1.41/containers/create",
	    "{\"Image\":\"" IMAGE "\",\"Cmd\":[\"true\"],\"HostConfig\":"
	    "{\"NetworkMode\":\"none\"},\"Labels\":{\"cc.test\":\"1\"}}",
	    &b) != 201 || *str_of(b.p, "Id", id, sizeof(id)) == '\0')
		goto out;
	snprintf(url, sizeof(url), "http://d/v1.41/containers/%s/start", id);
	if (call(h, sock, "POST", url, NULL, &b) / 100 != 2)
		goto out;
	snprintf(url, sizeof(url), "http://d/v1.41/containers/%s/wait", id);
	if (call(h, sock, "POST", url, NULL, &b) != 200)
		goto out;
	snprintf(url, sizeof(url), "http://d/v1.41/containers/%s?force=true",
	    id);
	if (call(h, sock, "DELETE", url, NULL, &b) / 100 != 2)
		goto out;
	rc = 0;
out:
	free(b.p);
	return rc;
}

static long
completed_total(CURL *h)
{
	struct buf b = { 0 };
	char t[32];
	long n;

	call(h, NULL, "GET", harness_url("NGINX_URL",
	    "/api/v1/jobs?status=completed&limit=1"), NULL, &b);
	n = atol(str_of(b.p, "total", t, sizeof(t)));
	free(b.p);
	return n;
}

static int
bench_runner(int n)
{
	CURL *h = curl_easy_init();
	struct buf b = { 0 };
	const char *sock;
	double t0, direct, queued, ratio;
	long base;
	int i, failed = 0, done, block;

	harness_start("jobs_concurrency = 1\njobs_poll_ms = 50\n");
	sock = harness_env("DOCKER_SOCK");
	/* warm both paths: image layers, the runner's first claim */
	engine_cycle(h, sock);
	call(h, NULL, "POST", harness_url("NGINX_URL", "/api/v1/jobs"),
	    "{\"image\":\"" IMAGE "\",\"command\":[\"true\"]}", &b);
	for (i = 0; i < 600 && completed_total(h) < 1; i++)
		usleep(100000);
	base = completed_total(h);

	/* blocks of ten, alternating, so a change in the machine's load
	 * falls on both sides alike */
	direct = queued = 0;
	for (done = 0; done < n; done += block) {
		block = n - done < 10 ? n - done : 10;
		t0 = now_s();
		for (i = 0; i < block; i++)
			failed += engine_cycle(h, sock) != 0;
		direct += now_s() - t0;
		t0 = now_s();
		for (i = 0; i < block; i++)
			if (call(h, NULL, "POST", harness_url("NGINX_URL",
			    "/api/v1/jobs"), "{\"image\":\"" IMAGE "\","
			    "\"command\":[\"true\"]}", &b) != 201)
				failed++;
		/* bounded: 30 s a job at worst */
		for (i = 0; i < block * 600 &&
		    completed_total(h) < base + done + block; i++)
			usleep(50000);
		queued += now_s() - t0;
		if (completed_total(h) < base + done + block)
			failed++;
	}
	ratio = queued / direct;
	printf("{\"bench\":\"jobs_runner\",\"jobs\":%d,\"direct_s\":%.2f,"
	    "\"queued_s\":%.2f,\"direct_per_job_ms\":%.1f,"
	    "\"queued_per_job_ms\":%.1f,\"overhead_pct\":%.1f,"
	    "\"goal_pct\":15,\"failed\":%d}\n", n, direct, queued,
	    direct * 1000 / n, queued * 1000 / n, (ratio - 1) * 100, failed);
	free(b.p);
	curl_easy_cleanup(h);
	harness_stop();
	return failed == 0 && ratio <= 1.15 ? 0 : 1;
}

/* Median latency of one page of the list, in ms. */
static double
list_ms(CURL *h)
{
	struct buf b = { 0 };
	double t[21], t0, tmp;
	int i, j;

	for (i = 0; i < 21; i++) {
		t0 = now_s();
		call(h, NULL, "GET", harness_url("NGINX_URL",
		    "/api/v1/jobs?limit=50&offset=0"), NULL, &b);
		t[i] = (now_s() - t0) * 1000;
	}
	for (i = 0; i < 21; i++)
		for (j = i + 1; j < 21; j++)
			if (t[j] < t[i]) {
				tmp = t[i];
				t[i] = t[j];
				t[j] = tmp;
			}
	free(b.p);
	return t[10];
}

/* Submits count jobs from `clients` processes; returns the seconds. */
static double
submit_many(int count, int clients)
{
	double t0 = now_s();
	int c, st, bad = 0;
	pid_t pid;

	for (c = 0; c < clients; c++) {
		if ((pid = fork()) == 0) {
			CURL *h = curl_easy_init();
			struct buf b = { 0 };
			int i, fails = 0;

			for (i = c; i < count; i += clients)
				if (call(h, NULL, "POST", harness_url(
				    "NGINX_URL", "/api/v1/jobs"), "{\"image\":\""
				    IMAGE "\",\"command\":[\"true\"],\"priority\":"
				    "\"normal\"}", &b) != 201)
					fails++;
			_exit(fails ? 1 : 0);
		}
	}
	while ((pid = wait(&st)) > 0)
		bad += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	if (bad)
		fprintf(stderr, "bench: %d submitters saw failures\n", bad);
	return now_s() - t0;
}

static int
bench_queue(int n)
{
	CURL *h = curl_easy_init();
	double l100, l1k, lN, secs, rate;

	setenv("STACK_WORKERS", "4", 1);
	harness_start("jobs_enabled = false\n");
	submit_many(100, 1);
	l100 = list_ms(h);
	submit_many(900, 4);
	l1k = list_ms(h);
	secs = submit_many(n - 1000, 4);
	rate = (n - 1000) / secs;
	lN = list_ms(h);
	printf("{\"bench\":\"jobs_queue\",\"queued\":%d,\"submits_per_s\":%.0f,"
	    "\"goal_submits_per_s\":1000,\"list_ms_at_100\":%.2f,"
	    "\"list_ms_at_1000\":%.2f,\"list_ms_at_%d\":%.2f}\n", n, rate,
	    l100, l1k, n, lN);
	curl_easy_cleanup(h);
	harness_stop();
	/* flat: the page at n costs at most twice the page at 100 (+1 ms
	 * for noise on tiny numbers) */
	return rate >= 1000 && lN <= 2 * l100 + 1 ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	int n;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (argc < 2 || (strcmp(argv[1], "runner") != 0 &&
	    strcmp(argv[1], "queue") != 0)) {
		fprintf(stderr, "usage: bench_jobs runner|queue [N]\n");
		return 2;
	}
	if (strcmp(argv[1], "runner") == 0) {
		n = argc > 2 ? atoi(argv[2]) : 100;
		return bench_runner(n > 0 ? n : 100);
	}
	n = argc > 2 ? atoi(argv[2]) : 10000;
	return bench_queue(n > 1000 ? n : 10000);
}
