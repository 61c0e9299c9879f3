/*
 * t_pods.c: the proxmox driver and the pods API end to end, through
 * nginx, against tests/pve/pve-standin: a STAND-IN for Proxmox VE (a
 * fake PVE API server for tests, not Proxmox VE).  Everything checked
 * here is checked against that stand-in only.
 *
 * The stand-in runs on a free loopback port with a certificate made
 * for this test; the endpoint pins its SHA-256 fingerprint.  It is
 * stopped by its pid.  Covered: endpoint creation (a wrong token and a
 * wrong pin refused with the reason, the token never shown), every pod
 * route with good and bad input (a bad id, an unknown endpoint, a disk
 * shrink, a failing task, the nextid race, a create that outlasts
 * runtime_timeout and is picked up again by the same request), port
 * forwards (the mapping, the enabled firewall rule and the reverse
 * proxy's stream in this stack's nginx), mounts, DNS, a template
 * download that takes longer than a request may, ownership, and a
 * certificate that does not match the pin.
 *
 * A forward carries a connection to the pod's address.  The stand-in
 * runs no container, so pod "fwd" is given the address 127.0.0.1 and its
 * "service" is a loopback socket this test listens on: a TCP connection
 * and a UDP datagram go both ways through nginx's stream module, on
 * loopback only.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "harness.h"

#define TOKEN	"root@pam!cc=0f1c2d3e-1111-2222-3333-0123456789ab"
#define TMPL	"debian-12-standard_12.7-1_amd64.tar.zst"

static char standin_dir[4096];

struct standin {
	pid_t	 pid;
	int	 port;
	char	 base[64];	/* https://127.0.0.1:port */
};

static struct standin pve, wrong;
static char fingerprint[256];
static int fwd_ports[2];	/* pod fwd's TCP host ports, for cleanup */

/* ---- the stand-in ---- */

static const char *
srcdir(void)
{
	const char *s = getenv("CC_SRCDIR");

	return s != NULL ? s : ".";
}

/* Runs argv, stdout into out (one line); 0 when it exited 0. */
static int
run(char *const argv[], char *out, size_t outlen)
{
	int fds[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) < 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	n = read(fds[0], out, outlen - 1);
	out[n > 0 ? n : 0] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	while (n > 0) {		/* the rest, unread, would break its pipe */
		char skip[512];

		n = read(fds[0], skip, sizeof(skip));
	}
	close(fds[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Starts one stand-in (extra: NULL or one more flag) and waits for its
 * port file; the pid is kept to stop it. */
static int
standin_start(struct standin *s, const char *name, const char *extra,
    const char *extra2)
{
	char script[4200], cert[4200], key[4200], pidf[4200], portf[4200];
	char buf[32];
	FILE *f;
	int i;

	snprintf(script, sizeof(script), "%s/tests/pve/pve-standin", srcdir());
	snprintf(cert, sizeof(cert), "%s/pve-standin.crt", standin_dir);
	snprintf(key, sizeof(key), "%s/pve-standin.key", standin_dir);
	snprintf(pidf, sizeof(pidf), "%s/%s.pid", standin_dir, name);
	snprintf(portf, sizeof(portf), "%s/%s.port", standin_dir, name);
	if ((s->pid = fork()) < 0)
		return -1;
	if (s->pid == 0) {
		char *argv[] = { "/usr/bin/python3", script, "--cert", cert,
		    "--key", key, "--port", "0", "--pidfile", pidf,
		    "--portfile", portf, "--token", TOKEN, "--task-seconds",
		    "0.3", "--download-seconds", "6", (char *)extra,
		    (char *)extra2, NULL };
		int fd = open("/dev/null", 1);

		dup2(fd, 1);	/* the TAP stream stays ours */
		execv(argv[0], argv);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		if ((f = fopen(portf, "r")) != NULL) {
			s->port = fgets(buf, sizeof(buf), f) ? atoi(buf) : 0;
			fclose(f);
			if (s->port > 0)
				break;
		}
		harness_msleep(100);
	}
	snprintf(s->base, sizeof(s->base), "https://127.0.0.1:%d", s->port);
	return s->port > 0 ? 0 : -1;
}

static void
standin_stop(struct standin *s)
{
	int st;

	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	waitpid(s->pid, &st, 0);
	s->pid = 0;
}

static void
stop_all(void)
{
	standin_stop(&pve);
	standin_stop(&wrong);
}

static size_t
sink(char *p, size_t sz, size_t n, void *arg)
{
	struct http_resp *r = arg;
	size_t len = sz * n;
	char *nb = realloc(r->body, r->len + len + 1);

	if (nb == NULL)
		return 0;
	memcpy(nb + r->len, p, len);
	r->len += len;
	nb[r->len] = '\0';
	r->body = nb;
	return len;
}

/*
 * A request straight to the stand-in (its state, its control path).
 * Test code only, on loopback: the stand-in's own certificate is not
 * checked here; the server's pin is what the test is about.
 */
static json_object *
standin_req(const char *method, const char *path, const char *body)
{
	struct http_resp r = { 0 };
	struct curl_slist *h = NULL;
	json_object *o = NULL;
	char url[512];
	CURL *c = curl_easy_init();

	snprintf(url, sizeof(url), "%s%s", pve.base, path);
	h = curl_slist_append(h, "Authorization: PVEAPIToken=" TOKEN);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (curl_easy_perform(c) == CURLE_OK && r.body != NULL)
		o = json_tokener_parse(r.body);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(r.body);
	return o;
}

static void
fault(const char *name, int on, int count, double seconds)
{
	char body[160];

	if (count > 0)
		snprintf(body, sizeof(body), "{\"name\":\"%s\",\"on\":%s,"
		    "\"count\":%d,\"seconds\":%g}", name, on ? "true" :
		    "false", count, seconds);
	else
		snprintf(body, sizeof(body), "{\"name\":\"%s\",\"on\":%s}",
		    name, on ? "true" : "false");
	json_object_put(standin_req("POST", "/_standin/fault", body));
}

/* ---- requests through nginx ---- */

static long
api_as(const char *cred, struct http_resp *keep, const char *method,
    const char *path, const char *body)
{
	const char *hs[3] = { cred, body ? "Content-Type: application/json" :
	    NULL, NULL };
	struct http_resp r;
	long s;

	if (cred == NULL) {
		hs[0] = hs[1];
		hs[1] = NULL;
	}
	http_do(&r, method, harness_url("NGINX_URL", path), hs, body,
	    body ? strlen(body) : 0);
	s = r.status;
	if (keep != NULL)
		*keep = r;
	else
		http_resp_free(&r);
	return s;
}

static long
api(struct http_resp *keep, const char *method, const char *path,
    const char *body)
{
	return api_as(harness_admin_header(), keep, method, path, body);
}

/* The status, and the error code when it is one (diag'd if unexpected). */
static void
expect(const char *method, const char *path, const char *body, long want,
    const char *code, const char *what)
{
	struct http_resp r;
	long s = api(&r, method, path, body);

	if (!is_int(s, want, "%s", what))
		diag("answer: %.400s", r.body ? r.body : "");
	if (code != NULL)
		is_str(json_str_at(r.json, "error.code"), code, "%s: %s", what,
		    code);
	http_resp_free(&r);
}

/* The status, and a text the answer must hold (naming what it is). */
static void
says(const char *method, const char *path, const char *body, long want,
    const char *needle, const char *what)
{
	struct http_resp r;

	api(&r, method, path, body);
	is_int(r.status, want, "%s: %ld", what, want);
	if (!ok(r.body && strstr(r.body, needle), "... saying '%s'", needle))
		diag("answer: %.400s", r.body ? r.body : "");
	http_resp_free(&r);
}

/* Runs "container-codes -c POOL_CONF a1 a2 a3 [a4]": its first line. */
static const char *
cli(const char *a1, const char *a2, const char *a3, const char *a4,
    const char *a5)
{
	static char out[256];
	char bin[4096];
	const char *b = getenv("STACK_BIN"), *d = getenv("CC_BUILDDIR");

	if (b != NULL)
		snprintf(bin, sizeof(bin), "%s", b);
	else
		snprintf(bin, sizeof(bin), "%s/container-codes", d ? d : ".");
	{
		char *argv[] = { bin, "-c", (char *)harness_env("POOL_CONF"),
		    (char *)a1, (char *)a2, (char *)a3, (char *)a4, (char *)a5,
		    NULL };

		if (run(argv, out, sizeof(out)) < 0)
			out[0] = '\0';
	}
	return out;
}

/* ---- the tests ---- */

/* A proxmox endpoint's body: pin and node may be NULL (left out). */
static const char *
ep_body(const char *name, const char *url, const char *token,
    const char *pin, const char *node)
{
	static char b[1024];

	snprintf(b, sizeof(b), "{\"name\":\"%s\",\"driver\":\"proxmox\","
	    "\"url\":\"%s\",\"token\":\"%s\"%s%s%s%s%s%s}", name, url,
	    token, pin ? ",\"tls_fingerprint\":\"" : "", pin ? pin : "",
	    pin ? "\"" : "", node ? ",\"node\":\"" : "", node ? node : "",
	    node ? "\"" : "");
	return b;
}

static void
endpoints(void)
{
	struct http_resp r;
	char bad[256], plain[100];
	size_t i, n = 0;

	api(&r, "POST", "/api/v1/endpoints", ep_body("pve1", pve.base,
	    "root@pam!cc=WRONG-0000", fingerprint, "pve"));
	is_int(r.status, 502, "a wrong token: 502");
	ok(r.body && strstr(r.body, "refused the API token") &&
	    strstr(r.body, "pve1"), "... naming the endpoint and why");
	ok(r.body && strstr(r.body, "WRONG") == NULL, "... never the token");
	http_resp_free(&r);
	snprintf(bad, sizeof(bad), "%s", fingerprint);
	bad[0] = bad[0] == '0' ? '1' : '0';	/* one digit off */
	says("POST", "/api/v1/endpoints", ep_body("pve1", pve.base, TOKEN, bad,
	    "pve"), 502, "does not match the pinned fingerprint",
	    "a pin the certificate does not match");
	says("POST", "/api/v1/endpoints", ep_body("pve1", pve.base, TOKEN,
	    fingerprint, "nope"), 502, "nope",
	    "a node the cluster does not have");
	says("POST", "/api/v1/endpoints", ep_body("pve1", pve.base, TOKEN,
	    NULL, "pve"), 502, "pve1",
	    "no pin and no CA for a self-signed server");
	expect("POST", "/api/v1/endpoints", "{\"name\":\"pve9\",\"url\":"
	    "\"tcp://127.0.0.1:1\",\"token\":\"x\"}", 400, "INVALID_REQUEST",
	    "a docker endpoint takes no token");
	expect("POST", "/api/v1/endpoints", ep_body("pve9",
	    "https://127.0.0.1:1", "x", NULL, "pve"), 400, "INVALID_REQUEST",
	    "a malformed token");
	expect("POST", "/api/v1/endpoints", ep_body("pve9", pve.base, TOKEN,
	    NULL, NULL), 400, "INVALID_REQUEST", "no node");

	/* the pin without colons and in lower case is the same pin */
	for (i = 0; fingerprint[i] && n + 1 < sizeof(plain); i++)
		if (fingerprint[i] != ':')
			plain[n++] = (char)(fingerprint[i] |
			    (fingerprint[i] >= 'A' ? 0x20 : 0));
	plain[n] = '\0';
	api(&r, "POST", "/api/v1/endpoints", ep_body("pve1", pve.base, TOKEN,
	    plain, "pve"));
	if (!is_int(r.status, 201, "the right token and pin: 201"))
		diag("%s", r.body ? r.body : "");
	ok(r.body && strstr(r.body, "0f1c2d3e") == NULL,
	    "the answer does not show the token");
	is_str(json_str_at(r.json, "endpoint.driver"), "proxmox", "driver");
	is_str(json_str_at(r.json, "endpoint.node"), "pve", "node");
	is_str(json_str_at(r.json, "endpoint.storage"), "local-lvm",
	    "the default storage");
	http_resp_free(&r);
	api(&r, "GET", "/api/v1/endpoints?check=true", NULL);
	ok(r.body && strstr(r.body, "0f1c2d3e") == NULL &&
	    strstr(r.body, "\"pve1\""), "listed, without the token");
	if (!ok(r.body && strstr(r.body, "\"available\":true") != NULL,
	    "and reachable"))
		diag("%s", r.body ? r.body : "");
	http_resp_free(&r);
	says("POST", "/api/v1/endpoints", ep_body("pve2", wrong.base, TOKEN,
	    fingerprint, "pve"), 502, "pinned fingerprint",
	    "a server with another certificate is refused");
}

#define POD1 "{\"id\":\"web\",\"endpoint\":\"pve1\",\"namespace\":\"prod\"," \
	"\"image\":\"debian-12-standard_12.7-1_amd64.tar.zst\",\"network\":" \
	"{\"ip\":\"10.0.0.5/24\",\"gateway\":\"10.0.0.1\",\"firewall\":true}," \
	"\"resources\":{\"cores\":1,\"memory\":512,\"disk\":4},\"dns\":" \
	"{\"servers\":[\"10.0.0.1\"]}}"

static void
create_and_list(void)
{
	struct http_resp r;

	expect("POST", "/api/v1/pods", "{\"id\":\"Bad_Id\",\"endpoint\":"
	    "\"pve1\",\"image\":\"x.tar.zst\"}", 400, "INVALID_REQUEST",
	    "a bad pod id: 400");
	expect("POST", "/api/v1/pods", "{\"id\":\"x\",\"endpoint\":\"nope\","
	    "\"image\":\"" TMPL "\"}", 404, "ENDPOINT_NOT_FOUND",
	    "an unknown endpoint: 404");
	api(&r, "POST", "/api/v1/pods", "{\"id\":\"x\",\"image\":"
	    "\"x.tar.zst\"}");
	is_int(r.status, 400, "the docker endpoint has no pods: 400");
	ok(r.body && strstr(r.body, "'local'") && strstr(r.body, "pods"),
	    "... naming the endpoint");
	http_resp_free(&r);
	expect("POST", "/api/v1/pods", "{\"id\":\"x\",\"endpoint\":\"pve1\","
	    "\"image\":\"x.tar.zst\",\"resources\":{\"memory\":\"lots\"}}",
	    400, "INVALID_REQUEST", "a bad resource: 400");
	expect("POST", "/api/v1/pods", "{\"id\":\"x\",\"endpoint\":\"pve1\","
	    "\"image\":\"x.tar.zst\",\"network\":{\"ip\":\"1.2.3.4,gw=x\"}}",
	    400, "INVALID_REQUEST", "an address that would inject: 400");
	expect("POST", "/api/v1/pods", "{\"id\":\"x\",\"endpoint\":\"pve1\","
	    "\"image\":\"x.tar.zst\",\"features\":{\"nesting\":true}}", 403,
	    "FORBIDDEN", "nesting without allow_privileged: 403");

	api(&r, "POST", "/api/v1/pods", POD1);
	if (!is_int(r.status, 201, "POST /pods: 201"))
		diag("%s", r.body ? r.body : "");
	is_str(json_str_at(r.json, "pod.id"), "web", "its id");
	is_str(json_str_at(r.json, "pod.phase"), "ready", "ready");
	is_str(json_str_at(r.json, "pod.status"), "stopped", "made stopped");
	is_str(json_str_at(r.json, "pod.node"), "pve", "on the node");
	ok(json_at(r.json, "pod.unprivileged") &&
	    json_object_get_boolean(json_at(r.json, "pod.unprivileged")),
	    "unprivileged");
	is_str(json_str_at(r.json, "pod.network.ip"), "10.0.0.5/24", "its ip");
	http_resp_free(&r);
	expect("POST", "/api/v1/pods", POD1, 409, "CONFLICT",
	    "the same id again: 409");

	api(&r, "POST", "/api/v1/pods", "{\"id\":\"db\",\"endpoint\":\"pve1\","
	    "\"image\":\"local:vztmpl/alpine-3.20-default_20240908_amd64.tar."
	    "xz\",\"start\":true}");
	is_int(r.status, 201, "a second pod, started");
	is_str(json_str_at(r.json, "pod.status"), "running", "running");
	is_str(json_str_at(r.json, "pod.namespace"), "default",
	    "the default namespace");
	http_resp_free(&r);

	api(&r, "GET", "/api/v1/pods", NULL);
	is_int(r.status, 200, "GET /pods");
	is_int(json_object_get_int64(json_at(r.json, "total")), 2, "two pods");
	is_str(json_str_at(r.json, "pods.0.id"), "db", "in id order");
	is_str(json_str_at(r.json, "pods.1.status"), "stopped",
	    "with the engine's status");
	http_resp_free(&r);
	api(&r, "GET", "/api/v1/pods?namespace=prod", NULL);
	is_int(json_object_get_int64(json_at(r.json, "total")), 1,
	    "namespace=prod: one");
	http_resp_free(&r);
	api(&r, "GET", "/api/v1/pods?limit=1&offset=1", NULL);
	ok(json_object_array_length(json_at(r.json, "pods")) == 1 &&
	    json_object_get_int64(json_at(r.json, "total")) == 2,
	    "paging keeps the total");
	http_resp_free(&r);
	api(&r, "GET", "/api/pods/web", NULL);
	is_int(r.status, 200, "GET /api/pods/web (the short prefix)");
	is_int(json_object_get_int64(json_at(r.json, "pod.resources.disk")), 4,
	    "a 4 GB disk");
	is_str(json_str_at(r.json, "pod.dns.servers.0"), "10.0.0.1",
	    "its name server");
	http_resp_free(&r);
	expect("GET", "/api/v1/pods/nope", NULL, 404, "POD_NOT_FOUND",
	    "an unknown pod: 404");
	expect("GET", "/api/v1/pods/Bad_Id", NULL, 400, "INVALID_REQUEST",
	    "a bad id: 400");
}

static void
lifecycle(void)
{
	struct http_resp r;

	api(&r, "POST", "/api/v1/pods/web/start", NULL);
	is_int(r.status, 200, "start");
	is_str(json_str_at(r.json, "pod.status"), "running", "running");
	http_resp_free(&r);
	api(&r, "POST", "/api/v1/pods/web/start", NULL);
	ok(r.status == 200 && json_at(r.json, "pod.changed") &&
	    !json_object_get_boolean(json_at(r.json, "pod.changed")),
	    "start again: nothing changed");
	http_resp_free(&r);
	expect("DELETE", "/api/v1/pods/web", NULL, 409, "POD_STILL_RUNNING",
	    "deleting a running pod: 409");

	expect("PATCH", "/api/v1/pods/web/resources", "{\"disk\":2}", 400,
	    "INVALID_REQUEST", "a smaller disk: 400");
	expect("PATCH", "/api/v1/pods/web/resources", "{}", 400,
	    "INVALID_REQUEST", "no resource: 400");
	expect("PATCH", "/api/v1/pods/web/resources", "{\"cores\":0}", 400,
	    "INVALID_REQUEST", "zero cores: 400");
	api(&r, "PATCH", "/api/v1/pods/web/resources", "{\"cores\":2,"
	    "\"memory\":1024,\"disk\":8}");
	is_int(r.status, 200, "grow the pod");
	is_str(json_str_at(r.json, "resources.applied.0"), "disk",
	    "the disk grows at once");
	if (!ok(r.body && strstr(r.body, "\"pending\":[\"cores\",\"memory\"]"),
	    "cores and memory wait for a restart of the running pod"))
		diag("%s", r.body ? r.body : "");
	ok(json_at(r.json, "resources.restart_needed") &&
	    json_object_get_boolean(json_at(r.json,
	    "resources.restart_needed")), "restart_needed");
	http_resp_free(&r);
	api(&r, "GET", "/api/v1/pods/web", NULL);
	is_int(json_object_get_int64(json_at(r.json, "pod.resources.disk")), 8,
	    "the disk is 8 GB now");
	http_resp_free(&r);

	api(&r, "PUT", "/api/v1/pods/web/dns", "{\"servers\":[\"1.1.1.1\","
	    "\"9.9.9.9\"],\"search\":[\"example.com\"],\"options\":"
	    "[\"ndots:2\",\"rotate\"]}");
	is_int(r.status, 200, "PUT dns");
	ok(json_at(r.json, "dns.options_applied") &&
	    !json_object_get_boolean(json_at(r.json, "dns.options_applied")),
	    "options: not applied, and said so");
	ok(r.body && strstr(r.body, "options ndots:2 rotate"),
	    "rendered into resolv_conf");
	http_resp_free(&r);
	expect("PUT", "/api/v1/pods/web/dns", "{\"servers\":[\"1.1.1.1 x\"]}",
	    400, "INVALID_REQUEST", "a bad server: 400");

	fault("fail_task", 1, 1, 0);
	api(&r, "POST", "/api/v1/pods/web/stop", "{\"timeout\":5}");
	is_int(r.status, 502, "a failing task: 502");
	ok(r.body && strstr(r.body, "simulated task failure") &&
	    strstr(r.body, "pve1") && strstr(r.body, "node pve"),
	    "... with the task's exitstatus, endpoint and node");
	http_resp_free(&r);
	api(&r, "POST", "/api/v1/pods/web/stop", "{\"timeout\":5}");
	is_int(r.status, 200, "stop");
	is_str(json_str_at(r.json, "pod.status"), "stopped", "stopped");
	http_resp_free(&r);
	expect("POST", "/api/v1/pods/web/stop", "{\"timeout\":\"x\"}", 400,
	    "INVALID_REQUEST", "a bad timeout: 400");
}

/* ---- port forwards over loopback ---- */

static struct sockaddr_in
loopback(int port)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sa;
}

/* A socket of type on 127.0.0.1 (listening when TCP), port 0 for any:
 * the fd with *port its port, or -1. */
static int
sock_on(int type, int *port)
{
	struct sockaddr_in sa = loopback(*port);
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, type, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 4) < 0) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* A TCP connection to 127.0.0.1:port, or -1. */
static int
dial(int port)
{
	struct sockaddr_in sa = loopback(port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Waits (at most 10 s) for fd to be readable: 1 if it is. */
static int
readable(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return fd >= 0 && poll(&p, 1, 10000) == 1;
}

/* Up to len-1 bytes from fd once readable, NUL-terminated (maybe "").
 * With from, a datagram and its sender. */
static void
take(int fd, char *buf, size_t len, struct sockaddr_in *from)
{
	socklen_t fl = sizeof(*from);
	ssize_t n = -1;

	if (readable(fd))
		n = from ? recvfrom(fd, buf, len - 1, 0,
		    (struct sockaddr *)from, &fl) : read(fd, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
}

/* Whether something accepts TCP on 127.0.0.1:port. */
static int
port_open(int port)
{
	int fd = dial(port);

	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/* Waits (at most 10 s) until nothing accepts on port: 1 if so. */
static int
until_closed(int port)
{
	int i;

	for (i = 0; i < 100 && port_open(port); i++)
		harness_msleep(100);
	return !port_open(port);
}

/* The state of pod id's forward of host port hp in GET .../ports. */
static const char *
fwd_state(const char *id, int hp)
{
	static char st[32];
	struct http_resp r;
	json_object *a, *p;
	char path[96];
	size_t i;

	st[0] = '\0';
	snprintf(path, sizeof(path), "/api/v1/pods/%s/ports", id);
	api(&r, "GET", path, NULL);
	a = json_at(r.json, "ports");
	for (i = 0; a && i < json_object_array_length(a); i++) {
		p = json_object_array_get_idx(a, i);
		if (json_object_get_int(json_at(p, "host_port")) == hp)
			snprintf(st, sizeof(st), "%s", json_str_at(p,
			    "forward.state") ? json_str_at(p,
			    "forward.state") : "");
	}
	http_resp_free(&r);
	return st;
}

/* Waits (at most 30 s) for the forward to be active: 1 if it is.  A
 * write answers "pending" when its apply outlasts proxy_apply_timeout. */
static int
until_active(const char *id, int hp)
{
	int i;

	for (i = 0; i < 60 && strcmp(fwd_state(id, hp), "active") != 0; i++)
		harness_msleep(500);
	return strcmp(fwd_state(id, hp), "active") == 0;
}

/* A forward POSTed to pod id: the status, the answer kept in r. */
static long
forward(struct http_resp *r, const char *id, const char *proto, int cport,
    int hport)
{
	char path[96], body[160];

	snprintf(path, sizeof(path), "/api/v1/pods/%s/ports", id);
	snprintf(body, sizeof(body), "{\"protocol\":\"%s\",\"container_port\":"
	    "%d,\"host_port\":%d}", proto, cport, hport);
	return api(r, "POST", path, body);
}

/* A forward that must be made: 201, then active (diag'd if not). */
static void
forward_ok(const char *id, const char *proto, int cport, int hport,
    const char *what)
{
	struct http_resp r;

	if (!is_int(forward(&r, id, proto, cport, hport), 201, "%s: 201",
	    what))
		diag("answer: %.400s", r.body ? r.body : "");
	http_resp_free(&r);
	ok(until_active(id, hport), "%s: active", what);
}

/* Whether GET /proxy/streams lists a stream named name. */
static int
proxy_has(const char *name)
{
	struct http_resp r;
	char q[96];
	int has;

	snprintf(q, sizeof(q), "\"name\":\"%s\"", name);
	api(&r, "GET", "/api/v1/proxy/streams", NULL);
	has = r.body != NULL && strstr(r.body, q) != NULL;
	http_resp_free(&r);
	return has;
}

/* The firewall rules of pod id in the stand-in (a new object). */
static json_object *
fw_rules(const char *id)
{
	struct http_resp r;
	char path[128];
	long vmid;

	snprintf(path, sizeof(path), "/api/v1/pods/%s", id);
	api(&r, "GET", path, NULL);
	vmid = (long)json_object_get_int64(json_at(r.json, "pod.vmid"));
	http_resp_free(&r);
	snprintf(path, sizeof(path), "/api2/json/nodes/pve/lxc/%ld/firewall/"
	    "rules", vmid);
	return standin_req("GET", path, NULL);
}

static size_t
n_rules(const char *id)
{
	json_object *rules = fw_rules(id);
	size_t n = json_object_array_length(json_at(rules, "data"));

	json_object_put(rules);
	return n;
}

/* Bad values beside good ones: each 400, nothing made. */
static void
ports_bad(void)
{
	static const struct { const char *body, *what; } bad[] = {
		{ "{\"protocol\":\"sctp\",\"container_port\":80,"
		    "\"host_port\":18080}", "protocol sctp" },
		{ "{\"container_port\":0,\"host_port\":18080}",
		    "container_port 0" },
		{ "{\"container_port\":80,\"host_port\":0}", "host_port 0" },
		{ "{\"container_port\":80,\"host_port\":70000}",
		    "host_port 70000" },
		{ "{\"container_port\":70000,\"host_port\":18080}",
		    "container_port 70000" },
		{ "{\"container_port\":\"80\",\"host_port\":18080}",
		    "container_port a string" },
		{ "{\"container_port\":80,\"host_port\":\"18080\"}",
		    "host_port a string" },
		{ "{\"container_port\":80}", "no host_port" },
		{ "{\"container_port\":80,\"host_port\":18080,\"x\":1}",
		    "an unknown member" },
		{ "{\"protocol\":7,\"container_port\":80,\"host_port\":18080}",
		    "protocol a number" },
	};
	static const char *const bad_del[] = { "0", "70000", "abc",
	    "18080?protocol=sctp" };
	char path[96], what[96];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect("POST", "/api/v1/pods/web/ports", bad[i].body, 400,
		    "INVALID_REQUEST", bad[i].what);
	for (i = 0; i < sizeof(bad_del) / sizeof(bad_del[0]); i++) {
		snprintf(path, sizeof(path), "/api/v1/pods/web/ports/%s",
		    bad_del[i]);
		snprintf(what, sizeof(what), "DELETE ports/%s: 400",
		    bad_del[i]);
		expect("DELETE", path, NULL, 400, "INVALID_REQUEST", what);
	}
	is_int(n_rules("web"), 0, "no firewall rule was made by them");
}

static void
ports_mounts(void)
{
	struct http_resp r;
	struct sockaddr_in from;
	char name[96], buf[256], listen_at[64];
	int hp1 = harness_free_port(), hp2, hp3, hp4, cp = 0, cp2 = 0;
	int hold, svc, usvc, c, s, u;

	ports_bad();
	is_int(forward(&r, "web", "tcp", 80, hp1), 201, "a port forward: 201");
	is_str(json_str_at(r.json, "port.forward.target"), "10.0.0.5:80",
	    "to the pod's address");
	snprintf(listen_at, sizeof(listen_at), "127.0.0.1:%d", hp1);
	is_str(json_str_at(r.json, "port.forward.listen"), listen_at,
	    "on the host port, at proxy_listen's address");
	is_str(json_str_at(r.json, "port.forward.by"), "proxy",
	    "made by the reverse proxy");
	ok(json_str_at(r.json, "port.forward.state") != NULL,
	    "with a state (%s)", json_str_at(r.json, "port.forward.state") ?
	    json_str_at(r.json, "port.forward.state") : "none");
	if (r.status != 201)
		diag("answer: %.400s", r.body ? r.body : "");
	http_resp_free(&r);
	ok(until_active("web", hp1), "the forward is active once its stream "
	    "is live");
	snprintf(name, sizeof(name), "pod-web-tcp-%d", hp1);
	ok(proxy_has(name), "the proxy config has stream %s", name);
	{
		json_object *rules = fw_rules("web");

		ok(json_object_array_length(json_at(rules, "data")) == 1 &&
		    json_object_get_int64(json_at(rules, "data.0.enable")) == 1 &&
		    strcmp(json_str_at(rules, "data.0.dport") ?
		    json_str_at(rules, "data.0.dport") : "", "80") == 0,
		    "the pod's firewall rule is in, enabled, for port 80");
		json_object_put(rules);
	}
	is_int(forward(&r, "web", "tcp", 81, hp1), 409,
	    "the same host port again: 409");
	http_resp_free(&r);
	is_int(forward(&r, "db", "tcp", 5432, hp1), 409,
	    "the same host port for another pod: 409");
	is_str(json_str_at(r.json, "error.code"), "CONFLICT", "CONFLICT");
	http_resp_free(&r);

	/* a host port something else holds: refused, nothing half-made */
	hp2 = 0;
	hold = sock_on(SOCK_STREAM, &hp2);
	ok(hold >= 0, "the test holds port %d", hp2);
	is_int(forward(&r, "web", "tcp", 443, hp2), 409,
	    "a host port another process holds: 409");
	if (!ok(r.body && strstr(r.body, "taken by another process"),
	    "... saying so"))
		diag("%s", r.body ? r.body : "");
	http_resp_free(&r);
	if (hold >= 0)
		close(hold);
	is_int(n_rules("web"), 1, "... no firewall rule left of it");
	snprintf(name, sizeof(name), "pod-web-tcp-%d", hp2);
	ok(!proxy_has(name), "... no stream");
	is_int(forward(&r, "web", "tcp", 443, hp2), 201,
	    "... nor the mapping: the port once free forwards (201)");
	http_resp_free(&r);
	snprintf(buf, sizeof(buf), "/api/v1/pods/web/ports/%d", hp2);
	expect("DELETE", buf, NULL, 200, NULL, "and goes again");
	says("POST", "/api/v1/pods/web/ports", "{\"container_port\":80,"
	    "\"host_port\":80}", 400, "proxy_allow_privileged",
	    "a privileged host port");
	says("POST", "/api/v1/pods/db/ports", "{\"container_port\":5432,"
	    "\"host_port\":18099}", 409, "static IPv4 address",
	    "a pod on DHCP has no address to forward to");
	api(&r, "GET", "/api/v1/pods/web/ports", NULL);
	is_int(json_object_get_int64(json_at(r.json, "total")), 1,
	    "GET ports: one");
	is_str(json_str_at(r.json, "ports.0.forward.state"), "active",
	    "... active");
	http_resp_free(&r);
	api(&r, "GET", "/api/v1/pods/web", NULL);
	is_str(json_str_at(r.json, "pod.ports.0.forward.state"), "active",
	    "GET /pods/web shows it active too");
	http_resp_free(&r);

	/* TCP and UDP through nginx to a loopback "pod" (see the top) */
	api(&r, "POST", "/api/v1/pods", "{\"id\":\"fwd\",\"endpoint\":\"pve1\","
	    "\"image\":\"" TMPL "\",\"network\":{\"ip\":\"127.0.0.1/8\"}}");
	is_int(r.status, 201, "pod fwd, its address 127.0.0.1 (a stand-in "
	    "runs no container)");
	http_resp_free(&r);
	svc = sock_on(SOCK_STREAM, &cp);
	usvc = sock_on(SOCK_DGRAM, &cp2);
	ok(svc >= 0 && usvc >= 0, "the test listens for the pod on TCP %d and "
	    "UDP %d", cp, cp2);
	hp3 = harness_free_port();
	forward_ok("fwd", "tcp", cp, hp3, "a TCP forward to it");
	c = dial(hp3);
	s = readable(svc) ? accept(svc, NULL, NULL) : -1;
	ok(c >= 0 && s >= 0, "a connection to host port %d reaches the pod's "
	    "port %d", hp3, cp);
	if (c >= 0)
		(void)!write(c, "ping from a client", 18);
	take(s, buf, sizeof(buf), NULL);
	is_str(buf, "ping from a client", "bytes go in");
	if (s >= 0)
		(void)!write(s, "pong from the pod", 17);
	take(c, buf, sizeof(buf), NULL);
	is_str(buf, "pong from the pod", "bytes come back");
	if (c >= 0)
		close(c);
	if (s >= 0)
		close(s);
	hp4 = harness_free_port();
	forward_ok("fwd", "udp", cp2, hp4, "a UDP forward");
	u = socket(AF_INET, SOCK_DGRAM, 0);
	{
		struct sockaddr_in to = loopback(hp4);

		ok(u >= 0 && sendto(u, "udp in", 6, 0, (struct sockaddr *)&to,
		    sizeof(to)) == 6, "a datagram to host port %d", hp4);
	}
	take(usvc, buf, sizeof(buf), &from);
	is_str(buf, "udp in", "it reaches the pod's port %d", cp2);
	ok(sendto(usvc, "udp out", 7, 0, (struct sockaddr *)&from,
	    sizeof(from)) == 7, "the pod answers");
	take(u, buf, sizeof(buf), NULL);
	is_str(buf, "udp out", "the answer comes back");
	if (u >= 0)
		close(u);
	close(usvc);

	/* delete: the stream, the rule and the mapping go */
	snprintf(buf, sizeof(buf), "/api/v1/pods/web/ports/%d", hp1 + 1);
	expect("DELETE", buf, NULL, 404, "NOT_FOUND", "no such forward: 404");
	snprintf(buf, sizeof(buf), "/api/v1/pods/web/ports/%d?protocol=udp",
	    hp1);
	expect("DELETE", buf, NULL, 404, "NOT_FOUND",
	    "not that protocol: 404");
	snprintf(buf, sizeof(buf), "/api/v1/pods/web/ports/%d", hp1);
	expect("DELETE", buf, NULL, 200, NULL, "DELETE the forward");
	is_int(n_rules("web"), 0, "its firewall rule is gone");
	snprintf(name, sizeof(name), "pod-web-tcp-%d", hp1);
	ok(!proxy_has(name), "its stream is gone");
	ok(until_closed(hp1), "nothing listens on host port %d", hp1);
	expect("DELETE", buf, NULL, 404, "NOT_FOUND", "DELETE again: 404");
	forward_ok("fwd", "tcp", cp, hp1, "the host port is free again for "
	    "another pod");
	c = dial(hp1);
	s = readable(svc) ? accept(svc, NULL, NULL) : -1;
	ok(c >= 0 && s >= 0, "and carries a connection to it");
	if (c >= 0)
		close(c);
	if (s >= 0)
		close(s);
	close(svc);
	fwd_ports[0] = hp1;
	fwd_ports[1] = hp3;

	api(&r, "POST", "/api/v1/pods/web/mounts", "{\"size\":2,"
	    "\"mount_point\":\"/srv/data\"}");
	is_int(r.status, 201, "a new volume mounted");
	is_str(json_str_at(r.json, "mount.mp"), "mp0", "as mp0");
	http_resp_free(&r);
	expect("POST", "/api/v1/pods/web/mounts", "{\"volume\":\"/etc\","
	    "\"mount_point\":\"/host\"}", 403, "FORBIDDEN",
	    "a host path without allow_privileged: 403");
	expect("POST", "/api/v1/pods/web/mounts", "{\"size\":2,"
	    "\"mount_point\":\"relative\"}", 400, "INVALID_REQUEST",
	    "a relative mount point: 400");
	api(&r, "GET", "/api/v1/pods/web", NULL);
	is_str(json_str_at(r.json, "pod.mounts.0.mount_point"), "/srv/data",
	    "the pod shows it");
	http_resp_free(&r);
	expect("DELETE", "/api/v1/pods/web/mounts/mp7", NULL, 404, NULL,
	    "an unknown mount point: 404");
	expect("DELETE", "/api/v1/pods/web/mounts/mp0", NULL, 200, NULL,
	    "unmount mp0");
}

/* The runtime interface on the same endpoint: the container routes
 * where Proxmox has the call, 400 naming the endpoint where it has not. */
static void
containers_routes(void)
{
	struct http_resp r;
	char path[160];
	long vmid;

	api(&r, "GET", "/api/v1/pods/web", NULL);
	vmid = (long)json_object_get_int64(json_at(r.json, "pod.vmid"));
	http_resp_free(&r);
	api(&r, "GET", "/api/v1/containers?endpoint=pve1", NULL);
	is_int(r.status, 200, "GET /containers on the proxmox endpoint");
	ok(r.body && strstr(r.body, "\"cc.pod\":\"web\""),
	    "... lists the pod's container, labelled");
	http_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/containers/%ld/stats?endpoint="
	    "pve1", vmid);
	api(&r, "GET", path, NULL);
	is_int(r.status, 200, "stats from status/current");
	ok(json_object_get_int64(json_at(r.json, "stats.memory_limit")) > 0,
	    "... with its memory limit");
	http_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/containers/%ld/exec?endpoint="
	    "pve1", vmid);
	says("POST", path, "{\"command\":\"ls\"}", 400, "'pve1'",
	    "exec has no Proxmox REST equivalent");
	says("POST", "/api/v1/jobs", "{\"image\":\"" TMPL "\",\"command\":"
	    "\"ls\",\"endpoint\":\"pve1\"}", 400, "pve1",
	    "a job on the proxmox endpoint");
}

static void
races_and_timeouts(void)
{
	struct http_resp r;
	long v1, v2;

	/* nextid hands out a taken id (terraform-provider-proxmox #1610) */
	fault("nextid_stale", 1, 0, 0);
	api(&r, "POST", "/api/v1/pods", "{\"id\":\"race\",\"endpoint\":\"pve1\","
	    "\"image\":\"" TMPL "\"}");
	if (!is_int(r.status, 201, "a create while nextid is stale: 201"))
		diag("%s", r.body ? r.body : "");
	v1 = (long)json_object_get_int64(json_at(r.json, "pod.vmid"));
	http_resp_free(&r);
	fault("nextid_stale", 0, 0, 0);
	api(&r, "GET", "/api/v1/pods/web", NULL);
	v2 = (long)json_object_get_int64(json_at(r.json, "pod.vmid"));
	http_resp_free(&r);
	ok(v1 >= 100 && v1 != v2, "... on a vmid of its own (%ld, not %ld)",
	    v1, v2);

	/* a task longer than runtime_timeout: 504, the record kept; the
	 * same request again finds the container by its tag */
	fault("slow_task", 1, 1, 4);
	api(&r, "POST", "/api/v1/pods", "{\"id\":\"slow\",\"endpoint\":\"pve1\","
	    "\"image\":\"" TMPL "\"}");
	is_int(r.status, 504, "a create past runtime_timeout: 504");
	http_resp_free(&r);
	harness_msleep(4500);
	api(&r, "POST", "/api/v1/pods", "{\"id\":\"slow\",\"endpoint\":\"pve1\","
	    "\"image\":\"" TMPL "\"}");
	if (!is_int(r.status, 201, "the same request again: 201"))
		diag("%s", r.body ? r.body : "");
	ok(json_at(r.json, "pod.resumed") &&
	    json_object_get_boolean(json_at(r.json, "pod.resumed")),
	    "... resumed, not made twice");
	http_resp_free(&r);
	{
		json_object *l = standin_req("GET", "/api2/json/nodes/pve/lxc",
		    NULL);
		size_t i, n = 0;

		for (i = 0; i < json_object_array_length(json_at(l, "data"));
		    i++)
			n += json_str_at(json_object_array_get_idx(json_at(l,
			    "data"), i), "tags") && strstr(json_str_at(
			    json_object_array_get_idx(json_at(l, "data"), i),
			    "tags"), "cc-pod-slow") != NULL;
		is_int(n, 1, "one container tagged cc-pod-slow");
		json_object_put(l);
	}

	/* the engine failing */
	fault("http_500", 1, 0, 0);
	expect("GET", "/api/v1/pods/web", NULL, 502, "RUNTIME_ERROR",
	    "the engine's 500: 502");
	fault("http_500", 0, 0, 0);
	/* aimed at the pod's own calls: the pool's engine follower and
	 * sampler read the same stand-in meanwhile */
	{
		struct http_resp pr;
		char body[200];

		api(&pr, "GET", "/api/v1/pods/web", NULL);
		snprintf(body, sizeof(body), "{\"name\":\"drop\",\"on\":"
		    "true,\"count\":1,\"path\":\"/api2/json/nodes/%s/lxc/"
		    "%s\"}", json_str_at(pr.json, "pod.node") ?
		    json_str_at(pr.json, "pod.node") : "pve",
		    json_str_at(pr.json, "pod.ref") ?
		    json_str_at(pr.json, "pod.ref") : "100");
		http_resp_free(&pr);
		json_object_put(standin_req("POST", "/_standin/fault", body));
	}
	expect("GET", "/api/v1/pods/web", NULL, 502, "RUNTIME_ERROR",
	    "a dropped connection: 502");
}

/* GETs path until its task is no longer running (at most 30 s): the
 * last answer into r. */
static void
until_done(const char *path, struct http_resp *r)
{
	int i;

	for (i = 0; i < 60; i++) {
		api(r, "GET", path, NULL);
		if (json_str_at(r->json, "task.state") == NULL ||
		    strcmp(json_str_at(r->json, "task.state"), "running") != 0)
			return;
		http_resp_free(r);
		harness_msleep(500);
	}
	api(r, "GET", path, NULL);
}

static void
template_download(void)
{
	struct http_resp r;
	json_object *ck;
	char body[512], path[128], id[64] = "";
	const char *url = "https://images.example.org/tmpl/busybox.tar.zst";
	uint64_t t0;

	expect("POST", "/api/v1/images/prepare", "{\"endpoint\":\"pve1\","
	    "\"url\":\"ftp://x/y\",\"filename\":\"y.tar.zst\"}", 400,
	    "INVALID_REQUEST", "a bad url: 400");
	expect("POST", "/api/v1/images/prepare", "{\"endpoint\":\"pve1\","
	    "\"url\":\"https://x/y\",\"filename\":\"../y\"}", 400,
	    "INVALID_REQUEST", "a bad file name: 400");
	snprintf(path, sizeof(path), "/_standin/checksum?url=%s&algorithm="
	    "sha256", url);
	ck = standin_req("GET", path, NULL);
	snprintf(body, sizeof(body), "{\"endpoint\":\"pve1\",\"url\":\"%s\","
	    "\"filename\":\"busybox.tar.zst\",\"checksum\":\"%s\","
	    "\"checksum_algorithm\":\"sha256\",\"storage\":\"local\"}", url,
	    json_str_at(ck, "checksum") ? json_str_at(ck, "checksum") :
	    json_str_at(ck, "data") ? json_str_at(ck, "data") : "00");
	json_object_put(ck);
	t0 = (uint64_t)time(NULL);
	api(&r, "POST", "/api/v1/images/prepare", body);
	if (!is_int(r.status, 202, "POST /images/prepare: 202"))
		diag("%s", r.body ? r.body : "");
	ok((uint64_t)time(NULL) - t0 <= 2, "answered at once");
	is_str(json_str_at(r.json, "task.state"), "running", "running");
	ok(http_header(&r, "Location") != NULL, "with a Location");
	snprintf(id, sizeof(id), "%s", json_str_at(r.json, "task.id") ?
	    json_str_at(r.json, "task.id") : "");
	http_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/images/prepare/%s", id);
	until_done(path, &r);
	if (!is_str(json_str_at(r.json, "task.state"), "completed",
	    "the download completed, past request_timeout, no worker held"))
		diag("%s", r.body ? r.body : "");
	is_str(json_str_at(r.json, "task.volume"),
	    "local:vztmpl/busybox.tar.zst", "its volume");
	ok((uint64_t)time(NULL) - t0 >= 5, "it took longer than a request "
	    "may (request_timeout 3 s)");
	http_resp_free(&r);
	api(&r, "POST", "/api/v1/pods", "{\"id\":\"bb\",\"endpoint\":\"pve1\","
	    "\"image\":\"local:vztmpl/busybox.tar.zst\"}");
	is_int(r.status, 201, "a pod from the downloaded template");
	http_resp_free(&r);

	fault("fail_task", 1, 1, 0);
	snprintf(body, sizeof(body), "{\"endpoint\":\"pve1\",\"url\":\"%s2\","
	    "\"filename\":\"b2.tar.zst\"}", url);
	api(&r, "POST", "/api/v1/images/prepare", body);
	snprintf(path, sizeof(path), "/api/v1/images/prepare/%s",
	    json_str_at(r.json, "task.id") ? json_str_at(r.json, "task.id") :
	    "x");
	http_resp_free(&r);
	until_done(path, &r);
	is_str(json_str_at(r.json, "task.state"), "failed", "a failed download");
	ok(json_str_at(r.json, "task.exitstatus") &&
	    strstr(json_str_at(r.json, "task.exitstatus"), "simulated"),
	    "... with the task's exitstatus");
	http_resp_free(&r);
	expect("GET", "/api/v1/images/prepare/prep_0000000000000000", NULL, 404,
	    "NOT_FOUND", "an unknown task: 404");
	expect("GET", "/api/v1/images/prepare/xyz", NULL, 400,
	    "INVALID_REQUEST", "a bad task id: 400");
}

static void
ownership(void)
{
	char alice[300], path[96];
	const char *k;
	struct http_resp r;

	cli("user", "add", "alice", "--role", "operator");
	k = cli("key", "create", "alice", NULL, NULL);
	snprintf(alice, sizeof(alice), "X-API-Key: %s", k);
	ok(strlen(k) > 8, "a key for alice");
	is_int(api_as(alice, NULL, "GET", "/api/v1/pods/web", NULL), 404,
	    "another user's pod is 404");
	is_int(api_as(alice, NULL, "DELETE", "/api/v1/pods/web?force=true",
	    NULL), 404, "... and cannot be deleted");
	is_int(api_as(alice, NULL, "GET", "/api/v1/pods/fwd/ports", NULL), 404,
	    "another user's pod's forwards are 404");
	is_int(api_as(alice, NULL, "POST", "/api/v1/pods/fwd/ports",
	    "{\"container_port\":80,\"host_port\":18097}"), 404,
	    "... she cannot add one");
	snprintf(path, sizeof(path), "/api/v1/pods/fwd/ports/%d",
	    fwd_ports[0]);
	is_int(api_as(alice, NULL, "DELETE", path, NULL), 404,
	    "... nor delete one");
	is_str(fwd_state("fwd", fwd_ports[0]), "active", "... which stays");
	api_as(alice, &r, "GET", "/api/v1/pods", NULL);
	is_int(json_object_get_int64(json_at(r.json, "total")), 0,
	    "alice lists none");
	http_resp_free(&r);
	is_int(api_as(alice, NULL, "POST", "/api/v1/pods", "{\"id\":\"mine\","
	    "\"endpoint\":\"pve1\",\"image\":\"" TMPL "\"}"), 201,
	    "alice makes her own");
	api_as(alice, &r, "GET", "/api/v1/pods/mine", NULL);
	is_str(json_str_at(r.json, "pod.owner"), "alice", "owned by alice");
	http_resp_free(&r);
}

static void
cleanup_pods(void)
{
	static const char *ids[] = { "web", "db", "race", "slow", "bb",
	    "mine" };
	char path[64];
	size_t i;

	/* a pod's delete takes its forwards away */
	expect("DELETE", "/api/v1/pods/fwd", NULL, 200, NULL,
	    "DELETE pod fwd, with three forwards");
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "pod-fwd-tcp-%d", fwd_ports[i]);
		ok(!proxy_has(path), "its stream %s is gone", path);
		ok(until_closed(fwd_ports[i]), "nothing listens on host port "
		    "%d", fwd_ports[i]);
	}
	{
		struct http_resp r;

		api(&r, "GET", "/api/v1/proxy/streams", NULL);
		ok(r.body && strstr(r.body, "pod-fwd-") == NULL,
		    "no stream of pod fwd is left");
		http_resp_free(&r);
	}
	is_int(forward(NULL, "web", "tcp", 80, fwd_ports[0]), 201,
	    "its host port forwards for another pod");
	snprintf(path, sizeof(path), "/api/v1/pods/web/ports/%d",
	    fwd_ports[0]);
	expect("DELETE", path, NULL, 200, NULL, "... and goes");

	expect("DELETE", "/api/v1/pods/db?force=true", NULL, 200, NULL,
	    "DELETE a running pod with force=true");
	expect("GET", "/api/v1/pods/db", NULL, 404, "POD_NOT_FOUND",
	    "gone");
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		snprintf(path, sizeof(path), "/api/v1/pods/%s?force=true",
		    ids[i]);
		api(NULL, "DELETE", path, NULL);
	}
	{
		json_object *l = standin_req("GET", "/api2/json/nodes/pve/lxc",
		    NULL);

		is_int(json_object_array_length(json_at(l, "data")), 0,
		    "every container destroyed");
		json_object_put(l);
	}
}

int
main(void)
{
	static const char *left[] = { "pve-standin.crt", "pve-standin.key",
	    "pve-standin.fingerprint" };
	char script[4200], out[256], conf[1024];
	const char *tmp = getenv("TMPDIR");
	size_t i;

	setenv("STACK_PODMAN", "0", 0);
	setenv("STACK_APACHE_PORT", "none", 0);
	snprintf(standin_dir, sizeof(standin_dir), "%s/cc-pve-XXXXXX",
	    tmp ? tmp : "/tmp");
	if (mkdtemp(standin_dir) == NULL)
		bail_out("mkdtemp: %s", strerror(errno));
	snprintf(script, sizeof(script), "%s/tests/pve/pve-standin", srcdir());
	{
		char *argv[] = { "/usr/bin/python3", script, "--make-cert",
		    standin_dir, NULL };

		if (run(argv, out, sizeof(out)) < 0)
			bail_out("the stand-in cannot make its certificate");
	}
	snprintf(fingerprint, sizeof(fingerprint), "%s", out);
	atexit(stop_all);
	if (standin_start(&pve, "pve", NULL, NULL) < 0 ||
	    standin_start(&wrong, "wrong", "--wrong-cert", NULL) < 0)
		bail_out("the Proxmox VE stand-in did not start");
	diag("STAND-IN for Proxmox VE (not Proxmox VE) at %s, pin %s",
	    pve.base, fingerprint);
	/* The reverse proxy in the stack's nginx, its forwards on loopback
	 * (proxy_listen's address); an apply waits less than a request may,
	 * and a forward answered "pending" is waited for. */
	snprintf(conf, sizeof(conf), "runtime_timeout = 2\n"
	    "request_timeout = 3\nproxy_server = nginx\n"
	    "proxy_check = nginx -t -q -c @STACK_DIR@/nginx/nginx.conf "
	    "-p @STACK_DIR@/nginx/\n"
	    "proxy_reload = signal:@STACK_DIR@/nginx/nginx.pid\n"
	    "proxy_error_log = @STACK_DIR@/logs/nginx-error.log\n"
	    "proxy_listen = 127.0.0.1:%d\nproxy_apply_timeout = 2s\n",
	    harness_free_port());
	harness_start(conf);
	if (harness_admin_header() == NULL) {
		skip(1, "the stack has no admin key");
		return done_testing();
	}
	endpoints();
	create_and_list();
	lifecycle();
	ports_mounts();
	containers_routes();
	races_and_timeouts();
	template_download();
	ownership();
	cleanup_pods();
	stop_all();
	for (i = 0; i < sizeof(left) / sizeof(left[0]); i++) {
		snprintf(script, sizeof(script), "%s/%s", standin_dir, left[i]);
		unlink(script);
	}
	rmdir(standin_dir);
	return done_testing();
}
