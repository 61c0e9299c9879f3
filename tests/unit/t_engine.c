/*
 * Unit tests: the neutral engine layer.  The driver registry and an
 * endpoint's driver (config's "driver+url", unknown drivers refused), the
 * one mapping of RT_E_* to application errors, capabilities (a stub
 * driver without archives: rt_can says no, a job needing them is refused
 * naming the endpoint, nothing calls a NULL member), and a target's
 * headers on plain, streaming and upgraded requests to a fake engine.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fcgi-app/cc.h"
#include "handlers/handlers.h"
#include "jobs/jobs.h"
#include "runtimes/docker.h"
#include "runtimes/lxd.h"
#include "runtimes/runtime.h"
#include "unit.h"

static void
test_registry(void)
{
	struct rt_endpoint_conf c = { .name = "e1",
	    .url = "tcp://127.0.0.1:1" };
	struct rt_endpoint ep;
	struct rt_err e;

	const struct rt_driver *d;

	CHECK(rt_driver_find("docker") == &rt_docker);
	/* a registered driver has every core member */
	d = rt_driver_find("docker");
	CHECK(d->list && d->create && d->start && d->stop && d->restart &&
	    d->kill && d->remove && d->inspect && d->info && d->version &&
	    d->ping);
	CHECK(rt_driver_find("lxd") == &rt_lxd);
	CHECK(rt_driver_find(NULL) == NULL);
	CHECK_STR(rt_driver_names(), "docker, lxd, proxmox");

	/* docker is the default; naming it is the same */
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), 0);
	CHECK(ep.driver == &rt_docker);
	c.driver = "docker";
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), 0);
	CHECK(ep.driver == &rt_docker);

	/* an unknown driver is a bad request naming the known ones */
	c.driver = "hyperv";
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), -1);
	CHECK_INT(e.code, RT_E_INVALID);
	CHECK_INT(ctr_rt_code(&e), CC_E_INVALID_REQUEST);
	CHECK(strstr(e.msg, "hyperv") != NULL);
	CHECK(strstr(e.msg, "known: docker") != NULL);

	/* a credential becomes the target's Authorization header; a bad
	 * one is refused without being repeated */
	c.driver = NULL;
	c.auth = "Bearer abc";
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), 0);
	CHECK_INT((int)ep.target.nhdr, 1);
	CHECK_STR(ep.target.hdr[0].name, "Authorization");
	CHECK_STR(ep.target.hdr[0].value, "Bearer abc");
	c.auth = "Bearer abc\r\nX: y";
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), -1);
	CHECK(strstr(e.msg, "abc") == NULL);
}

struct seen {
	char	 names[8][40], drivers[8][40], urls[8][80];
	int	 n;
};

static int
collect(const struct rt_endpoint_conf *c, void *arg)
{
	struct seen *s = arg;

	if (s->n >= 8)
		return 1;
	snprintf(s->names[s->n], sizeof(s->names[0]), "%s", c->name);
	snprintf(s->drivers[s->n], sizeof(s->drivers[0]), "%s", c->driver ?
	    c->driver : "-");
	snprintf(s->urls[s->n], sizeof(s->urls[0]), "%s", c->url);
	s->n++;
	return 0;
}

static void
test_config(void)
{
	struct seen s;

	memset(&s, 0, sizeof(s));
	snprintf(rt_cfg.endpoints, sizeof(rt_cfg.endpoints), "a=unix:///run/x.sock;"
	    " b=docker+tcp://h:2375\tc=lxd+https://h:8443 junk");
	CHECK_INT(rt_endpoint_config_each(collect, &s), 0);
	CHECK_INT(s.n, 3);
	CHECK_STR(s.names[0], "a");
	CHECK_STR(s.drivers[0], "-");
	CHECK_STR(s.urls[0], "unix:///run/x.sock");
	CHECK_STR(s.names[1], "b");
	CHECK_STR(s.drivers[1], "docker");
	CHECK_STR(s.urls[1], "tcp://h:2375");
	CHECK_STR(s.names[2], "c");
	CHECK_STR(s.drivers[2], "lxd");
	CHECK_STR(s.urls[2], "https://h:8443");
	rt_cfg.endpoints[0] = '\0';
}

static enum cc_err
mapped(int code, enum rt_kind kind)
{
	struct rt_err e;

	rt_err_set(&e, code, "x");
	e.kind = kind;
	return ctr_rt_code(&e);
}

static void
test_mapping(void)
{
	CHECK_INT(mapped(RT_E_NOT_FOUND, RT_K_CONTAINER),
	    CC_E_CONTAINER_NOT_FOUND);
	CHECK_INT(mapped(RT_E_NOT_FOUND, RT_K_IMAGE), CC_E_IMAGE_NOT_FOUND);
	CHECK_INT(mapped(RT_E_NOT_FOUND, RT_K_NETWORK), CC_E_NETWORK_NOT_FOUND);
	CHECK_INT(mapped(RT_E_NOT_FOUND, RT_K_VOLUME), CC_E_VOLUME_NOT_FOUND);
	CHECK_INT(mapped(RT_E_NOT_FOUND, RT_K_ENDPOINT),
	    CC_E_ENDPOINT_NOT_FOUND);
	CHECK_INT(mapped(RT_E_NOT_FOUND, RT_K_NONE), CC_E_NOT_FOUND);
	CHECK_INT(mapped(RT_E_CONFLICT, RT_K_NONE), CC_E_CONFLICT);
	CHECK_INT(mapped(RT_E_INVALID, RT_K_NONE), CC_E_INVALID_REQUEST);
	CHECK_INT(mapped(RT_E_UNSUPPORTED, RT_K_NONE), CC_E_INVALID_REQUEST);
	CHECK_INT(mapped(RT_E_UNREACHABLE, RT_K_NONE),
	    CC_E_SERVICE_UNAVAILABLE);
	CHECK_INT(mapped(RT_E_TIMEOUT, RT_K_NONE), CC_E_TIMEOUT);
	CHECK_INT(mapped(RT_E_TOO_BIG, RT_K_NONE), CC_E_RUNTIME_ERROR);
	CHECK_INT(mapped(RT_E_PROTO, RT_K_NONE), CC_E_RUNTIME_ERROR);
	CHECK_INT(mapped(RT_E_ENGINE, RT_K_NONE), CC_E_RUNTIME_ERROR);
	CHECK_INT(mapped(RT_E_INTERNAL, RT_K_NONE), CC_E_INTERNAL_ERROR);
	/* a kind only matters for a not-found */
	CHECK_INT(mapped(RT_E_CONFLICT, RT_K_CONTAINER), CC_E_CONFLICT);
	CHECK_STR(rt_strerror(RT_E_UNREACHABLE), "engine unreachable");
	CHECK_STR(rt_strerror(12345), "unknown error");
}

/* ---- a stub driver: the core, wait, and no archives ---- */

static int stub_calls;

static int
stub_wait(const struct rt_endpoint *ep, const char *id, long t, int *code,
    struct rt_err *e)
{
	(void)ep, (void)id, (void)t, (void)e;
	stub_calls++;
	*code = 0;
	return 0;
}

static const struct rt_driver stub = {
	.name = "stub",
	.caps = RT_CAP_WAIT,
	.wait = stub_wait,
};

/* Declares archives but has no members for them: never callable. */
static const struct rt_driver liar = {
	.name = "liar",
	.caps = RT_CAP_WAIT | RT_CAP_ARCHIVE,
	.wait = stub_wait,
};

static void
test_caps(void)
{
	struct rt_endpoint ep;
	json_object *job;
	char why[256];

	memset(&ep, 0, sizeof(ep));
	snprintf(ep.name, sizeof(ep.name), "far");
	ep.driver = &rt_docker;
	CHECK(rt_can(&ep, RT_CAP_EXEC | RT_CAP_ARCHIVE | RT_CAP_LOGS |
	    RT_CAP_STATS | RT_CAP_EVENTS | RT_CAP_IMAGES | RT_CAP_BUILD |
	    RT_CAP_NETWORKS | RT_CAP_VOLUMES | RT_CAP_PAUSE | RT_CAP_WAIT |
	    RT_CAP_PRUNE));

	ep.driver = &stub;
	CHECK(rt_can(&ep, RT_CAP_WAIT));
	CHECK(!rt_can(&ep, RT_CAP_ARCHIVE));
	CHECK(!rt_can(&ep, RT_CAP_WAIT | RT_CAP_ARCHIVE));
	CHECK_STR(rt_cap_missing(&ep, RT_CAP_WAIT | RT_CAP_ARCHIVE),
	    "archives");
	CHECK(rt_cap_missing(&ep, RT_CAP_WAIT) == NULL);
	CHECK(rt_cap_missing(&ep, 0) == NULL);
	ep.driver = &liar;
	CHECK(!rt_can(&ep, RT_CAP_ARCHIVE));

	/* a job with files in needs archives: refused, naming the endpoint */
	ep.driver = &stub;
	job = json_tokener_parse("{\"image\":\"busybox\",\"input_files\":"
	    "[{\"source\":\"/a\",\"destination\":\"/in/a\"}]}");
	CHECK_INT(job_endpoint_check(job, &ep, why, sizeof(why)), -1);
	CHECK(strstr(why, "endpoint 'far'") != NULL);
	CHECK(strstr(why, "archives") != NULL);
	json_object_put(job);
	job = json_tokener_parse("{\"image\":\"busybox\",\"output_patterns\":"
	    "[\"/out/*\"]}");
	CHECK_INT(job_endpoint_check(job, &ep, why, sizeof(why)), -1);
	json_object_put(job);
	/* one without files runs on it; one without wait nowhere */
	job = json_tokener_parse("{\"image\":\"busybox\",\"input_files\":[],"
	    "\"output_patterns\":[]}");
	CHECK_INT(job_endpoint_check(job, &ep, why, sizeof(why)), 0);
	ep.driver = &liar;
	CHECK_INT(job_endpoint_check(job, &ep, why, sizeof(why)), 0);
	ep.driver = &(const struct rt_driver){ .name = "bare" };
	CHECK_INT(job_endpoint_check(job, &ep, why, sizeof(why)), -1);
	CHECK(strstr(why, "wait") != NULL);
	json_object_put(job);
	CHECK_INT(stub_calls, 0);	/* checks never call a member */
}

/* ---- a target's headers reach the engine ---- */

static char sock_path[108];

/* Answers each of n connections with its own request head as the body
 * (the third as an upgrade to a raw stream carrying the head). */
static pid_t
echo_engine(int n)
{
	struct sockaddr_un sa;
	char buf[8192], ans[9000];
	int fd, c, i, len;
	ssize_t got;
	pid_t pid;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	unlink(sock_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd,
	    8) < 0)
		abort();
	if ((pid = fork()) != 0) {
		close(fd);
		return pid;
	}
	for (i = 0; i < n; i++) {
		if ((c = accept(fd, NULL, NULL)) < 0)
			_exit(1);
		len = 0;
		while (len < (int)sizeof(buf) - 1 && (got = read(c, buf + len,
		    sizeof(buf) - 1 - (size_t)len)) > 0) {
			len += (int)got;
			buf[len] = '\0';
			if (strstr(buf, "\r\n\r\n") != NULL)
				break;
		}
		buf[len] = '\0';
		if (i == 2)
			len = snprintf(ans, sizeof(ans), "HTTP/1.1 101 UPGRADED\r\n"
			    "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n%s", buf);
		else
			len = snprintf(ans, sizeof(ans), "HTTP/1.1 200 OK\r\n"
			    "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
			    len, buf);
		(void)write(c, ans, (size_t)len);
		/* the rest of the request (a body) is read before closing:
		 * unread bytes would reset the connection */
		shutdown(c, SHUT_WR);
		while (read(c, buf, sizeof(buf)) > 0)
			;
		close(c);
	}
	_exit(0);
}

struct got {
	char	 buf[8192];
	size_t	 len;
};

static int
got_sink(void *arg, enum rt_stream s, const char *p, size_t n)
{
	struct got *g = arg;

	(void)s;
	if (p != NULL && g->len + n < sizeof(g->buf)) {
		memcpy(g->buf + g->len, p, n);
		g->len += n;
		g->buf[g->len] = '\0';
	}
	return 0;
}

static void
test_headers(void)
{
	struct rt_target t;
	struct rt_resp resp;
	struct rt_conn *c = NULL;
	struct got g;
	char url[160], err[512], buf[4096];
	size_t n;
	long status;
	pid_t pid;

	snprintf(sock_path, sizeof(sock_path), "/tmp/cc-t-engine-%d.sock",
	    (int)getpid());
	snprintf(url, sizeof(url), "unix://%s", sock_path);
	CHECK_INT(rt_target_parse(url, NULL, NULL, NULL, &t, err, sizeof(err)),
	    0);
	CHECK_INT(rt_target_header(&t, "Authorization", "Bearer s3cret"), 0);
	CHECK_INT(rt_target_header(&t, "X-Bad", "a\r\nInjected: 1"),
	    RT_E_INVALID);
	CHECK_INT(rt_target_header(&t, "Bad Name", "v"), RT_E_INVALID);
	CHECK_INT((int)t.nhdr, 1);
	pid = echo_engine(3);

	CHECK_INT(rt_http(&t, "GET", "/plain", NULL, NULL, 0, 65536, 5, &resp,
	    err, sizeof(err)), RT_OK);
	CHECK_INT(resp.status, 200);
	CHECK(resp.body != NULL && strstr(resp.body, "GET /plain ") != NULL);
	CHECK(resp.body != NULL && strstr(resp.body,
	    "Authorization: Bearer s3cret\r\n") != NULL);
	rt_resp_free(&resp);

	memset(&g, 0, sizeof(g));
	CHECK_INT(rt_http_stream(&t, "GET", "/stream", NULL, NULL, 0, 5,
	    &status, got_sink, &g, err, sizeof(err)), RT_OK);
	CHECK_INT(status, 200);
	CHECK(strstr(g.buf, "Authorization: Bearer s3cret\r\n") != NULL);

	CHECK_INT(rt_http_upgrade(&t, "POST", "/raw", "application/json", "{}",
	    2, "tcp", 5, &status, &c, err, sizeof(err)), RT_OK);
	CHECK_INT(status, 101);
	CHECK(c != NULL);
	memset(&g, 0, sizeof(g));
	while (c != NULL && rt_conn_recv(c, buf, sizeof(buf), &n, err,
	    sizeof(err)) == RT_OK && n > 0)
		got_sink(&g, RT_RAW, buf, n);
	CHECK(strstr(g.buf, "POST /raw HTTP/1.1\r\n") != NULL);
	CHECK(strstr(g.buf, "Upgrade: tcp\r\n") != NULL);
	CHECK(strstr(g.buf, "Authorization: Bearer s3cret\r\n") != NULL);
	rt_conn_close(c);
	/* a secret never shows in an error message */
	CHECK(strstr(err, "s3cret") == NULL);
	waitpid(pid, NULL, 0);

	/* no engine: unreachable, for the upgrade too */
	unlink(sock_path);
	CHECK_INT(rt_http_upgrade(&t, "POST", "/raw", NULL, NULL, 0, "tcp", 2,
	    &status, &c, err, sizeof(err)), RT_E_UNREACHABLE);
	CHECK(c == NULL);
	CHECK(strstr(err, "s3cret") == NULL);
}

int
main(void)
{
	int rc;

	config_register_all();
	config_defaults(config_live());
	rt_cfg.runtime_timeout = 5;
	rt_init();
	test_registry();
	test_config();
	test_mapping();
	test_caps();
	test_headers();
	rc = unit_done();
	rt_cleanup();
	return rc;
}
