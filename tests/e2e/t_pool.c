/*
 * t_pool.c: the worker pool end to end, through real nginx and Apache:
 * bad input gets the right status and code and the worker keeps serving;
 * a worker killed mid-request is an error for that client (not a hang)
 * and is replaced; a request past request_timeout is killed; workers are
 * recycled after max_requests; SIGHUP reloads without dropping a request;
 * SIGTERM under load lets in-flight requests finish and exits 0; a crash
 * loop is backed off, one child still restarted through the pause; an
 * invalid setting stops start-up naming it; the
 * binary serves a listener handed to it on stdin (spawn-fcgi).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static const char *servers[] = { "NGINX_URL", "APACHE_URL" };

/* One request; returns the status (0 on a transport error) and, when
 * code is non-NULL, checks the error code in the body. */
static long
req(const char *base, const char *method, const char *path,
    const char *ctype, const char *body, size_t len, const char *code)
{
	struct http_resp r;
	char ct[128];
	const char *h[3] = { harness_admin_header(), NULL, NULL };
	long status;

	if (ctype != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
		h[h[0] ? 1 : 0] = ct;
	}
	http_do(&r, method, harness_url(base, path), h, body, len);
	status = r.status;
	if (code != NULL)
		is_str(json_str_at(r.json, "error.code"), code,
		    "%s %s %s: error code", base, method, path);
	if (status >= 400 && code != NULL)
		ok(json_at(r.json, "error.request_id") != NULL &&
		    http_header(&r, "X-Request-Id") != NULL,
		    "%s %s %s: error carries a request id", base, method, path);
	http_resp_free(&r);
	return status;
}

static int
healthy(const char *base)
{
	long status = req(base, "GET", "/api/v1/metrics", NULL, NULL, 0, NULL);

	if (status != 200)
		diag("%s GET /api/v1/metrics answered %ld", base, status);
	return status == 200;
}

static void
bad_input(const char *base)
{
	char *big;
	size_t n = 70 * 1024;
	struct http_resp r;
	const char *h[2] = { harness_admin_header(), NULL }, *allow;

	is_int(req(base, "PUT", "/api/v1/config/validate", "application/json",
	    "{\"workers\":", 11, "INVALID_REQUEST"), 400,
	    "%s: malformed JSON is 400", base);
	is_int(req(base, "PUT", "/api/v1/config/validate", "application/json",
	    "[1,2]", 5, "INVALID_REQUEST"), 400,
	    "%s: a JSON array where an object belongs is 400", base);
	is_int(req(base, "PUT", "/api/v1/config/validate", "application/xml",
	    "<a/>", 4, "UNSUPPORTED_MEDIA_TYPE"), 415,
	    "%s: a wrong content type is 415", base);
	big = malloc(n);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	is_int(req(base, "PUT", "/api/v1/config/validate", "application/json",
	    big, n, "PAYLOAD_TOO_LARGE"), 413,
	    "%s: a body over max_body is 413", base);
	free(big);
	is_int(req(base, "GET", "/api/v1/system/info%zz", NULL, NULL, 0,
	    "INVALID_REQUEST"), 400, "%s: bad percent-encoding is 400", base);
	if (strcmp(base, "APACHE_URL") == 0) {
		/* Apache answers an encoded NUL with its own 404 before any
		 * handler or per-location ErrorDocument runs; a server-wide
		 * "ErrorDocument 404" would restyle the whole host's 404s, so
		 * the shipped config leaves it: refused, but not as JSON. */
		long st = req(base, "GET", "/api/v1/x%00y", NULL, NULL, 0, NULL);

		ok(st == 400 || st == 404, "%s: an encoded NUL is refused "
		    "(%ld)", base, st);
	} else
		is_int(req(base, "GET", "/api/v1/x%00y", NULL, NULL, 0,
		    "INVALID_REQUEST"), 400, "%s: an encoded NUL is 400", base);
	is_int(req(base, "GET", "/api/v1/files/%2e%2e/system/info", NULL,
	    NULL, 0, "INVALID_REQUEST"), 400,
	    "%s: encoded traversal is 400", base);
	is_int(req(base, "GET", "/api/v1/x%0d%0aSet-Cookie:%20a=b", NULL,
	    NULL, 0, "INVALID_REQUEST"), 400,
	    "%s: an encoded CR LF is 400", base);
	is_int(req(base, "GET", "/api/v1/a/..%2f..%2fb", NULL, NULL, 0,
	    "INVALID_REQUEST"), 400, "%s: ..%%2f traversal is 400", base);
	is_int(req(base, "GET", "/api/v1/no/such/route", NULL, NULL, 0,
	    "NOT_FOUND"), 404, "%s: an unknown route is 404 JSON", base);
	http_do(&r, "DELETE", harness_url(base, "/api/v1/health"), h, NULL, 0);
	is_int(r.status, 405, "%s: a wrong method is 405", base);
	is_str(json_str_at(r.json, "error.code"), "METHOD_NOT_ALLOWED",
	    "%s: 405 code", base);
	allow = http_header(&r, "Allow");	/* valid until the next call */
	ok(allow != NULL && strstr(allow, "GET") != NULL,
	    "%s: 405 carries Allow: %s", base, allow ? allow : "(none)");
	http_resp_free(&r);
	is_int(req(base, "GET", "/api/v1/metrics?format=xml", NULL, NULL, 0,
	    "INVALID_REQUEST"), 400, "%s: a bad query value is 400", base);
	ok(healthy(base), "%s: the pool still serves after bad input", base);
}

/* The pids of the pool's processes in a given state ("busy", ...). */
static int
pids_in_state(const char *base, const char *state, pid_t *out, int max)
{
	struct http_resp r;
	const char *h[2] = { harness_admin_header(), NULL };
	json_object *arr;
	int i, n = 0;

	http_do(&r, "GET", harness_url(base, "/api/v1/metrics"), h, NULL, 0);
	arr = json_at(r.json, "metrics.workers");
	for (i = 0; arr && i < (int)json_object_array_length(arr); i++) {
		json_object *w = json_object_array_get_idx(arr, i);
		const char *st = json_str_at(w, "state");

		if (n < max && st != NULL &&
		    (state == NULL || strcmp(st, state) == 0))
			out[n++] = json_object_get_int(json_at(w, "pid"));
	}
	http_resp_free(&r);
	return n;
}

/* Forks a child that makes one request and exits 0 if it got want. */
static pid_t
bg_request(const char *base, const char *path, long want)
{
	pid_t pid = fork();

	if (pid == 0) {
		long got = req(base, "GET", path, NULL, NULL, 0, NULL);

		_exit(got == want ? 0 : (got == 0 ? 2 : 1));
	}
	return pid;
}

static int
bg_wait(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void
worker_kill(const char *base)
{
	pid_t busy[4], bg, all[8];
	int i, n = 0, good = 0;

	bg = bg_request(base, "/api/v1/_echo?sleep_ms=4000", 200);
	for (i = 0; i < 50 && n == 0; i++) {
		harness_msleep(50);
		n = pids_in_state(base, "busy", busy, 4);
	}
	ok(n >= 1, "%s: a worker is busy with the slow request", base);
	if (n >= 1)
		kill(busy[0], SIGKILL);
	is_int(bg_wait(bg), 1, "%s: the client of a killed worker gets an "
	    "error status, not a hang", base);
	for (i = 0; i < 50; i++) {
		harness_msleep(100);
		if (pids_in_state(base, NULL, all, 8) == 2)
			break;
	}
	is_int(pids_in_state(base, NULL, all, 8), 2,
	    "%s: the pool is back to 2 workers", base);
	for (i = 0; i < 100; i++)
		good += healthy(base);
	is_int(good, 100, "%s: the next 100 requests succeed", base);
}

static void
request_timeout(const char *base)
{
	long st = req(base, "GET", "/api/v1/_echo?sleep_ms=8000", NULL, NULL,
	    0, NULL);

	ok(st == 502 || st == 504, "%s: a request past request_timeout is "
	    "cut off (got %ld)", base, st);
	ok(healthy(base), "%s: the pool serves after a timeout kill", base);
}

static void
recycling(const char *base)
{
	pid_t before[8], after[8];
	int nb, na, i, j, good = 0, same = 0;

	nb = pids_in_state(base, NULL, before, 8);
	for (i = 0; i < 60; i++)
		good += healthy(base);
	is_int(good, 60, "%s: 60 requests across recycling succeed", base);
	na = pids_in_state(base, NULL, after, 8);
	for (i = 0; i < nb; i++)
		for (j = 0; j < na; j++)
			same += before[i] == after[j];
	ok(same < nb, "%s: workers were recycled after max_requests", base);
}

/* Takes the pool over from the stack: stops its pool and starts one that
 * is this test's child, on the same socket and config. */
static pid_t
pool_takeover(const char *conf_extra)
{
	char path[1024], conf[1024];
	const char *dir = harness_dir();
	pid_t old, pid;
	int i, fd;
	FILE *f;

	old = (pid_t)atol(harness_env("POOL_PID"));
	snprintf(path, sizeof(path), "%s/pool.pid", dir);
	if ((f = fopen(path, "r")) != NULL) {
		long p;

		if (fscanf(f, "%ld", &p) == 1)
			old = (pid_t)p;
		fclose(f);
	}
	kill(old, SIGTERM);
	for (i = 0; i < 100 && kill(old, 0) == 0; i++)
		harness_msleep(100);
	snprintf(conf, sizeof(conf), "%s", harness_env("POOL_CONF"));
	if (conf_extra != NULL && (f = fopen(conf, "a")) != NULL) {
		fputs(conf_extra, f);
		fclose(f);
	}
	if ((pid = fork()) == 0) {
		snprintf(path, sizeof(path), "%s/pool.log",
		    harness_env("LOG_DIR"));
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		setsid();
		snprintf(path, sizeof(path), "%s/container-codes",
		    getenv("CC_BUILDDIR") ? getenv("CC_BUILDDIR") : ".");
		execl(getenv("STACK_BIN") ? getenv("STACK_BIN") : path,
		    "container-codes", "-c", conf, (char *)NULL);
		_exit(127);
	}
	snprintf(path, sizeof(path), "%s/pool.pid", dir);
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "%d\n", (int)pid);
		fclose(f);
	}
	for (i = 0; i < 100; i++) {
		harness_msleep(100);
		if (healthy("NGINX_URL"))
			break;
	}
	return pid;
}

static void
reload_under_load(void)
{
	pid_t kids[40];
	int i, good = 0;

	for (i = 0; i < 40; i++) {
		kids[i] = bg_request("NGINX_URL",
		    "/api/v1/_echo?sleep_ms=100", 200);
		if (i % 10 == 5)
			req("NGINX_URL", "POST", "/api/v1/config/reload", NULL,
			    NULL, 0, NULL);
		harness_msleep(20);
	}
	for (i = 0; i < 40; i++)
		good += bg_wait(kids[i]) == 0;
	is_int(good, 40, "SIGHUP reloads under load drop no request");
}

static void
sigterm_under_load(pid_t master)
{
	pid_t kids[6];
	int i, good = 0, st = -1;

	for (i = 0; i < 6; i++)
		kids[i] = bg_request("NGINX_URL",
		    "/api/v1/_echo?sleep_ms=1500", 200);
	harness_msleep(500);
	kill(master, SIGTERM);
	for (i = 0; i < 6; i++)
		good += bg_wait(kids[i]) == 0;
	ok(good >= 2, "SIGTERM: in-flight requests complete (%d of 6; the "
	    "rest were queued behind 2 workers)", good);
	for (i = 0; i < 200; i++) {
		if (waitpid(master, &st, WNOHANG) == master)
			break;
		harness_msleep(100);
	}
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "SIGTERM: the master exits 0");
}

static int
log_has(const char *needle)
{
	char path[1024], line[4096];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/pool.log", harness_env("LOG_DIR"));
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/* GET /health with this X-Request-Id; its status. */
static long
health_with_id(const char *id)
{
	struct http_resp r;
	char hdr[80];
	const char *h[2] = { hdr, NULL };
	long status;

	snprintf(hdr, sizeof(hdr), "X-Request-Id: %s", id);
	http_do(&r, "GET", harness_url("NGINX_URL", "/health"), h, NULL, 0);
	status = r.status;
	http_resp_free(&r);
	return status;
}

/* access_log = false (taken on reload) drops the line per request only. */
static void
access_log_switch(void)
{
	FILE *f;
	int i;

	is_int(health_with_id("acclog-on-0001"), 200, "a logged request");
	for (i = 0; i < 50 && !log_has("\"acclog-on-0001\""); i++)
		harness_msleep(100);
	ok(log_has("\"acclog-on-0001\""), "access_log on: the request is "
	    "in the log");
	if ((f = fopen(harness_env("POOL_CONF"), "a")) != NULL) {
		fputs("access_log = false\n", f);
		fclose(f);
	}
	is_int(req("NGINX_URL", "POST", "/api/v1/config/reload", NULL, NULL,
	    0, NULL), 202, "reload with access_log = false");
	harness_msleep(1500);	/* the old generation finishes and leaves */
	for (i = 0; i < 10; i++)
		if (health_with_id("acclog-off-0001") != 200)
			break;
	is_int(i, 10, "access_log off: requests are served");
	harness_msleep(500);
	ok(!log_has("\"acclog-off-0001\""), "access_log off: no line per "
	    "request");
}

/* Runs the binary with args and env, returns its exit status and what it
 * printed on stderr (first 1 KiB). */
static int
run_bin(const char *const *argv, const char *envkv, char *out, size_t len)
{
	char path[1024];
	int p[2], st;
	pid_t pid;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/container-codes",
	    getenv("CC_BUILDDIR") ? getenv("CC_BUILDDIR") : ".");
	if (pipe(p) < 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(p[1], 2);
		close(p[0]);
		if (envkv != NULL) {
			char name[64];
			const char *eq = strchr(envkv, '=');

			snprintf(name, sizeof(name), "%.*s",
			    (int)(eq - envkv), envkv);
			setenv(name, eq + 1, 1);
		}
		execv(getenv("STACK_BIN") ? getenv("STACK_BIN") : path,
		    (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], out, len - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * PUT /config/validate runs start-up's checks (issue 18): listen = x is
 * refused in both forms, and workers = 0 (one per core) is accepted.
 */
static void
validate_like_startup(const char *base)
{
	static const char *const bodies[][2] = {
		{ "application/json", "{\"workers\": 0, \"listen\": \"x\"}" },
		{ "text/plain", "workers = 0\nlisten = x\n" },
		{ "application/json", "{\"workers\": 0}" },
	};
	char ct[64];
	struct http_resp r;
	json_object *errs;
	size_t i;

	for (i = 0; i < 3; i++) {
		const char *h[3] = { harness_admin_header(), ct, NULL };
		int want_valid = i == 2;

		snprintf(ct, sizeof(ct), "Content-Type: %s", bodies[i][0]);
		http_do(&r, "PUT", harness_url(base, "/api/v1/config/validate"),
		    h, bodies[i][1], strlen(bodies[i][1]));
		is_int(r.status, 200, "%s: validate %s answers", base,
		    bodies[i][0]);
		errs = json_at(r.json, "validation.errors");
		ok(json_object_get_boolean(json_at(r.json,
		    "validation.valid")) == want_valid && errs != NULL &&
		    (int)json_object_array_length(errs) == (want_valid ? 0 : 1),
		    "%s: %s is %s: %s", base, bodies[i][1],
		    want_valid ? "valid" : "refused", r.body ? r.body : "");
		if (!want_valid)
			ok(strstr(json_object_to_json_string(errs), "listen") !=
			    NULL, "%s: the error names listen", base);
		http_resp_free(&r);
	}
}

static void
startup_validation(void)
{
	char out[1024], conf[] = "/tmp/cc-t-pool-XXXXXX";
	const char *a1[] = { "container-codes", "-c", conf, "-t", NULL };
	int fd = mkstemp(conf);

	if (write(fd, "workers = lots\n", 15) != 15)
		diag("short write");
	close(fd);
	ok(run_bin(a1, NULL, out, sizeof(out)) != 0 &&
	    strstr(out, "workers") && strstr(out, "lots"),
	    "an invalid file setting stops start-up naming key and value: %s",
	    out);
	fd = open(conf, O_WRONLY | O_TRUNC);
	if (write(fd, "workers = 2\n", 12) != 12)
		diag("short write");
	close(fd);
	ok(run_bin(a1, "CC_REQUEST_TIMEOUT=soon", out, sizeof(out)) != 0 &&
	    strstr(out, "request_timeout") && strstr(out, "soon"),
	    "an invalid environment setting stops start-up: %s", out);
	ok(run_bin(a1, NULL, out, sizeof(out)) == 0,
	    "a valid file passes -t");
	/* listen is read by the bind's own parser at start-up (issue 18). */
	fd = open(conf, O_WRONLY | O_TRUNC);
	if (write(fd, "listen = x\n", 11) != 11)
		diag("short write");
	close(fd);
	ok(run_bin(a1, NULL, out, sizeof(out)) != 0 &&
	    strstr(out, "listen") && strstr(out, "'x'"),
	    "listen = x stops start-up naming key and value: %s", out);
	fd = open(conf, O_WRONLY | O_TRUNC);
	if (write(fd, "workers = 0\n", 12) != 12)
		diag("short write");
	close(fd);
	ok(run_bin(a1, NULL, out, sizeof(out)) == 0,
	    "workers = 0 (one per core) passes -t");
	unlink(conf);
}

/* Lines of the file at path holding needle. */
static int
log_count(const char *path, const char *needle)
{
	char line[2048];
	FILE *f;
	int n = 0;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

static void
crash_loop(void)
{
	char dir[] = "/tmp/cc-t-crash-XXXXXX", datafile[1100], sock[1100];
	char logp[1100];
	pid_t pid;
	int i, found = 0, st;
	FILE *f;

	if (mkdtemp(dir) == NULL)
		return;
	/* data_dir is a regular file: every worker fails to open LMDB. */
	snprintf(datafile, sizeof(datafile), "%s/notadir", dir);
	snprintf(sock, sizeof(sock), "unix:%s/s.sock", dir);
	snprintf(logp, sizeof(logp), "%s/log", dir);
	if ((f = fopen(datafile, "w")) != NULL)
		fclose(f);
	if ((pid = fork()) == 0) {
		char path[1024];
		int fd = open(logp, O_WRONLY | O_CREAT, 0644);

		dup2(fd, 2);
		snprintf(path, sizeof(path), "%s/container-codes",
		    getenv("CC_BUILDDIR") ? getenv("CC_BUILDDIR") : ".");
		execl(getenv("STACK_BIN") ? getenv("STACK_BIN") : path,
		    "container-codes", "-l", sock, "-d", datafile, "-w", "2",
		    (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100 && !found; i++) {
		char line[2048];

		harness_msleep(100);
		if ((f = fopen(logp, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL)
			found |= strstr(line, "crash loop") != NULL;
		fclose(f);
	}
	ok(found, "a crash loop is detected and backed off with a log line");
	/* Through a long pause one worker is still restarted (once a
	 * second): deaths go on being logged. */
	for (i = 0; i < 150 && !log_count(logp, "restarts for 4s") &&
	    !log_count(logp, "restarts for 8s"); i++)
		harness_msleep(100);
	found = log_count(logp, "died");
	harness_msleep(3000);
	ok((log_count(logp, "restarts for 4s") || log_count(logp,
	    "restarts for 8s")) && log_count(logp, "died") >= found + 2,
	    "during a pause of 4 s or more a child is still restarted "
	    "(%d deaths logged in 3 s)", log_count(logp, "died") - found);
	ok(waitpid(pid, &st, WNOHANG) == 0, "the master survives the loop");
	kill(pid, SIGTERM);
	for (i = 0; i < 100 && waitpid(pid, &st, WNOHANG) == 0; i++)
		harness_msleep(100);
	unlink(logp);
	unlink(datafile);
	rmdir(dir);
}

/* spawn-fcgi binds the socket and execs us with it on fd 0 ("listen"
 * unset), as mod_fcgid does. */
static void
stdin_listener(void)
{
	char conf[1024], sock[1024], path[1024];
	pid_t pid;
	int i, st;
	FILE *f;

	if (access("/usr/bin/spawn-fcgi", X_OK) != 0) {
		skip(1, "spawn-fcgi is not installed");
		return;
	}
	snprintf(conf, sizeof(conf), "%s/pool/stdin.conf", harness_dir());
	snprintf(sock, sizeof(sock), "%s", harness_env("POOL_SOCK"));
	if ((f = fopen(conf, "w")) == NULL)
		return;
	fprintf(f, "workers = 1\ndata_dir = %s\ndebug = true\n",
	    harness_env("DATA_DIR"));
	fclose(f);
	unlink(sock);
	snprintf(path, sizeof(path), "%s/container-codes",
	    getenv("CC_BUILDDIR") ? getenv("CC_BUILDDIR") : ".");
	if ((pid = fork()) == 0) {
		execl("/usr/bin/spawn-fcgi", "spawn-fcgi", "-n", "-s", sock,
		    "-M", "0666", "--", getenv("STACK_BIN") ?
		    getenv("STACK_BIN") : path, "-c", conf, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 50 && !healthy("NGINX_URL"); i++)
		harness_msleep(100);
	ok(healthy("NGINX_URL"), "serves the FastCGI listener given on stdin");
	kill(pid, SIGTERM);
	for (i = 0; i < 100 && waitpid(pid, &st, WNOHANG) == 0; i++)
		harness_msleep(100);
}

int
main(void)
{
	size_t s;
	pid_t master;

	harness_start("max_body = 64k\nrequest_timeout = 3\n"
	    "max_requests = 25\nshutdown_timeout = 10\n");
	for (s = 0; s < 2; s++) {
		if (harness_env(servers[s]) == NULL ||
		    *harness_env(servers[s]) == '\0') {
			skip(1, "%s not started", servers[s]);
			continue;
		}
		bad_input(servers[s]);
	}
	validate_like_startup("NGINX_URL");
	worker_kill("NGINX_URL");
	request_timeout("NGINX_URL");
	recycling("APACHE_URL");
	master = pool_takeover("max_requests = 0\nrequest_timeout = 30\n");
	reload_under_load();
	ok(log_has("received SIGHUP from pid"),
	    "the reload is logged with the sender");
	access_log_switch();
	sigterm_under_load(master);
	ok(log_has("received SIGTERM from pid"),
	    "the stop is logged with the signal and the sender");
	startup_validation();
	crash_loop();
	stdin_listener();
	return done_testing();
}
