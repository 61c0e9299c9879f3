/*
 * t_proxy.c: the Reverse Proxy API end to end, written into the real
 * nginx of the stack and then into its Apache, with small loopback
 * backends (tests/e2e/proxy_backend.py, one process per port, started
 * and stopped by pid) that answer with their own port.
 *
 * nginx: round_robin with weights 1:2 over 1,000 requests, ip_hash
 * stickiness, a backup that serves only when the primary is down, a
 * backend killed and marked down by the health checks in time (no client
 * request fails after), restored, with proxy_health events; the auth
 * middleware (401 without a key, the user header with one, 403 below the
 * role), rate_limit (429), headers, timeout (504), retries, cors and a
 * WebSocket echo; a TCP stream carrying bytes both ways (a taken port
 * 409, a privileged one 400); stats whose p50 and p99 agree with the
 * latencies measured here and whose requests_total is exact; ETag and
 * version conflicts; a reload the web server refuses (a stream port held
 * here) rolled back with 422 and nginx's words; a dry run that changes
 * nothing; async applies and a burst of 100 writes coalesced; history
 * and rollback; the proxy process killed with SIGKILL re-rendering the
 * same generation; 47 hostile values refused, nothing rendered, nginx -t
 * still passing.  Routes with a host (nginx: a server of their own on
 * proxy_listen): Host a.example reaches its backend, with any case and
 * a port, another Host does not, two hosts on one path reach two
 * backends; 24 hostile hosts refused, nothing rendered.  Apache: the
 * same model as mod_proxy_balancer with mod_proxy_hcheck, weights 1:2,
 * routes with a host (mod_rewrite on the Host), a route's timeout (504
 * from a slower backend), the hostile hosts again, and a killed backend
 * left out.
 * Traffic goes to 127.0.0.1 only.  Every wait is bounded.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctr_util.h"
#include "harness.h"

#define MAXB	16

/* The backends: a port and the python process answering it. */
static struct {
	int	 port;
	pid_t	 pid;
} be[MAXB];
static int nbe;

static char viewer_hdr[256];
static char script[1024];
static int host_port;		/* proxy_listen: the host routes' servers */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
port_open(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Starts backend i on its port (a new one when port is 0). */
static int
backend_start(int i)
{
	char p[16];
	pid_t pid;
	int k;

	/* not the host routes' port, which nginx binds once one exists */
	for (k = 0; k < 10 && (be[i].port == 0 || be[i].port == host_port);
	    k++)
		be[i].port = harness_free_port();
	snprintf(p, sizeof(p), "%d", be[i].port);
	if ((pid = fork()) == 0) {
		int fd = open("/dev/null", O_RDWR);

		dup2(fd, 0);
		dup2(fd, 1);
		execlp("python3", "python3", script, p, (char *)NULL);
		_exit(127);
	}
	be[i].pid = pid;
	for (k = 0; k < 100 && !port_open(be[i].port); k++)
		harness_msleep(50);
	return port_open(be[i].port) ? 0 : -1;
}

static int
backend_new(void)
{
	int i = nbe++;

	be[i].port = 0;
	if (backend_start(i) < 0)
		bail_out("backend on port %d did not start", be[i].port);
	return i;
}

static void
backend_stop(int i)
{
	if (be[i].pid <= 0)
		return;
	kill(be[i].pid, SIGTERM);
	waitpid(be[i].pid, NULL, 0);
	be[i].pid = 0;
}

static void
backends_stop(void)
{
	int i;

	for (i = 0; i < nbe; i++)
		backend_stop(i);
}

/* ---- API helpers ---- */

static long
call(struct http_resp *r, const char *method, const char *path,
    const char *body)
{
	return api(r, "NGINX_URL", method, path, body);
}

/* One write; its status (the response is freed). */
static long
put(const char *method, const char *path, const char *body)
{
	struct http_resp r;
	long st = call(&r, method, path, body);

	if (st != 200 && st != 201 && st != 202)
		diag("%s %s: %ld %s", method, path, st, r.body ? r.body : "");
	http_resp_free(&r);
	return st;
}

static long long
version_now(char *etag, size_t len)
{
	struct http_resp r;
	long long v = -1;
	const char *e;

	if (call(&r, "GET", "/api/v1/proxy/config", NULL) == 200) {
		v = (long long)json_object_get_int64(json_at(r.json,
		    "config.version"));
		if (etag != NULL && (e = http_header(&r, "ETag")) != NULL)
			snprintf(etag, len, "%s", e);
	}
	http_resp_free(&r);
	return v;
}

/* The port a GET of url answered from (0: none), and the HTTP status
 * in *status. */
static int
port_url(const char *url, const char *hdr, long *status)
{
	const char *h[2] = { hdr, NULL };
	struct http_resp r;
	int port = 0;

	http_do(&r, "GET", url, hdr ? h : NULL, NULL, 0);
	if (status != NULL)
		*status = r.status;
	if (r.status == 200 && json_at(r.json, "port") != NULL)
		port = json_object_get_int(json_at(r.json, "port"));
	http_resp_free(&r);
	return port;
}

/* The same through base (an URL of the stack). */
static int
port_of(const char *base, const char *path, const char *hdr, long *status)
{
	return port_url(harness_url(base, path), hdr, status);
}

static char *
slurp(const char *path)
{
	char *buf = NULL;
	FILE *f;
	long n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = calloc(1, (size_t)n + 1)) &&
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static char *
proxy_file(const char *name)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/proxy/current/%s", harness_env("DATA_DIR"),
	    name);
	return slurp(p);
}

/* Everything the web servers include now, one string. */
static char *
rendered(void)
{
	static const char *const names[] = { "nginx-http.conf",
		"nginx-server.conf", "nginx-stream.conf", "apache.conf" };
	size_t i, len = 0;
	char *all = calloc(1, 1), *f, *n;

	for (i = 0; i < 4; i++) {
		if ((f = proxy_file(names[i])) == NULL)
			continue;
		n = realloc(all, len + strlen(f) + 1);
		if (n == NULL)
			break;
		all = n;
		memcpy(all + len, f, strlen(f) + 1);
		len += strlen(f);
		free(f);
	}
	return all;
}

static char *
current_link(void)
{
	static char target[256];
	char p[1024];
	ssize_t n;

	snprintf(p, sizeof(p), "%s/proxy/current", harness_env("DATA_DIR"));
	n = readlink(p, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	return target;
}

/* Runs argv; its exit status, with stdout and stderr in out. */
static int
run(char *const argv[], char *out, size_t outlen)
{
	int fds[2], st = -1;
	size_t used = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) < 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while (used + 1 < outlen && (n = read(fds[0], out + used,
	    outlen - used - 1)) > 0)
		used += (size_t)n;
	out[used] = '\0';
	close(fds[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
nginx_t(char *out, size_t len)
{
	char conf[512], prefix[512];
	char *argv[] = { "nginx", "-t", "-q", "-c", conf, "-p", prefix, NULL };

	snprintf(conf, sizeof(conf), "%s/nginx/nginx.conf", harness_dir());
	snprintf(prefix, sizeof(prefix), "%s/nginx/", harness_dir());
	return run(argv, out, len);
}

/* The proxy process's pid, from the pool's listing (0: none). */
static int
proxy_pid(void)
{
	struct http_resp r;
	json_object *ps;
	size_t i;
	int pid = 0;

	if (call(&r, "GET", "/api/v1/system/info", NULL) == 200 &&
	    (ps = json_at(r.json, "system.pool.processes")) != NULL)
		for (i = 0; i < json_object_array_length(ps); i++) {
			json_object *p = json_object_array_get_idx(ps, i);
			const char *k = json_str_at(p, "kind");

			if (k != NULL && strcmp(k, "proxy") == 0)
				pid = json_object_get_int(json_at(p, "pid"));
		}
	http_resp_free(&r);
	return pid;
}

/* The newest generation of the history and its status. */
static long long
newest_generation(char *status, size_t len)
{
	struct http_resp r;
	long long g = 0;
	json_object *row;

	if (call(&r, "GET", "/api/v1/proxy/config/history", NULL) == 200 &&
	    (row = json_at(r.json, "generations.0")) != NULL) {
		g = (long long)json_object_get_int64(json_at(row, "generation"));
		if (status != NULL)
			snprintf(status, len, "%s", json_str_at(row, "status") ?
			    json_str_at(row, "status") : "");
	}
	http_resp_free(&r);
	return g;
}

static json_object *
stats(void)
{
	struct http_resp r;
	json_object *s = NULL;

	if (call(&r, "GET", "/api/v1/proxy/stats", NULL) == 200 &&
	    (s = json_at(r.json, "stats")) != NULL)
		json_object_get(s);
	http_resp_free(&r);
	return s;
}

static long long
requests_total(void)
{
	json_object *s = stats();
	long long n = s ? (long long)json_object_get_int64(json_at(s,
	    "requests_total")) : -1;

	json_object_put(s);
	return n;
}

static const char *
up_json(const char *name, const char *strategy, const char *servers,
    const char *extra)
{
	static char b[2048];

	snprintf(b, sizeof(b), "{\"name\":\"%s\",\"strategy\":\"%s\","
	    "\"servers\":[%s]%s%s}", name, strategy, servers,
	    extra ? "," : "", extra ? extra : "");
	return b;
}

static const char *
srv(int i, const char *extra)
{
	static char b[8][256];
	static int k;
	char *o = b[k++ % 8];

	snprintf(o, 256, "{\"address\":\"127.0.0.1:%d\"%s%s}", be[i].port,
	    extra ? "," : "", extra ? extra : "");
	return o;
}

/* ---- the tests ---- */

static void
make_viewer(void)
{
	struct http_resp r;
	const char *k;

	put("POST", "/api/v1/users", "{\"username\":\"vera\",\"password\":"
	    "\"vera-password-1\",\"role\":\"viewer\"}");
	if (call(&r, "POST", "/api/v1/users/vera/keys", "{}") == 201 &&
	    (k = json_str_at(r.json, "key.api_key")) != NULL)
		snprintf(viewer_hdr, sizeof(viewer_hdr), "X-API-Key: %s", k);
	http_resp_free(&r);
}

static void
test_access(void)
{
	struct http_resp r;

	api_as(&r, NULL, "NGINX_URL", "GET", "/api/v1/proxy/config", NULL);
	is_int(r.status, 401, "GET /proxy/config without a key is 401");
	http_resp_free(&r);
	api_as(&r, viewer_hdr, "NGINX_URL", "GET", "/api/v1/proxy/config",
	    NULL);
	is_int(r.status, 403, "a viewer's GET /proxy/config is 403");
	http_resp_free(&r);
	api_as(&r, viewer_hdr, "NGINX_URL", "POST", "/api/v1/proxy/upstreams",
	    "{\"name\":\"x\",\"servers\":[{\"address\":\"127.0.0.1:1\"}]}");
	is_int(r.status, 403, "a viewer's write is 403");
	http_resp_free(&r);
}

static void
test_distribution(int a, int b, int c, int d)
{
	int counts[2] = { 0, 0 }, i, p, first = 0, sticky = 1, bad = 0;
	long st;

	is_int(put("POST", "/api/v1/proxy/upstreams", up_json("rr",
	    "round_robin", srv(a, "\"weight\":1"), NULL)), 201,
	    "create upstream rr");
	/* the second server in a write of its own: PUT replaces */
	{
		char s[512];

		snprintf(s, sizeof(s), "%s,%s", srv(a, "\"weight\":1"),
		    srv(b, "\"weight\":2"));
		is_int(put("PUT", "/api/v1/proxy/upstreams/rr", up_json("rr",
		    "round_robin", s, NULL)), 200, "PUT upstream rr with two "
		    "servers, weights 1:2");
	}
	is_int(put("POST", "/api/v1/proxy/routes", "{\"id\":\"rr\",\"path\":"
	    "\"/rr/*\",\"upstream\":\"rr\",\"middleware\":[\"strip_prefix\"]}"),
	    201, "create route /rr/*");
	for (i = 0; i < 1000; i++) {
		p = port_of("NGINX_URL", "/rr/x", NULL, &st);
		if (p == be[a].port)
			counts[0]++;
		else if (p == be[b].port)
			counts[1]++;
		else
			bad++;
	}
	diag("round_robin 1:2 over 1000: %d / %d (%d other)", counts[0],
	    counts[1], bad);
	ok(bad == 0, "every request of 1000 reached a backend");
	ok(counts[0] / 1000.0 > 1.0 / 3 - 0.05 &&
	    counts[0] / 1000.0 < 1.0 / 3 + 0.05 &&
	    counts[1] / 1000.0 > 2.0 / 3 - 0.05 &&
	    counts[1] / 1000.0 < 2.0 / 3 + 0.05,
	    "weights 1:2 split within 5%% (%d:%d)", counts[0], counts[1]);

	{
		char s[512];

		snprintf(s, sizeof(s), "%s,%s", srv(a, NULL), srv(b, NULL));
		is_int(put("POST", "/api/v1/proxy/upstreams", up_json("sticky",
		    "ip_hash", s, NULL)), 201, "create upstream sticky "
		    "(ip_hash)");
	}
	is_int(put("POST", "/api/v1/proxy/routes", "{\"id\":\"sticky\","
	    "\"path\":\"/sticky/*\",\"upstream\":\"sticky\"}"), 201,
	    "create route /sticky/*");
	for (i = 0; i < 50; i++) {
		p = port_of("NGINX_URL", "/sticky/x", NULL, NULL);
		if (i == 0)
			first = p;
		sticky &= p == first && p != 0;
	}
	ok(sticky, "ip_hash: 50 requests from one address reach one server");

	{
		char s[512];

		snprintf(s, sizeof(s), "%s,%s", srv(d, NULL),
		    srv(c, "\"backup\":true"));
		is_int(put("POST", "/api/v1/proxy/upstreams", up_json("bk",
		    "round_robin", s, NULL)), 201, "create upstream bk with a "
		    "backup");
	}
	is_int(put("POST", "/api/v1/proxy/routes", "{\"id\":\"bk\",\"path\":"
	    "\"/bk/*\",\"upstream\":\"bk\"}"), 201, "create route /bk/*");
	counts[0] = counts[1] = 0;
	for (i = 0; i < 20; i++)
		counts[port_of("NGINX_URL", "/bk/x", NULL, NULL) ==
		    be[c].port]++;
	is_int(counts[1], 0, "the backup serves nothing while the primary is "
	    "up (%d of 20 to the primary)", counts[0]);
	backend_stop(d);
	counts[0] = counts[1] = 0;
	for (i = 0; i < 20; i++) {
		p = port_of("NGINX_URL", "/bk/x", NULL, &st);
		counts[p == be[c].port]++;
	}
	is_int(counts[1], 20, "with the primary down the backup serves all 20");
	backend_start(d);
}

/* A GET of path on the host routes' listen (nginx) with that Host. */
static int
port_host(const char *path, const char *host, long *status)
{
	char url[256], hdr[300];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", host_port, path);
	snprintf(hdr, sizeof(hdr), "Host: %s", host);
	return port_url(url, hdr, status);
}

/*
 * Routes with a host, through the real nginx: a server of their own on
 * proxy_listen, chosen by the Host header (any case, a port or not);
 * another Host reaches none of them (the catch-all's JSON 404), and two
 * routes on one path for two hosts reach two backends.
 */
static void
test_hosts(int a, int b)
{
	struct http_resp r;
	char url[128], hdr[64];
	const char *h[2] = { NULL, NULL };
	long st = 0;
	int p;

	put("POST", "/api/v1/proxy/upstreams", up_json("ha", "round_robin",
	    srv(a, NULL), NULL));
	put("POST", "/api/v1/proxy/upstreams", up_json("hb", "round_robin",
	    srv(b, NULL), NULL));
	is_int(put("POST", "/api/v1/proxy/routes", "{\"id\":\"ha\",\"path\":"
	    "\"/hosted/*\",\"host\":\"a.example\",\"upstream\":\"ha\"}"),
	    201, "create route /hosted/* for host a.example");
	p = port_host("/hosted/x", "a.example", &st);
	is_int(p, be[a].port, "host: Host a.example reaches backend A (%ld)",
	    st);
	snprintf(hdr, sizeof(hdr), "A.Example:%d", host_port);
	is_int(port_host("/hosted/x", hdr, &st), be[a].port, "host: so does "
	    "Host %s (any case, with the port)", hdr);
	p = port_host("/hosted/x", "other.example", &st);
	ok(p == 0 && st == 404, "host: Host other.example does not (%d, %ld)",
	    p, st);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hosted/x", host_port);
	h[0] = "Host: other.example";
	http_do(&r, "GET", url, h, NULL, 0);
	is_str(json_str_at(r.json, "error.code"), "NOT_FOUND", "host: the "
	    "catch-all answers the API's JSON 404");
	http_resp_free(&r);
	p = port_host("/hosted/x", "a.example.org", &st);
	ok(p == 0, "host: nor does Host a.example.org (%d, %ld)", p, st);
	p = port_of("NGINX_URL", "/hosted/x", "Host: a.example", &st);
	ok(p != be[a].port, "host: the route is not on the API's own server "
	    "(%d, %ld)", p, st);

	is_int(put("POST", "/api/v1/proxy/routes", "{\"id\":\"hb\",\"path\":"
	    "\"/hosted/*\",\"host\":\"b.example\",\"upstream\":\"hb\"}"),
	    201, "create route /hosted/* for host b.example: the same path");
	is_int(port_host("/hosted/x", "b.example", &st), be[b].port,
	    "host: Host b.example reaches backend B");
	is_int(port_host("/hosted/x", "a.example", &st), be[a].port,
	    "host: Host a.example still reaches backend A");
	p = port_host("/hosted/x", "c.example", &st);
	ok(p == 0 && st == 404, "host: Host c.example reaches neither (%d, "
	    "%ld)", p, st);
	call(&r, "POST", "/api/v1/proxy/routes", "{\"path\":\"/hosted/*\","
	    "\"host\":\"B.EXAMPLE\",\"upstream\":\"ha\"}");
	is_int(r.status, 409, "host: a second route on b.example's path is "
	    "409 (hosts ignore case)");
	http_resp_free(&r);
}

/*
 * Hostile values of a route's host, each a 400 naming "host"; nothing
 * stored, nothing rendered.  on names the web server they run against.
 */
static void
test_host_injection(const char *on)
{
	static const char *const bad[] = {
		"a;b.example", "a{b.example", "a}b.example",
		"a\\\"b.example", "a'b.example", "a\\nb.example",
		"a b.example", "$host", "a$b.example", "a\\\\b.example",
		"a#b.example", "a\\u0000b.example", "a\xff.example",
		"a\xc3\x28.example", "a.example:80", "*.example",
		"a.example;proxy_pass http://evil", "a..b", "a.example.",
		"%{HTTP_HOST}", "a`b.example", "-a.example",
	};
	char body[512], longhost[300], *before, *after;
	struct http_resp r;
	long long v0 = version_now(NULL, 0);
	size_t i, n = sizeof(bad) / sizeof(bad[0]), refused = 0, total = 0;

	before = rendered();
	memset(longhost, 'a', sizeof(longhost) - 1);
	longhost[sizeof(longhost) - 1] = '\0';
	for (i = 0; i <= n + 1; i++) {
		const char *hv = i < n ? bad[i] : longhost;

		if (i == n + 1) {
			/* one label over 63 bytes, the whole under 253 */
			longhost[70] = '\0';
			memcpy(longhost + 66, ".com", 4);
		}
		snprintf(body, sizeof(body), "{\"path\":\"/hh/*\",\"upstream\":"
		    "\"ha\",\"host\":\"%s\"}", hv);
		call(&r, "POST", "/api/v1/proxy/routes", body);
		total++;
		if (r.status == 400 && json_str_at(r.json,
		    "error.details.field") != NULL && strcmp(json_str_at(r.json,
		    "error.details.field"), "host") == 0)
			refused++;
		else
			diag("hostile host %zu (%.60s): %ld %s", i, hv, r.status,
			    r.body ? r.body : "");
		http_resp_free(&r);
	}
	is_int(refused, total, "%s: %zu hostile hosts, each 400 naming host",
	    on, total);
	after = rendered();
	ok(before != NULL && after != NULL && strcmp(before, after) == 0,
	    "%s: the rendered files are unchanged", on);
	is_int(version_now(NULL, 0), v0, "%s: nothing was stored", on);
	free(before);
	free(after);
}

/* Polls until the rendered http file says (or no longer says) that
 * the server is down; the milliseconds it took, or -1. */
static long
wait_down(int port, int want_down, long limit_ms)
{
	char needle[64];
	uint64_t t0 = now_ms();
	char *f, *at;
	int down;

	snprintf(needle, sizeof(needle), "\"127.0.0.1:%d\"", port);
	for (;;) {
		down = 0;
		if ((f = proxy_file("nginx-http.conf")) != NULL) {
			if ((at = strstr(f, needle)) != NULL) {
				char *eol = strchr(at, ';');

				down = eol != NULL && eol - at > 5 &&
				    strncmp(eol - 5, " down", 5) == 0;
			}
			free(f);
		}
		if (down == want_down)
			return (long)(now_ms() - t0);
		if ((long)(now_ms() - t0) > limit_ms)
			return -1;
		harness_msleep(50);
	}
}

static int
health_events(void)
{
	char db[512], out[1 << 16];
	char *argv[] = { "mdb_dump", "-p", "-s", "events", db, NULL };
	int n = 0;
	char *p = out;

	snprintf(db, sizeof(db), "%s/db", harness_env("DATA_DIR"));
	if (run(argv, out, sizeof(out)) != 0)
		return -1;
	while ((p = strstr(p, "proxy_health")) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* The "consecutive" of the newest proxy_health event that says the server
 * at port is status (the checks it took to flip), or -1. */
static int
flip_consecutive(int port, const char *status)
{
	struct http_resp r;
	json_object *evs, *d;
	char addr[32];
	int i, n = -1;

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	if (call(&r, "GET", "/api/v1/events?type=proxy_health&limit=1000",
	    NULL) == 200 && (evs = json_at(r.json, "events")) != NULL)
		for (i = (int)json_object_array_length(evs) - 1; i >= 0; i--) {
			d = json_at(json_object_array_get_idx(evs, (size_t)i),
			    "data");
			if (json_str_at(d, "server") != NULL &&
			    strcmp(json_str_at(d, "server"), addr) == 0 &&
			    json_str_at(d, "status") != NULL &&
			    strcmp(json_str_at(d, "status"), status) == 0) {
				n = json_object_get_int(json_at(d,
				    "consecutive"));
				break;
			}
		}
	http_resp_free(&r);
	return n;
}

static void
test_failover(int h1, int h2)
{
	char s[512];
	long ms, st;
	int i, fails = 0, events0 = health_events(), seen2 = 0;

	snprintf(s, sizeof(s), "%s,%s", srv(h1, NULL), srv(h2, NULL));
	is_int(put("POST", "/api/v1/proxy/upstreams", up_json("hc",
	    "round_robin", s, "\"health_check\":{\"path\":\"/health\","
	    "\"interval\":\"1s\",\"timeout\":\"1s\",\"unhealthy_threshold\":2,"
	    "\"healthy_threshold\":2}")), 201, "create upstream hc with "
	    "health checks every 1s");
	is_int(put("POST", "/api/v1/proxy/routes", "{\"id\":\"hc\",\"path\":"
	    "\"/hc/*\",\"upstream\":\"hc\"}"), 201, "create route /hc/*");
	harness_msleep(1500);
	backend_stop(h2);
	ms = wait_down(be[h2].port, 1, 10000);
	/* The time it took is a figure, not a check (a shared machine):
	 * what is checked is that the checker flipped it at its threshold,
	 * so at interval x unhealthy_threshold after the backend went. */
	diag("the killed backend was rendered down after %ld ms", ms);
	ok(ms >= 0, "the killed backend is rendered down");
	is_int(flip_consecutive(be[h2].port, "unhealthy"), 2, "after "
	    "unhealthy_threshold (2) failed checks in a row (proxy_health)");
	harness_msleep(300);	/* nginx's new workers take over */
	for (i = 0; i < 50; i++) {
		port_of("NGINX_URL", "/hc/x", NULL, &st);
		fails += st != 200;
	}
	is_int(fails, 0, "no request of 50 fails once it is down");
	backend_start(h2);
	ms = wait_down(be[h2].port, 0, 10000);
	diag("the restarted backend was rendered up after %ld ms", ms);
	ok(ms >= 0, "it is restored once it passes again (%ld ms)", ms);
	is_int(flip_consecutive(be[h2].port, "healthy"), 2, "after "
	    "healthy_threshold (2) passed checks in a row");
	harness_msleep(300);
	for (i = 0; i < 20; i++)
		seen2 |= port_of("NGINX_URL", "/hc/x", NULL, NULL) == be[h2].port;
	ok(seen2, "the restored backend serves again");
	ok(health_events() >= events0 + 2, "proxy_health events for the down "
	    "and the up flip (%d before, %d after)", events0, health_events());
}

static void
test_middleware(int a, int slow)
{
	struct http_resp r;
	const char *h[3] = { NULL, NULL, NULL };
	char s[256];
	long st;
	int i, n429 = 0, n200 = 0, fails;
	uint64_t t0;

	snprintf(s, sizeof(s), "%s", srv(a, NULL));
	put("POST", "/api/v1/proxy/upstreams", up_json("mw", "round_robin", s,
	    NULL));
	is_int(put("POST", "/api/v1/proxy/routes", "{\"id\":\"auth\","
	    "\"path\":\"/auth/*\",\"upstream\":\"mw\",\"middleware\":"
	    "[\"auth\"]}"), 201, "create route /auth/* with auth");
	http_do(&r, "GET", harness_url("NGINX_URL", "/auth/x"), NULL, NULL, 0);
	is_int(r.status, 401, "auth: no key is 401 from the app");
	http_resp_free(&r);
	h[0] = harness_admin_header();
	h[1] = "X-CC-User: forged";
	http_do(&r, "GET", harness_url("NGINX_URL", "/auth/x"), h, NULL, 0);
	is_int(r.status, 200, "auth: a key passes");
	is_str(json_str_at(r.json, "headers.X-CC-User"), "admin", "auth: the "
	    "backend sees the caller's user, not the client's forgery");
	is_str(json_str_at(r.json, "headers.X-CC-Role"), "admin", "auth: and "
	    "the role");
	ok(json_at(r.json, "headers.X-API-Key") == NULL, "auth: the API key "
	    "does not reach the backend");
	http_resp_free(&r);
	is_int(put("POST", "/api/v1/proxy/routes", "{\"id\":\"ops\",\"path\":"
	    "\"/ops/*\",\"upstream\":\"mw\",\"middleware\":[{\"type\":\"auth\","
	    "\"role\":\"operator\"}]}"), 201, "create route /ops/* for "
	    "operators");
	port_of("NGINX_URL", "/ops/x", viewer_hdr, &st);
	is_int(st, 403, "auth: a viewer on an operator route is 403");

	is_int(put("POST", "/api/v1/proxy/routes", "{\"id\":\"rl\",\"path\":"
	    "\"/rl/*\",\"upstream\":\"mw\",\"middleware\":[{\"type\":"
	    "\"rate_limit\",\"rate\":\"1r/s\",\"burst\":2}]}"), 201,
	    "create route /rl/* at 1r/s, burst 2");
	for (i = 0; i < 10; i++) {
		port_of("NGINX_URL", "/rl/x", NULL, &st);
		n429 += st == 429;
		n200 += st == 200;
	}
	ok(n200 >= 3 && n200 <= 4 && n429 >= 6, "rate_limit: the burst "
	    "passes, the rest is 429 (%d x 200, %d x 429)", n200, n429);

	is_int(put("POST", "/api/v1/proxy/routes", "{\"id\":\"hdr\",\"path\":"
	    "\"/hdr/*\",\"upstream\":\"mw\",\"headers\":{\"X-Team\":"
	    "\"blue team\",\"X-Client\":\"$remote_addr\",\"X-Scheme\":"
	    "\"$scheme\"}}"), 201, "create route /hdr/* with headers");
	http_do(&r, "GET", harness_url("NGINX_URL", "/hdr/x"), NULL, NULL, 0);
	is_str(json_str_at(r.json, "headers.X-Team"), "blue team",
	    "headers: a literal");
	is_str(json_str_at(r.json, "headers.X-Client"), "127.0.0.1",
	    "headers: $remote_addr");
	is_str(json_str_at(r.json, "headers.X-Scheme"), "http",
	    "headers: $scheme");
	http_resp_free(&r);

	snprintf(s, sizeof(s), "%s", srv(slow, NULL));
	put("POST", "/api/v1/proxy/upstreams", up_json("slow", "round_robin",
	    s, NULL));
	is_int(put("POST", "/api/v1/proxy/routes", "{\"id\":\"to\",\"path\":"
	    "\"/to/*\",\"upstream\":\"slow\",\"timeout\":\"1s\","
	    "\"retries\":0,\"middleware\":[\"strip_prefix\"]}"), 201,
	    "create route /to/* with a 1s timeout");
	t0 = now_ms();
	port_of("NGINX_URL", "/to/sleep/3000", NULL, &st);
	/* the status says the timeout fired (the backend would answer 200
	 * after 3 s); how long it took is only said, never asserted */
	is_int(st, 504, "timeout: a backend slower than 1s is 504");
	diag("timeout: answered after %llu ms",
	    (unsigned long long)(now_ms() - t0));
	port_of("NGINX_URL", "/to/sleep/100", NULL, &st);
	is_int(st, 200, "timeout: a faster one is 200");

	/* retries: one dead server and one live, in each of two upstreams */
	snprintf(s, sizeof(s), "{\"address\":\"127.0.0.1:%d\"},%s",
	    harness_free_port(), srv(a, NULL));
	put("POST", "/api/v1/proxy/upstreams", up_json("rt1", "round_robin",
	    s, NULL));
	put("POST", "/api/v1/proxy/upstreams", up_json("rt0", "round_robin",
	    s, NULL));
	put("POST", "/api/v1/proxy/routes", "{\"id\":\"rt1\",\"path\":"
	    "\"/rt1/*\",\"upstream\":\"rt1\",\"retries\":1}");
	put("POST", "/api/v1/proxy/routes", "{\"id\":\"rt0\",\"path\":"
	    "\"/rt0/*\",\"upstream\":\"rt0\",\"retries\":0}");
	for (i = fails = 0; i < 10; i++) {
		port_of("NGINX_URL", "/rt1/x", NULL, &st);
		fails += st != 200;
	}
	is_int(fails, 0, "retries 1: the dead server's requests go to the "
	    "other (10 of 10 are 200)");
	for (i = fails = 0; i < 10; i++) {
		port_of("NGINX_URL", "/rt0/x", NULL, &st);
		fails += st == 502;
	}
	ok(fails >= 1, "retries 0: a request to the dead server is 502 (%d)",
	    fails);

	is_int(put("POST", "/api/v1/proxy/routes", "{\"id\":\"cors\",\"path\":"
	    "\"/cors/*\",\"upstream\":\"mw\",\"middleware\":[{\"type\":"
	    "\"cors\",\"origins\":\"https://app.example\"}]}"), 201,
	    "create route /cors/*");
	h[0] = "Origin: https://app.example";
	h[1] = "Access-Control-Request-Method: PUT";
	h[2] = NULL;
	http_do(&r, "OPTIONS", harness_url("NGINX_URL", "/cors/x"), h, NULL, 0);
	is_int(r.status, 204, "cors: the preflight is answered 204");
	is_str(http_header(&r, "Access-Control-Allow-Origin"),
	    "https://app.example", "cors: with the origin");
	http_resp_free(&r);
}

/* A WebSocket round trip through nginx: handshake, a masked text frame
 * out, the echo back. */
static void
test_websocket(int ws)
{
	static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";
	char req[512], buf[2048], frame[64];
	const char *msg = "hello through the proxy";
	struct sockaddr_in sa;
	int fd, port, n, got = 0, i;
	size_t mlen = strlen(msg);
	struct timeval tv = { 5, 0 };
	char s[256];

	snprintf(s, sizeof(s), "%s", srv(ws, NULL));
	put("POST", "/api/v1/proxy/upstreams", up_json("ws", "round_robin", s,
	    NULL));
	is_int(put("POST", "/api/v1/proxy/routes", "{\"id\":\"ws\",\"path\":"
	    "\"/ws/*\",\"upstream\":\"ws\",\"websocket\":true}"), 201,
	    "create route /ws/* with websocket");
	port = atoi(strrchr(harness_env("NGINX_URL"), ':') + 1);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ok(0, "websocket: connect to nginx");
		close(fd);
		return;
	}
	n = snprintf(req, sizeof(req), "GET /ws/echo HTTP/1.1\r\nHost: "
	    "127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", key);
	(void)!write(fd, req, (size_t)n);
	while (got < (int)sizeof(buf) - 1 && (n = (int)read(fd, buf + got,
	    sizeof(buf) - 1 - (size_t)got)) > 0) {
		got += n;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL)
			break;
	}
	buf[got] = '\0';
	ok(strncmp(buf, "HTTP/1.1 101", 12) == 0, "websocket: 101 through "
	    "the route");
	ok(strstr(buf, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != NULL, "websocket: "
	    "the backend's Sec-WebSocket-Accept");
	frame[0] = (char)0x81;
	frame[1] = (char)(0x80 | mlen);
	memcpy(frame + 2, "\x11\x22\x33\x44", 4);
	for (i = 0; i < (int)mlen; i++)
		frame[6 + i] = (char)(msg[i] ^ frame[2 + i % 4]);
	(void)!write(fd, frame, 6 + mlen);
	got = 0;
	while (got < (int)(2 + mlen) && (n = (int)read(fd, buf + got,
	    sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	ok(got >= (int)(2 + mlen) && (unsigned char)buf[0] == 0x81 &&
	    (size_t)buf[1] == mlen && memcmp(buf + 2, msg, mlen) == 0,
	    "websocket: the echo comes back (%d bytes)", got);
	close(fd);
}

static void
test_streams(int a)
{
	char body[512], buf[4096];
	struct sockaddr_in sa;
	struct timeval tv = { 5, 0 };
	int sp = harness_free_port(), fd, got = 0, n, hold, first = sp;
	struct http_resp r;

	snprintf(body, sizeof(body), "{\"name\":\"tcp1\",\"listen\":"
	    "\"127.0.0.1:%d\",\"address\":\"127.0.0.1:%d\"}", sp, be[a].port);
	is_int(put("POST", "/api/v1/proxy/streams", body), 201, "create a TCP "
	    "stream on port %d", sp);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)sp);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		const char *q = "GET /through-the-stream HTTP/1.0\r\n\r\n";

		(void)!write(fd, q, strlen(q));
		while (got < (int)sizeof(buf) - 1 && (n = (int)read(fd,
		    buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
			got += n;
	}
	buf[got] = '\0';
	close(fd);
	snprintf(body, sizeof(body), "\"port\": %d", be[a].port);
	ok(strstr(buf, body) != NULL && strstr(buf, "/through-the-stream") !=
	    NULL, "the stream carries bytes both ways (%d bytes back)", got);

	hold = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons((uint16_t)(sp = harness_free_port()));
	n = bind(hold, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    listen(hold, 1) == 0;
	snprintf(body, sizeof(body), "{\"name\":\"taken\",\"listen\":"
	    "\"127.0.0.1:%d\",\"address\":\"127.0.0.1:%d\"}", sp, be[a].port);
	call(&r, "POST", "/api/v1/proxy/streams", body);
	is_int(r.status, 409, "a listen port another process holds is 409");
	is_str(json_str_at(r.json, "error.details.field"), "listen",
	    "naming listen");
	http_resp_free(&r);
	close(hold);
	snprintf(body, sizeof(body), "{\"name\":\"priv\",\"listen\":"
	    "\"127.0.0.1:80\",\"address\":\"127.0.0.1:%d\"}", be[a].port);
	call(&r, "POST", "/api/v1/proxy/streams", body);
	is_int(r.status, 400, "a privileged port without "
	    "proxy_allow_privileged is 400");
	http_resp_free(&r);
	is_int(put("DELETE", "/api/v1/proxy/streams/tcp1", NULL), 200,
	    "delete the stream");
	for (n = 0; n < 30 && port_open(first); n++)
		harness_msleep(100);
	ok(!port_open(first), "its port is closed once the delete is live");
}

static int
cmpd(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static void
test_stats(int sb)
{
	double lat[60], want[60];
	char s[256], path[64];
	long long before, after = -1;
	long st;
	int i, fails = 0, k;
	uint64_t t0;
	json_object *doc, *up;
	double p50, p99, c50, c99, d50, d99;

	snprintf(s, sizeof(s), "%s", srv(sb, NULL));
	put("POST", "/api/v1/proxy/upstreams", up_json("st", "round_robin", s,
	    NULL));
	is_int(put("POST", "/api/v1/proxy/routes", "{\"id\":\"st\",\"path\":"
	    "\"/st/*\",\"upstream\":\"st\",\"middleware\":"
	    "[\"strip_prefix\"]}"), 201, "create route /st/*");
	/* settled: the count no longer moves */
	for (k = 0, before = -2; k < 20; k++) {
		long long n = requests_total();

		if (n == before)
			break;
		before = n;
		harness_msleep(1200);
	}
	for (i = 0; i < 60; i++) {
		snprintf(path, sizeof(path), "/st/sleep/%d", 10 + (i * 37) % 190);
		t0 = now_ms();
		{
			struct timespec a0, a1;

			clock_gettime(CLOCK_MONOTONIC, &a0);
			port_of("NGINX_URL", path, NULL, &st);
			clock_gettime(CLOCK_MONOTONIC, &a1);
			lat[i] = (double)(a1.tv_sec - a0.tv_sec) * 1000.0 +
			    (double)(a1.tv_nsec - a0.tv_nsec) / 1e6;
		}
		(void)t0;
		fails += st != 200;
	}
	is_int(fails, 0, "60 timed requests through /st/");
	for (k = 0; k < 30; k++) {
		after = requests_total();
		if (after >= before + 60)
			break;
		harness_msleep(250);
	}
	is_int(after - before, 60, "requests_total counts exactly the 60");
	qsort(lat, 60, sizeof(lat[0]), cmpd);
	c50 = lat[(int)(0.50 * 59)];
	c99 = lat[(int)(0.99 * 59)];
	doc = stats();
	up = json_at(doc, "upstreams.st");
	p50 = json_object_get_double(json_at(up, "response_times.p50"));
	p99 = json_object_get_double(json_at(up, "response_times.p99"));
	diag("client p50 %.1f ms p99 %.1f ms; stats p50 %.1f p99 %.1f", c50,
	    c99, p50, p99);
	/*
	 * Bounds, not a timed equality (a loaded machine stretches what the
	 * client sees): a percentile the proxy reports is at least the
	 * backend's own sleep at that rank (less the sketch's 1% error) and
	 * at most what the client measured, plus 10%.
	 */
	for (i = 0; i < 60; i++)
		want[i] = 10 + (i * 37) % 190;
	qsort(want, 60, sizeof(want[0]), cmpd);
	d50 = want[(int)(0.50 * 59)];
	d99 = want[(int)(0.99 * 59)];
	ok(p50 >= d50 * 0.99 && p50 <= c50 * 1.1, "stats p50 between the "
	    "backend's sleep and the client's (%.1f in %.1f..%.1f ms)", p50,
	    d50, c50 * 1.1);
	ok(p99 >= d99 * 0.99 && p99 <= c99 * 1.1, "stats p99 between the "
	    "backend's sleep and the client's (%.1f in %.1f..%.1f ms)", p99,
	    d99, c99 * 1.1);
	is_int(json_object_get_int(json_at(up, "total_requests")), 60,
	    "the upstream's total_requests");
	is_int(json_object_get_int(json_at(up, "servers.0.requests")), 60,
	    "its server's requests");
	ok(json_at(doc, "response_times.p95") != NULL &&
	    json_at(doc, "requests_per_second") != NULL &&
	    json_at(doc, "error_rate") != NULL, "the seed's members are there");
	json_object_put(doc);
}

/* A POST to /api/v1/proxy/<what> refused with status (and, when field
 * is not NULL, details.field naming the model's field). */
static void
refused(const char *what, const char *body, long status, const char *field,
    const char *why)
{
	struct http_resp r;
	char path[64];
	const char *f;

	snprintf(path, sizeof(path), "/api/v1/proxy/%s", what);
	call(&r, "POST", path, body);
	f = json_str_at(r.json, "error.details.field");
	/* the model's check names the element too: "routes[3].path" */
	if (f != NULL && field != NULL && strlen(f) > strlen(field) &&
	    f[strlen(f) - strlen(field) - 1] == '.')
		f += strlen(f) - strlen(field);
	ok(r.status == status && (field == NULL || (f != NULL &&
	    strcmp(f, field) == 0)), "%s is %ld naming %s (%ld, %s)", why,
	    status, field ? field : "-", r.status, f ? f : "-");
	http_resp_free(&r);
}

static void
test_conflicts(int a)
{
	struct http_resp r;
	char etag[64], stale[64], hdr[96], body[512];
	const char *h[4] = { NULL, NULL, NULL, NULL };
	long long v;

	v = version_now(etag, sizeof(etag));
	ok(v > 0 && etag[0] == '"', "GET /proxy/config has version %lld and "
	    "ETag %s", v, etag);
	snprintf(stale, sizeof(stale), "\"proxy-%lld\"", v - 1);
	snprintf(hdr, sizeof(hdr), "If-Match: %s", stale);
	h[0] = harness_admin_header();
	h[1] = hdr;
	h[2] = "Content-Type: application/json";
	snprintf(body, sizeof(body), "{\"id\":\"etag\",\"path\":\"/etag/*\","
	    "\"upstream\":\"rr\"}");
	http_do(&r, "POST", harness_url("NGINX_URL", "/api/v1/proxy/routes"),
	    h, body, strlen(body));
	is_int(r.status, 412, "a stale If-Match is 412");
	http_resp_free(&r);
	snprintf(hdr, sizeof(hdr), "/api/v1/proxy/routes?version=%lld", v - 1);
	call(&r, "POST", hdr, body);
	is_int(r.status, 409, "a stale ?version is 409");
	http_resp_free(&r);
	snprintf(hdr, sizeof(hdr), "If-Match: %s", etag);
	h[1] = hdr;
	http_do(&r, "POST", harness_url("NGINX_URL", "/api/v1/proxy/routes"),
	    h, body, strlen(body));
	is_int(r.status, 201, "the current If-Match passes");
	ok(http_header(&r, "ETag") != NULL && strcmp(http_header(&r, "ETag"),
	    etag) != 0, "and the answer has the new ETag");
	http_resp_free(&r);
	is_int(version_now(NULL, 0), v + 1, "the version went up by one");

	refused("upstreams", up_json("rr", "round_robin", srv(a, NULL), NULL),
	    409, NULL, "a duplicate upstream name");
	refused("routes", "{\"path\":\"/nope/*\",\"upstream\":\"missing\"}",
	    400, "upstream", "a route to an unknown upstream");
	refused("routes", "{\"path\":\"/api/*\",\"upstream\":\"rr\"}", 409,
	    "path", "a route over /api/");
	refused("routes", "{\"path\":\"/health\",\"upstream\":\"rr\"}", 409,
	    "path", "a route over /health");
	refused("routes", "{\"path\":\"/_cc_proxy/x\",\"upstream\":\"rr\"}",
	    409, "path", "a route over the internal /_cc_proxy/");
	refused("routes", "{\"path\":\"/rr/*\",\"upstream\":\"rr\"}", 409,
	    "path", "a second route on /rr/*");
	refused("upstreams", "{\"name\":\"heavy\",\"servers\":[{\"address\":"
	    "\"127.0.0.1:1\",\"weight\":1001}]}", 400, "servers[0].weight",
	    "a weight out of range");
	refused("routes", "{\"path\":\"/soon/*\",\"upstream\":\"rr\","
	    "\"timeout\":\"soon\"}", 400, "timeout", "a bad duration");
	call(&r, "DELETE", "/api/v1/proxy/upstreams/rr", NULL);
	is_int(r.status, 409, "deleting an upstream a route uses is 409");
	ok(json_at(r.json, "error.details.used_by") != NULL &&
	    strstr(r.body, "\"rr\"") != NULL, "naming the routes");
	http_resp_free(&r);
	call(&r, "GET", "/api/v1/proxy/upstreams/ghost", NULL);
	is_int(r.status, 404, "an unknown upstream is 404");
	http_resp_free(&r);
}

static void
test_rejected(int a)
{
	struct http_resp r;
	json_object *cfg, *streams, *st;
	struct sockaddr_in sa;
	char *before, *after, *body;
	long long v0;
	int hold, port = harness_free_port(), live;
	long s;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	hold = socket(AF_INET, SOCK_STREAM, 0);
	ok(bind(hold, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    listen(hold, 1) == 0, "hold port %d", port);
	before = rendered();
	call(&r, "GET", "/api/v1/proxy/config", NULL);
	cfg = json_object_get(json_at(r.json, "config"));
	http_resp_free(&r);
	v0 = (long long)json_object_get_int64(json_at(cfg, "version"));
	streams = json_at(cfg, "streams");
	st = json_object_new_object();
	json_object_object_add(st, "name", json_object_new_string("held"));
	{
		char l[64], ad[64];

		snprintf(l, sizeof(l), "127.0.0.1:%d", port);
		snprintf(ad, sizeof(ad), "127.0.0.1:%d", be[a].port);
		json_object_object_add(st, "listen", json_object_new_string(l));
		json_object_object_add(st, "address",
		    json_object_new_string(ad));
	}
	json_object_array_add(streams, st);
	body = strdup(json_object_to_json_string_ext(cfg,
	    JSON_C_TO_STRING_PLAIN));
	call(&r, "PUT", "/api/v1/proxy/config", body);
	is_int(r.status, 422, "a generation nginx cannot load (a stream on a "
	    "held port) is 422");
	is_str(json_str_at(r.json, "error.code"), "PROXY_CONFIG_REJECTED",
	    "PROXY_CONFIG_REJECTED");
	ok(r.body != NULL && strstr(r.body, "bind()") != NULL &&
	    strstr(r.body, "Address already in use") != NULL, "with nginx's "
	    "own words");
	http_resp_free(&r);
	after = rendered();
	ok(before != NULL && after != NULL && strcmp(before, after) == 0,
	    "the previous generation is linked back, unchanged");
	call(&r, "GET", "/api/v1/proxy/streams", NULL);
	ok(r.body != NULL && strstr(r.body, "\"held\"") == NULL, "and the "
	    "model is back to it");
	http_resp_free(&r);
	ok(version_now(NULL, 0) > v0, "as a new version");
	port_of("NGINX_URL", "/rr/x", NULL, &s);
	is_int(s, 200, "the running routes still work");
	live = port_open(port);
	ok(live, "the held port is still the test's");
	close(hold);
	free(body);
	free(before);
	free(after);
	json_object_put(cfg);
}

/* Polls GET /proxy/applies/{id} until it says applied (1) or limit_ms
 * passes (0). */
static int
wait_applied(const char *id, long limit_ms)
{
	struct http_resp r;
	char path[128];
	uint64_t t0 = now_ms();
	int done = 0;

	snprintf(path, sizeof(path), "/api/v1/proxy/applies/%s", id);
	while (!done && (long)(now_ms() - t0) <= limit_ms) {
		call(&r, "GET", path, NULL);
		done = json_str_at(r.json, "apply.status") != NULL &&
		    strcmp(json_str_at(r.json, "apply.status"), "applied") == 0;
		http_resp_free(&r);
		if (!done)
			harness_msleep(50);
	}
	return done;
}

static void
test_dry_run_async(void)
{
	struct http_resp r;
	char *before, *after, path[128], link[256];
	const char *id, *file, *diff;
	long long v0 = version_now(NULL, 0), g0, g1;
	int i, done;

	before = rendered();
	snprintf(link, sizeof(link), "%s", current_link());
	call(&r, "POST", "/api/v1/proxy/routes?dry_run=true", "{\"id\":"
	    "\"dry\",\"path\":\"/dry/*\",\"upstream\":\"rr\"}");
	is_int(r.status, 200, "a dry run is 200");
	/* the file names hold a '.': no dotted path */
	file = json_object_get_string(json_object_object_get(json_at(r.json,
	    "files"), "nginx-server.conf"));
	diff = json_object_get_string(json_object_object_get(json_at(r.json,
	    "diff"), "nginx-server.conf"));
	ok(file != NULL && strstr(file, "location ^~ \"/dry/\"") != NULL,
	    "with the rendered files");
	ok(diff != NULL && strstr(diff, "+    location ^~ \"/dry/\" {") !=
	    NULL, "and the diff");
	http_resp_free(&r);
	after = rendered();
	ok(strcmp(before, after) == 0 && strcmp(link, current_link()) == 0 &&
	    version_now(NULL, 0) == v0, "a dry run changes nothing");
	call(&r, "GET", "/api/v1/proxy/routes/dry", NULL);
	is_int(r.status, 404, "the dry run's route is not stored");
	http_resp_free(&r);
	free(before);
	free(after);

	call(&r, "POST", "/api/v1/proxy/routes?async=true", "{\"id\":"
	    "\"async1\",\"path\":\"/async1/*\",\"upstream\":\"rr\"}");
	is_int(r.status, 202, "async: 202");
	id = json_str_at(r.json, "apply_id");
	ok(id != NULL, "with an apply_id");
	snprintf(path, sizeof(path), "%s", id ? id : "x");
	http_resp_free(&r);
	ok(wait_applied(path, 5000), "GET /proxy/applies/{id} reports it "
	    "applied");

	/* a burst of 100 writes: coalesced into few reloads */
	g0 = newest_generation(NULL, 0);
	{
		char body[256], last[64] = "";

		for (i = 0; i < 100; i++) {
			snprintf(body, sizeof(body), "{\"id\":\"burst%d\","
			    "\"path\":\"/burst%d/*\",\"upstream\":\"rr\"}", i, i);
			call(&r, "POST", "/api/v1/proxy/routes?async=true",
			    body);
			if (r.status != 202)
				diag("burst %d: %ld", i, r.status);
			if (json_str_at(r.json, "apply_id") != NULL)
				snprintf(last, sizeof(last), "%s",
				    json_str_at(r.json, "apply_id"));
			http_resp_free(&r);
		}
		done = wait_applied(last, 10000);
	}
	g1 = newest_generation(NULL, 0);
	ok(done, "the burst's last write is applied");
	diag("a burst of 100 async writes made %lld reloads", g1 - g0);
	ok(g1 - g0 >= 1 && g1 - g0 < 50, "100 writes coalesced into %lld "
	    "reloads", g1 - g0);
	port_of("NGINX_URL", "/burst99/x", NULL, NULL);
}

static void
test_history_rollback(void)
{
	struct http_resp r;
	json_object *rows;
	long long target = 0, nroutes_then = -1;
	char path[128];
	size_t i;

	call(&r, "GET", "/api/v1/proxy/config/history", NULL);
	rows = json_at(r.json, "generations");
	ok(rows != NULL && json_object_array_length(rows) >= 3, "the history "
	    "lists generations (%zu)", rows ? json_object_array_length(rows) :
	    0);
	{
		json_object *first = NULL, *g;
		int nlive = 0;

		for (i = 0; rows != NULL && i < json_object_array_length(rows);
		    i++) {
			g = json_object_array_get_idx(rows, i);
			nlive += json_object_get_boolean(json_at(g, "live"));
			if (first == NULL && json_str_at(g, "status") != NULL &&
			    strcmp(json_str_at(g, "status"), "applied") == 0)
				first = g;
		}
		ok(nlive == 1 && first != NULL && json_object_get_boolean(
		    json_at(first, "live")), "one generation is live, the "
		    "newest applied (%d live)", nlive);
	}
	/* a write generation older than the burst */
	for (i = 0; rows != NULL && i < json_object_array_length(rows); i++) {
		json_object *g = json_object_array_get_idx(rows, i);

		if (json_str_at(g, "status") != NULL &&
		    strcmp(json_str_at(g, "status"), "applied") == 0 &&
		    i >= 8) {
			target = (long long)json_object_get_int64(json_at(g,
			    "generation"));
			break;
		}
	}
	http_resp_free(&r);
	ok(target > 0, "an older live generation to roll back to (%lld)",
	    target);
	snprintf(path, sizeof(path), "/api/v1/proxy/config/rollback/%lld",
	    target);
	call(&r, "POST", path, NULL);
	is_int(r.status, 200, "POST /proxy/config/rollback/%lld", target);
	http_resp_free(&r);
	call(&r, "GET", "/api/v1/proxy/routes", NULL);
	nroutes_then = json_object_get_int(json_at(r.json, "total"));
	http_resp_free(&r);
	ok(nroutes_then < 100, "the burst's routes are gone (%lld routes)",
	    nroutes_then);
	call(&r, "POST", "/api/v1/proxy/config/rollback/999999", NULL);
	is_int(r.status, 404, "a generation not in the history is 404");
	http_resp_free(&r);
}

static void
test_killed(void)
{
	char link[256], *before, *after;
	int pid = proxy_pid(), npid = 0, i;
	long long g0 = newest_generation(NULL, 0);
	long st;

	ok(pid > 0, "the proxy process runs (pid %d)", pid);
	snprintf(link, sizeof(link), "%s", current_link());
	before = rendered();
	kill(pid, SIGKILL);
	for (i = 0; i < 150 && (npid == 0 || npid == pid); i++) {
		harness_msleep(100);
		npid = proxy_pid();
	}
	ok(npid > 0 && npid != pid, "the pool restarts it (pid %d)", npid);
	harness_msleep(1500);
	after = rendered();
	ok(strcmp(before, after) == 0 && strcmp(link, current_link()) == 0,
	    "it re-renders the same config: %s stays live", link);
	is_int(newest_generation(NULL, 0), g0, "no reload was needed");
	port_of("NGINX_URL", "/rr/x", NULL, &st);
	is_int(st, 200, "the routes still work");
	free(before);
	free(after);
}

/* The "at" (UTC, to the second) of generation g in the history; -1. */
static long long
generation_at(long long g)
{
	struct http_resp r;
	json_object *rows, *row;
	struct tm tm;
	const char *at;
	long long t = -1;
	size_t i;

	call(&r, "GET", "/api/v1/proxy/config/history", NULL);
	rows = json_at(r.json, "generations");
	for (i = 0; rows != NULL && i < json_object_array_length(rows); i++) {
		row = json_object_array_get_idx(rows, i);
		if (json_object_get_int64(json_at(row, "generation")) != g ||
		    (at = json_str_at(row, "at")) == NULL)
			continue;
		memset(&tm, 0, sizeof(tm));
		if (strptime(at, "%Y-%m-%dT%H:%M:%SZ", &tm) != NULL)
			t = (long long)timegm(&tm);
	}
	http_resp_free(&r);
	return t;
}

/*
 * proxy_reload_min_interval (1 s here) parts any two reloads: two writes
 * sent back to back are live in generations at least a second apart, and
 * so is a write right after the proxy process was killed and restarted
 * (each render sets the "current" link's mtime).  A lower bound the
 * throttle guarantees, whatever the machine's load.
 */
static void
test_throttle(void)
{
	struct http_resp r;
	long long g[3] = { 0, 0, 0 };
	int pid, npid = 0, i;
	char body[128];

	for (i = 0; i < 3; i++) {
		if (i == 2) {
			pid = proxy_pid();
			kill(pid, SIGKILL);
			for (int k = 0; k < 500 && (npid == 0 || npid == pid);
			    k++) {
				harness_msleep(20);
				npid = proxy_pid();
			}
		}
		snprintf(body, sizeof(body), "{\"id\":\"thr%d\",\"path\":"
		    "\"/thr%d/*\",\"upstream\":\"rr\"}", i, i);
		call(&r, "POST", "/api/v1/proxy/routes", body);
		is_int(r.status, 201, "write %d right after the last one is "
		    "live (201)", i);
		g[i] = (long long)json_object_get_int64(json_at(r.json,
		    "generation"));
		http_resp_free(&r);
	}
	ok(g[1] > g[0] && generation_at(g[1]) - generation_at(g[0]) >= 1,
	    "its reload came at least proxy_reload_min_interval after the "
	    "last (generations %lld, %lld)", g[0], g[1]);
	ok(g[2] > g[1] && generation_at(g[2]) - generation_at(g[1]) >= 1,
	    "and so after a restart of the proxy process (generation %lld)",
	    g[2]);
	for (i = 0; i < 3; i++) {
		snprintf(body, sizeof(body), "/api/v1/proxy/routes/thr%d", i);
		call(&r, "DELETE", body, NULL);
		http_resp_free(&r);
	}
}

/* 47 hostile values over every kind of field: each a 400 naming it. */
static void
test_injection(int a)
{
	static const struct { const char *path, *body, *field; } bad[] = {
#define U(nm, addr) "{\"name\":\"" nm "\",\"servers\":[{\"address\":\"" \
	    addr "\"}]}"
		{ "upstreams", U("a;b", "127.0.0.1:1"), "name" },
		{ "upstreams", U("a{b", "127.0.0.1:1"), "name" },
		{ "upstreams", U("a}b", "127.0.0.1:1"), "name" },
		{ "upstreams", U("a\\\"b", "127.0.0.1:1"), "name" },
		{ "upstreams", U("a\\nb", "127.0.0.1:1"), "name" },
		{ "upstreams", U("a#b", "127.0.0.1:1"), "name" },
		{ "upstreams", U("$a", "127.0.0.1:1"), "name" },
		{ "upstreams", U("a\\\\b", "127.0.0.1:1"), "name" },
		{ "upstreams", U("a\\u0000b", "127.0.0.1:1"), "name" },
		{ "upstreams", U("a b", "127.0.0.1:1"), "name" },
		{ "upstreams", U("ok", "127.0.0.1:1;"), "servers[0].address" },
		{ "upstreams", U("ok", "127.0.0.1:1 backup"),
		    "servers[0].address" },
		{ "upstreams", U("ok", "a}:1"), "servers[0].address" },
		{ "upstreams", U("ok", "$host:1"), "servers[0].address" },
		{ "upstreams", U("ok", "127.0.0.1:1\\n"), "servers[0].address" },
		{ "upstreams", U("ok", "127.0.0.1:99999"),
		    "servers[0].address" },
		{ "upstreams", U("ok", "unix:/etc/passwd"),
		    "servers[0].address" },
		{ "upstreams", "{\"name\":\"ok\",\"servers\":[{\"address\":"
		    "\"127.0.0.1:1\",\"weight\":\"1;\"}]}", "servers[0].weight" },
		{ "upstreams", "{\"name\":\"ok\",\"servers\":[{\"address\":"
		    "\"127.0.0.1:1\",\"fail_timeout\":\"10s;\"}]}",
		    "servers[0].fail_timeout" },
		{ "upstreams", "{\"name\":\"ok\",\"servers\":[{\"address\":"
		    "\"127.0.0.1:1\"}],\"health_check\":{\"path\":\"/h;\"}}",
		    "health_check.path" },
		{ "upstreams", "{\"name\":\"ok\",\"servers\":[{\"address\":"
		    "\"127.0.0.1:1\"}],\"strategy\":\"hash $uri\"}",
		    "strategy" },
#define R(p) "{\"path\":\"" p "\",\"upstream\":\"rr\"}"
		{ "routes", R("/a;b"), "path" },
		{ "routes", R("/a{"), "path" },
		{ "routes", R("/a}"), "path" },
		{ "routes", R("/a\\\""), "path" },
		{ "routes", R("/a\\n"), "path" },
		{ "routes", R("/a#"), "path" },
		{ "routes", R("/$uri"), "path" },
		{ "routes", R("/a\\\\"), "path" },
		{ "routes", R("/../x"), "path" },
		{ "routes", R("/a b"), "path" },
#define H(v) "{\"path\":\"/h1/*\",\"upstream\":\"rr\",\"headers\":{\"X-A\":" \
	    "\"" v "\"}}"
		{ "routes", H("v;proxy_pass http://evil"), "headers.X-A" },
		{ "routes", H("v\\\""), "headers.X-A" },
		{ "routes", H("a\\r\\nX-Evil: 1"), "headers.X-A" },
		{ "routes", H("$http_cookie"), "headers.X-A" },
		{ "routes", H("}"), "headers.X-A" },
		{ "routes", H("#"), "headers.X-A" },
		{ "routes", H("%{ENV}e"), "headers.X-A" },
		{ "routes", H("a\\\\b"), "headers.X-A" },
		{ "routes", "{\"path\":\"/h2/*\",\"upstream\":\"rr\",\"headers\":"
		    "{\"X A\":\"v\"}}", "headers.X?A" },
		{ "routes", "{\"path\":\"/h3/*\",\"upstream\":\"rr\",\"host\":"
		    "\"a;b\"}", "host" },
		{ "routes", "{\"path\":\"/h4/*\",\"upstream\":\"r;r\"}",
		    "upstream" },
		{ "routes", "{\"path\":\"/h5/*\",\"upstream\":\"rr\","
		    "\"middleware\":[{\"type\":\"rate_limit\",\"rate\":"
		    "\"1r/s;\"}]}", "middleware[0].rate" },
		{ "routes", "{\"path\":\"/h6/*\",\"upstream\":\"rr\",\"timeout\":"
		    "\"1s;\"}", "timeout" },
		{ "routes", "{\"path\":\"/h7/*\",\"upstream\":\"rr\",\"colour\":"
		    "\"red\"}", "colour" },
		{ "streams", "{\"name\":\"s\",\"listen\":\"127.0.0.1:9;\","
		    "\"address\":\"127.0.0.1:1\"}", "listen" },
		{ "streams", "{\"name\":\"s\",\"listen\":\"127.0.0.1:20001\","
		    "\"address\":\"127.0.0.1:1 udp\"}", "address" },
#undef U
#undef R
#undef H
	};
	struct http_resp r;
	char *before, *after, out[4096], path[64];
	long long v0 = version_now(NULL, 0);
	size_t i, n = sizeof(bad) / sizeof(bad[0]), refused = 0;

	(void)a;
	before = rendered();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/api/v1/proxy/%s", bad[i].path);
		call(&r, "POST", path, bad[i].body);
		if (r.status == 400 && json_str_at(r.json,
		    "error.details.field") != NULL && strcmp(json_str_at(r.json,
		    "error.details.field"), bad[i].field) == 0)
			refused++;
		else
			diag("hostile %zu (%s): %ld %s", i, bad[i].body,
			    r.status, r.body ? r.body : "");
		http_resp_free(&r);
	}
	ok(n >= 40, "%zu hostile values", n);
	is_int(refused, n, "each is 400 naming its field");
	after = rendered();
	ok(strcmp(before, after) == 0, "the rendered files are unchanged");
	is_int(version_now(NULL, 0), v0, "nothing was stored");
	is_int(nginx_t(out, sizeof(out)), 0, "nginx -t still passes");
	if (out[0] != '\0')
		diag("nginx -t: %s", out);
	free(before);
	free(after);
}

/* The same model for Apache: the pool's config switched and reloaded. */
static void
test_apache(int a, int b, int slow)
{
	char line[12288], s[512], ups[3][2048], hdr[64];
	const char *d = harness_dir(), *h[2] = { NULL, NULL };
	struct http_resp r;
	FILE *f;
	int i, counts[2] = { 0, 0 }, other = 0, fails = 0;
	long st;
	char *conf;

	snprintf(s, sizeof(s), "%s,%s", srv(a, "\"weight\":1"),
	    srv(b, "\"weight\":2"));
	snprintf(ups[0], sizeof(ups[0]), "%s", up_json("ha", "round_robin",
	    srv(a, NULL), NULL));
	snprintf(ups[1], sizeof(ups[1]), "%s", up_json("hb", "round_robin",
	    srv(b, NULL), NULL));
	snprintf(ups[2], sizeof(ups[2]), "%s", up_json("slow", "round_robin",
	    srv(slow, NULL), NULL));
	/* a route's host and timeout are Apache's too */
	snprintf(line, sizeof(line), "{\"upstreams\":[%s,%s,%s,%s],\"routes\":"
	    "[{\"id\":\"rr\",\"path\":\"/rr/*\",\"upstream\":\"web\","
	    "\"middleware\":[\"strip_prefix\"]},{\"id\":\"ha\",\"path\":"
	    "\"/hosted/*\",\"host\":\"a.example\",\"upstream\":\"ha\","
	    "\"headers\":{\"X-Site\":\"a\"}},{\"id\":\"hb\",\"path\":"
	    "\"/hosted/*\",\"host\":\"b.example\",\"upstream\":\"hb\"},"
	    "{\"id\":\"plainh\",\"path\":\"/hosted/*\",\"upstream\":"
	    "\"slow\",\"headers\":{\"X-Plain\":\"yes\"}},{\"id\":\"ato\","
	    "\"path\":\"/ato/*\","
	    "\"upstream\":\"slow\",\"timeout\":\"1s\",\"retries\":0,"
	    "\"middleware\":[\"strip_prefix\"]},{\"id\":\"anto\",\"path\":"
	    "\"/anto/*\",\"upstream\":\"slow\",\"middleware\":"
	    "[\"strip_prefix\"]}]}", up_json("web",
	    "round_robin", s, "\"health_check\":{\"path\":\"/health\","
	    "\"interval\":\"1s\",\"timeout\":\"1s\",\"unhealthy_threshold\":"
	    "2}"), ups[0], ups[1], ups[2]);
	is_int(put("PUT", "/api/v1/proxy/config", line), 200, "a model "
	    "Apache can do, applied on nginx first");
	if ((f = fopen(harness_env("POOL_CONF"), "a")) == NULL) {
		ok(0, "append to the pool's config");
		return;
	}
	fprintf(f, "proxy_server = apache\n"
	    "proxy_check = env APACHE_RUN_DIR=%s/apache/run "
	    "APACHE_LOCK_DIR=%s/apache/lock APACHE_LOG_DIR=%s/logs "
	    "APACHE_PID_FILE=%s/apache/apache2.pid APACHE_RUN_USER=www-data "
	    "APACHE_RUN_GROUP=www-data apache2 -t -f %s/apache/apache2.conf\n"
	    "proxy_reload = signal:%s/apache/apache2.pid\n"
	    "proxy_verify_url = %s/_cc_proxy/generation\n"
	    "proxy_error_log = %s/logs/apache-error.log\n", d, d, d, d, d, d,
	    harness_env("APACHE_URL"), d);
	fclose(f);
	is_int(put("POST", "/api/v1/config/reload", NULL), 202,
	    "switch the proxy to Apache (config reload)");
	for (i = 0; i < 100; i++) {
		if ((conf = proxy_file("apache.conf")) != NULL) {
			free(conf);
			if (port_of("APACHE_URL", "/rr/x", NULL, &st) != 0)
				break;
		}
		harness_msleep(200);
	}
	conf = proxy_file("apache.conf");
	ok(conf != NULL && strstr(conf, "<Proxy \"balancer://cc_up_web\">") !=
	    NULL && strstr(conf, "hcmethod=GET") != NULL, "Apache's "
	    "generation: a balancer with mod_proxy_hcheck's checks");
	free(conf);
	for (i = 0; i < 600; i++) {
		int p = port_of("APACHE_URL", "/rr/x", NULL, &st);

		if (p == be[a].port)
			counts[0]++;
		else if (p == be[b].port)
			counts[1]++;
		else
			other++;
	}
	diag("Apache byrequests 1:2 over 600: %d / %d (%d other)", counts[0],
	    counts[1], other);
	ok(other == 0 && counts[0] / 600.0 > 1.0 / 3 - 0.05 &&
	    counts[0] / 600.0 < 1.0 / 3 + 0.05, "Apache: weights 1:2 split "
	    "within 5%% (%d:%d)", counts[0], counts[1]);

	conf = proxy_file("apache.conf");
	ok(conf != NULL && strstr(conf, "RewriteCond \"%{HTTP_HOST}\"") !=
	    NULL && strstr(conf, "timeout=1") != NULL, "Apache's generation "
	    "has the host routes' rewrites and the route's timeout");
	free(conf);
	h[0] = "Host: a.example";
	http_do(&r, "GET", harness_url("APACHE_URL", "/hosted/x"), h, NULL, 0);
	is_int(json_object_get_int(json_at(r.json, "port")), be[a].port,
	    "Apache: Host a.example reaches backend A (%ld)", r.status);
	is_str(json_str_at(r.json, "headers.X-Site"), "a", "Apache: with its "
	    "route's header");
	ok(json_at(r.json, "headers.X-Plain") == NULL, "Apache: and not the "
	    "header of the route without a host on the same path");
	http_resp_free(&r);
	snprintf(hdr, sizeof(hdr), "Host: A.EXAMPLE:%s",
	    strrchr(harness_env("APACHE_URL"), ':') + 1);
	is_int(port_of("APACHE_URL", "/hosted/x", hdr, &st), be[a].port,
	    "Apache: so does %s (any case, with the port)", hdr + 6);
	is_int(port_of("APACHE_URL", "/hosted/x", "Host: b.example", &st),
	    be[b].port, "Apache: the same path for Host b.example reaches "
	    "backend B");
	h[0] = "Host: other.example";
	http_do(&r, "GET", harness_url("APACHE_URL", "/hosted/x"), h, NULL, 0);
	is_int(json_object_get_int(json_at(r.json, "port")), be[slow].port,
	    "Apache: Host other.example reaches the route without a host "
	    "(%ld)", r.status);
	is_str(json_str_at(r.json, "headers.X-Plain"), "yes", "Apache: with "
	    "that route's header");
	ok(json_at(r.json, "headers.X-Site") == NULL, "Apache: and not a.example's");
	http_resp_free(&r);
	is_int(port_of("APACHE_URL", "/hosted/x", NULL, &st), be[slow].port,
	    "Apache: so does the API's own Host");
	/* mod_proxy_http answers a read timeout 502 (AH01102), where
	 * nginx says 504; the same backend through a route without a
	 * timeout answers, so the 502 is the timeout's */
	port_of("APACHE_URL", "/ato/sleep/2000", NULL, &st);
	is_int(st, 502, "Apache: timeout: a backend slower than the route's "
	    "1s is 502");
	port_of("APACHE_URL", "/anto/sleep/2000", NULL, &st);
	is_int(st, 200, "Apache: the same backend without a timeout answers");
	port_of("APACHE_URL", "/ato/sleep/10", NULL, &st);
	is_int(st, 200, "Apache: timeout: a faster one is 200");
	test_host_injection("Apache");
	backend_stop(b);
	harness_msleep(1000 * 2 + 1500);
	for (i = 0; i < 30; i++) {
		port_of("APACHE_URL", "/rr/x", NULL, &st);
		fails += st != 200;
	}
	is_int(fails, 0, "Apache: with a backend killed no request of 30 "
	    "fails");
	backend_start(b);
}

int
main(void)
{
	char conf[2048], aport[16];
	int A, B, C, D, H1, H2, S, W, SL, i;
	char status[32];

	snprintf(script, sizeof(script), "%s/tests/e2e/proxy_backend.py",
	    getenv("CC_SRCDIR") ? getenv("CC_SRCDIR") : ".");
	setenv("STACK_PODMAN", "0", 0);
	snprintf(aport, sizeof(aport), "%d", harness_free_port());
	setenv("STACK_APACHE_PORT", aport, 1);
	/* the host routes' servers on a port of their own */
	for (i = 0; i < 10 && (host_port == 0 || host_port == atoi(aport));
	    i++)
		host_port = harness_free_port();
	snprintf(conf, sizeof(conf), "proxy_server = nginx\n"
	    "proxy_check = nginx -t -q -c @STACK_DIR@/nginx/nginx.conf "
	    "-p @STACK_DIR@/nginx/\n"
	    "proxy_reload = signal:@STACK_DIR@/nginx/nginx.pid\n"
	    "proxy_error_log = @STACK_DIR@/logs/nginx-error.log\n"
	    "proxy_reload_min_interval = 1s\n"
	    "proxy_listen = 127.0.0.1:%d\n", host_port);
	harness_start(conf);
	atexit(backends_stop);
	A = backend_new();
	B = backend_new();
	C = backend_new();
	D = backend_new();
	H1 = backend_new();
	H2 = backend_new();
	S = backend_new();
	W = backend_new();
	SL = backend_new();
	/* the first render waits for nginx, which starts after the pool */
	for (i = 0; i < 100; i++) {
		if (newest_generation(status, sizeof(status)) > 0 &&
		    strcmp(status, "applied") == 0)
			break;
		harness_msleep(200);
	}
	is_str(status, "applied", "the proxy process has a live generation");
	make_viewer();
	test_access();
	test_distribution(A, B, C, D);
	test_hosts(A, B);
	test_failover(H1, H2);
	test_middleware(A, SL);
	test_websocket(W);
	test_streams(A);
	test_stats(S);
	test_conflicts(A);
	test_rejected(A);
	test_dry_run_async();
	test_history_rollback();
	test_killed();
	test_throttle();
	test_injection(A);
	test_host_injection("nginx");
	test_apache(A, B, SL);
	backends_stop();
	return done_testing();
}
