/*
 * t_streams.c: long-lived requests end to end, through real nginx and
 * Apache.  Log follows and uploads run on the stream workers, so with
 * every stream worker held by follows and a stalled upload the API still
 * answers (/health and an API-key GET; their latency is printed, not
 * asserted: machines are noisy); a user's stream beyond stream_per_user
 * is 429, a stream beyond the pool 503 with Retry-After; a stalled upload
 * is aborted after upload_idle_timeout with nothing stored; a follow ends
 * with {"end":"max_duration"} at stream_max_duration and survives a
 * SIGHUP until then; on SIGTERM new requests fail at once while the
 * request in flight completes and a follow ends with {"end":"shutdown"}.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ctr_util.h"

#define CTR "ccs-tick"
#define FOLLOW "/api/v1/containers/" CTR "/logs?follow=true&tail=1"
#define STREAM_WORKERS 3

static const char *bob;	/* "X-API-Key: ..." of an operator */

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- follows in child processes ---- */

struct bg {
	pid_t	 pid;
	char	 path[1024];	/* what it received, then "#done ST CODE" */
};

/* Starts a GET of urlpath as key_hdr in a child process; the body goes
 * to a file in the stack directory as it arrives. */
static void
bg_get(struct bg *b, const char *name, const char *base, const char *key_hdr,
    const char *urlpath)
{
	snprintf(b->path, sizeof(b->path), "%s/%s.out", harness_dir(), name);
	if ((b->pid = fork()) == 0) {
		struct curl_slist *h = curl_slist_append(NULL, key_hdr);
		FILE *o = fopen(b->path, "w");
		CURL *c = curl_easy_init();
		long st = 0;
		int cc;

		/* The harness's handlers would stop the stack from here. */
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (o == NULL || c == NULL)
			_exit(1);
		setvbuf(o, NULL, _IONBF, 0);
		curl_easy_setopt(c, CURLOPT_URL, harness_url(base, urlpath));
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, o);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
		curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
		cc = (int)curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
		fprintf(o, "#done %ld %d\n", st, cc);
		fclose(o);
		_exit(0);
	}
}

/* What the child has received so far ("" before anything). */
static char *
bg_text(const struct bg *b)
{
	static char buf[1 << 16];
	FILE *f;
	size_t n = 0;

	if ((f = fopen(b->path, "r")) != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static int
count_of(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* Waits up to secs for the child to have more than n log lines. */
static int
bg_lines_over(const struct bg *b, int n, int secs)
{
	int i;

	for (i = 0; i < secs * 10; i++) {
		if (count_of(bg_text(b), "\"line\"") > n)
			return 1;
		harness_msleep(100);
	}
	return 0;
}

/* Waits up to secs for the child to end; 1 if it did. */
static int
bg_wait(struct bg *b, int secs)
{
	int i, st;

	for (i = 0; i < secs * 10; i++) {
		if (waitpid(b->pid, &st, WNOHANG) == b->pid) {
			b->pid = -1;
			return 1;
		}
		harness_msleep(100);
	}
	return 0;
}

/* Stops a child that is still running (ours: by its pid). */
static void
bg_kill(struct bg *b)
{
	if (b->pid > 0) {
		kill(b->pid, SIGKILL);
		waitpid(b->pid, NULL, 0);
		b->pid = -1;
	}
}

/* The last NDJSON record of a finished follow and its "#done" line. */
static void
bg_ending(const struct bg *b, char *last, size_t llen, char *done,
    size_t dlen)
{
	char *t = bg_text(b), *d = strstr(t, "#done "), *p;

	last[0] = done[0] = '\0';
	if (d == NULL)
		return;
	snprintf(done, dlen, "%.*s", (int)strcspn(d, "\n"), d);
	*d = '\0';
	while (d > t && d[-1] == '\n')
		*--d = '\0';
	p = strrchr(t, '\n');
	snprintf(last, llen, "%s", p != NULL ? p + 1 : t);
}

/* ---- a stalled upload on a raw connection ---- */

/* Opens a PUT of 1000000 bytes to base, sends 10 of them and stalls;
 * the socket, or -1. */
static int
stall_upload(const char *base, const char *key_hdr, const char *path)
{
	struct sockaddr_in sin;
	const char *url = harness_env(base), *colon;
	char req[1024];
	int fd, n;

	if (url == NULL || (colon = strrchr(url, ':')) == NULL)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(colon + 1));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	n = snprintf(req, sizeof(req), "PUT %s HTTP/1.1\r\nHost: 127.0.0.1"
	    "\r\n%s\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Length: 1000000\r\n\r\n0123456789", path, key_hdr);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    write(fd, req, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The answer to a stalled upload, waited for up to ms: its status (0 for
 * none) and what came (in buf). */
static int
stall_answer(int fd, int ms, char *buf, size_t len)
{
	struct pollfd p = { fd, POLLIN, 0 };
	size_t got = 0;
	ssize_t n;
	double end = now_ms() + ms;
	int st = 0;

	buf[0] = '\0';
	while (got + 1 < len && now_ms() < end) {
		if (poll(&p, 1, 100) <= 0)
			continue;
		if ((n = read(fd, buf + got, len - 1 - got)) <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL &&
		    strchr(strstr(buf, "\r\n\r\n"), '}') != NULL)
			break;
	}
	sscanf(buf, "HTTP/1.1 %d", &st);
	return st;
}

/* ---- the pool, seen through /system/info ---- */

/* Stream processes busy or streaming; with gen non-NULL, the pool's
 * generation and whether every process is of it. */
static int
stream_busy(unsigned *gen, int *all_new)
{
	struct http_resp r;
	json_object *arr, *w;
	const char *st, *kind;
	int i, n = 0;

	api(&r, "NGINX_URL", "GET", "/api/v1/system/info", NULL);
	arr = json_at(r.json, "system.pool.processes");
	if (gen != NULL) {
		*gen = (unsigned)json_object_get_int(json_at(r.json,
		    "system.pool.generation"));
		*all_new = arr != NULL;
	}
	for (i = 0; arr != NULL && i < (int)json_object_array_length(arr);
	    i++) {
		w = json_object_array_get_idx(arr, i);
		st = json_str_at(w, "state");
		kind = json_str_at(w, "kind");
		if (kind != NULL && strcmp(kind, "stream") == 0 && st != NULL &&
		    (strcmp(st, "busy") == 0 || strcmp(st, "streaming") == 0))
			n++;
		if (gen != NULL && (unsigned)json_object_get_int(json_at(w,
		    "generation")) != *gen)
			*all_new = 0;
	}
	http_resp_free(&r);
	return n;
}

/* Waits up to secs until want stream processes are busy. */
static int
wait_stream_busy(int want, int secs)
{
	int i;

	for (i = 0; i < secs * 10; i++) {
		if (stream_busy(NULL, NULL) == want)
			return 1;
		harness_msleep(100);
	}
	return 0;
}

/* Appends lines (may be NULL) to the pool's config and reloads; waits
 * until the new generation runs, and with all_gone until the old one
 * has left too. */
static void
reload_with(const char *lines, const char *what, int all_gone)
{
	struct http_resp r;
	unsigned before = 0, gen = 0;
	int i, all_new = 0;
	FILE *f;

	stream_busy(&before, &all_new);
	if (lines != NULL && (f = fopen(harness_env("POOL_CONF"), "a")) !=
	    NULL) {
		fputs(lines, f);
		fclose(f);
	}
	is_int(api(&r, "NGINX_URL", "POST", "/api/v1/config/reload", NULL),
	    202, "reload: %s", what);
	http_resp_free(&r);
	for (i = 0; i < 300; i++) {
		harness_msleep(100);
		stream_busy(&gen, &all_new);
		if (gen > before && (all_new || !all_gone))
			return;
	}
	diag("generation %u did not replace %u", gen, before);
}

/* ---- the cases ---- */

/* One request; its status, with the latency printed. */
static long
timed(const char *base, const char *key_hdr, const char *path,
    const char *what)
{
	struct http_resp r;
	double t0 = now_ms();
	long st = api_as(&r, key_hdr, base, "GET", path, NULL);

	diag("%s %s: %ld in %.1f ms", base, what, st, now_ms() - t0);
	http_resp_free(&r);
	return st;
}

/* A follow refused at once: its status, with code and Retry-After. */
static long
refused(const char *base, const char *key_hdr, const char *code,
    const char *what)
{
	struct http_resp r;
	long st = api_as(&r, key_hdr, base, "GET", FOLLOW, NULL);

	is_str(json_str_at(r.json, "error.code"), code, "%s %s: code", base,
	    what);
	ok(http_header(&r, "Retry-After") != NULL, "%s %s: Retry-After", base,
	    what);
	http_resp_free(&r);
	return st;
}

static void
full_pool(void)
{
	struct bg f[2];
	const char *servers[] = { "NGINX_URL", "APACHE_URL" };
	char name[16];
	int i, up, s;

	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "full%d", i);
		bg_get(&f[i], name, "NGINX_URL", harness_admin_header(),
		    FOLLOW);
	}
	ok(bg_lines_over(&f[0], 0, 30) && bg_lines_over(&f[1], 0, 30),
	    "two follows of the admin stream");
	ok(wait_stream_busy(2, 10), "they run on stream workers");
	is_int(refused("NGINX_URL", harness_admin_header(), "RATE_LIMITED",
	    "a third follow of the same user"), 429,
	    "beyond stream_per_user: 429");
	/* The refusing worker's slot says busy until it is back at accept,
	 * after the answer is out: opened before that, the upload would find
	 * stream_workers busy and be refused by the spare, and that slot
	 * would pass for the upload in the count below. */
	ok(wait_stream_busy(2, 10), "the worker that refused it is free "
	    "again");
	up = stall_upload("NGINX_URL", bob, "/api/v1/files/ccs/held.bin");
	ok(up >= 0, "a stalled upload of another user is open");
	ok(wait_stream_busy(STREAM_WORKERS, 15), "every stream worker is "
	    "taken (%d)", STREAM_WORKERS);
	for (s = 0; s < 2; s++) {
		is_int(refused(servers[s], bob, "SERVICE_UNAVAILABLE",
		    "a follow beyond the pool"), 503, "%s: a full stream pool "
		    "is 503", servers[s]);
		is_int(timed(servers[s], NULL, "/health", "/health"), 200,
		    "%s: /health answers with the stream pool full",
		    servers[s]);
		is_int(timed(servers[s], harness_admin_header(),
		    "/api/v1/containers", "GET /api/v1/containers"), 200,
		    "%s: an API-key GET answers with the stream pool full",
		    servers[s]);
	}
	ok(bg_lines_over(&f[0], 1, 10), "the follows still stream");
	for (i = 0; i < 2; i++)
		bg_kill(&f[i]);
	if (up >= 0)
		close(up);
	ok(wait_stream_busy(0, 30), "the stream workers are free again once "
	    "the clients leave");
}

/* upload_idle_timeout is 2 s here. */
static void
stalled_upload(void)
{
	struct http_resp r;
	char buf[4096];
	double t0;
	int fd, st;

	fd = stall_upload("NGINX_URL", bob, "/api/v1/files/ccs/stalled.bin");
	t0 = now_ms();
	st = stall_answer(fd, 20000, buf, sizeof(buf));
	diag("nginx: the stalled upload was answered %d after %.0f ms", st,
	    now_ms() - t0);
	is_int(st, 408, "nginx: a stalled upload is aborted with 408");
	ok(strstr(buf, "\"TIMEOUT\"") != NULL &&
	    strstr(buf, "upload_idle_timeout") != NULL,
	    "nginx: the error names upload_idle_timeout");
	if (fd >= 0)
		close(fd);
	is_int(api_as(&r, bob, "NGINX_URL", "GET",
	    "/api/v1/files/info/ccs/stalled.bin", NULL), 404,
	    "nginx: nothing was stored");
	http_resp_free(&r);

	/* Apache holds the answer until its own body timeout: the worker
	 * being free again is what shows the abort. */
	fd = stall_upload("APACHE_URL", bob, "/api/v1/files/ccs/stalled2.bin");
	ok(wait_stream_busy(1, 10), "apache: the stalled upload holds a "
	    "stream worker");
	ok(wait_stream_busy(0, 20), "apache: the upload is aborted, the "
	    "worker free");
	if (fd >= 0)
		close(fd);
	is_int(api_as(&r, bob, "NGINX_URL", "GET",
	    "/api/v1/files/info/ccs/stalled2.bin", NULL), 404,
	    "apache: nothing was stored");
	http_resp_free(&r);
}

/* stream_max_duration is 6 s here. */
static void
follow_across_reload(void)
{
	struct bg f;
	char last[256], done[64];
	int before;

	bg_get(&f, "hup", "NGINX_URL", harness_admin_header(), FOLLOW);
	ok(bg_lines_over(&f, 0, 30), "a follow is open");
	reload_with(NULL, "SIGHUP with the follow open", 0);
	before = count_of(bg_text(&f), "\"line\"");
	ok(bg_lines_over(&f, before, 10), "the follow goes on after SIGHUP "
	    "(%d lines before)", before);
	ok(bg_wait(&f, 30), "the follow ends");
	bg_ending(&f, last, sizeof(last), done, sizeof(done));
	is_str(last, "{\"end\":\"max_duration\"}", "it ends at "
	    "stream_max_duration with its closing record");
	is_str(done, "#done 200 0", "a clean 200 end");
	bg_kill(&f);
}

static void
sigterm_drain(void)
{
	struct bg f, slow;
	char last[256], done[64];
	pid_t master = (pid_t)atol(harness_env("POOL_PID"));
	long st;
	int i, slow_running;

	bg_get(&f, "term", "NGINX_URL", harness_admin_header(), FOLLOW);
	ok(bg_lines_over(&f, 0, 30), "a follow is open");
	bg_get(&slow, "slow", "NGINX_URL", harness_admin_header(),
	    "/api/v1/_echo?sleep_ms=4000");
	harness_msleep(700);
	kill(master, SIGTERM);
	harness_msleep(200);
	st = timed("NGINX_URL", NULL, "/health", "/health during the drain");
	slow_running = waitpid(slow.pid, NULL, WNOHANG) == 0;
	ok(st == 502 || st == 503, "nginx: a new request during the drain "
	    "fails (got %ld)", st);
	ok(slow_running, "nginx: ... at once, while the request in flight "
	    "still runs");
	st = timed("APACHE_URL", NULL, "/health", "/health during the drain");
	ok(st == 502 || st == 503, "apache: a new request during the drain "
	    "fails (got %ld)", st);
	ok(bg_wait(&slow, 30), "the request in flight ends");
	ok(strstr(bg_text(&slow), "#done 200 0") != NULL, "the request in "
	    "flight completes with 200");
	ok(bg_wait(&f, 30), "the follow ends");
	bg_ending(&f, last, sizeof(last), done, sizeof(done));
	is_str(last, "{\"end\":\"shutdown\"}", "the follow ends with "
	    "{\"end\":\"shutdown\"}");
	is_str(done, "#done 200 0", "a clean 200 end");
	for (i = 0; i < 200 && kill(master, 0) == 0; i++)
		harness_msleep(100);
	ok(kill(master, 0) < 0 && errno == ESRCH, "the master exits");
	bg_kill(&f);
	bg_kill(&slow);
}

/* An operator, bob, with an API key (an upload needs an operator). */
static const char *
make_bob(void)
{
	static char hdr[160];
	struct http_resp r;
	const char *k;

	api(&r, "NGINX_URL", "POST", "/api/v1/users", "{\"username\":\"bob\","
	    "\"password\":\"Stream-test-pw-1234\",\"role\":\"operator\","
	    "\"email\":\"bob@example.test\"}");
	is_int(r.status, 201, "create user bob");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "POST", "/api/v1/users/bob/keys", NULL);
	if ((k = json_str_at(r.json, "key.api_key")) == NULL)
		bail_out("no key for bob: %s", r.body ? r.body : "");
	snprintf(hdr, sizeof(hdr), "X-API-Key: %s", k);
	http_resp_free(&r);
	return hdr;
}

int
main(void)
{
	setenv("HARNESS_HTTP_TIMEOUT_MS", "10000", 1);
	harness_start("stream_workers = 3\nstream_per_user = 2\n"
	    "stream_max_duration = 60\nupload_idle_timeout = 30\n");
	if (harness_env("APACHE_URL") == NULL ||
	    *harness_env("APACHE_URL") == '\0')
		bail_out("this test needs Apache");
	bob = make_bob();
	is_int(make_container("NGINX_URL", CTR, "i=0; while true; do "
	    "i=$((i+1)); echo tick $i; sleep 1; done"), 201,
	    "a container that logs a line a second");

	full_pool();
	reload_with("upload_idle_timeout = 2\nstream_max_duration = 6\n",
	    "upload_idle_timeout 2 s, stream_max_duration 6 s", 1);
	stalled_upload();
	follow_across_reload();
	reload_with("stream_max_duration = 60\n", "stream_max_duration 60 s",
	    1);
	sigterm_drain();	/* last: the pool is gone after it */
	return done_testing();
}
