/*
 * Unit tests: the Docker driver against a fake engine on a unix socket
 * that answers with canned, often hostile, responses.  A malformed,
 * mistyped or oversized answer is RUNTIME_ERROR, never a crash; engine
 * statuses map to our errors; no engine is SERVICE_UNAVAILABLE (the
 * driver's RT_E_* through the front's one mapping, ctr_rt_code).
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
#include "runtimes/runtime.h"
#include "runtimes/docker.h"
#include "unit.h"

static char sock_path[108];

/* Serves one canned answer per connection, in order, then exits. */
static pid_t
fake_engine(const char *const *answers)
{
	struct sockaddr_un sa;
	int fd, c, i;
	char buf[8192];
	pid_t pid;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	unlink(sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 8) < 0)
		abort();
	if ((pid = fork()) != 0) {
		close(fd);
		return pid;
	}
	for (i = 0; answers[i] != NULL; i++) {
		if ((c = accept(fd, NULL, NULL)) < 0)
			_exit(1);
		(void)read(c, buf, sizeof(buf));	/* the request */
		(void)write(c, answers[i], strlen(answers[i]));
		close(c);
	}
	_exit(0);
}

static char *
answer(int status, const char *body)
{
	static char bufs[8][70000];
	static int n;
	char *b = bufs[n++ % 8];

	snprintf(b, sizeof(bufs[0]), "HTTP/1.1 %d X\r\nContent-Type: "
	    "application/json\r\nConnection: close\r\nContent-Length: %zu\r\n"
	    "\r\n%s", status, strlen(body), body);
	return b;
}

static void
done(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

int
main(void)
{
	struct rt_list_opts lo = { 1, NULL };
	struct rt_endpoint_conf conf = { .name = "fake" };
	struct rt_endpoint ep;
	struct rt_err e;
	json_object *o = NULL;
	char url[160], *big;
	const char *seq[8];
	pid_t pid;
	int rc;

	config_register_all();
	config_defaults(config_live());
	rt_cfg.runtime_timeout = 5;
	snprintf(sock_path, sizeof(sock_path), "/tmp/cc-t-docker-%d.sock",
	    (int)getpid());
	snprintf(url, sizeof(url), "unix://%s", sock_path);
	conf.url = url;
	CHECK_INT(rt_endpoint_make(&conf, &ep, &e), 0);

	/* Not JSON. */
	seq[0] = answer(200, "{bad");
	seq[1] = NULL;
	pid = fake_engine(seq);
	CHECK_INT(rt_docker.list(&ep, &lo, &o, &e), -1);
	CHECK_INT(ctr_rt_code(&e), CC_E_RUNTIME_ERROR);
	CHECK(o == NULL);
	done(pid);

	/* The wrong JSON type, then rows of junk: defaults, no crash. */
	seq[0] = answer(200, "{\"a\":1}");
	seq[1] = answer(200, "[1, null, {\"Id\": 5, \"Names\": [7], "
	    "\"Ports\": \"x\", \"Labels\": [], \"Created\": \"y\"}]");
	seq[2] = NULL;
	pid = fake_engine(seq);
	CHECK_INT(rt_docker.list(&ep, &lo, &o, &e), -1);
	CHECK_INT(ctr_rt_code(&e), CC_E_RUNTIME_ERROR);
	CHECK_INT(rt_docker.list(&ep, &lo, &o, &e), 0);
	CHECK_INT(json_object_array_length(o), 3);
	CHECK_STR(json_object_get_string(json_object_object_get(
	    json_object_array_get_idx(o, 2), "status")), "stopped");
	json_object_put(o);
	done(pid);

	/* Oversized. */
	rt_cfg.runtime_max_answer = 4096;
	big = malloc(65000);
	memset(big, ' ', 64999);
	big[0] = '[';
	big[64998] = ']';
	big[64999] = '\0';
	seq[0] = answer(200, big);
	seq[1] = NULL;
	pid = fake_engine(seq);
	CHECK_INT(rt_docker.list(&ep, &lo, &o, &e), -1);
	CHECK_INT(ctr_rt_code(&e), CC_E_RUNTIME_ERROR);
	CHECK_INT(e.code, RT_E_TOO_BIG);
	CHECK(strstr(e.msg, "larger than") != NULL);
	done(pid);
	free(big);
	rt_cfg.runtime_max_answer = 16 << 20;

	/* Engine statuses. */
	seq[0] = answer(404, "{\"message\":\"no such container\"}");
	seq[1] = answer(409, "{\"message\":\"name in use\"}");
	seq[2] = answer(500, "{\"message\":\"container state improper\"}");
	seq[3] = answer(500, "{\"message\":\"boom\"}");
	seq[4] = "HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n";
	seq[5] = answer(200, "{\"Id\": 5}");
	seq[6] = NULL;
	pid = fake_engine(seq);
	CHECK_INT(rt_docker.inspect(&ep, "x", &o, &e), -1);
	CHECK_INT(ctr_rt_code(&e), CC_E_CONTAINER_NOT_FOUND);
	CHECK_INT(e.code, RT_E_NOT_FOUND);
	CHECK_INT(e.kind, RT_K_CONTAINER);
	CHECK_INT(e.status, 404);
	CHECK(strstr(e.msg, "fake") != NULL);
	CHECK_INT(rt_docker.start(&ep, "x", &e), -1);
	CHECK_INT(ctr_rt_code(&e), CC_E_CONFLICT);
	CHECK_INT(rt_docker.remove(&ep, "x", 0, &e), -1);
	CHECK_INT(ctr_rt_code(&e), CC_E_CONFLICT);
	CHECK_INT(rt_docker.remove(&ep, "x", 0, &e), -1);
	CHECK_INT(ctr_rt_code(&e), CC_E_RUNTIME_ERROR);
	CHECK_INT(e.code, RT_E_ENGINE);
	CHECK_INT(e.status, 500);
	CHECK_INT(rt_docker.start(&ep, "x", &e), RT_CHANGED_NOT);
	CHECK_INT(rt_docker.inspect(&ep, "x", &o, &e), -1);
	CHECK_INT(ctr_rt_code(&e), CC_E_RUNTIME_ERROR);
	done(pid);

	/* A half answer: the connection closes mid-body. */
	seq[0] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n[{\"Id\":";
	seq[1] = NULL;
	pid = fake_engine(seq);
	CHECK_INT(rt_docker.list(&ep, &lo, &o, &e), -1);
	CHECK_INT(ctr_rt_code(&e), CC_E_RUNTIME_ERROR);
	done(pid);

	/* No engine at all. */
	unlink(sock_path);
	CHECK_INT(rt_docker.list(&ep, &lo, &o, &e), -1);
	CHECK_INT(ctr_rt_code(&e), CC_E_SERVICE_UNAVAILABLE);
	CHECK_INT(e.code, RT_E_UNREACHABLE);
	CHECK(strstr(e.msg, "endpoint 'fake'") != NULL);
	rc = unit_done();
	rt_cleanup();
	return rc;
}
