/*
 * Unit tests: the lxd driver's parsers on the answers a real LXD 5.0.2
 * gave (tests/stack/lxd-samples): the three envelope shapes, operation
 * outcomes, errors mapped (LXD has no 409: its words make conflicts;
 * host paths never reach a message), rows, stats, images, the event
 * stream's messages as ours; then the
 * requests against a fake LXD on a unix socket that replays samples (an
 * async call waited, a wait that times out and goes on, a failed
 * operation, exec's recorded output capped); the pod members (get in
 * the pods' shape, a shrink refused before anything is sent, find by
 * name and mark), the console's channel paths, pinned endpoints and
 * LXD's times; the create body, the instance spec's privileged options,
 * and the SSH key check.
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
#include "runtimes/lxd.h"
#include "runtimes/runtime.h"
#include "unit.h"

static struct rt_endpoint ep;
static char sock_path[108];

/* A sample's bytes (NUL-terminated; the caller frees), or NULL. */
static char *
sample(const char *name, size_t *len)
{
	const char *src = getenv("CC_SRCDIR");
	char path[4096];
	char *buf = NULL;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/tests/stack/lxd-samples/%s",
	    src ? src : ".", name);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = calloc(1, (size_t)n + 1)) &&
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf != NULL && len != NULL)
		*len = (size_t)n;
	fclose(f);
	return buf;
}

/* The envelope of a sample as LXD sent it with status. */
static int
envelope(const char *name, long status, json_object **meta, char *op,
    struct rt_err *e)
{
	size_t len = 0;
	char *b = sample(name, &len);
	int rc;

	if (b == NULL) {
		printf("# sample %s missing\n", name);
		return -99;
	}
	rc = lx_envelope(&ep, status, b, len, RT_K_CONTAINER, meta, op, e);
	free(b);
	return rc;
}

/* A sample's metadata object (a new reference). */
static json_object *
meta_of(const char *name)
{
	json_object *m = NULL;
	struct rt_err e;
	char op[64];

	if (envelope(name, 200, &m, op, &e) < 0)
		return NULL;
	return m;
}

static void
test_envelopes(void)
{
	json_object *m = NULL;
	struct rt_err e;
	char op[64];

	/* sync: the metadata */
	CHECK_INT(envelope("instances-get.json", 200, &m, op, &e), LX_SYNC);
	CHECK(json_object_is_type(m, json_type_array));
	json_object_put(m);
	/* async: the operation's id and the operation */
	CHECK_INT(envelope("instances-post-async.json", 202, &m, op, &e),
	    LX_ASYNC);
	CHECK(strlen(op) == 36 && strchr(op, '/') == NULL);
	CHECK_STR(jget_str(m, "status"), "Running");
	json_object_put(m);
	/* errors by status and words */
	CHECK_INT(envelope("error-404-instance.json", 404, &m, op, &e), -1);
	CHECK(m == NULL);
	CHECK_INT(e.code, RT_E_NOT_FOUND);
	CHECK_INT(e.kind, RT_K_CONTAINER);
	CHECK_INT(ctr_rt_code(&e), CC_E_CONTAINER_NOT_FOUND);
	CHECK_INT(envelope("instances-post-unknown-alias.json", 404, &m, op,
	    &e), -1);
	CHECK_INT(ctr_rt_code(&e), CC_E_IMAGE_NOT_FOUND);
	CHECK_INT(envelope("networks-post-macvlan-duplicate.json", 400, &m,
	    op, &e), -1);
	CHECK_INT(e.code, RT_E_CONFLICT);
	CHECK_INT(envelope("instance-patch-proxy-port-taken.json", 500, &m,
	    op, &e), -1);
	CHECK_INT(e.code, RT_E_CONFLICT);
	CHECK_INT(envelope("instance-patch-proxy-no-tcp-prefix.json", 500, &m,
	    op, &e), -1);
	CHECK_INT(e.code, RT_E_INVALID);
	CHECK_INT(envelope("error-400-bad-json.json", 400, &m, op, &e), -1);
	CHECK_INT(e.code, RT_E_INVALID);
	CHECK_INT(envelope("instance-put-etag-mismatch.json", 412, &m, op,
	    &e), -1);
	CHECK_INT(e.code, RT_E_CONFLICT);
	/* a host path never reaches the message */
	CHECK_INT(envelope("exec-output-deleted-get.json", 500, &m, op, &e),
	    -1);
	CHECK(strstr(e.msg, "/tmp/") == NULL);
	CHECK(strstr(e.msg, "no such file") != NULL);
	CHECK(strstr(e.msg, "endpoint 'lx'") != NULL);
	CHECK_INT(e.status, 500);
	/* hostile answers: a malformed one is RT_E_PROTO, never a crash */
	CHECK_INT(lx_envelope(&ep, 200, "not json", 8, RT_K_NONE, &m, op, &e),
	    -1);
	CHECK_INT(e.code, RT_E_PROTO);
	CHECK_INT(lx_envelope(&ep, 200, "{\"type\":\"sync\",", 15, RT_K_NONE,
	    &m, op, &e), -1);
	CHECK_INT(e.code, RT_E_PROTO);
	CHECK_INT(lx_envelope(&ep, 200, "{\"type\":\"weird\"}", 16, RT_K_NONE,
	    &m, op, &e), -1);
	CHECK_INT(e.code, RT_E_PROTO);
	CHECK_INT(lx_envelope(&ep, 202, "{\"type\":\"async\",\"operation\":"
	    "\"/1.0/operations/../../x\",\"metadata\":{\"id\":\"a/b\"}}", 82,
	    RT_K_NONE, &m, op, &e), -1);
	CHECK_INT(e.code, RT_E_PROTO);
	CHECK_INT(lx_envelope(&ep, 200, "[1,2]", 5, RT_K_NONE, &m, op, &e), -1);
	CHECK_INT(e.code, RT_E_PROTO);
	/* a sync envelope with an error status is an error */
	CHECK_INT(lx_envelope(&ep, 500, "{\"type\":\"sync\",\"metadata\":{}}",
	    29, RT_K_NONE, &m, op, &e), -1);
	CHECK_INT(e.code, RT_E_ENGINE);
	/* a proxy's HTML page */
	CHECK_INT(lx_envelope(&ep, 502, "<html>bad gateway</html>", 24,
	    RT_K_NONE, &m, op, &e), -1);
	CHECK_INT(e.code, RT_E_ENGINE);
	/* 403: the certificate is not trusted, and the message says how */
	CHECK_INT(lx_envelope(&ep, 403, "{\"type\":\"error\",\"error_code\":403,"
	    "\"error\":\"not authorized\"}", 59, RT_K_NONE, &m, op, &e), -1);
	CHECK(strstr(e.msg, "trust add") != NULL);
}

static void
test_operations(void)
{
	json_object *o;
	struct rt_err e;

	CHECK((o = meta_of("operation-wait-start-success.json")) != NULL);
	CHECK_INT(lx_op_result(&ep, o, RT_K_CONTAINER, &e), 0);
	json_object_put(o);
	o = meta_of("operation-wait-create-failure.json");
	CHECK_INT(lx_op_result(&ep, o, RT_K_CONTAINER, &e), -1);
	CHECK_INT(e.code, RT_E_CONFLICT);	/* the name exists */
	json_object_put(o);
	o = meta_of("operation-wait-unknown-fingerprint-failure.json");
	CHECK_INT(lx_op_result(&ep, o, RT_K_CONTAINER, &e), -1);
	CHECK_INT(ctr_rt_code(&e), CC_E_IMAGE_NOT_FOUND);
	json_object_put(o);
	o = meta_of("operation-wait-start-already-running.json");
	CHECK_INT(lx_op_result(&ep, o, RT_K_CONTAINER, &e), -1);
	CHECK_INT(e.code, RT_E_CONFLICT);
	json_object_put(o);
	/* still running is no outcome */
	o = meta_of("operation-wait-timeout-running.json");
	CHECK_INT(lx_op_result(&ep, o, RT_K_CONTAINER, &e), -1);
	CHECK_INT(e.code, RT_E_PROTO);
	json_object_put(o);
	/* exit 127 fails the operation, yet return is there */
	o = meta_of("operation-wait-exec-notfound.json");
	CHECK_INT(jget_int(jget_obj(o, "metadata"), "return", -1), 127);
	json_object_put(o);
}

static void
test_rows(void)
{
	json_object *arr, *row, *full, *s0, *s1, *st, *imgs, *img;

	arr = meta_of("instances-get-recursion2.json");
	CHECK(json_object_is_type(arr, json_type_array));
	row = lx_row_of(json_object_array_get_idx(arr, 0), 0);
	CHECK_STR(jget_str(row, "status"), "running");
	CHECK_STR(jget_str(row, "state"), "Running");
	CHECK_STR(jget_str(row, "owner"), "alice");
	CHECK_STR(jget_str(jget_obj(row, "labels"), "cc.owner"), "alice");
	CHECK_STR(jget_str(row, "id"), jget_str(row, "name"));
	CHECK(jget_str(row, "created_at") != NULL &&
	    jget_str(row, "created_at")[19] == 'Z');
	CHECK_STR(json_object_get_string(json_object_array_get_idx(
	    jget_arr(row, "ports"), 0)), "37510:8080");
	json_object_put(row);
	full = lx_row_of(json_object_array_get_idx(arr, 0), 1);
	CHECK_INT(jget_int(full, "memory_limit", 0), 64 << 20);
	CHECK_INT(jget_int(full, "nano_cpus", 0), 1000000000);
	CHECK(jget_obj(jget_obj(full, "networks"), "lo") != NULL);
	CHECK(jget_int(full, "pid", 0) > 0);
	json_object_put(full);
	json_object_put(arr);

	CHECK_STR(lx_status_of("Frozen"), "paused");
	CHECK_STR(lx_status_of("Stopped"), "stopped");
	CHECK_STR(lx_status_of(NULL), "stopped");
	CHECK_INT(lx_bytes("64MiB"), 64 << 20);
	CHECK_INT(lx_bytes("1GB"), 1000000000);
	CHECK_INT(lx_bytes("4096"), 4096);
	CHECK_INT(lx_bytes("50%"), 0);
	CHECK_INT(lx_bytes("-5MB"), 0);
	CHECK_INT(lx_bytes("99999999999999999999TiB"), 0);
	{
		char p[8], a[64];
		int port;

		CHECK_INT(lx_addr_parse("tcp:127.0.0.1:80", p, sizeof(p), a,
		    sizeof(a), &port), 0);
		CHECK_STR(a, "127.0.0.1");
		CHECK_INT(port, 80);
		CHECK_INT(lx_addr_parse("tcp:[::1]:8080", p, sizeof(p), a,
		    sizeof(a), &port), 0);
		CHECK_STR(a, "::1");
		CHECK_INT(lx_addr_parse("127.0.0.1:80", p, sizeof(p), a,
		    sizeof(a), &port), -1);
		CHECK_INT(lx_addr_parse("unix:/run/x", p, sizeof(p), a,
		    sizeof(a), &port), -1);
		CHECK_INT(lx_addr_parse("tcp:1.2.3.4:99999", p, sizeof(p), a,
		    sizeof(a), &port), -1);
	}

	s0 = meta_of("state-get-running.json");
	s1 = json_object_get(s0);
	st = lx_stats_of(s0, s1, 250000, NULL);
	CHECK(jget_int(st, "memory_usage", 0) > 0);
	CHECK_INT(jget_int(st, "memory_limit", -1), 0);
	CHECK(json_object_object_get_ex(st, "cpu_usage", NULL));
	CHECK(jget_str(st, "timestamp") != NULL);
	json_object_put(st);
	json_object_put(s0);
	json_object_put(s1);

	imgs = meta_of("images-get-recursion1.json");
	img = lx_image_row(json_object_array_get_idx(imgs, 0));
	CHECK_STR(jget_str(img, "repository"), "busybox");
	CHECK_INT(strlen(jget_str(img, "fingerprint")), 64);
	CHECK_STR(jget_str(img, "architecture"), "x86_64");
	CHECK(jget_int(img, "size", 0) > 1000000);
	json_object_put(img);
	json_object_put(imgs);
	/* rows of nonsense are rows of defaults */
	row = lx_row_of(NULL, 1);
	CHECK_STR(jget_str(row, "status"), "stopped");
	json_object_put(row);
}

/* The event stream's messages (events.jsonl) as ours: lifecycle events
 * on instances only, with LXD's actions as our verbs and its times in
 * nanoseconds; operations, other lifecycle events, another project's
 * instances and snapshots left out. */
static void
test_events(void)
{
	char *buf = sample("events.jsonl", NULL), *line, *save = NULL;
	json_object *in, *o;
	char verbs[1024] = "";
	int n = 0, other = 0;

	CHECK(buf != NULL);
	for (line = buf ? strtok_r(buf, "\n", &save) : NULL; line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		in = json_tokener_parse(line);
		o = lx_event_of(&ep, in);
		if (o != NULL) {
			n++;
			if (strcmp(jget_str(o, "kind"), "container") != 0 ||
			    strcmp(jget_str(o, "id"), jget_str(o, "name")) != 0 ||
			    jget_int(o, "time_ns", 0) / 1000000000LL !=
			    jget_int(o, "time", 0) || jget_int(o, "time", 0) !=
			    lx_time(jget_str(in, "timestamp")))
				other++;
			if (strcmp(jget_str(o, "id"), "cc-rec1") == 0) {
				strcat(verbs, jget_str(o, "action"));
				strcat(verbs, " ");
			}
		} else if (strcmp(jget_str(in, "type"), "lifecycle") == 0 &&
		    strstr(line, "\"instance-exec\"") != NULL)
			other++;
		json_object_put(o);
		json_object_put(in);
	}
	free(buf);
	CHECK_INT(n, 18);
	CHECK_INT(other, 0);
	CHECK(strncmp(verbs, "create start ", 13) == 0);
	CHECK(strstr(verbs, "pause unpause") != NULL);
	CHECK(strstr(verbs, "restart") != NULL);
	CHECK(strstr(verbs, "stop destroy ") != NULL);

	/* a fraction of 8 digits; another project; a snapshot; no name */
	in = json_tokener_parse("{\"type\":\"lifecycle\",\"timestamp\":"
	    "\"2026-12-01T19:59:41.42983131Z\",\"project\":\"default\","
	    "\"metadata\":{\"action\":\"instance-stopped\",\"source\":"
	    "\"/1.0/instances/p1?project=default\"}}");
	o = lx_event_of(&ep, in);
	CHECK_STR(jget_str(o, "action"), "stop");
	CHECK_STR(jget_str(o, "id"), "p1");
	CHECK_INT(jget_int(o, "time_ns", 0) % 1000000000LL, 429831310);
	json_object_put(o);
	json_object_object_add(in, "project", json_object_new_string("p2"));
	CHECK(lx_event_of(&ep, in) == NULL);
	json_object_put(in);
	in = json_tokener_parse("{\"type\":\"lifecycle\",\"metadata\":{"
	    "\"action\":\"instance-deleted\",\"source\":"
	    "\"/1.0/instances/p1/snapshots/s1\"}}");
	CHECK(lx_event_of(&ep, in) == NULL);
	json_object_put(in);
	in = json_tokener_parse("{\"type\":\"lifecycle\",\"metadata\":{"
	    "\"action\":\"instance-deleted\",\"source\":"
	    "\"/1.0/instances/\"}}");
	CHECK(lx_event_of(&ep, in) == NULL);
	json_object_put(in);
	CHECK(lx_event_of(&ep, NULL) == NULL);
}

static void
test_bodies(void)
{
	struct rt_kv cfg[] = { { "limits.cpu", "2" } }, labels[] = {
	    { "cc.owner", "bob" } }, opts[] = { { "type", "disk" },
	    { "path", "/" }, { "pool", "default" } };
	struct rt_device dev = { "root", opts, 3 };
	const char *profiles[] = { "default", "ccmv0", NULL };
	const char *env[] = { "A=1", NULL }, *argv[] = { "id", NULL };
	struct rt_create_spec s;
	struct rt_exec_spec xs;
	json_object *b;

	memset(&s, 0, sizeof(s));
	s.name = "c1";
	s.image = "busybox";
	s.config = cfg;
	s.nconfig = 1;
	s.labels = labels;
	s.nlabels = 1;
	s.devs = &dev;
	s.ndevs = 1;
	s.profiles = profiles;
	s.env = env;
	s.memory_bytes = 1 << 20;
	b = lx_create_body(&s);
	CHECK_STR(jget_str(jget_obj(b, "source"), "alias"), "busybox");
	CHECK_STR(jget_str(jget_obj(b, "config"), "user.cc.owner"), "bob");
	CHECK_STR(jget_str(jget_obj(b, "config"), LX_IMAGE_KEY), "busybox");
	CHECK_STR(jget_str(jget_obj(b, "config"), "limits.cpu"), "2");
	CHECK_STR(jget_str(jget_obj(b, "config"), "limits.memory"),
	    "1048576B");
	CHECK_STR(jget_str(jget_obj(b, "config"), "environment.A"), "1");
	CHECK_STR(jget_str(jget_obj(jget_obj(b, "devices"), "root"), "pool"),
	    "default");
	CHECK_INT(json_object_array_length(jget_arr(b, "profiles")), 2);
	json_object_put(b);
	s.image = "4c24dba0ce7f680e17e7faa514647a547b72a6deb27df472fc29f5b57ebe6434";
	s.profiles = NULL;
	b = lx_create_body(&s);
	CHECK(jget_str(jget_obj(b, "source"), "fingerprint") != NULL);
	CHECK(jget_arr(b, "profiles") == NULL);
	json_object_put(b);

	memset(&xs, 0, sizeof(xs));
	xs.argv = argv;
	xs.env = env;
	xs.workdir = "/tmp";
	b = lx_exec_body(&xs, 0);
	CHECK(jget_bool(b, "record-output", 0));
	CHECK(!jget_bool(b, "wait-for-websocket", 1));
	CHECK(!jget_bool(b, "interactive", 1));
	CHECK_STR(jget_str(b, "cwd"), "/tmp");
	CHECK_STR(jget_str(jget_obj(b, "environment"), "A"), "1");
	json_object_put(b);
	b = lx_exec_body(&xs, 1);
	CHECK(!jget_bool(b, "record-output", 1));
	CHECK(jget_bool(b, "wait-for-websocket", 0));
	json_object_put(b);
}

static void
test_routes(void)
{
	char nic[32];

	CHECK_INT(lx_default_route_nic("Iface\tDestination\tGateway\tFlags\t"
	    "RefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n"
	    "eth1\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
	    "eth9\t00000000\t0101A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0\n"
	    "eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n",
	    nic, sizeof(nic)), 0);
	CHECK_STR(nic, "eth0");
	CHECK_INT(lx_default_route_nic("Iface\tDestination\n", nic,
	    sizeof(nic)), -1);
	CHECK_INT(lx_default_route_nic("eth0\t00000000\t0\t0000\t0\t0\t0\t"
	    "00000000\n", nic, sizeof(nic)), -1);	/* not up */
}

/* ---- a fake LXD ---- */

/* Serves one canned answer per connection, in order, then exits. */
static pid_t
fake_lxd(const char *const *answers)
{
	struct sockaddr_un sa;
	int fd, c, i;
	char buf[65536];
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
		(void)read(c, buf, sizeof(buf));
		(void)write(c, answers[i], strlen(answers[i]));
		close(c);
	}
	_exit(0);
}

/* An HTTP answer around a sample (or text when it is no file name). */
static char *
answer(int status, const char *name)
{
	char *body = strchr(name, '.') ? sample(name, NULL) : strdup(name);
	char *b = NULL;

	if (body == NULL)
		body = strdup("");
	if (asprintf(&b, "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
	    "Connection: close\r\nContent-Length: %zu\r\n\r\n%s", status,
	    strlen(body), body) < 0)
		abort();
	free(body);
	return b;
}

static void
done(pid_t pid, char **a)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	for (; *a != NULL; a++)
		free(*a);
}

static void
test_requests(void)
{
	struct rt_exec_result x;
	struct rt_exec_spec xs;
	struct rt_err e;
	const char *argv[] = { "sh", "-c", "x", NULL };
	json_object *o = NULL;
	pid_t pid;

	/* an async call: waited, succeeded */
	{
		char *a[] = { answer(202, "instances-post-async.json"),
		    answer(200, "operation-wait-create-success.json"), NULL };

		pid = fake_lxd((const char *const *)a);
		CHECK_INT(lx_json(&ep, "POST", "/1.0/instances", NULL, 0,
		    RT_K_CONTAINER, &o, &e), 0);
		CHECK_STR(jget_str(o, "status"), "Success");
		json_object_put(o);
		done(pid, a);
	}
	/* a wait that comes back still running is waited again */
	{
		char *a[] = { answer(202, "exec-post-async.json"),
		    answer(200, "operation-wait-timeout-running.json"),
		    answer(200, "operation-wait-start-success.json"), NULL };

		pid = fake_lxd((const char *const *)a);
		CHECK_INT(lx_json(&ep, "PUT", "/1.0/instances/c1/state", NULL,
		    5, RT_K_CONTAINER, NULL, &e), 0);
		done(pid, a);
	}
	/* a failed operation is the error, with LXD's text */
	{
		char *a[] = { answer(202, "instances-post-async.json"),
		    answer(200, "operation-wait-create-failure.json"), NULL };

		pid = fake_lxd((const char *const *)a);
		CHECK_INT(lx_json(&ep, "POST", "/1.0/instances", NULL, 0,
		    RT_K_CONTAINER, NULL, &e), -1);
		CHECK_INT(ctr_rt_code(&e), CC_E_CONFLICT);
		CHECK(strstr(e.msg, "already exists") != NULL);
		done(pid, a);
	}
	/* exec: the exit code, the recorded output read (capped) and both
	 * logs deleted */
	{
		char *a[] = { answer(202, "exec-post-async.json"),
		    answer(200, "operation-wait-exec-exit3.json"),
		    answer(200, "exec-output-stdout.txt"),
		    answer(200, "exec-output-delete.json"),
		    answer(200, "exec-output-stderr.txt"),
		    answer(200, "exec-output-delete.json"), NULL };

		memset(&xs, 0, sizeof(xs));
		xs.argv = argv;
		xs.max_output = 30;
		pid = fake_lxd((const char *const *)a);
		CHECK_INT(lx_exec(&ep, "c1", &xs, &x, &e), 0);
		CHECK_INT(x.exit_code, 3);
		CHECK_INT(x.output_len, 30);
		CHECK(x.truncated);
		CHECK(strncmp(x.out_stdout, "uid=0(root)", 11) == 0);
		rt_exec_result_free(&x);
		done(pid, a);
	}
	/* a command that is not there: 127, not an error */
	{
		char *a[] = { answer(202, "exec-post-async.json"),
		    answer(200, "operation-wait-exec-notfound.json"),
		    answer(200, ""), answer(200, "exec-output-delete.json"),
		    answer(200, "sh: nope: not found\n"),
		    answer(200, "exec-output-delete.json"), NULL };

		memset(&xs, 0, sizeof(xs));
		xs.argv = argv;
		pid = fake_lxd((const char *const *)a);
		CHECK_INT(lx_exec(&ep, "c1", &xs, &x, &e), 0);
		CHECK_INT(x.exit_code, 127);
		CHECK(!x.truncated);
		CHECK(x.out_stderr != NULL && strstr(x.out_stderr, "not found"));
		rt_exec_result_free(&x);
		done(pid, a);
	}
	/* an exec that could not start: the operation's text */
	{
		char *a[] = { answer(202, "exec-post-async.json"),
		    answer(200, "operation-wait-exec-empty-command.json"), NULL };

		memset(&xs, 0, sizeof(xs));
		xs.argv = argv;
		pid = fake_lxd((const char *const *)a);
		CHECK_INT(lx_exec(&ep, "c1", &xs, &x, &e), -1);
		CHECK_INT(e.code, RT_E_ENGINE);
		done(pid, a);
	}
	/* names LXD cannot have are not sent */
	CHECK_INT(lx_inspect(&ep, "a_b", &o, &e), -1);
	CHECK_INT(ctr_rt_code(&e), CC_E_CONTAINER_NOT_FOUND);
	/* nobody listening: 503 */
	unlink(sock_path);
	CHECK_INT(lx_inspect(&ep, "c1", &o, &e), -1);
	CHECK_INT(ctr_rt_code(&e), CC_E_SERVICE_UNAVAILABLE);
}

/* ---- pods, the console, endpoints ---- */

/* An HTTP answer around a JSON text (kept as given). */
static char *
answer_text(int status, const char *body)
{
	char *b = NULL;

	if (asprintf(&b, "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
	    "Connection: close\r\nContent-Length: %zu\r\n\r\n%s", status,
	    strlen(body), body) < 0)
		abort();
	return b;
}

/* A pod's instance as GET ...?recursion=1 answers it (a sync envelope). */
#define POD_INSTANCE "{\"type\":\"sync\",\"status\":\"Success\"," \
	"\"status_code\":200,\"metadata\":{\"name\":\"pod-web\",\"status\":" \
	"\"Running\",\"last_used_at\":\"2026-12-01T16:46:09.4995Z\"," \
	"\"config\":{\"user.cc.pod\":\"web\"},\"devices\":{\"mp0\":{\"type\":" \
	"\"disk\",\"pool\":\"default\",\"source\":\"pod-web-mp0\",\"path\":" \
	"\"/srv\"}},\"expanded_config\":{\"user.cc.pod\":\"web\"," \
	"\"user.cc.owner\":\"ann\",\"user.cc.namespace\":\"prod\"," \
	"\"user.cc.hostname\":\"web.example\",\"user.cc.image\":\"busybox\"," \
	"\"limits.cpu\":\"2\",\"limits.memory\":\"256MiB\"," \
	"\"limits.memory.swap\":\"false\",\"user.cc.dns.servers\":" \
	"\"1.1.1.1 9.9.9.9\",\"volatile.eth0.hwaddr\":\"00:16:3e:aa:bb:cc\"}," \
	"\"expanded_devices\":{\"root\":{\"type\":\"disk\",\"path\":\"/\"," \
	"\"pool\":\"default\",\"size\":\"3GiB\"},\"mp0\":{\"type\":\"disk\"," \
	"\"pool\":\"default\",\"source\":\"pod-web-mp0\",\"path\":\"/srv\"," \
	"\"readonly\":\"true\"},\"eth0\":{\"type\":\"nic\",\"name\":\"eth0\"," \
	"\"network\":\"ccnet\",\"ipv4.address\":\"10.0.0.5\"}},\"state\":" \
	"{\"processes\":3,\"memory\":{\"usage\":4096},\"network\":{\"eth0\":" \
	"{\"addresses\":[{\"family\":\"inet\",\"address\":\"10.0.0.5\"," \
	"\"scope\":\"global\"},{\"family\":\"inet6\",\"address\":" \
	"\"fe80::1\",\"scope\":\"link\"}]}}}}}"

static void
test_pods(void)
{
	struct rt_pod_resources grow = { 0, 0, -1, 2 };
	json_object *o = NULL;
	struct rt_err e;
	char ref[64];
	pid_t pid;

	CHECK(rt_can(&ep, RT_CAP_PODS));
	/* get: the instance in the pods' shape */
	{
		char *a[] = { answer_text(200, POD_INSTANCE), NULL };

		pid = fake_lxd((const char *const *)a);
		CHECK_INT(lx_pod_ops.get(&ep, "pod-web", &o, &e), 0);
		CHECK_STR(jget_str(o, "status"), "running");
		CHECK_STR(jget_str(o, "hostname"), "web.example");
		CHECK_STR(jget_str(o, "pod_id"), "web");
		CHECK_STR(jget_str(o, "owner"), "ann");
		CHECK_STR(jget_str(o, "namespace"), "prod");
		CHECK_INT(jget_int(jget_obj(o, "resources"), "cores", 0), 2);
		CHECK_INT(jget_int(jget_obj(o, "resources"), "memory", 0), 256);
		CHECK_INT(jget_int(jget_obj(o, "resources"), "swap", -1), 0);
		CHECK_INT(jget_int(jget_obj(o, "resources"), "disk", 0), 3);
		CHECK_STR(jget_str(jget_obj(o, "network"), "bridge"), "ccnet");
		CHECK_STR(jget_str(jget_obj(o, "network"), "ip"), "10.0.0.5");
		CHECK_STR(jget_str(jget_obj(o, "network"), "hwaddr"),
		    "00:16:3e:aa:bb:cc");
		CHECK_INT(json_object_array_length(jget_arr(jget_obj(o,
		    "network"), "addresses")), 1);	/* global ones only */
		CHECK_STR(json_object_get_string(json_object_array_get_idx(
		    jget_arr(jget_obj(o, "dns"), "servers"), 1)), "9.9.9.9");
		CHECK_INT(json_object_array_length(jget_arr(o, "mounts")), 1);
		CHECK_STR(jget_str(json_object_array_get_idx(jget_arr(o,
		    "mounts"), 0), "mount_point"), "/srv");
		CHECK(json_object_get_boolean(json_object_object_get(
		    json_object_array_get_idx(jget_arr(o, "mounts"), 0),
		    "read_only")));
		CHECK(json_object_get_boolean(json_object_object_get(o,
		    "unprivileged")));
		CHECK_INT(jget_int(jget_obj(o, "stats"), "processes", 0), 3);
		CHECK(jget_int(o, "uptime", -1) > 0);
		json_object_put(o);
		done(pid, a);
	}
	/* a smaller disk is refused before anything is sent */
	{
		char *a[] = { answer_text(200, POD_INSTANCE), NULL };

		pid = fake_lxd((const char *const *)a);
		CHECK_INT(lx_pod_ops.resources(&ep, "pod-web", &grow, &o, &e),
		    -1);
		CHECK_INT(e.code, RT_E_INVALID);
		CHECK(strstr(e.msg, "only grows") != NULL);
		CHECK(o == NULL);
		done(pid, a);
	}
	/* find: the instance named for the id and marked with it */
	{
		char *a[] = { answer_text(200, POD_INSTANCE),
		    answer_text(200, POD_INSTANCE), NULL };

		pid = fake_lxd((const char *const *)a);
		CHECK_INT(lx_pod_ops.find(&ep, "web", ref, sizeof(ref), &e), 0);
		CHECK_STR(ref, "pod-web");
		/* pod-db's answer marks web: not pod db */
		CHECK_INT(lx_pod_ops.find(&ep, "db", ref, sizeof(ref), &e), -1);
		CHECK_INT(e.code, RT_E_NOT_FOUND);
		done(pid, a);
	}
	/* nothing an LXD pod cannot have is sent */
	{
		struct rt_pod_spec s;
		int existed;

		memset(&s, 0, sizeof(s));
		s.pod_id = "web";
		s.image = "busybox";
		s.res.swap_mb = -1;
		s.net.gateway = "10.0.0.1";
		unlink(sock_path);	/* nobody answers: no request made */
		CHECK_INT(lx_pod_ops.create(&ep, &s, ref, sizeof(ref),
		    &existed, &e), -1);
		CHECK_INT(e.code, RT_E_UNREACHABLE);	/* the find, first */
	}
	CHECK_INT(lx_pod_ops.image_prepare(&ep, NULL, ref, sizeof(ref), ref,
	    sizeof(ref), &e), -1);
	CHECK_INT(e.code, RT_E_UNSUPPORTED);
}

#define CONSOLE_OP "{\"type\":\"async\",\"status\":\"Operation " \
	"created\",\"status_code\":100,\"operation\":\"/1.0/operations/" \
	"36f36808-1f09-437f-abb1-557976986f08\",\"metadata\":{\"id\":" \
	"\"36f36808-1f09-437f-abb1-557976986f08\",\"class\":\"websocket\"," \
	"\"metadata\":{\"fds\":{\"0\":\"a298ce1943c48a9415456aeea35e4398ff" \
	"dc55817d384e260d5e0c95d6a6eeba\",\"control\":\"36a6f648dc8db4718fe6" \
	"2e9fc8e3d0fb9b4147705fa9d190270abaf634fa9d4f\"},\"interactive\":" \
	"true}}}"

static void
test_console(void)
{
	struct rt_console_spec cs = { NULL, NULL, 100, 30 };
	struct rt_console c;
	struct rt_err e;
	pid_t pid;

	CHECK(rt_can(&ep, RT_CAP_CONSOLE));
	{
		char *a[] = { answer_text(202, CONSOLE_OP), NULL };

		pid = fake_lxd((const char *const *)a);
		CHECK_INT(lx_console_open(&ep, "c1", &cs, &c, &e), 0);
		CHECK_STR(c.terminal, "/1.0/operations/36f36808-1f09-437f-"
		    "abb1-557976986f08/websocket?secret=a298ce1943c48a9415456a"
		    "eea35e4398ffdc55817d384e260d5e0c95d6a6eeba");
		CHECK(strstr(c.control, "secret=36a6f648dc8db4718fe6") != NULL);
		done(pid, a);
	}
	/* an answer without the control secret is malformed */
	{
		char *a[] = { answer(202, "exec-post-norecord-async.json"),
		    NULL };

		pid = fake_lxd((const char *const *)a);
		CHECK_INT(lx_console_open(&ep, "c1", &cs, &c, &e), -1);
		CHECK_INT(e.code, RT_E_PROTO);
		CHECK_STR(c.terminal, "");
		done(pid, a);
	}
	CHECK_INT(lx_console_open(&ep, "bad_name", &cs, &c, &e), -1);
	CHECK_INT(e.code, RT_E_NOT_FOUND);
}

/* tls_fingerprint, storage and bridge on lxd endpoints; no token */
static void
test_endpoint_pin(void)
{
	struct rt_endpoint_conf c = { .name = "lxp", .driver = "lxd",
	    .url = "https://127.0.0.1:8443", .tls_cert = "/x.crt",
	    .tls_key = "/x.key" };
	const char *fp = "B2:CC:0D:86:0A:2F:31:4B:0C:79:98:4B:4F:4E:01:95:B4:"
	    "DE:B5:45:9E:81:3D:75:75:15:69:C2:31:C3:40:F8";
	struct rt_endpoint x;
	struct rt_err e;

	c.tls_fingerprint = fp;
	c.storage = "default";
	c.bridge = "ccnet";
	CHECK_INT(rt_endpoint_make(&c, &x, &e), 0);
	CHECK(x.target.pinned);
	CHECK_INT(x.target.pin[0], 0xB2);
	CHECK_STR(x.storage, "default");
	CHECK_STR(x.bridge, "ccnet");
	c.tls_ca = "/ca.crt";			/* both: 400 */
	CHECK_INT(rt_endpoint_make(&c, &x, &e), -1);
	CHECK_INT(e.code, RT_E_INVALID);
	c.tls_ca = NULL;
	c.tls_fingerprint = "B2:CC";		/* malformed */
	CHECK_INT(rt_endpoint_make(&c, &x, &e), -1);
	c.tls_fingerprint = fp;
	c.storage = "a pool";
	CHECK_INT(rt_endpoint_make(&c, &x, &e), -1);
	c.storage = NULL;
	c.token = "root@pam!x=y";		/* another driver's */
	CHECK_INT(rt_endpoint_make(&c, &x, &e), -1);
	CHECK(strstr(e.msg, "token") != NULL);
	c.token = NULL;
	c.url = "unix:///var/lib/lxd/unix.socket";	/* a pin needs https */
	c.tls_cert = c.tls_key = NULL;
	CHECK_INT(rt_endpoint_make(&c, &x, &e), -1);
	/* LXD's times */
	CHECK_INT((long long)lx_time("2026-12-01T16:46:09.4995Z"),
	    1796143569LL);
	CHECK_INT((long long)lx_time("2026-12-01T18:46:09+02:00"),
	    1796143569LL);
	CHECK_INT((long long)lx_time("0001-01-01T00:00:00Z"), 0);
	CHECK(lx_iso("0001-01-01T00:00:00Z") == NULL);
}

/* ---- the instance spec and SSH keys ---- */

/* ispec_parse of a JSON text: 0, or the error's HTTP-ish code. */
static int
parse(const char *text, int admin)
{
	json_object *b = json_tokener_parse(text);
	struct cspec cs;
	int rc;

	rc = ispec_parse(b, admin, &cs);
	if (rc < 0)
		rc = cc_err_status(cs.err_code);
	cspec_free(&cs);
	json_object_put(b);
	return rc;
}

static void
test_spec(void)
{
	CHECK_INT(parse("{\"name\":\"c1\",\"image\":\"busybox\",\"config\":"
	    "{\"limits.cpu\":1,\"limits.memory\":\"64MiB\",\"user.x\":\"y\","
	    "\"security.privileged\":\"false\"},\"profiles\":[\"default\"],"
	    "\"devices\":{\"root\":{\"type\":\"disk\",\"path\":\"/\","
	    "\"pool\":\"default\"},\"eth0\":{\"type\":\"nic\",\"network\":"
	    "\"ccmv0\"}},\"start\":false}", 0), 0);
	CHECK_INT(parse("{\"name\":\"test-container\",\"image\":"
	    "\"ubuntu:20.04\"}", 0), 0);
	/* bad input */
	CHECK_INT(parse("{\"name\":\"bad_name\",\"image\":\"b\"}", 0), 400);
	CHECK_INT(parse("{\"name\":\"1abc\",\"image\":\"b\"}", 0), 400);
	CHECK_INT(parse("{\"name\":\"abc-\",\"image\":\"b\"}", 0), 400);
	CHECK_INT(parse("{\"image\":\"b\"}", 0), 400);
	CHECK_INT(parse("{\"name\":\"a\"}", 0), 400);
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"command\":\"x\"}",
	    0), 400);
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"config\":[]}", 0),
	    400);
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"devices\":{\"d\":"
	    "{\"path\":\"/x\"}}}", 0), 400);
	/* what reaches outside, for an operator */
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"config\":"
	    "{\"security.privileged\":\"true\"}}", 0), 403);
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"config\":"
	    "{\"security.nesting\":true}}", 0), 403);
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"config\":"
	    "{\"raw.lxc\":\"lxc.apparmor.profile=unconfined\"}}", 0), 403);
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"config\":"
	    "{\"raw.idmap\":\"both 0 0\"}}", 0), 403);
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"config\":"
	    "{\"volatile.idmap.next\":\"[]\"}}", 0), 403);
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"config\":"
	    "{\"user.cc.owner\":\"alice\"}}", 0), 403);
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"labels\":"
	    "{\"cc.owner\":\"alice\"}}", 0), 403);
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"devices\":{\"d\":"
	    "{\"type\":\"unix-char\",\"path\":\"/dev/kmsg\"}}}", 0), 403);
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"devices\":{\"d\":"
	    "{\"type\":\"unix-block\",\"path\":\"/dev/sda\"}}}", 0), 403);
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"devices\":{\"d\":"
	    "{\"type\":\"proxy\",\"listen\":\"tcp:127.0.0.1:1\",\"connect\":"
	    "\"unix:/var/lib/lxd/unix.socket\"}}}", 0), 403);
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"devices\":{\"d\":"
	    "{\"type\":\"disk\",\"source\":\"/etc\",\"path\":\"/mnt\"}}}", 0),
	    403);
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"devices\":{\"d\":"
	    "{\"type\":\"nic\",\"nictype\":\"physical\",\"parent\":\"eth0\"}"
	    "}}", 0), 403);
	/* bind_roots lets a disk through; .. does not */
	snprintf(svc_cfg.bind_roots, sizeof(svc_cfg.bind_roots), "/srv/data");
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"devices\":{\"d\":"
	    "{\"type\":\"disk\",\"source\":\"/srv/data/x\",\"path\":\"/mnt\"}"
	    "}}", 0), 0);
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"devices\":{\"d\":"
	    "{\"type\":\"disk\",\"source\":\"/srv/data/../../etc\",\"path\":"
	    "\"/mnt\"}}}", 0), 403);
	/* an admin: only with allow_privileged */
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"config\":"
	    "{\"security.privileged\":\"true\"}}", 1), 403);
	svc_cfg.allow_privileged = 1;
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"config\":"
	    "{\"security.privileged\":\"true\"}}", 1), 0);
	CHECK_INT(parse("{\"name\":\"a\",\"image\":\"b\",\"config\":"
	    "{\"security.privileged\":\"true\"}}", 0), 403);
	svc_cfg.allow_privileged = 0;
	svc_cfg.bind_roots[0] = '\0';
}

static void
test_keys(void)
{
	/* ssh-keygen -t ed25519 */
	static const char ed[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPWBZb"
	    "fN17APV+tRkcaeC/zDhEX3vk3FOShExC0RQ2Ie me@laptop";
	size_t klen;

	CHECK_INT(ssh_key_check(ed, &klen), 0);
	CHECK_INT(klen, strlen(ed) - strlen(" me@laptop"));
	/* no comment is fine */
	CHECK_INT(ssh_key_check("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPWBZb"
	    "fN17APV+tRkcaeC/zDhEX3vk3FOShExC0RQ2Ie", &klen), 0);
	/* the blob names another type */
	CHECK_INT(ssh_key_check("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIPWBZbfN1"
	    "7APV+tRkcaeC/zDhEX3vk3FOShExC0RQ2Ie", &klen), -1);
	CHECK_INT(ssh_key_check("ssh-rsa AAAAB3bad", &klen), -1);
	CHECK_INT(ssh_key_check("ssh-foo AAAA", &klen), -1);
	CHECK_INT(ssh_key_check("command=\"x\" ssh-ed25519 AAAAC3NzaC1lZDI1N"
	    "TE5AAAAIPWBZbfN17APV+tRkcaeC/zDhEX3vk3FOShExC0RQ2Ie", &klen), -1);
	CHECK_INT(ssh_key_check("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPWBZbf"
	    "N17APV+tRkcaeC/zDhEX3vk3FOShExC0RQ2Ie a\nssh-rsa x", &klen), -1);
	CHECK_INT(ssh_key_check("", &klen), -1);
}

int
main(void)
{
	struct rt_endpoint_conf c = { .name = "lx", .driver = "lxd" };
	char url[160];
	struct rt_err e;

	config_register_all();
	config_apply(config_live());
	config_defaults(config_live());
	rt_init();
	snprintf(sock_path, sizeof(sock_path), "/tmp/t_lxd.%d.sock",
	    (int)getpid());
	snprintf(url, sizeof(url), "unix://%s", sock_path);
	c.url = url;
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), 0);
	CHECK(ep.driver == &rt_lxd);
	/* projects: lxd has them, docker not; LXD speaks no plain tcp */
	c.project = "p1";
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), 0);
	CHECK_STR(ep.project, "p1");
	{
		char path[128];

		CHECK_INT(lx_path(&ep, path, sizeof(path), "/1.0/instances?"
		    "recursion=2"), 0);
		CHECK_STR(path, "/1.0/instances?recursion=2&project=p1");
	}
	c.project = "bad project";
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), -1);
	c.project = "p1";
	c.driver = "docker";
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), -1);
	CHECK(strstr(e.msg, "no projects") != NULL);
	c.driver = "lxd";
	c.project = NULL;
	c.url = "tcp://127.0.0.1:8443";
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), -1);
	c.url = "https://127.0.0.1:8443";
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), -1);	/* no client cert */
	c.url = url;
	CHECK_INT(rt_endpoint_make(&c, &ep, &e), 0);

	test_envelopes();
	test_operations();
	test_rows();
	test_events();
	test_bodies();
	test_routes();
	test_requests();
	test_pods();
	test_console();
	test_endpoint_pin();
	test_spec();
	test_keys();
	unlink(sock_path);
	return unit_done();
}
