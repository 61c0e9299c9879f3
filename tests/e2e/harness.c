/*
 * harness.c: end-to-end test support (see harness.h). The stack itself is
 * tests/stack/stack; this file runs it, reads its stack.env, speaks HTTP
 * through libcurl and prints TAP.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "harness.h"

extern char **environ;

/* ---- TAP ---- */

static int tap_n, tap_failed;

/* Print a test line; '#' would start a TAP directive and a newline would
 * end the line, so both are neutralised. */
__attribute__((format(printf, 2, 0)))
static void
tap_line(int pass, const char *fmt, va_list ap)
{
	char name[512];
	const char *p;

	vsnprintf(name, sizeof(name), fmt, ap);
	printf("%sok %d - ", pass ? "" : "not ", ++tap_n);
	for (p = name; *p != '\0'; p++) {
		if (*p == '#')
			fputs("\\#", stdout);
		else if (*p == '\n' || *p == '\r')
			putchar(' ');
		else
			putchar(*p);
	}
	putchar('\n');
	if (!pass)
		tap_failed++;
	fflush(stdout);
}

int
tap_ok(const char *file, int line, int pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_line(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		diag("  failed at %s:%d", file, line);
	return pass;
}

int
tap_is_int(const char *file, int line, long long got, long long want,
    const char *fmt, ...)
{
	va_list ap;
	int pass = got == want;

	va_start(ap, fmt);
	tap_line(pass, fmt, ap);
	va_end(ap);
	if (!pass) {
		diag("  failed at %s:%d", file, line);
		diag("       got: %lld", got);
		diag("  expected: %lld", want);
	}
	return pass;
}

int
tap_is_str(const char *file, int line, const char *got, const char *want,
    const char *fmt, ...)
{
	va_list ap;
	int pass;

	pass = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);
	va_start(ap, fmt);
	tap_line(pass, fmt, ap);
	va_end(ap);
	if (!pass) {
		diag("  failed at %s:%d", file, line);
		if (got != NULL)
			diag("       got: \"%.2000s\"", got);
		else
			diag("       got: NULL");
		if (want != NULL)
			diag("  expected: \"%.2000s\"", want);
		else
			diag("  expected: NULL");
	}
	return pass;
}

void
diag(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	char *line, *next;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Every line of a multi-line message must stay a comment. */
	for (line = buf; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		printf("# %s\n", line);
	}
	fflush(stdout);
}

void
skip(int n, const char *fmt, ...)
{
	char reason[256];
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	for (i = 0; i < n; i++)
		printf("ok %d # SKIP %s\n", ++tap_n, reason);
	fflush(stdout);
}

void
bail_out(const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	printf("Bail out! %s\n", reason);
	fflush(stdout);
	harness_stop();
	exit(99);
}

/* ---- the stack ---- */

#define ENV_MAX 64

static struct {
	char	 dir[PATH_MAX];
	char	 script[PATH_MAX];
	char	*keys[ENV_MAX];
	char	*vals[ENV_MAX];
	size_t	 nenv;
	pid_t	 owner;		/* only this process stops the stack */
	int	 started;
	int	 keep;
	/* Prepared at start so the signal handler need not allocate. */
	char	*stop_argv[4];
	char	 log_path[PATH_MAX + 32];
} H;

static volatile sig_atomic_t stopping;

/* Fork and exec the stack script with argv; wait for it. Only
 * async-signal-safe calls after fork, so a signal handler may use it. */
static int
run_script(char *const argv[])
{
	pid_t pid;
	int status;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* Keep the TAP stream (stdout) clean: the script talks on
		 * stderr, which the driver copies into the test's log. */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execve(argv[0], argv, environ);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void
harness_msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

pid_t
harness_proc_start(const char *dir, char *const argv[], const char *out_path,
    const char *err_path)
{
	pid_t pid;

	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int in = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		if (o < 0 || e < 0 || in < 0 || (dir != NULL &&
		    chdir(dir) != 0))
			_exit(126);
		dup2(in, 0);
		dup2(o, 1);
		dup2(e, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

int
harness_proc_wait(pid_t pid, long limit_ms)
{
	long i;
	int st;

	for (i = 0; i < limit_ms / 50; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		harness_msleep(50);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -2;
}

void
harness_proc_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(-pid, SIGTERM);
	(void)harness_proc_wait(pid, 3000);
}

int
harness_run_in(const char *dir, char *const argv[], const char *out_path,
    const char *err_path, int limit_s)
{
	pid_t pid = harness_proc_start(dir, argv, out_path, err_path);
	int rc;

	if (pid < 0)
		return -1;
	if ((rc = harness_proc_wait(pid, (long)limit_s * 1000)) == -2) {
		diag("%s did not finish in %d s: killed its process group",
		    argv[0], limit_s);
		rc = -1;
	}
	return rc;
}

void
harness_src_path(const char *rel, char *out, size_t n)
{
	const char *s = getenv("CC_SRCDIR");
	char exe[PATH_MAX], *p;
	ssize_t k;
	int i;

	if (s != NULL && *s != '\0') {
		if (snprintf(out, n, "%s/%s", s, rel) >= (int)n)
			bail_out("CC_SRCDIR is too long");
		return;
	}
	if ((k = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		bail_out("readlink /proc/self/exe: %s", strerror(errno));
	exe[k] = '\0';
	for (i = 0; i < 3 && (p = strrchr(exe, '/')) != NULL; i++)
		*p = '\0';
	if (snprintf(out, n, "%s/%s", exe, rel) >= (int)n)
		bail_out("the source path is too long");
}

char *
harness_file_read(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			if ((nb = realloc(buf, cap = cap ? cap * 2 : 8192)) ==
			    NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

void
harness_diag_file(const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		diag("%s", line);
	}
	fclose(f);
}

static int
npm_installed(const char *dir, const char *const *modules)
{
	char mod[PATH_MAX + 64];
	struct stat st;

	for (; *modules != NULL; modules++) {
		snprintf(mod, sizeof(mod), "%s/node_modules/%s/package.json",
		    dir, *modules);
		if (stat(mod, &st) != 0)
			return 0;
	}
	return 1;
}

int
harness_npm_ready(const char *dir, const char *const *modules, int limit_s)
{
	char log[PATH_MAX + 16], lock[PATH_MAX + 16];
	char *argv[] = { "npm", "ci", "--no-audit", "--no-fund", NULL };
	int fd, rc = 0;

	snprintf(lock, sizeof(lock), "%s/.npm-ci.lock", dir);
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 ||
	    flock(fd, LOCK_EX) != 0) {
		diag("%s: %s", lock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!npm_installed(dir, modules)) {
		snprintf(log, sizeof(log), "%s/npm-ci.log", dir);
		diag("installing the packages of %s (npm ci)", dir);
		if (harness_run_in(dir, argv, log, log, limit_s) != 0) {
			diag("npm ci failed; its log:");
			harness_diag_file(log);
			rc = -1;
		}
	}
	close(fd);
	return rc;
}

int
harness_free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static void
stop_now(void)
{
	if (!H.started || getpid() != H.owner || stopping)
		return;
	stopping = 1;
	run_script(H.stop_argv);
	H.started = 0;
}

void
harness_stop(void)
{
	int was = H.started && getpid() == H.owner;

	stop_now();
	if (was && H.keep)
		diag("HARNESS_KEEP: stack directory kept: %s", H.dir);
}

static void
on_signal(int sig)
{
	stop_now();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Does dir/rel exist (and is executable, when x)? */
static int
has_file(const char *dir, const char *rel, int x)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s/%s", dir, rel) >= (int)sizeof(p))
		return 0;
	return access(p, x ? X_OK : F_OK) == 0;
}

/* Walk up from the running program's directory until dir/rel exists. */
static int
find_up(const char *rel, char *out, size_t outlen)
{
	char p[PATH_MAX];
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", p, sizeof(p) - 1);
	if (n <= 0)
		return -1;
	p[n] = '\0';
	while ((slash = strrchr(p, '/')) != NULL) {
		*slash = '\0';
		if (p[0] == '\0')
			break;
		if (has_file(p, rel, 0)) {
			if (snprintf(out, outlen, "%s", p) >= (int)outlen)
				return -1;
			return 0;
		}
	}
	return -1;
}

static void
read_stack_env(void)
{
	char path[PATH_MAX + 16], line[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/stack.env", H.dir);
	if ((f = fopen(path, "re")) == NULL)
		bail_out("cannot read %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL && H.nenv < ENV_MAX) {
		char *eq = strchr(line, '=');

		line[strcspn(line, "\r\n")] = '\0';
		if (eq == NULL || eq == line)
			continue;
		*eq = '\0';
		H.keys[H.nenv] = strdup(line);
		H.vals[H.nenv] = strdup(eq + 1);
		if (H.keys[H.nenv] == NULL || H.vals[H.nenv] == NULL)
			bail_out("out of memory");
		H.nenv++;
	}
	fclose(f);
}

static void
free_env(void)
{
	size_t i;

	for (i = 0; i < H.nenv; i++) {
		free(H.keys[i]);
		free(H.vals[i]);
	}
	H.nenv = 0;
}

static void url_ring_free(void);

static void
cleanup_at_exit(void)
{
	harness_stop();
	free_env();
	url_ring_free();
	curl_global_cleanup();
}

void
harness_start(const char *extra_conf)
{
	char src[PATH_MAX], build[PATH_MAX], bin[PATH_MAX + 32];
	const char *e, *tmp;
	char *start_argv[4];
	struct sigaction sa;
	int rc, attempt;

	/* Line-buffered so TAP lines and diagnostics keep their order. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (H.started)
		bail_out("harness_start called twice");
	if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
		bail_out("curl_global_init failed");

	if ((e = getenv("CC_SRCDIR")) != NULL && *e != '\0')
		snprintf(src, sizeof(src), "%s", e);
	else if (find_up("tests/stack/stack", src, sizeof(src)) < 0)
		bail_out("cannot find the source tree: set CC_SRCDIR");
	if ((e = getenv("CC_BUILDDIR")) != NULL && *e != '\0')
		snprintf(build, sizeof(build), "%s", e);
	else if (find_up("container-codes", build, sizeof(build)) < 0)
		snprintf(build, sizeof(build), "%s", src);
	if (snprintf(H.script, sizeof(H.script), "%s/tests/stack/stack",
	    src) >= (int)sizeof(H.script))
		bail_out("source path too long");
	if (access(H.script, X_OK) != 0)
		bail_out("%s is not executable", H.script);
	if ((e = getenv("STACK_BIN")) == NULL || *e == '\0') {
		snprintf(bin, sizeof(bin), "%s/container-codes", build);
		if (setenv("STACK_BIN", bin, 1) != 0)
			bail_out("setenv: %s", strerror(errno));
	}
	if (extra_conf != NULL)
		setenv("STACK_EXTRA_CONF", extra_conf, 1);
	else
		unsetenv("STACK_EXTRA_CONF");

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (snprintf(H.dir, sizeof(H.dir), "%s/cc-e2e-XXXXXX", tmp) >=
	    (int)sizeof(H.dir) || mkdtemp(H.dir) == NULL)
		bail_out("mkdtemp in %s: %s", tmp, strerror(errno));

	e = getenv("HARNESS_KEEP");
	H.keep = e != NULL && strcmp(e, "1") == 0;
	H.stop_argv[0] = H.script;
	H.stop_argv[1] = H.keep ? "stop" : "destroy";
	H.stop_argv[2] = H.dir;
	H.stop_argv[3] = NULL;
	snprintf(H.log_path, sizeof(H.log_path), "%s/logs/pool.log", H.dir);
	H.owner = getpid();
	H.started = 1;
	atexit(cleanup_at_exit);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* The TAP reader went away (e.g. "| head"): still clean up. */
	sigaction(SIGPIPE, &sa, NULL);

	start_argv[0] = H.script;
	start_argv[1] = "start";
	start_argv[2] = H.dir;
	start_argv[3] = NULL;
	diag("starting stack in %s (STACK_BIN=%s)", H.dir,
	    getenv("STACK_BIN"));
	/* A randomly picked free port can be taken by a parallel test
	 * between the check and nginx's or Apache's bind: the script undoes
	 * a failed start, so try again with fresh ports. */
	for (attempt = 1; (rc = run_script(start_argv)) != 0 && attempt < 3;
	    attempt++)
		diag("stack start failed (exit %d); retrying", rc);
	if (rc != 0)
		bail_out("tests/stack/stack start %s failed (exit %d); "
		    "its messages are in this test's log", H.dir, rc);
	read_stack_env();
	diag("nginx %s, apache %s", harness_env("NGINX_URL"),
	    *harness_env("APACHE_URL") ? harness_env("APACHE_URL") : "none");
}

const char *
harness_env(const char *key)
{
	size_t i;

	for (i = 0; i < H.nenv; i++)
		if (strcmp(H.keys[i], key) == 0)
			return H.vals[i];
	return NULL;
}

const char *
harness_dir(void)
{
	return H.dir[0] != '\0' ? H.dir : NULL;
}

int
harness_stack(const char *command)
{
	char *argv[4];

	if (H.dir[0] == '\0')
		return -1;
	argv[0] = H.script;
	argv[1] = (char *)command;
	argv[2] = H.dir;
	argv[3] = NULL;
	return run_script(argv);
}

#define URL_RING 16
static char *url_ring[URL_RING];
static unsigned url_next;

static void
url_ring_free(void)
{
	size_t i;

	for (i = 0; i < URL_RING; i++) {
		free(url_ring[i]);
		url_ring[i] = NULL;
	}
}

const char *
harness_url(const char *base_key, const char *path)
{
	const char *base = harness_env(base_key);
	char **slot;

	if (base == NULL || *base == '\0')
		return NULL;
	slot = &url_ring[url_next++ % URL_RING];
	free(*slot);
	if (asprintf(slot, "%s%s", base, path) < 0) {
		*slot = NULL;
		bail_out("out of memory");
	}
	return *slot;
}

const char *
harness_admin_header(void)
{
	static char hdr[512];
	const char *key = harness_env("ADMIN_KEY");

	if (key == NULL || *key == '\0')
		return NULL;
	snprintf(hdr, sizeof(hdr), "X-API-Key: %s", key);
	return hdr;
}

int
harness_reconfigure(const char *lines, const char *key, const char *want)
{
	const char *h[2] = { harness_admin_header(), NULL };
	struct http_resp r;
	char path[160];
	FILE *f;
	int i, seen = 0;

	if ((f = fopen(harness_env("POOL_CONF"), "a")) == NULL) {
		diag("cannot append to %s", harness_env("POOL_CONF"));
		return -1;
	}
	fputs(lines, f);
	fclose(f);
	http_do(&r, "POST", harness_url("NGINX_URL", "/api/v1/config/reload"),
	    h, NULL, 0);
	if (r.status != 202) {
		diag("config reload answered %ld", r.status);
		http_resp_free(&r);
		return -1;
	}
	http_resp_free(&r);
	snprintf(path, sizeof(path), "config.%s", key);
	for (i = 0; i < 200 && seen < 8; i++) {
		const char *v;

		http_do(&r, "GET", harness_url("NGINX_URL", "/api/v1/config"),
		    h, NULL, 0);
		v = r.json ? json_str_at(r.json, path) : NULL;
		seen = v != NULL && strcmp(v, want) == 0 ? seen + 1 : 0;
		http_resp_free(&r);
		if (seen < 8)
			harness_msleep(50);
	}
	if (seen < 8)
		diag("%s did not become '%s' after the reload", key, want);
	return seen >= 8 ? 0 : -1;
}

/* ---- HTTP ---- */

struct buf {
	char	*p;
	size_t	 len, cap;
};

static int
buf_add(struct buf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	return buf_add(userdata, ptr, size * nmemb) == 0 ? size * nmemb : 0;
}

/* Is there a header called name (case-insensitive) in the list? */
static int
has_header(const char *const *headers, const char *name)
{
	size_t n = strlen(name);

	for (; headers != NULL && *headers != NULL; headers++)
		if (strncasecmp(*headers, name, n) == 0 &&
		    (*headers)[n] == ':')
			return 1;
	return 0;
}

int
http_do(struct http_resp *out, const char *method, const char *url,
    const char *const *headers, const void *body, size_t len)
{
	struct buf bbody = { 0 }, bhdr = { 0 };
	struct curl_slist *list = NULL, *l;
	const char *const *h;
	const char *e;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = NULL;
	CURLcode cc;
	long timeout_ms = 30000;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (url == NULL) {
		diag("http_do: no URL (is the front end running?)");
		return -1;
	}
	if ((e = getenv("HARNESS_HTTP_TIMEOUT_MS")) != NULL && atol(e) > 0)
		timeout_ms = atol(e);
	if ((c = curl_easy_init()) == NULL)
		goto fail;
	for (h = headers; h != NULL && *h != NULL; h++) {
		if ((l = curl_slist_append(list, *h)) == NULL)
			goto fail;
		list = l;
	}
	/* libcurl adds these on its own; a test must see only its own. */
	if (!has_header(headers, "Expect"))
		list = curl_slist_append(list, "Expect:");
	if (body != NULL && !has_header(headers, "Content-Type"))
		list = curl_slist_append(list, "Content-Type:");

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &bbody);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &bhdr);
	/* Exactly what the test asked for: no proxies from the
	 * environment, no redirects, no content decoding. */
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0 || body != NULL)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	} else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
	    strcmp(method, "PATCH") == 0) {
		/* A body-carrying method with no body: Content-Length: 0. */
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	}

	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		diag("http_do: %s %s: %s", method, url,
		    errbuf[0] ? errbuf : curl_easy_strerror(cc));
		goto fail;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	rc = 0;
fail:
	if (bbody.p == NULL && buf_add(&bbody, "", 0) < 0)
		rc = -1;
	if (bhdr.p == NULL && buf_add(&bhdr, "", 0) < 0)
		rc = -1;
	out->body = bbody.p;
	out->len = bbody.len;
	out->headers = bhdr.p;
	if (rc == 0 && out->len > 0) {
		struct json_tokener *tok = json_tokener_new();

		if (tok != NULL) {
			out->json = json_tokener_parse_ex(tok, out->body,
			    (int)out->len);
			if (json_tokener_get_error(tok) != json_tokener_success) {
				json_object_put(out->json);
				out->json = NULL;
			}
			json_tokener_free(tok);
		}
	}
	curl_slist_free_all(list);
	if (c != NULL)
		curl_easy_cleanup(c);
	return rc;
}

const char *
http_header(const struct http_resp *resp, const char *name)
{
	struct http_resp *r = (struct http_resp *)resp;
	const char *line, *end, *v, *found = NULL;
	size_t n = strlen(name), flen = 0;

	free(r->hdr_value);
	r->hdr_value = NULL;
	for (line = r->headers; line != NULL && *line != '\0'; line = end) {
		end = strchr(line, '\n');
		end = end != NULL ? end + 1 : line + strlen(line);
		if (strncasecmp(line, name, n) != 0 || line[n] != ':')
			continue;
		for (v = line + n + 1; v < end && (*v == ' ' || *v == '\t');
		    v++)
			;
		found = v;
		flen = (size_t)(end - v);
		while (flen > 0 && isspace((unsigned char)found[flen - 1]))
			flen--;
	}
	if (found == NULL)
		return NULL;
	r->hdr_value = strndup(found, flen);
	return r->hdr_value;
}

void
http_resp_free(struct http_resp *resp)
{
	free(resp->body);
	free(resp->headers);
	free(resp->hdr_value);
	json_object_put(resp->json);
	memset(resp, 0, sizeof(*resp));
}

/* ---- JSON ---- */

struct json_object *
json_at(struct json_object *root, const char *path)
{
	char seg[256];
	const char *p = path, *dot;
	struct json_object *cur = root, *next;

	while (cur != NULL && *p != '\0') {
		size_t n;

		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(seg))
			return NULL;
		memcpy(seg, p, n);
		seg[n] = '\0';
		p += n + (dot != NULL);
		if (json_object_is_type(cur, json_type_array)) {
			char *endp;
			long i = strtol(seg, &endp, 10);

			if (*seg == '\0' || *endp != '\0' || i < 0 ||
			    (size_t)i >= json_object_array_length(cur))
				return NULL;
			cur = json_object_array_get_idx(cur, (size_t)i);
		} else if (json_object_object_get_ex(cur, seg, &next))
			cur = next;
		else
			return NULL;
	}
	return cur;
}

const char *
json_str_at(struct json_object *root, const char *path)
{
	struct json_object *o = json_at(root, path);

	return json_object_is_type(o, json_type_string) ?
	    json_object_get_string(o) : NULL;
}

/* ---- the end ---- */

/* The offset of the first sanitizer report in the pool's log, or -1. */
static long
sanitizer_report_at(const char *path)
{
	static const char *const marks[] = {
		"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
		"runtime error:", "WARNING: ThreadSanitizer",
	};
	char line[4096];
	FILE *f;
	size_t i;
	long at = -1, pos = 0;

	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (at < 0 && fgets(line, sizeof(line), f) != NULL) {
		for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
			if (strstr(line, marks[i]) != NULL) {
				at = pos;
				break;
			}
		pos = ftell(f);
	}
	fclose(f);
	return at;
}

/* Copy up to n lines of a file, from byte offset at, as comments. */
static void
diag_lines_from(const char *path, long at, int n)
{
	char line[4096];
	FILE *f;

	if ((f = fopen(path, "re")) == NULL || fseek(f, at, SEEK_SET) != 0) {
		if (f != NULL)
			fclose(f);
		return;
	}
	printf("# ---- %s, from the first sanitizer report ----\n", path);
	while (n-- > 0 && fgets(line, sizeof(line), f) != NULL)
		printf("#   %s%s", line, strchr(line, '\n') ? "" : "\n");
	fclose(f);
	fflush(stdout);
}

/* Copy the last lines of a log into the TAP stream as comments, so a
 * failure can be understood from the test's own log after the stack
 * directory is gone. */
static void
diag_tail(const char *dir, const char *name, int lines)
{
	char path[PATH_MAX + 64], *buf = NULL, *p;
	size_t len = 0;
	FILE *f;
	int seen = 0;

	snprintf(path, sizeof(path), "%s/logs/%s", dir, name);
	if ((f = fopen(path, "re")) == NULL)
		return;
	if (fseek(f, 0, SEEK_END) == 0) {
		long size = ftell(f), from = size > 65536 ? size - 65536 : 0;

		if (size > 0 && fseek(f, from, SEEK_SET) == 0 &&
		    (buf = malloc((size_t)(size - from) + 1)) != NULL) {
			len = fread(buf, 1, (size_t)(size - from), f);
			buf[len] = '\0';
		}
	}
	fclose(f);
	if (buf == NULL)
		return;
	for (p = buf + len; p > buf; p--)
		if (p[-1] == '\n' && p != buf + len && ++seen >= lines)
			break;
	printf("# ---- last lines of %s ----\n", path);
	while (*p != '\0') {
		size_t n = strcspn(p, "\n");

		printf("#   %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
	fflush(stdout);
	free(buf);
}

int
done_testing(void)
{
	long report;

	if (H.started && getpid() == H.owner) {
		/* Stop without deleting: the logs are read below. Sanitizer
		 * leak reports are written as the pool's processes exit. */
		H.stop_argv[1] = "stop";
		stop_now();
		report = sanitizer_report_at(H.log_path);
		ok(report < 0, "pool log has no sanitizer reports");
		if (report >= 0)
			diag_lines_from(H.log_path, report, 60);
		if (tap_failed > 0) {
			diag_tail(H.dir, "pool.log", 40);
			diag_tail(H.dir, "nginx-error.log", 15);
			diag_tail(H.dir, "apache-error.log", 15);
		}
		if (!H.keep) {
			char *argv[4] = { H.script, "destroy", H.dir, NULL };

			run_script(argv);
		} else
			diag("HARNESS_KEEP: stack directory kept: %s", H.dir);
	}
	printf("1..%d\n", tap_n);
	fflush(stdout);
	if (tap_failed > 0)
		diag("%d of %d tests failed", tap_failed, tap_n);
	return tap_failed > 0 ? 1 : 0;
}

/* ---- restarting the pool ---- */

/* The pid is alive and not a zombie (like the stack script's alive()). */
static int
pid_alive(pid_t pid)
{
	char path[64], buf[512], *rp;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((rp = strrchr(buf, ')')) == NULL || rp[1] == '\0')
		return 0;
	return rp[2] != 'Z';
}

static void
set_env_value(const char *key, const char *val)
{
	size_t i;

	for (i = 0; i < H.nenv; i++)
		if (strcmp(H.keys[i], key) == 0) {
			free(H.vals[i]);
			if ((H.vals[i] = strdup(val)) == NULL)
				bail_out("out of memory");
			return;
		}
}

int
harness_stop_pool(void)
{
	const char *pidstr = harness_env("POOL_PID");
	pid_t old;
	int i;

	if (pidstr == NULL)
		return -1;
	old = (pid_t)atoi(pidstr);
	if (old > 1 && pid_alive(old)) {
		kill(old, SIGTERM);
		for (i = 0; i < 300 && pid_alive(old); i++)	/* 30 s */
			usleep(100000);
		if (pid_alive(old)) {
			diag("pool %d did not stop within 30 s", (int)old);
			return -1;
		}
	}
	return 0;
}

int
harness_restart_pool(void)
{
	const char *conf = harness_env("POOL_CONF");
	const char *sock = harness_env("POOL_SOCK");
	const char *bin = getenv("STACK_BIN");
	char path[PATH_MAX + 32], log[PATH_MAX + 32], buf[32];
	struct stat st;
	pid_t mid, pool = -1;
	int fds[2], i, status, fd;
	FILE *f;

	if (conf == NULL || sock == NULL || bin == NULL ||
	    harness_stop_pool() < 0)
		return -1;
	/* Detached like the stack script's spawn(): own session, stdin from
	 * /dev/null, output appended to the pool log, CC_STACK_DIR set so the
	 * script's stop recognises it.  A double fork leaves no zombie here;
	 * the pool's pid comes back through a pipe. */
	snprintf(log, sizeof(log), "%s/pool.log", harness_env("LOG_DIR"));
	if (pipe(fds) < 0 || (mid = fork()) < 0)
		return -1;
	if (mid == 0) {
		pid_t p;

		close(fds[0]);
		if ((p = fork()) == 0) {
			close(fds[1]);
			setsid();
			if ((fd = open("/dev/null", O_RDONLY)) >= 0)
				dup2(fd, 0);
			if ((fd = open(log, O_WRONLY | O_APPEND | O_CREAT,
			    0644)) >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
			}
			setenv("CC_STACK_DIR", H.dir, 1);
			execl(bin, bin, "-c", conf, (char *)NULL);
			_exit(127);
		}
		if (write(fds[1], &p, sizeof(p)) != (ssize_t)sizeof(p))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &pool, sizeof(pool)) != (ssize_t)sizeof(pool))
		pool = -1;
	close(fds[0]);
	waitpid(mid, &status, 0);
	if (pool <= 0)
		return -1;
	snprintf(buf, sizeof(buf), "%d", (int)pool);
	snprintf(path, sizeof(path), "%s/pool.pid", H.dir);
	if ((f = fopen(path, "we")) != NULL) {
		fprintf(f, "%s\n", buf);
		fclose(f);
	}
	set_env_value("POOL_PID", buf);
	for (i = 0; i < 300; i++) {		/* 30 s for the socket */
		if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode))
			return 0;
		if (!pid_alive(pool))
			break;
		usleep(100000);
	}
	diag("restarted pool %d did not create %s", (int)pool, sock);
	return -1;
}
