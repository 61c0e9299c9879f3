/*
 * lxd_util.h: what the LXD end-to-end tests (t_lxd, t_pods_lxd) share:
 * exec through the API on the lxd endpoint, requests straight to the
 * test daemon's socket (set-up and checks only), a program run without
 * a shell, the lxc client on the test daemon (changes made outside the
 * API), and one TCP exchange over loopback.
 */
#ifndef CC_E2E_LXD_UTIL_H
#define CC_E2E_LXD_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ctr_util.h"

#define N "/api/v1"
#define Q "?endpoint=lxd"

/* A member as text ("" when absent), for messages and comparisons. */
static inline const char *
jstr(json_object *o, const char *path)
{
	const char *s = json_str_at(o, path);

	return s ? s : "";
}

/* POST .../exec in an LXD container; the execution object (caller puts
 * it), NULL when the call failed. */
static inline json_object *
lexec(const char *name, const char *body, long *status)
{
	struct http_resp r;
	json_object *x = NULL;
	char path[256];

	/* the endpoint named in the body, else lxd */
	snprintf(path, sizeof(path), N "/containers/%s/exec%s", name,
	    strstr(body, "\"endpoint\"") ? "" : Q);
	*status = api(&r, "NGINX_URL", "POST", path, body);
	if (r.json != NULL && json_at(r.json, "execution") != NULL)
		x = json_object_get(json_at(r.json, "execution"));
	else
		diag("exec %s: %ld %s", name, *status, r.body ? r.body : "");
	http_resp_free(&r);
	return x;
}

/* The stdout of a command, "" when it failed. */
static inline const char *
lout(const char *name, const char *cmd)
{
	static char buf[8192];
	json_object *x, *o = json_object_new_object();
	long st;

	json_object_object_add(o, "command", json_object_new_string(cmd));
	x = lexec(name, json_object_to_json_string(o), &st);
	snprintf(buf, sizeof(buf), "%s", jstr(x, "stdout"));
	json_object_put(x);
	json_object_put(o);
	return buf;
}

/* A request straight to the LXD socket (set-up and cleanup only), with
 * a JSON body or none; the status. */
static inline long
lxd_raw(const char *method, const char *path, const char *body)
{
	const char *sock = harness_env("LXD_SOCK");
	char url[512];
	long status = 0;
	CURL *h;

	if (sock == NULL || (h = curl_easy_init()) == NULL)
		return 0;
	snprintf(url, sizeof(url), "http://lxd%s", path);
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (body != NULL)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fwrite);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, stderr);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	fputc('\n', stderr);
	curl_easy_cleanup(h);
	return status;
}

/* Runs argv (no shell); its exit status, -1 if it could not run. */
static inline int
run(char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * lxc ARGS... on the test's own daemon (LXD_DIR, and a client config in
 * the stack folder, never ~/.config/lxc), without a shell, waited for at
 * most 60 s; its output in the stack folder (lxc.out, lxc.err).  args
 * end with NULL.  The exit status, or -1.
 */
static inline int
lxc_cli(const char *const args[])
{
	char out[512], err[512], conf[512];
	char *argv[16];
	size_t i;
	int rc;

	argv[0] = "lxc";
	for (i = 0; args[i] != NULL && i + 2 < sizeof(argv) / sizeof(argv[0]);
	    i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	snprintf(out, sizeof(out), "%s/lxc.out", harness_dir());
	snprintf(err, sizeof(err), "%s/lxc.err", harness_dir());
	snprintf(conf, sizeof(conf), "%s/lxc-conf", harness_dir());
	setenv("LXD_DIR", harness_env("LXD_DIR"), 1);
	setenv("LXD_CONF", conf, 1);
	rc = harness_run_in(NULL, argv, out, err, 60);
	unsetenv("LXD_DIR");
	unsetenv("LXD_CONF");
	return rc;
}

/*
 * One TCP exchange with 127.0.0.1:port: sends msg, reads until the peer
 * closes or want shows up, at most 5 s.  1 when want was read.  The
 * connection is retried a few times (the proxy's listener may take a
 * moment after the device is added): bounded, no timing assertion.
 */
static inline int
tcp_exchange(int port, const char *msg, const char *want)
{
	struct sockaddr_in sa;
	char buf[512];
	size_t got = 0;
	struct pollfd p;
	int fd, tries, n;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (tries = 0; tries < 20; tries++) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
			return 0;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		close(fd);
		fd = -1;
		harness_msleep(250);
	}
	if (fd < 0)
		return 0;
	(void)write(fd, msg, strlen(msg));
	p.fd = fd;
	p.events = POLLIN;
	while (got + 1 < sizeof(buf) && poll(&p, 1, 5000) > 0) {
		if ((n = (int)read(fd, buf + got, sizeof(buf) - 1 - got)) <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, want) != NULL)
			break;
	}
	buf[got] = '\0';
	close(fd);
	return strstr(buf, want) != NULL;
}

/* A veth pair for a macvlan parent (nothing leaves it, and the dummy
 * module is not on these machines) and a network name for LXD, each
 * made of a tag and the pid. */
struct lxnet {
	char	 a[16], b[16], net[16];
};

/* Makes the pair; 1 when it is there. */
static inline int
lxnet_veth(struct lxnet *n, const char *tag, const char *net_tag)
{
	char *add[] = { "ip", "link", "add", n->a, "type", "veth", "peer",
	    "name", n->b, NULL };

	snprintf(n->a, sizeof(n->a), "%.4s%05da", tag, (int)(getpid() %
	    100000));
	snprintf(n->b, sizeof(n->b), "%.4s%05db", tag, (int)(getpid() %
	    100000));
	snprintf(n->net, sizeof(n->net), "%.4s%05d", net_tag, (int)(getpid() %
	    100000));
	return run(add) == 0;
}

/* The LXD profile and network of that name, then the pair. */
static inline void
lxnet_drop(struct lxnet *n)
{
	char path[64];
	char *del[] = { "ip", "link", "del", n->a, NULL };

	snprintf(path, sizeof(path), "/1.0/profiles/%s", n->net);
	lxd_raw("DELETE", path, NULL);
	snprintf(path, sizeof(path), "/1.0/networks/%s", n->net);
	lxd_raw("DELETE", path, NULL);
	run(del);
}

#endif
