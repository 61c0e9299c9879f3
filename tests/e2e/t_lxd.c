/*
 * t_lxd.c: LXD end to end, on a private LXD daemon the stack starts
 * (STACK_LXD=1: tests/stack/lxd up, its own LXD_DIR, a dir pool, no
 * managed network, the busybox image; stopped by pid at the end), beside
 * the stack's Podman: the lxd endpoint registered through the API; the
 * seed's create body (an LXD image, never read as an OCI one), bad
 * names, unknown instances; lifecycle; exec (id, exit codes, a big
 * output capped); a pushed file read back with cat; add_user; authkey
 * (the file's mode and owner); a port forward that carries a loopback
 * TCP connection to busybox nc inside the container, a taken port 409
 * naming its holder; network setup on a veth pair (idempotent, 409 on
 * conflict); images listed, deleted and imported from the file store;
 * an operator who cannot see the admin's instances nor ask for
 * security.privileged; endpoint=all mixing Podman and LXD rows; each
 * LXC Tools route's update events in the REST replay (start, then
 * success or error, once, naming the instance and lxd); the driver's
 * event stream (LXD's lifecycle events in our shape, with the owner);
 * the engine follower on lxd (an lxc stop outside the API is a
 * container_event its owner sees, the API's own start is not reported
 * twice, the cached list catches up and nothing past
 * list_cache_max_age shows the old state; after the daemon restarts,
 * a change outside the API shows up again, and an instance the daemon
 * started on its way up is not listed as before); the
 * one-time console from connect (tests/console/console.js, on the ws
 * package, opens its terminal and control WebSockets through nginx,
 * resizes the terminal and runs a command; a used, expired, malformed
 * or another user's ticket is 401; the terminal alone is closed by
 * LXD); LXD over https with a client certificate it trusts (and one it
 * does not), and with the server's pinned fingerprint (and a pin one
 * digit off, refused by requests and by the WebSocket client alike);
 * and the daemon stopped mid-test (503, then recovery).  Traffic goes to
 * loopback only; every wait is bounded.
 */
#include "config.h"

#include <sys/stat.h>

#include <signal.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lxd_util.h"
#include "fcgi-app/cc.h"
#include "runtimes/runtime.h"
#include "services/services.h"
#include "storage/storage.h"

static const char key1[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPWBZbfN17"
    "APV+tRkcaeC/zDhEX3vk3FOShExC0RQ2Ie test@cc";
static const char key2[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMRQUW5bPq"
    "1935NbGuyl0byJtUK57nAwqQPFl63UOevF second@cc";

static char op_hdr[300];	/* the operator's X-API-Key line */
static int ssh_port;		/* the forward of port 22 */

/* ---- helpers ---- */

static const char *
status_of(const char *name)
{
	static char buf[32];
	struct http_resp r;
	char path[256];

	snprintf(path, sizeof(path), N "/containers/%s" Q, name);
	api(&r, "NGINX_URL", "GET", path, NULL);
	snprintf(buf, sizeof(buf), "%s", jstr(r.json, "container.status"));
	http_resp_free(&r);
	return buf;
}

/* ---- the event log, through GET /events ---- */

/* The newest event id (the replay's last_id). */
static long long
ev_last(void)
{
	struct http_resp r;
	json_object *v;
	long long id = 0;

	api(&r, "NGINX_URL", "GET", N "/events?type=none&limit=1", NULL);
	if ((v = json_at(r.json, "last_id")) != NULL)
		id = json_object_get_int64(v);
	else
		diag("no last_id: %ld %s", r.status, r.body ? r.body : "");
	http_resp_free(&r);
	return id;
}

/* The events of types (comma-separated) after since that the caller of
 * hdr may see, on endpoint ep (NULL: any) and about name (data.container,
 * data.network or data.container_name; NULL: anything): a new array,
 * oldest first. */
static json_object *
ev_about(const char *hdr, long long since, const char *ep,
    const char *types, const char *name)
{
	struct http_resp r;
	json_object *out = json_object_new_array(), *e, *a;
	const char *c;
	char path[512];
	size_t i;

	snprintf(path, sizeof(path), N "/events?since=%lld&limit=1000&type=%s"
	    "%s%s", since, types, ep ? "&endpoint=" : "", ep ? ep : "");
	api_as(&r, hdr, "NGINX_URL", "GET", path, NULL);
	a = json_at(r.json, "events");
	for (i = 0; a != NULL && i < json_object_array_length(a); i++) {
		e = json_object_array_get_idx(a, i);
		if ((c = json_str_at(e, "data.container")) == NULL &&
		    (c = json_str_at(e, "data.network")) == NULL)
			c = json_str_at(e, "data.container_name");
		if (name == NULL || (c != NULL && strcmp(c, name) == 0))
			json_object_array_add(out, json_object_get(e));
	}
	http_resp_free(&r);
	return out;
}

/*
 * The LXC Tools update events of op ("container_create") on lxd after
 * since, as "op_start op_success" ("" for none); one about anything but
 * name is shown with what it names, one on another endpoint with it
 * (the test does one action at a time: there is to be nothing else).
 * The answer is written after the handler returns, so the end of the
 * pair is waited for a moment (bounded).
 */
static const char *
ev_updates(long long since, const char *op, const char *name)
{
	static char got[512];
	json_object *a, *e;
	const char *c;
	char types[160];
	size_t i, n;
	int tries;

	snprintf(types, sizeof(types), "%s_start,%s_success,%s_error", op, op,
	    op);
	for (tries = 0; tries < 50; tries++) {
		a = ev_about(harness_admin_header(), since, NULL, types, NULL);
		got[0] = '\0';
		for (i = 0; i < json_object_array_length(a); i++) {
			e = json_object_array_get_idx(a, i);
			if ((c = json_str_at(e, "data.container")) == NULL)
				c = json_str_at(e, "data.network");
			n = strlen(got);
			snprintf(got + n, sizeof(got) - n, "%s%s", n ? " " : "",
			    jstr(e, "type"));
			if (c == NULL || strcmp(c, name) != 0) {
				n = strlen(got);
				snprintf(got + n, sizeof(got) - n, "(about %s)",
				    c ? c : "?");
			}
			if (strcmp(jstr(e, "data.endpoint"), "lxd") != 0) {
				n = strlen(got);
				snprintf(got + n, sizeof(got) - n, "(endpoint "
				    "%s)", jstr(e, "data.endpoint"));
			}
		}
		json_object_put(a);
		if (strstr(got, "_success") != NULL ||
		    strstr(got, "_error") != NULL)
			break;
		harness_msleep(100);
	}
	return got;
}

/* "op_start op_success" or "op_start op_error". */
static const char *
pair(const char *op, const char *end)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s_start %s_%s", op, op, end);
	return buf;
}

/*
 * The engine follower's container_event `word` on name after since, with
 * source engine, as the caller of hdr sees the replay: polled for (at
 * most about 30 s), a new reference or NULL.
 */
static json_object *
engine_event(const char *hdr, long long since, const char *name,
    const char *word)
{
	json_object *a, *e, *got = NULL;
	size_t i;
	int tries;

	for (tries = 0; tries < 150 && got == NULL; tries++) {
		if (tries > 0)
			harness_msleep(200);
		a = ev_about(hdr, since, "lxd", "container_event", name);
		for (i = 0; got == NULL && i < json_object_array_length(a);
		    i++) {
			e = json_object_array_get_idx(a, i);
			if (strcmp(jstr(e, "data.source"), "engine") == 0 &&
			    strcmp(jstr(e, "data.event"), word) == 0)
				got = json_object_get(e);
		}
		json_object_put(a);
	}
	return got;
}

/* GET /containers?endpoint=lxd&name=NAME (no fresh): its row's status
 * ("" when not listed), the X-Cache answer in xc. */
static const char *
listed(const char *name, char *xc, size_t xlen)
{
	static char st[32];
	struct http_resp r;
	char path[256];

	snprintf(path, sizeof(path), N "/containers" Q "&name=%s", name);
	api(&r, "NGINX_URL", "GET", path, NULL);
	snprintf(st, sizeof(st), "%s", jstr(r.json, "containers.0.status"));
	snprintf(xc, xlen, "%s", http_header(&r, "X-Cache") ?
	    http_header(&r, "X-Cache") : "");
	if (strcmp(xc, "hit") == 0 && json_at(r.json, "cache_age_ms") == NULL)
		snprintf(xc, xlen, "hit without cache_age_ms");
	http_resp_free(&r);
	return st;
}

/* Whether a list served from the follower's cache shows name with
 * status (polled for, at most about 30 s). */
static int
cache_shows(const char *name, const char *status)
{
	char xc[64];
	int tries;

	for (tries = 0; tries < 150; tries++) {
		if (tries > 0)
			harness_msleep(200);
		if (strcmp(listed(name, xc, sizeof(xc)), status) == 0 &&
		    strcmp(xc, "hit") == 0)
			return 1;
	}
	return 0;
}

/* ---- the tests ---- */

static void
test_endpoint(void)
{
	struct http_resp r;
	char body[512];

	snprintf(body, sizeof(body), "{\"name\":\"lxd\",\"driver\":\"lxd\","
	    "\"url\":\"unix://%s\"}", harness_env("LXD_SOCK"));
	is_int(api(&r, "NGINX_URL", "POST", N "/endpoints", body), 201,
	    "register the lxd endpoint");
	is_str(jstr(r.json, "endpoint.driver"), "lxd", "its driver is lxd");
	http_resp_free(&r);
	is_int(api_code("NGINX_URL", "POST", N "/endpoints", "{\"name\":"
	    "\"lx2\",\"driver\":\"lxd\",\"url\":\"tcp://127.0.0.1:8443\"}",
	    "INVALID_REQUEST", "lxd on tcp"), 400, "LXD speaks no plain tcp");
	is_int(api_code("NGINX_URL", "POST", N "/endpoints", "{\"name\":"
	    "\"lx2\",\"driver\":\"lxd\",\"url\":\"https://127.0.0.1:8443\"}",
	    "INVALID_REQUEST", "lxd https no cert"), 400,
	    "LXD over https needs a client certificate");
	is_int(api_code("NGINX_URL", "POST", N "/endpoints", "{\"name\":"
	    "\"lx2\",\"url\":\"unix:///x\",\"project\":\"p\"}",
	    "INVALID_REQUEST", "docker project"), 400,
	    "a project on a docker endpoint is 400");
	api(&r, "NGINX_URL", "GET", N "/endpoints?check=true", NULL);
	ok(strstr(r.body ? r.body : "", "\"name\":\"lxd\",\"url\"") != NULL &&
	    json_at(r.json, "endpoints.1.available") != NULL &&
	    json_object_get_boolean(json_at(r.json, "endpoints.1.available")),
	    "the lxd endpoint answers its ping");
	http_resp_free(&r);
}

static void
test_create(void)
{
	struct http_resp r;
	json_object *a;
	long long since = ev_last();

	is_int(api(&r, "NGINX_URL", "POST", N "/containers" Q, "{\"name\":"
	    "\"cc-l1\",\"image\":\"busybox\",\"config\":{\"limits.memory\":"
	    "\"64MiB\",\"limits.cpu\":1},\"labels\":{\"purpose\":\"test\"}}"),
	    201, "create an instance from the busybox alias");
	is_str(jstr(r.json, "container.status"), "running", "started");
	is_str(jstr(r.json, "container.owner"), "admin", "owned (user.cc.owner)");
	is_int(json_object_get_int64(json_at(r.json,
	    "container.memory_limit")), 64 << 20, "limits.memory applied");
	http_resp_free(&r);
	is_str(ev_updates(since, "container_create", "cc-l1"),
	    pair("container_create", "success"), "the create's update events "
	    "in the replay: start, then success, naming cc-l1 and lxd");
	since = ev_last();
	is_int(api_code("NGINX_URL", "POST", N "/containers" Q, "{\"name\":"
	    "\"test-container\",\"image\":\"ubuntu:20.04\"}", "IMAGE_NOT_FOUND",
	    "seed body"), 404, "the seed's body asks LXD for the image (no "
	    "such alias here), not an OCI registry");
	is_str(ev_updates(since, "container_create", "test-container"),
	    pair("container_create", "error"), "a create LXD refuses: start, "
	    "then error");
	a = ev_about(harness_admin_header(), since, "lxd",
	    "container_create_error", "test-container");
	ok(json_object_get_int(json_at(a, "0.data.status")) == 404 &&
	    strcmp(jstr(a, "0.data.error_code"), "IMAGE_NOT_FOUND") == 0 &&
	    strcmp(jstr(a, "0.data.user"), "admin") == 0, "the error event "
	    "says 404 IMAGE_NOT_FOUND, and whose request it was");
	json_object_put(a);
	is_int(api_code("NGINX_URL", "POST", N "/containers" Q, "{\"name\":"
	    "\"bad_name\",\"image\":\"busybox\"}", "INVALID_REQUEST",
	    "bad name"), 400, "a name LXD cannot have is 400");
	is_int(api_code("NGINX_URL", "POST", N "/containers" Q, "{\"name\":"
	    "\"x1\",\"image\":\"busybox\",\"command\":\"sh\"}",
	    "INVALID_REQUEST", "docker field"), 400,
	    "a Docker-only field is 400 on LXD");
	is_int(api_code("NGINX_URL", "POST", N "/containers" Q, "{\"name\":"
	    "\"cc-l1\",\"image\":\"busybox\"}", "CONFLICT", "dup"), 409,
	    "a name that exists is 409");
	is_int(api_code("NGINX_URL", "POST", N "/containers" Q, "{\"name\":"
	    "\"x2\",\"image\":\"busybox\",\"config\":{\"security.privileged\":"
	    "\"true\"}}", "FORBIDDEN", "admin privileged"), 403,
	    "security.privileged needs allow_privileged, even for an admin");
	/* the endpoint named in the body; start false */
	is_int(api(&r, "NGINX_URL", "POST", N "/containers", "{\"endpoint\":"
	    "\"lxd\",\"name\":\"cc-l2\",\"image\":\"busybox\",\"start\":"
	    "false}"), 201, "create with the endpoint in the body");
	is_str(jstr(r.json, "container.status"), "stopped",
	    "start false leaves it stopped");
	http_resp_free(&r);
}

static void
test_list(void)
{
	struct http_resp r;
	size_t i, n;
	int lxd = 0, podman = 0;
	json_object *row;

	is_int(api(&r, "NGINX_URL", "GET", N "/containers" Q "&name=cc-l1",
	    NULL), 200, "list the lxd endpoint");
	is_str(jstr(r.json, "containers.0.name"), "cc-l1", "cc-l1 is listed");
	is_str(jstr(r.json, "containers.0.runtime"), "lxd", "runtime lxd");
	is_str(jstr(r.json, "containers.0.labels.purpose"), "test",
	    "labels are the user.* keys");
	http_resp_free(&r);
	is_int(make_container("NGINX_URL", "cct-lp", "sleep 300"), 201,
	    "a Podman container beside them");
	is_int(api(&r, "NGINX_URL", "GET", N "/containers?endpoint=all", NULL),
	    200, "endpoint=all");
	n = json_object_array_length(json_at(r.json, "containers"));
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(json_at(r.json, "containers"),
		    i);
		if (strcmp(jstr(row, "name"), "cc-l1") == 0 &&
		    strcmp(jstr(row, "endpoint"), "lxd") == 0 &&
		    strcmp(jstr(row, "runtime"), "lxd") == 0)
			lxd = 1;
		if (strcmp(jstr(row, "name"), "cct-lp") == 0 &&
		    strcmp(jstr(row, "endpoint"), "local") == 0 &&
		    strcmp(jstr(row, "runtime"), "docker") == 0)
			podman = 1;
	}
	ok(lxd && podman, "endpoint=all mixes the LXD and the Podman rows, "
	    "each with endpoint and runtime");
	http_resp_free(&r);
}

static void
test_unknown(void)
{
	is_int(api_code("NGINX_URL", "GET", N "/containers/nope" Q, NULL,
	    "CONTAINER_NOT_FOUND", "get"), 404, "an unknown instance is 404");
	is_int(api_code("NGINX_URL", "POST", N "/containers/nope/stop" Q,
	    NULL, "CONTAINER_NOT_FOUND", "stop"), 404, "stop: 404");
	is_int(api_code("NGINX_URL", "POST", N "/containers/nope/exec" Q,
	    "{\"command\":\"id\"}", "CONTAINER_NOT_FOUND", "exec"), 404,
	    "exec: 404");
	is_int(api_code("NGINX_URL", "POST", N "/containers/nope/connect" Q,
	    NULL, "CONTAINER_NOT_FOUND", "connect"), 404, "connect: 404");
	is_int(api_code("NGINX_URL", "POST", N "/containers/nope/portforward" Q,
	    "{\"name\":\"w\",\"listen_port\":1234}", "CONTAINER_NOT_FOUND",
	    "pf"), 404, "portforward: 404");
	is_int(api_code("NGINX_URL", "GET", N "/containers/bad!name" Q, NULL,
	    "INVALID_REQUEST", "bad"), 400, "a bad name in the path is 400");
	is_int(api_code("NGINX_URL", "DELETE", N "/containers/nope" Q, NULL,
	    "CONTAINER_NOT_FOUND", "delete"), 404, "delete: 404");
}

static void
test_lifecycle(void)
{
	struct http_resp r;
	long long since;

	is_int(api(&r, "NGINX_URL", "POST", N "/containers/cc-l1/pause" Q,
	    NULL), 200, "pause (freeze)");
	is_str(jstr(r.json, "container.status"), "paused", "paused");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "POST", N "/containers/cc-l1/pause" Q, NULL);
	ok(r.status == 200 && !json_object_get_boolean(json_at(r.json,
	    "container.changed")), "pause again: 200, changed false");
	http_resp_free(&r);
	is_int(api_code("NGINX_URL", "POST", N "/containers/cc-l1/unpause" Q,
	    NULL, NULL, "unpause"), 200, "unpause (unfreeze)");
	since = ev_last();
	is_int(api(&r, "NGINX_URL", "POST", N "/containers/cc-l1/restart" Q,
	    "{\"timeout\":5}"), 200, "restart (the seed's route)");
	is_str(jstr(r.json, "container.status"), "running", "running again");
	http_resp_free(&r);
	is_str(ev_updates(since, "container_restart", "cc-l1"),
	    pair("container_restart", "success"), "restart: start, then "
	    "success");
	since = ev_last();
	is_int(api_code("NGINX_URL", "POST", N "/containers/nope/restart" Q,
	    NULL, "CONTAINER_NOT_FOUND", "restart nope"), 404,
	    "restart an unknown instance: 404");
	is_str(ev_updates(since, "container_restart", "nope"),
	    pair("container_restart", "error"), "and its start, then error");
	is_int(api_code("NGINX_URL", "POST", N "/containers/cc-l2/stop" Q,
	    NULL, NULL, "stop stopped"), 200, "stop a stopped one: 200");
	is_int(api_code("NGINX_URL", "POST", N "/containers/cc-l2/start" Q,
	    NULL, NULL, "start"), 200, "start");
	is_str(status_of("cc-l2"), "running", "cc-l2 runs");
	since = ev_last();
	is_int(api_code("NGINX_URL", "DELETE", N "/containers/cc-l2" Q, NULL,
	    "CONFLICT", "delete running"), 409,
	    "delete a running one without force: 409");
	is_str(ev_updates(since, "container_delete", "cc-l2"),
	    pair("container_delete", "error"), "LXD's refusal: start, then "
	    "error");
	since = ev_last();
	is_int(api_code("NGINX_URL", "DELETE", N "/containers/cc-l2" Q
	    "&force=true", NULL, NULL, "delete"), 200,
	    "delete with force (stopped first)");
	is_str(ev_updates(since, "container_delete", "cc-l2"),
	    pair("container_delete", "success"), "the delete: start, then "
	    "success");
	is_int(api_code("NGINX_URL", "GET", N "/containers/cc-l2" Q, NULL,
	    NULL, "gone"), 404, "it is gone");
}

static void
test_exec(void)
{
	json_object *x;
	long st;

	x = lexec("cc-l1", "{\"command\":\"id\"}", &st);
	is_int(st, 200, "exec id");
	is_str(jstr(x, "stdout"), "uid=0(root) gid=0(root)\n", "root's id");
	is_int(json_object_get_int(json_at(x, "exit_code")), 0, "exit 0");
	json_object_put(x);
	x = lexec("cc-l1", "{\"command\":[\"sh\",\"-c\",\"echo out; echo err "
	    ">&2; exit 3\"]}", &st);
	is_int(json_object_get_int(json_at(x, "exit_code")), 3, "exit code 3");
	is_str(jstr(x, "stdout"), "out\n", "stdout apart");
	is_str(jstr(x, "stderr"), "err\n", "stderr apart");
	json_object_put(x);
	x = lexec("cc-l1", "{\"command\":\"no-such-program\"}", &st);
	is_int(st, 200, "a missing command is no API error");
	is_int(json_object_get_int(json_at(x, "exit_code")), 127, "exit 127");
	json_object_put(x);
	x = lexec("cc-l1", "{\"command\":\"sh -c 'echo $FOO; pwd'\","
	    "\"environment\":{\"FOO\":\"bar\"},\"workdir\":\"/tmp\"}", &st);
	is_str(jstr(x, "stdout"), "bar\n/tmp\n", "environment and workdir");
	json_object_put(x);
	x = lexec("cc-l1", "{\"command\":\"id -u\",\"user\":\"nobody\"}", &st);
	is_str(jstr(x, "stdout"), "65534\n", "a user by name");
	json_object_put(x);
	/* 100000 lines, 588895 bytes: past exec_max_output (64k) */
	x = lexec("cc-l1", "{\"command\":\"seq 1 100000\"}", &st);
	is_int(st, 200, "a big output");
	ok(json_object_get_boolean(json_at(x, "truncated")), "truncated");
	is_int(strlen(jstr(x, "output")), 65536, "capped at exec_max_output");
	is_int(json_object_get_int(json_at(x, "exit_code")), 0,
	    "and the exit code is still there");
	json_object_put(x);
	is_int(api_code("NGINX_URL", "POST", N "/containers/cc-l1/exec" Q,
	    "{\"command\":[]}", "INVALID_REQUEST", "empty"), 400,
	    "an empty command is 400");
}

static void
test_files_users(void)
{
	struct http_resp r;

	is_int(api(&r, "NGINX_URL", "POST", N "/containers/cc-l1/files" Q,
	    "{\"dest_path\":\"/tmp/pushed.txt\",\"content\":\"pushed by the "
	    "API\\n\",\"mode\":\"0640\"}"), 201, "push a file");
	http_resp_free(&r);
	is_str(lout("cc-l1", "cat /tmp/pushed.txt"), "pushed by the API\n",
	    "cat shows the pushed file");
	is_str(lout("cc-l1", "stat -c '%a %u' /tmp/pushed.txt"), "640 0\n",
	    "with the mode asked for");
	is_int(api_code("NGINX_URL", "POST", N "/containers/cc-l1/files" Q,
	    "{\"dest_path\":\"/tmp/pushed.txt\",\"content\":\"again\\n\","
	    "\"mode\":\"0600\"}", NULL, "again"), 201, "push it again");
	is_str(lout("cc-l1", "stat -c '%a' /tmp/pushed.txt"), "600\n",
	    "an overwrite takes the new mode");
	is_int(api_code("NGINX_URL", "POST", N "/containers/cc-l1/files" Q,
	    "{\"dest_path\":\"/no/such/dir/f\",\"content\":\"x\"}",
	    "NOT_FOUND", "no dir"), 404, "a missing directory is 404");
	is_int(api(&r, "NGINX_URL", "POST", N "/containers/cc-l1/users" Q,
	    "{\"username\":\"ccuser\",\"password\":\"s3cret-pass\"}"), 201,
	    "add a user");
	is_str(jstr(r.json, "user.method"), "files",
	    "written as files (busybox has no adduser applet)");
	ok(json_object_get_boolean(json_at(r.json, "user.password_set")),
	    "its password set (through stdin)");
	http_resp_free(&r);
	ok(strstr(lout("cc-l1", "id ccuser"), "(ccuser)") != NULL,
	    "id ccuser works");
	is_str(lout("cc-l1", "grep -c ^ccuser:[$] /etc/shadow"), "1\n",
	    "a password hash in /etc/shadow");
	is_int(api_code("NGINX_URL", "POST", N "/containers/cc-l1/users" Q,
	    "{\"username\":\"ccuser\"}", "CONFLICT", "dup user"), 409,
	    "the same user again: 409");
}

static void
test_authkey(void)
{
	struct http_resp r;
	char body[1024];
	long long since = ev_last();

	snprintf(body, sizeof(body), "{\"key\":\"%s\"}", key1);
	is_int(api(&r, "NGINX_URL", "POST", N "/containers/cc-l1/authkey" Q,
	    body), 200, "deploy a key for root");
	is_int(json_object_get_int(json_at(r.json, "authkey.added")), 1,
	    "one added");
	is_int(json_object_get_int(json_at(r.json, "authkey.total")), 1,
	    "one in all");
	http_resp_free(&r);
	is_str(ev_updates(since, "authkey_deploy", "cc-l1"),
	    pair("authkey_deploy", "success"), "authkey: start, then success");
	snprintf(body, sizeof(body), "{\"keys\":[\"%s\",\"%s\"],\"user\":"
	    "\"root\"}", key1, key2);
	api(&r, "NGINX_URL", "POST", N "/containers/cc-l1/authkey" Q, body);
	ok(r.status == 200 && json_object_get_int(json_at(r.json,
	    "authkey.added")) == 1 && json_object_get_int(json_at(r.json,
	    "authkey.total")) == 2, "only the new key is appended");
	http_resp_free(&r);
	is_str(lout("cc-l1", "stat -c '%a %U' /root/.ssh "
	    "/root/.ssh/authorized_keys"), "700 root\n600 root\n",
	    "~/.ssh 0700 and authorized_keys 0600, root's");
	is_str(lout("cc-l1", "grep -c ssh-ed25519 /root/.ssh/authorized_keys"),
	    "2\n", "both keys in the file");
	snprintf(body, sizeof(body), "{\"key\":\"%s\",\"user\":\"ccuser\"}",
	    key1);
	is_int(api_code("NGINX_URL", "POST", N "/containers/cc-l1/authkey" Q,
	    body, NULL, "ccuser"), 200, "a key for ccuser");
	is_str(lout("cc-l1", "stat -c '%a %U' /home/ccuser/.ssh/"
	    "authorized_keys"), "600 ccuser\n", "owned by ccuser");
	since = ev_last();
	is_int(api_code("NGINX_URL", "POST", N "/containers/cc-l1/authkey" Q,
	    "{\"key\":\"ssh-rsa AAAAB3NzaC1yc2E bad\"}", "INVALID_REQUEST",
	    "bad key"), 400, "a bad key is 400");
	is_str(ev_updates(since, "authkey_deploy", "cc-l1"),
	    pair("authkey_deploy", "error"), "a bad key: start, then error");
	is_int(api_code("NGINX_URL", "POST", N "/containers/cc-l1/authkey" Q,
	    "{\"key\":\"rm -rf /\"}", "INVALID_REQUEST", "not a key"), 400,
	    "a line that is no key is 400");
	/* the same route on the Podman endpoint, through its archive API */
	snprintf(body, sizeof(body), "{\"keys\":[\"%s\"]}", key1);
	is_int(api(&r, "NGINX_URL", "POST", N "/containers/cct-lp/authkey",
	    body), 200, "authkey on a Podman container (archive API)");
	is_int(json_object_get_int(json_at(r.json, "authkey.added")), 1,
	    "one added there");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "POST", N "/containers/cct-lp/exec", "{\"command\":"
	    "\"stat -c '%a %U' /root/.ssh /root/.ssh/authorized_keys\"}");
	is_str(jstr(r.json, "execution.stdout"), "700 root\n600 root\n",
	    "modes and owner there too");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "POST", N "/containers/cct-lp/connect", NULL);
	ok(r.status == 200 && strstr(r.body ? r.body : "", "\"ssh\":null") !=
	    NULL, "connect on Podman: no forward, so no ssh line");
	http_resp_free(&r);
	snprintf(body, sizeof(body), "{\"key\":\"%s\",\"user\":\"nosuch\"}",
	    key1);
	since = ev_last();
	is_int(api_code("NGINX_URL", "POST", N "/containers/cc-l1/authkey" Q,
	    body, "INVALID_REQUEST", "no user"), 400,
	    "a user the container lacks is 400");
	is_str(ev_updates(since, "authkey_deploy", "cc-l1"),
	    pair("authkey_deploy", "error"), "a user the engine's container "
	    "lacks: start, then error");
}

static void
test_portforward(void)
{
	struct http_resp r;
	struct sockaddr_in sa;
	char body[512], want[128];
	int port = harness_free_port(), held, fd;
	long long since;
	long st;
	json_object *x;

	/* busybox nc on the container's own loopback, stdin kept open */
	x = lexec("cc-l1", "{\"command\":[\"sh\",\"-c\",\"(echo pong-from-lxd; "
	    "sleep 20) | nc -l -p 8080 > /tmp/nc.in 2>&1 &\"]}", &st);
	is_int(st, 200, "a listener in the container");
	json_object_put(x);
	snprintf(body, sizeof(body), "{\"name\":\"web\",\"listen_port\":%d,"
	    "\"container_port\":8080}", port);
	since = ev_last();
	is_int(api(&r, "NGINX_URL", "POST", N "/containers/cc-l1/portforward"
	    Q, body), 201, "forward a host port");
	is_str(jstr(r.json, "forward.listen_address"), "127.0.0.1",
	    "on the host's loopback");
	http_resp_free(&r);
	is_str(ev_updates(since, "portforward_create", "cc-l1"),
	    pair("portforward_create", "success"), "portforward: start, then "
	    "success");
	ok(tcp_exchange(port, "ping-from-host\n", "pong-from-lxd"),
	    "a connection to 127.0.0.1:%d reaches nc in the container and "
	    "its answer comes back", port);
	ok(strstr(lout("cc-l1", "cat /tmp/nc.in"), "ping-from-host") != NULL,
	    "and nc read what the host sent");
	/* the same host port again */
	since = ev_last();
	is_int(api(&r, "NGINX_URL", "POST", N "/containers/cc-l1/portforward"
	    Q, body), 409, "the same rule name or port again: 409");
	http_resp_free(&r);
	is_str(ev_updates(since, "portforward_create", "cc-l1"),
	    pair("portforward_create", "error"), "a port taken: start, then "
	    "error");
	snprintf(body, sizeof(body), "{\"name\":\"web2\",\"listen_port\":%d,"
	    "\"container_port\":8081}", port);
	is_int(api(&r, "NGINX_URL", "POST", N "/containers/cc-l1/portforward"
	    Q, body), 409, "a host port another forward holds: 409");
	snprintf(want, sizeof(want), "'cc-l1' (rule 'web')");
	ok(strstr(jstr(r.json, "error.message"), want) != NULL,
	    "naming the holder: %s", jstr(r.json, "error.message"));
	http_resp_free(&r);
	/* a port some other program holds */
	held = harness_free_port();
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)held);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ok(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    listen(fd, 1) == 0, "hold port %d", held);
	snprintf(body, sizeof(body), "{\"name\":\"taken\",\"listen_port\":%d,"
	    "\"container_port\":8081}", held);
	is_int(api(&r, "NGINX_URL", "POST", N "/containers/cc-l1/portforward"
	    Q, body), 409, "a port in use on the host: 409");
	if (r.status != 409)
		diag("answer: %s", r.body ? r.body : "");
	http_resp_free(&r);
	if (fd >= 0)
		close(fd);
	/* a port picked for us */
	is_int(api(&r, "NGINX_URL", "POST", N "/containers/cc-l1/portforward"
	    Q, "{\"name\":\"ssh\",\"container_port\":22}"), 201,
	    "forward port 22 without naming a host port");
	ssh_port = json_object_get_int(json_at(r.json, "forward.listen_port"));
	ok(ssh_port > 0 && ssh_port != port, "a free host port was picked");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "GET", N "/containers/cc-l1/portforward" Q, NULL);
	is_int(json_object_get_int(json_at(r.json, "total")), 2,
	    "two forwards listed");
	http_resp_free(&r);
	is_int(api(&r, "NGINX_URL", "POST", N "/containers/cc-l1/connect" Q,
	    NULL), 200, "connect");
	snprintf(want, sizeof(want), "ssh -p %d root@127.0.0.1", ssh_port);
	is_str(jstr(r.json, "connection.ssh"), want,
	    "the ssh command (a key deployed, port 22 forwarded)");
	ok(json_at(r.json, "connection.addresses.lo") != NULL,
	    "addresses per interface");
	ok(strstr(jstr(r.json, "connection.exec.path"), "/exec") != NULL,
	    "an exec hint");
	http_resp_free(&r);
	/* bad input */
	is_int(api_code("NGINX_URL", "POST", N "/containers/cc-l1/portforward"
	    Q, "{\"name\":\"x\",\"listen_port\":70000}", "INVALID_REQUEST",
	    "port"), 400, "a port past 65535 is 400");
	is_int(api_code("NGINX_URL", "POST", N "/containers/cc-l1/portforward"
	    Q, "{\"name\":\"x\",\"listen_port\":2000,\"protocol\":\"sctp\"}",
	    "INVALID_REQUEST", "proto"), 400, "protocol sctp is 400");
	is_int(api_code("NGINX_URL", "POST", N "/containers/cc-l1/portforward"
	    Q, "{\"name\":\"a b\",\"listen_port\":2000}", "INVALID_REQUEST",
	    "name"), 400, "a bad rule name is 400");
	is_int(api_code("NGINX_URL", "POST", N "/containers/cct-lp/portforward",
	    "{\"name\":\"x\",\"listen_port\":2000}", "INVALID_REQUEST",
	    "docker"), 400, "Podman endpoints have no port forwards: 400");
	is_int(api_code("NGINX_URL", "DELETE", N "/containers/cc-l1/"
	    "portforward/web" Q, NULL, NULL, "rm"), 200, "remove a forward");
	is_int(api_code("NGINX_URL", "DELETE", N "/containers/cc-l1/"
	    "portforward/web" Q, NULL, "NOT_FOUND", "rm again"), 404,
	    "removing it again is 404");
	api(&r, "NGINX_URL", "GET", N "/containers/cc-l1/portforward" Q, NULL);
	is_int(json_object_get_int(json_at(r.json, "total")), 1,
	    "one forward left");
	http_resp_free(&r);
	is_str(status_of("cc-l1"), "running", "the instance still runs");
}

static void
test_network(void)
{
	struct http_resp r;
	struct lxnet n;
	char body[256];
	long long since;
	int made;

	made = lxnet_veth(&n, "cclx", "ccmv");
	ok(made, "a veth pair %s/%s as the parent (nothing leaves it)", n.a,
	    n.b);
	if (!made) {
		skip(11, "no veth pair");
		return;
	}
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"type\":\"macvlan\","
	    "\"parent\":\"%s\"}", n.net, n.a);
	since = ev_last();
	is_int(api(&r, "NGINX_URL", "POST", N "/network/setup" Q, body), 201,
	    "network setup makes the network and its profile");
	ok(json_object_get_boolean(json_at(r.json, "network.changed")),
	    "changed true");
	http_resp_free(&r);
	is_str(ev_updates(since, "network_setup", n.net),
	    pair("network_setup", "success"), "network setup: start, then "
	    "success, naming the network and lxd");
	is_int(api(&r, "NGINX_URL", "POST", N "/network/setup" Q, body), 200,
	    "the same again: 200");
	ok(!json_object_get_boolean(json_at(r.json, "network.changed")),
	    "changed false");
	http_resp_free(&r);
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"type\":\"macvlan\","
	    "\"parent\":\"%s\"}", n.net, n.b);
	since = ev_last();
	is_int(api_code("NGINX_URL", "POST", N "/network/setup" Q, body,
	    "CONFLICT", "other parent"), 409, "another parent: 409");
	is_str(ev_updates(since, "network_setup", n.net),
	    pair("network_setup", "error"), "a conflicting setup: start, "
	    "then error");
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"type\":\"bridge\"}",
	    n.net);
	is_int(api_code("NGINX_URL", "POST", N "/network/setup" Q, body,
	    "CONFLICT", "other type"), 409, "another type: 409");
	is_int(api_code("NGINX_URL", "POST", N "/network/setup" Q,
	    "{\"name\":\"Bad_Name\"}", "INVALID_REQUEST", "bad"), 400,
	    "a bad name is 400");
	is_int(api_code("NGINX_URL", "POST", N "/network/setup" Q,
	    "{\"name\":\"ccx\",\"type\":\"vxlan\"}", "INVALID_REQUEST",
	    "type"), 400, "type vxlan is 400");
	/* an instance with the profile gets its eth0 */
	snprintf(body, sizeof(body), "{\"name\":\"cc-l4\",\"image\":"
	    "\"busybox\",\"profiles\":[\"default\",\"%s\"]}", n.net);
	is_int(api_code("NGINX_URL", "POST", N "/containers" Q, body, NULL,
	    "with profile"), 201, "an instance on the network's profile");
	api(&r, "NGINX_URL", "POST", N "/containers/cc-l4/connect" Q, NULL);
	ok(json_at(r.json, "connection.addresses.eth0") != NULL,
	    "it has an eth0 (the macvlan)");
	http_resp_free(&r);
	api_code("NGINX_URL", "DELETE", N "/containers/cc-l4" Q "&force=true",
	    NULL, NULL, "cleanup");
	lxnet_drop(&n);
}

static void
test_images(void)
{
	struct http_resp r;
	const char *h[3] = { harness_admin_header(), NULL, NULL };
	char path[512], *tar = NULL;
	long n = 0;
	FILE *f;

	is_int(api(&r, "NGINX_URL", "GET", N "/images" Q, NULL), 200,
	    "list LXD images");
	is_str(jstr(r.json, "images.0.repository"), "busybox",
	    "the busybox alias");
	is_int(strlen(jstr(r.json, "images.0.fingerprint")), 64,
	    "its fingerprint");
	ok(*jstr(r.json, "images.0.architecture") != '\0', "architecture");
	http_resp_free(&r);
	snprintf(path, sizeof(path), "%s/lxd/lxd-image/busybox.tar",
	    harness_env("STACK_DIR"));
	if ((f = fopen(path, "rb")) != NULL && fseek(f, 0, SEEK_END) == 0 &&
	    (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (tar = malloc((size_t)n)) != NULL &&
	    fread(tar, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	if (f != NULL)
		fclose(f);
	http_do(&r, "PUT", harness_url("NGINX_URL", N "/files/lxd/bb.tar"), h,
	    tar, n > 0 ? (size_t)n : 0);
	ok(n > 0 && (r.status == 201 || r.status == 200),
	    "the image tarball in the file store");
	http_resp_free(&r);
	free(tar);
	is_int(api_code("NGINX_URL", "POST", N "/images/import" Q,
	    "{\"file\":\"/lxd/bb.tar\",\"alias\":\"bb2\"}", "CONFLICT", "dup"),
	    409, "importing an image that is there: 409");
	is_int(api(&r, "NGINX_URL", "DELETE", N "/images/busybox" Q, NULL), 200,
	    "delete the image by alias");
	is_str(jstr(r.json, "image.untagged.0"), "busybox", "untagged busybox");
	http_resp_free(&r);
	is_int(api(&r, "NGINX_URL", "POST", N "/images/import" Q,
	    "{\"file\":\"/lxd/bb.tar\",\"alias\":\"busybox\"}"), 201,
	    "import it from the file store");
	is_int(strlen(jstr(r.json, "image.fingerprint")), 64, "a fingerprint");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "GET", N "/images" Q, NULL);
	is_str(jstr(r.json, "images.0.repository"), "busybox",
	    "listed again under its alias");
	http_resp_free(&r);
	is_int(api_code("NGINX_URL", "DELETE", N "/images/nope" Q, NULL,
	    "IMAGE_NOT_FOUND", "rm nope"), 404, "an unknown image is 404");
	is_int(api_code("NGINX_URL", "POST", N "/images/import" Q,
	    "{\"file\":\"/lxd/none.tar\"}", "FILE_NOT_FOUND", "no file"), 404,
	    "a file the store lacks is 404");
	is_int(api_code("NGINX_URL", "POST", N "/images/pull" Q,
	    "{\"image\":\"ubuntu:20.04\"}", "INVALID_REQUEST", "pull"), 400,
	    "a pull is 400 on LXD (no image server; the message names "
	    "import)");
}

static void
test_operator(void)
{
	struct http_resp r;
	const char *key;
	char body[256];

	is_int(api(&r, "NGINX_URL", "POST", N "/users", "{\"username\":"
	    "\"lxop\",\"password\":\"Operator-pass-1234\",\"role\":"
	    "\"operator\"}"), 201, "an operator");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "POST", N "/users/lxop/keys", "{}");
	key = json_str_at(r.json, "key.api_key");
	snprintf(op_hdr, sizeof(op_hdr), "X-API-Key: %s", key ? key : "");
	http_resp_free(&r);
	is_int(api_as(&r, op_hdr, "NGINX_URL", "POST", N "/containers" Q,
	    "{\"name\":\"cc-op1\",\"image\":\"busybox\",\"config\":"
	    "{\"security.privileged\":\"true\"}}"), 403,
	    "security.privileged as an operator: 403");
	is_str(jstr(r.json, "error.details.field"), "config", "naming config");
	http_resp_free(&r);
	is_int(api_as(&r, op_hdr, "NGINX_URL", "POST", N "/containers" Q,
	    "{\"name\":\"cc-op1\",\"image\":\"busybox\",\"config\":"
	    "{\"raw.lxc\":\"lxc.apparmor.profile=unconfined\"}}"), 403,
	    "raw.lxc: 403");
	http_resp_free(&r);
	is_int(api_as(&r, op_hdr, "NGINX_URL", "POST", N "/containers" Q,
	    "{\"name\":\"cc-op1\",\"image\":\"busybox\",\"devices\":{\"k\":"
	    "{\"type\":\"unix-char\",\"path\":\"/dev/kmsg\"}}}"), 403,
	    "a unix-char device: 403");
	http_resp_free(&r);
	is_int(api_as(&r, op_hdr, "NGINX_URL", "POST", N "/containers" Q,
	    "{\"name\":\"cc-op1\",\"image\":\"busybox\",\"devices\":{\"d\":"
	    "{\"type\":\"disk\",\"source\":\"/etc\",\"path\":\"/mnt\"}}}"),
	    403, "a disk outside bind_roots: 403");
	http_resp_free(&r);
	is_int(api_as(&r, op_hdr, "NGINX_URL", "POST", N "/containers" Q,
	    "{\"name\":\"cc-op1\",\"image\":\"busybox\"}"), 201,
	    "the operator's own instance");
	is_str(jstr(r.json, "container.owner"), "lxop", "owned by lxop");
	http_resp_free(&r);
	api_as(&r, op_hdr, "NGINX_URL", "GET", N "/containers" Q, NULL);
	ok(json_object_array_length(json_at(r.json, "containers")) == 1 &&
	    strcmp(jstr(r.json, "containers.0.name"), "cc-op1") == 0,
	    "the operator lists only their own");
	http_resp_free(&r);
	is_int(api_as(&r, op_hdr, "NGINX_URL", "GET", N "/containers/cc-l1" Q,
	    NULL), 404, "the admin's instance is 404 to the operator");
	http_resp_free(&r);
	is_int(api_as(&r, op_hdr, "NGINX_URL", "POST",
	    N "/containers/cc-l1/exec" Q, "{\"command\":\"id\"}"), 404,
	    "no exec in it");
	http_resp_free(&r);
	snprintf(body, sizeof(body), "{\"key\":\"%s\"}", key1);
	is_int(api_as(&r, op_hdr, "NGINX_URL", "POST",
	    N "/containers/cc-l1/authkey" Q, body), 404, "no authkey in it");
	http_resp_free(&r);
	is_int(api_as(&r, op_hdr, "NGINX_URL", "POST",
	    N "/containers/cc-l1/connect" Q, NULL), 404, "no connect to it");
	http_resp_free(&r);
	snprintf(body, sizeof(body), "{\"name\":\"s\",\"listen_port\":%d}",
	    ssh_port);
	is_int(api_as(&r, op_hdr, "NGINX_URL", "POST",
	    N "/containers/cc-op1/portforward" Q, body), 409,
	    "a port the admin's forward holds: 409");
	ok(strstr(jstr(r.json, "error.message"), "another user's") != NULL &&
	    strstr(jstr(r.json, "error.message"), "cc-l1") == NULL,
	    "without naming another user's container");
	http_resp_free(&r);
	is_int(api_as(&r, op_hdr, "NGINX_URL", "POST", N "/network/setup" Q,
	    "{\"name\":\"ccop\"}"), 403, "network setup is an admin's");
	http_resp_free(&r);
	is_int(api_as(&r, op_hdr, "NGINX_URL", "DELETE",
	    N "/containers/cc-op1" Q "&force=true", NULL), 200,
	    "the operator removes their own");
	http_resp_free(&r);
}

/* config's defaults once, for what the test calls in the library */
static void
config_ready(void)
{
	static int done;

	if (done++)
		return;
	config_register_all();
	config_defaults(config_live());
	config_apply(config_live());
}

static void config_ready(void);

/* ---- the one-time console ---- */

/* srcdir's tests/console. */
static const char *
console_dir(void)
{
	static char d[4096];

	if (d[0] == '\0')
		harness_src_path("tests/console", d, sizeof(d));
	return d;
}

/* tests/console/node_modules, by npm ci when missing.  0 or -1. */
static int
ws_ready(void)
{
	return harness_npm_ready(console_dir(), (const char *const[]){ "ws",
	    NULL }, HARNESS_NPM_LIMIT_S);
}

/*
 * tests/console/console.js on a console url (through nginx), as the
 * holder of hdr (NULL: nobody), with its extra arguments (NULL-ended,
 * at most 8): its JSON report (the caller puts it), or NULL.
 */
static json_object *
console_run(const char *url, const char *hdr, const char *const *extra)
{
	char ws[1024], out[4200], err[4200], *argv[24];
	json_object *o;
	size_t n = 0;
	const char *http = harness_url("NGINX_URL", url);

	snprintf(ws, sizeof(ws), "ws%s", http + 4);	/* http: -> ws: */
	argv[n++] = "node";
	argv[n++] = "console.js";
	argv[n++] = "--url";
	argv[n++] = ws;
	if (hdr != NULL) {
		argv[n++] = "--header";
		argv[n++] = (char *)hdr;
	}
	while (extra != NULL && *extra != NULL && n < 22)
		argv[n++] = (char *)*extra++;
	argv[n] = NULL;
	snprintf(out, sizeof(out), "%s/console.out", harness_dir());
	snprintf(err, sizeof(err), "%s/console.err", harness_dir());
	if (harness_run_in(console_dir(), argv, out, err, 40) != 0)
		return NULL;
	o = json_object_from_file(out);
	if (o == NULL)
		diag("console.js gave no report");
	return o;
}

/* A console from connect, as the stack's admin: its url into url and
 * its ticket into ticket; 0 or -1. */
static int
console_ticket(char *url, size_t ulen, char *ticket, size_t tlen)
{
	struct http_resp r;
	const char *u, *t;

	api(&r, "NGINX_URL", "POST", N "/containers/cc-l1/connect" Q, NULL);
	u = json_str_at(r.json, "connection.console.url");
	t = u ? strstr(u, "ticket=") : NULL;
	snprintf(url, ulen, "%s", u ? u : "");
	snprintf(ticket, tlen, "%s", t ? t + 7 : "");
	http_resp_free(&r);
	return t != NULL ? 0 : -1;
}

static int
expire_now(json_object *rec, void *arg)
{
	(void)arg;
	json_object_object_add(rec, "expires", json_object_new_int64(1));
	return STORE_TICKET_KEEP;
}

/* The ticket's record made expired, in the server's own storage. */
static int
expire_ticket(const char *ticket)
{
	char hash[CRED_HASH_HEX];
	int rc;

	config_ready();
	/* the server's data_dir, its secrets with it (never the default) */
	snprintf(store_cfg.data_dir, sizeof(store_cfg.data_dir), "%s",
	    harness_env("DATA_DIR"));
	if (store_open(store_cfg.data_dir, store_cfg.map_size) != 0 ||
	    cred_secrets_init(store_cfg.data_dir) != 0 ||
	    cred_hash(ticket, hash) != 0)
		return -1;
	rc = store_ticket_edit(hash, expire_now, NULL);
	store_close();
	return rc;
}

static void
test_console(void)
{
	static const char *const shell[] = { "--resize", "100x30", "--send",
	    "busybox stty size; echo cc-$((6*7))\\n", "--expect", "cc-42",
	    NULL };
	static const char *const probe[] = { NULL };
	static const char *const lone[] = { "--only", "terminal",
	    "--wait-close", "--timeout", "15", NULL };
	struct http_resp r;
	char url[512], ticket[64];
	json_object *o;

	if (!ok(ws_ready() == 0, "the ws package for the console client")) {
		skip(16, "no ws package (npm ci failed)");
		return;
	}
	is_int(api(&r, "NGINX_URL", "POST", N "/containers/cc-l1/connect" Q,
	    NULL), 200, "connect offers a console");
	ok(strstr(jstr(r.json, "connection.console.url"), "/console?ticket=") !=
	    NULL && strstr(jstr(r.json, "connection.console.control_url"),
	    "&channel=control") != NULL, "its terminal and control urls");
	is_int(json_object_get_int(json_at(r.json, "connection.console.ttl")),
	    30, "a ticket for 30 s");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "POST", N "/containers/cct-lp/connect", NULL);
	ok(r.status == 200 && json_at(r.json, "connection.console") == NULL &&
	    strstr(jstr(r.json, "connection.console_missing"), "exec") !=
	    NULL, "a Podman container: no console, the exec call instead");
	http_resp_free(&r);

	ok(console_ticket(url, sizeof(url), ticket, sizeof(ticket)) == 0,
	    "a ticket");
	o = console_run(url, harness_admin_header(), shell);
	ok(json_object_get_boolean(json_at(o, "terminal.opened")) &&
	    json_object_get_boolean(json_at(o, "control.opened")),
	    "both WebSockets open through nginx");
	ok(json_object_get_boolean(json_at(o, "found")), "a command typed on "
	    "the terminal runs in the container and its output comes back");
	ok(strstr(jstr(o, "terminal.output"), "30 100") != NULL,
	    "the control channel resized the terminal (stty size: 30 100)");
	if (!json_object_get_boolean(json_at(o, "found")))
		diag("report: %s", o ? json_object_to_json_string(o) : "none");
	json_object_put(o);
	o = console_run(url, harness_admin_header(), probe);
	ok(json_object_get_int(json_at(o, "terminal.status")) == 401 &&
	    json_object_get_int(json_at(o, "control.status")) == 401,
	    "the used ticket is refused: 401 on both channels");
	ok(strstr(jstr(o, "terminal.body"), "UNAUTHORIZED") != NULL,
	    "with the API's error body");
	json_object_put(o);

	/* bound to the user: another's use leaves it untouched */
	ok(console_ticket(url, sizeof(url), ticket, sizeof(ticket)) == 0,
	    "another ticket");
	o = console_run(url, op_hdr, probe);
	is_int(json_object_get_int(json_at(o, "terminal.status")), 401,
	    "another user's use of it: 401");
	json_object_put(o);
	o = console_run(url, NULL, probe);
	is_int(json_object_get_int(json_at(o, "terminal.status")), 401,
	    "no credentials: 401");
	json_object_put(o);
	o = console_run(url, harness_admin_header(), shell);
	ok(json_object_get_boolean(json_at(o, "found")),
	    "the ticket's owner still uses it");
	json_object_put(o);

	/* expired */
	ok(console_ticket(url, sizeof(url), ticket, sizeof(ticket)) == 0 &&
	    expire_ticket(ticket) == 0, "a ticket made expired in storage");
	o = console_run(url, harness_admin_header(), probe);
	ok(json_object_get_int(json_at(o, "terminal.status")) == 401 &&
	    json_object_get_int(json_at(o, "control.status")) == 401,
	    "an expired ticket is refused: 401");
	json_object_put(o);
	o = console_run(N "/containers/cc-l1/console?ticket=short",
	    harness_admin_header(), probe);
	is_int(json_object_get_int(json_at(o, "terminal.status")), 401,
	    "a malformed ticket: 401");
	json_object_put(o);

	/* the terminal alone: LXD gives up on the session after ~5 s */
	ok(console_ticket(url, sizeof(url), ticket, sizeof(ticket)) == 0,
	    "a ticket for the terminal alone");
	o = console_run(url, harness_admin_header(), lone);
	ok(json_object_get_boolean(json_at(o, "terminal.opened")) &&
	    json_at(o, "terminal.closed") != NULL, "it opens, and the engine "
	    "closes it when the control channel never comes");
	json_object_put(o);
	is_str(status_of("cc-l1"), "running", "the instance still runs");
}

struct seen {
	char	 types[4096];
	int	 lxd_events;
};

static int
event_cb(uint64_t id, json_object *ev, void *arg)
{
	struct seen *s = arg;
	const char *t = jstr(ev, "type");

	(void)id;
	if (strcmp(t, "container_event") == 0 &&
	    strcmp(jstr(ev, "data.endpoint"), "lxd") == 0)
		s->lxd_events++;
	if (strstr(t, "_start") == NULL && strstr(t, "_success") == NULL &&
	    strstr(t, "_error") == NULL)
		return 0;
	if (strstr(s->types, t) == NULL && strlen(s->types) + strlen(t) + 2 <
	    sizeof(s->types)) {
		strcat(s->types, t);
		strcat(s->types, " ");
	}
	return 0;
}

static void
test_events(void)
{
	static const char *const want[] = { "container_create_start",
	    "container_create_success", "container_create_error",
	    "container_delete_start", "container_delete_success",
	    "container_delete_error", "container_restart_start",
	    "container_restart_success", "network_setup_start",
	    "network_setup_success", "network_setup_error",
	    "authkey_deploy_start", "authkey_deploy_success",
	    "authkey_deploy_error", "portforward_create_start",
	    "portforward_create_success", "portforward_create_error", NULL };
	struct seen s;
	char w[80];
	int rc, i, all = 1;

	memset(&s, 0, sizeof(s));
	config_ready();
	rc = store_open(harness_env("DATA_DIR"), store_cfg.map_size);
	is_int(rc, 0, "open the event log");
	if (rc != 0)
		return;
	store_events_since(0, 100000, event_cb, &s);
	store_close();
	for (i = 0; want[i] != NULL; i++) {
		snprintf(w, sizeof(w), "%s ", want[i]);
		if (strstr(s.types, w) == NULL) {
			diag("no %s event", want[i]);
			all = 0;
		}
	}
	ok(all, "the LXC Tools update events, start/success/error");
	ok(s.lxd_events > 5, "container_events name the lxd endpoint");
}

struct evs {
	int	 ticks, fired, exec, owned, foreign;
};

/* On the first tick an exec goes through the API; the stream stops once
 * its event is in (or after 60 ticks, about a minute).  Every message is
 * to be ours: {kind: "container", action, id, name, time_ns}. */
static int
evs_sink(void *arg, enum rt_stream s, const char *p, size_t n)
{
	struct evs *e = arg;
	char buf[4096];
	json_object *x;
	long st;

	(void)s;
	if (p == NULL) {
		if (!e->fired++) {
			x = lexec("cc-l1", "{\"command\":\"true\"}", &st);
			json_object_put(x);
		}
		return ++e->ticks > 60 ? -1 : 0;
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)n, p);
	if ((x = json_tokener_parse(buf)) == NULL ||
	    strcmp(jstr(x, "kind"), "container") != 0 ||
	    *jstr(x, "action") == '\0' || *jstr(x, "id") == '\0' ||
	    json_object_get_int64(json_at(x, "time_ns")) <= 0) {
		diag("not an event of ours: %.*s", (int)n, p);
		e->foreign = 1;
	} else if (strcmp(jstr(x, "action"), "exec_start") == 0 &&
	    strcmp(jstr(x, "id"), "cc-l1") == 0) {
		e->exec = 1;
		e->owned = strcmp(jstr(x, "owner"), "admin") == 0;
	}
	json_object_put(x);
	return e->exec ? -1 : 0;
}

/* The driver's event stream, as the engine follower reads it:
 * /1.0/events over the WebSocket client, LXD's lifecycle events on
 * instances as ours, one JSON object a call; over the unix socket, or
 * https with the client certificate of c. */
static void
event_stream(struct rt_endpoint_conf *c, const char *over)
{
	struct rt_endpoint ep;
	struct rt_events_spec es = { 0, 0, NULL };
	struct evs e = { 0, 0, 0, 0, 0 };
	struct rt_err err;
	int rc;

	config_ready();
	is_int(rt_endpoint_make(c, &ep, &err), 0, "an lxd endpoint in the "
	    "test (%s)", over);
	ok(rt_can(&ep, RT_CAP_EVENTS), "it has events");
	rc = ep.driver->events(&ep, &es, evs_sink, &e, &err);
	if (rc != 0)
		diag("events: %s", err.msg);
	is_int(rc, 0, "the stream ran until the sink stopped it (%s)", over);
	ok(e.exec, "the exec's instance-exec came as exec_start on cc-l1 (%s)",
	    over);
	ok(e.owned, "with its owner, user.cc.owner (%s)", over);
	ok(!e.foreign, "every message in our shape; operations passed over "
	    "(%s)", over);
}

static void
test_event_stream(void)
{
	struct rt_endpoint_conf c;
	char url[512];

	memset(&c, 0, sizeof(c));
	snprintf(url, sizeof(url), "unix://%s", harness_env("LXD_SOCK"));
	c.name = "lxd";
	c.driver = "lxd";
	c.url = url;
	event_stream(&c, "unix socket");
}

/* A client certificate (and key) made with openssl into dir; 0 or -1. */
static int
make_cert(const char *dir, const char *name)
{
	char key[512], crt[512];
	char *argv[] = { "openssl", "req", "-x509", "-newkey", "ec",
	    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
	    "-subj", "/CN=container-codes-test", "-keyout", key, "-out", crt,
	    NULL };

	snprintf(key, sizeof(key), "%s/%s.key", dir, name);
	snprintf(crt, sizeof(crt), "%s/%s.crt", dir, name);
	return run(argv) == 0 ? 0 : -1;
}

/* A PEM certificate's base64 body (DER), as LXD's trust API takes it. */
static char *
pem_body(const char *path)
{
	static char out[8192];
	char line[256];
	size_t n = 0;
	FILE *f = fopen(path, "r");

	out[0] = '\0';
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "-----", 5) == 0)
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s", line);
	}
	if (f != NULL)
		fclose(f);
	return out;
}

/* The list and an exec through the endpoint called name (over what). */
static void
through(const char *name, const char *what)
{
	struct http_resp r;
	char path[128], body[128];
	json_object *x;
	long st;

	snprintf(path, sizeof(path), N "/containers?endpoint=%s&name=cc-l1",
	    name);
	api(&r, "NGINX_URL", "GET", path, NULL);
	is_str(jstr(r.json, "containers.0.name"), "cc-l1", "the list over %s",
	    what);
	http_resp_free(&r);
	snprintf(body, sizeof(body), "{\"command\":\"id -u\",\"endpoint\":"
	    "\"%s\"}", name);
	x = lexec("cc-l1", body, &st);
	is_str(jstr(x, "stdout"), "0\n", "an exec over %s", what);
	json_object_put(x);
}

/* The SHA-256 fingerprint of the PEM certificate at path, as LXD's own
 * tools show it: "AB:CD:...", or "" when it cannot be read. */
static const char *
cert_fingerprint(const char *path)
{
	static char out[3 * 32];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

	out[0] = '\0';
	if (x != NULL && X509_digest(x, EVP_sha256(), md, &n) == 1 && n == 32)
		for (i = 0; i < n; i++)
			snprintf(out + 3 * i, sizeof(out) - 3 * i, "%02X%s",
			    md[i], i + 1 < n ? ":" : "");
	X509_free(x);
	if (f != NULL)
		fclose(f);
	return out;
}

/* The event stream's failure on a pinned target that does not match:
 * the WebSocket client refuses the certificate. */
static void
event_stream_refused(struct rt_endpoint_conf *c)
{
	struct rt_endpoint ep;
	struct rt_events_spec es = { 0, 0, NULL };
	struct evs e = { 0, 0, 0, 0, 0 };
	struct rt_err err;

	config_ready();
	if (!ok(rt_endpoint_make(c, &ep, &err) == 0, "an endpoint with the "
	    "wrong pin in the test"))
		return;
	ok(ep.driver->events(&ep, &es, evs_sink, &e, &err) != 0 &&
	    strstr(err.msg, "pinned fingerprint") != NULL, "the event stream "
	    "(a WebSocket) refuses a certificate the pin does not name: %s",
	    err.msg);
}

/*
 * The same daemon over https, trusted by its certificate's pinned
 * fingerprint instead of tls_ca: requests, an exec and the event stream
 * (libcurl's and libwebsockets' checks); a pin one digit off refused on
 * both; tls_fingerprint with tls_ca, on a unix socket, or malformed:
 * 400.
 */
static void
test_pin(const char *url, const char *crt, const char *key, const char *ca)
{
	struct rt_endpoint_conf c;
	struct http_resp r;
	char body[4096], fp[128], bad[128];

	snprintf(fp, sizeof(fp), "%s", cert_fingerprint(ca));
	if (!is_int(strlen(fp), 95, "the daemon's certificate fingerprint"))
		return;
	snprintf(body, sizeof(body), "{\"name\":\"lxpin\",\"driver\":\"lxd\","
	    "\"url\":\"%s\",\"tls_cert\":\"%s\",\"tls_key\":\"%s\","
	    "\"tls_fingerprint\":\"%s\"}", url, crt, key, fp);
	is_int(api(&r, "NGINX_URL", "POST", N "/endpoints", body), 201,
	    "register LXD over https with a pinned fingerprint");
	ok(json_object_get_boolean(json_at(r.json, "endpoint.tls_pinned")),
	    "tls_pinned");
	http_resp_free(&r);
	through("lxpin", "https, pinned");
	memset(&c, 0, sizeof(c));
	c.name = "lxpin";
	c.driver = "lxd";
	c.url = url;
	c.tls_cert = crt;
	c.tls_key = key;
	c.tls_fingerprint = fp;
	event_stream(&c, "https, pinned");
	/* one digit off */
	snprintf(bad, sizeof(bad), "%s", fp);
	bad[0] = bad[0] == '0' ? '1' : '0';
	snprintf(body, sizeof(body), "{\"name\":\"lxpinbad\",\"driver\":"
	    "\"lxd\",\"url\":\"%s\",\"tls_cert\":\"%s\",\"tls_key\":"
	    "\"%s\",\"tls_fingerprint\":\"%s\"}", url, crt, key, bad);
	is_int(api_code("NGINX_URL", "POST", N "/endpoints", body, NULL,
	    "pin off"), 201, "register it with a pin one digit off");
	api(&r, "NGINX_URL", "GET", N "/containers?endpoint=lxpinbad", NULL);
	ok(r.status == 502 && strstr(jstr(r.json, "error.message"),
	    "pinned fingerprint") != NULL, "refused, naming the pin: %ld %s",
	    r.status, jstr(r.json, "error.message"));
	http_resp_free(&r);
	c.name = "lxpinbad";
	c.tls_fingerprint = bad;
	event_stream_refused(&c);
	/* bad combinations */
	snprintf(body, sizeof(body), "{\"name\":\"lxpin2\",\"driver\":"
	    "\"lxd\",\"url\":\"%s\",\"tls_cert\":\"%s\",\"tls_key\":"
	    "\"%s\",\"tls_ca\":\"%s\",\"tls_fingerprint\":\"%s\"}", url, crt,
	    key, ca, fp);
	is_int(api_code("NGINX_URL", "POST", N "/endpoints", body,
	    "INVALID_REQUEST", "pin and ca"), 400, "tls_fingerprint with "
	    "tls_ca: 400");
	snprintf(body, sizeof(body), "{\"name\":\"lxpin2\",\"driver\":"
	    "\"lxd\",\"url\":\"unix://%s\",\"tls_fingerprint\":\"%s\"}",
	    harness_env("LXD_SOCK"), fp);
	is_int(api_code("NGINX_URL", "POST", N "/endpoints", body,
	    "INVALID_REQUEST", "pin on unix"), 400, "a pin on a unix socket: "
	    "400");
	snprintf(body, sizeof(body), "{\"name\":\"lxpin2\",\"driver\":"
	    "\"lxd\",\"url\":\"%s\",\"tls_cert\":\"%s\",\"tls_key\":"
	    "\"%s\",\"tls_fingerprint\":\"AB:CD\"}", url, crt, key);
	is_int(api_code("NGINX_URL", "POST", N "/endpoints", body,
	    "INVALID_REQUEST", "short pin"), 400, "a malformed pin: 400");
}

/*
 * LXD over https on 127.0.0.1: a client certificate trusted through
 * LXD's API (what "lxc config trust add" does), the daemon's own
 * certificate as tls_ca.  The list, an exec and the event stream go
 * through TLS; an untrusted certificate is refused with the advice.
 */
/*
 * The engine follower on the lxd endpoint (driver->events: LXD's
 * lifecycle events over the WebSocket client): an operator's instance
 * stopped with lxc, outside the API, is a container_event from the
 * engine that the operator sees; the API's own start is not reported
 * again; the list from the cache catches up, and past
 * list_cache_max_age no answer shows the old state.
 */
static void
test_follower(void)
{
	static const char *const stop[] = { "stop", "cc-l5", NULL };
	static const char *const kill[] = { "stop", "--force", "cc-l5", NULL };
	struct http_resp r;
	json_object *ev, *a;
	long long since;
	char xc[64];
	size_t i;
	int k, stale = 0, echo = 0, api_start = 0;

	is_int(api_as(&r, op_hdr, "NGINX_URL", "POST", N "/containers" Q,
	    "{\"name\":\"cc-l5\",\"image\":\"busybox\"}"), 201,
	    "the operator's instance cc-l5");
	http_resp_free(&r);
	ok(cache_shows("cc-l5", "running"), "the follower lists it: the "
	    "cache shows it running");
	since = ev_last();
	is_int(lxc_cli(stop), 0, "lxc stop cc-l5, outside the API");
	ev = engine_event(harness_admin_header(), since, "cc-l5", "stop");
	ok(ev != NULL, "a container_event stop from the engine in the replay");
	is_str(jstr(ev, "data.endpoint"), "lxd", "on endpoint lxd");
	is_str(jstr(ev, "data.container_id"), "cc-l5", "about cc-l5");
	is_str(jstr(ev, "owner"), "lxop", "owned by the instance's owner");
	json_object_put(ev);
	ev = engine_event(op_hdr, since, "cc-l5", "stop");
	ok(ev != NULL, "the operator sees it too");
	json_object_put(ev);

	/* the API's own start, then a forced stop outside it: once the
	 * stop is in, the start would be before it */
	since = ev_last();
	is_int(api_as(&r, op_hdr, "NGINX_URL", "POST",
	    N "/containers/cc-l5/start" Q, NULL), 200, "start it through the "
	    "API");
	http_resp_free(&r);
	is_int(lxc_cli(kill), 0, "lxc stop --force cc-l5");
	ev = engine_event(harness_admin_header(), since, "cc-l5", "stop");
	ok(ev != NULL, "the forced stop is a container_event too");
	json_object_put(ev);
	a = ev_about(harness_admin_header(), since, "lxd", "container_event",
	    "cc-l5");
	for (i = 0; i < json_object_array_length(a); i++) {
		ev = json_object_array_get_idx(a, i);
		if (strcmp(jstr(ev, "data.event"), "start") != 0)
			continue;
		if (strcmp(jstr(ev, "data.source"), "api") == 0)
			api_start++;
		else
			echo++;
	}
	ok(api_start == 1 && echo == 0, "the API's start is recorded once, "
	    "as the API's: the follower leaves out LXD's instance-started");
	json_object_put(a);

	/* the list after the change */
	api(&r, "NGINX_URL", "GET", N "/containers" Q "&name=cc-l5&fresh=true",
	    NULL);
	is_str(http_header(&r, "X-Cache"), "miss", "fresh=true asks LXD");
	is_str(jstr(r.json, "containers.0.status"), "stopped",
	    "which says stopped");
	is_int(json_object_get_int(json_at(r.json, "cache_age_ms")), 0,
	    "cache_age_ms 0");
	http_resp_free(&r);
	/* list_cache_max_age (2 s) and a second more: a wait, not a check */
	harness_msleep(3000);
	for (k = 0; k < 5; k++)
		if (strcmp(listed("cc-l5", xc, sizeof(xc)), "stopped") != 0 ||
		    strncmp(xc, "hit without", 11) == 0) {
			diag("answer %d: %s, X-Cache %s", k, listed("cc-l5", xc,
			    sizeof(xc)), xc);
			stale = 1;
		}
	ok(!stale, "past list_cache_max_age no answer shows it running");
	ok(cache_shows("cc-l5", "stopped"), "and the cache has the change: a "
	    "hit shows it stopped");
	is_int(api_code("NGINX_URL", "DELETE", N "/containers/cc-l5" Q
	    "&force=true", NULL, NULL, "rm cc-l5"), 200, "remove cc-l5");
}

static void
test_tls(void)
{
	struct rt_endpoint_conf c;
	struct http_resp r;
	char dir[512], body[9000], url[64], crt[600], key[600], ca[600];
	int port = harness_free_port();
	long st;

	snprintf(dir, sizeof(dir), "%s/tls", harness_dir());
	mkdir(dir, 0700);
	ok(make_cert(dir, "client") == 0 && make_cert(dir, "stranger") == 0,
	    "client certificates");
	snprintf(body, sizeof(body), "{\"config\":{\"core.https_address\":"
	    "\"127.0.0.1:%d\"}}", port);
	is_int(lxd_raw("PATCH", "/1.0", body), 200, "LXD listens on "
	    "127.0.0.1:%d", port);
	snprintf(crt, sizeof(crt), "%s/client.crt", dir);
	snprintf(body, sizeof(body), "{\"type\":\"client\",\"name\":"
	    "\"cc-test\",\"certificate\":\"%s\"}", pem_body(crt));
	st = lxd_raw("POST", "/1.0/certificates", body);
	ok(st == 200 || st == 201,
	    "the client certificate is trusted (lxc config trust add)");
	snprintf(key, sizeof(key), "%s/client.key", dir);
	snprintf(ca, sizeof(ca), "%s/server.crt", harness_env("LXD_DIR"));
	snprintf(url, sizeof(url), "https://127.0.0.1:%d", port);
	snprintf(body, sizeof(body), "{\"name\":\"lxtls\",\"driver\":"
	    "\"lxd\",\"url\":\"%s\",\"tls_cert\":\"%s\",\"tls_key\":"
	    "\"%s\",\"tls_ca\":\"%s\",\"project\":\"default\"}", url, crt,
	    key, ca);
	is_int(api(&r, "NGINX_URL", "POST", N "/endpoints", body), 201,
	    "register LXD over https");
	is_str(jstr(r.json, "endpoint.project"), "default", "with its project");
	http_resp_free(&r);
	through("lxtls", "https");
	memset(&c, 0, sizeof(c));
	c.name = "lxtls";
	c.driver = "lxd";
	c.url = url;
	c.tls_cert = crt;
	c.tls_key = key;
	c.tls_ca = ca;
	event_stream(&c, "https");
	test_pin(url, crt, key, ca);
	/* a certificate LXD does not trust */
	snprintf(crt, sizeof(crt), "%s/stranger.crt", dir);
	snprintf(key, sizeof(key), "%s/stranger.key", dir);
	snprintf(body, sizeof(body), "{\"name\":\"lxbad\",\"driver\":"
	    "\"lxd\",\"url\":\"%s\",\"tls_cert\":\"%s\",\"tls_key\":"
	    "\"%s\",\"tls_ca\":\"%s\"}", url, crt, key, ca);
	is_int(api_code("NGINX_URL", "POST", N "/endpoints", body, NULL,
	    "bad"), 201, "register it with an untrusted certificate");
	api(&r, "NGINX_URL", "GET", N "/containers?endpoint=lxbad", NULL);
	ok(r.status == 502 && strstr(jstr(r.json, "error.message"),
	    "trust add") != NULL, "refused, with the advice: %ld %s",
	    r.status, jstr(r.json, "error.message"));
	http_resp_free(&r);
}

static void
test_daemon_down(void)
{
	static const char *const kill[] = { "stop", "--force", "cc-l1", NULL };
	struct http_resp r;
	json_object *ev;
	long long since;
	size_t i;
	int tries, named;

	/* A clean shutdown: the daemon keeps what ran, to start it again
	 * (the harness's own "down" force-stops instances). */
	setenv("LXD_STOP_CLEAN", "1", 1);
	is_int(harness_stack("stop-lxd"), 0, "stop the LXD daemon");
	unsetenv("LXD_STOP_CLEAN");
	is_int(api_code("NGINX_URL", "GET", N "/containers" Q, NULL,
	    "SERVICE_UNAVAILABLE", "down"), 503, "LXD down: list is 503");
	is_int(api_code("NGINX_URL", "POST", N "/containers/cc-l1/exec" Q,
	    "{\"command\":\"id\"}", "SERVICE_UNAVAILABLE", "exec down"), 503,
	    "LXD down: exec is 503");
	api(&r, "NGINX_URL", "GET", N "/containers?endpoint=all", NULL);
	for (i = 0, named = 0; i < json_object_array_length(json_at(r.json,
	    "endpoint_errors")); i++)
		named |= strcmp(jstr(json_object_array_get_idx(json_at(r.json,
		    "endpoint_errors"), i), "endpoint"), "lxd") == 0;
	ok(r.status == 200 && named && strstr(r.body ? r.body : "",
	    "cct-lp") != NULL,
	    "endpoint=all names lxd in endpoint_errors, Podman still answers");
	http_resp_free(&r);
	is_int(harness_stack("start-lxd"), 0, "start the daemon again");
	for (tries = 0; tries < 150 && api_code("NGINX_URL", "GET",
	    N "/containers" Q, NULL, NULL, "poll") != 200; tries++)
		harness_msleep(200);
	is_int(api_code("NGINX_URL", "GET", N "/containers" Q, NULL, NULL,
	    "back"), 200, "the API recovers with the daemon");
	for (tries = 0; tries < 150 && strcmp(status_of("cc-l1"),
	    "running") != 0; tries++)
		harness_msleep(200);
	is_str(status_of("cc-l1"), "running",
	    "the instance runs again (LXD restarts what ran)");
	/* the follower follows the new daemon: ticks from its stream (a hit
	 * needs them), then a change outside the API */
	ok(cache_shows("cc-l1", "running"), "the follower is back: the "
	    "cache shows cc-l1 running");
	since = ev_last();
	is_int(lxc_cli(kill), 0, "lxc stop --force cc-l1");
	ev = engine_event(harness_admin_header(), since, "cc-l1", "stop");
	ok(ev != NULL, "after the restart a change outside the API is a "
	    "container_event again");
	json_object_put(ev);
	ok(cache_shows("cc-l1", "stopped"), "and the cache shows it stopped");
}

/* How many times the pool's log says the lxd follower's stream ended. */
static int
stream_ends(void)
{
	char path[PATH_MAX], *log, *p;
	int n = 0;

	snprintf(path, sizeof(path), "%s/logs/pool.log", harness_dir());
	log = harness_file_read(path);
	for (p = log; p != NULL && (p = strstr(p, "follower lxd: endpoint "
	    "'lxd': the event stream ended")) != NULL; p++)
		n++;
	free(log);
	return n;
}

/*
 * A daemon that stalls (SIGSTOP: its socket still takes connections)
 * answers no ping: the follower's event stream is closed after twice
 * runtime_ws_ping (1 s here), where it would wait for ever, and the
 * follower connects again; once the daemon goes on (SIGCONT), it is back.
 */
static void
test_stalled(void)
{
	char path[PATH_MAX], *s;
	long pid;
	int before, n = 0, i;

	snprintf(path, sizeof(path), "%s/lxd/lxd.pid", harness_dir());
	s = harness_file_read(path);
	pid = s != NULL ? atol(s) : 0;
	free(s);
	if (!ok(pid > 1, "the daemon's pid (%ld)", pid))
		return;
	ok(cache_shows("cc-l1", "stopped"), "the follower is up");
	/* a stream up 5 s or more: its end is logged (follower.c) */
	harness_msleep(5000);
	before = stream_ends();
	is_int(kill((pid_t)pid, SIGSTOP), 0, "SIGSTOP the daemon");
	for (i = 0; i < 100 && (n = stream_ends()) <= before; i++)
		harness_msleep(200);
	is_int(kill((pid_t)pid, SIGCONT), 0, "SIGCONT it");
	ok(n > before, "the stalled daemon's event stream was closed: it "
	    "answered no ping");
	ok(cache_shows("cc-l1", "stopped"), "the follower is back");
}

/*
 * The daemon stopped and started again with no API write between (none
 * to mark the list stale): an instance the daemon starts on its way up
 * (boot.autostart), when no event stream is there to see it, is not
 * listed as it was before, once the follower is back.
 */
static void
test_restart_cache(void)
{
	char xc[64];
	int tries, k, stale = 0;

	is_int(api_code("NGINX_URL", "POST", N "/containers" Q, "{\"name\":"
	    "\"cc-l6\",\"image\":\"busybox\",\"start\":false,\"config\":"
	    "{\"boot.autostart\":\"true\"}}", NULL, "cc-l6"), 201,
	    "cc-l6, stopped, boot.autostart true");
	ok(cache_shows("cc-l6", "stopped"), "the cache shows it stopped");
	is_int(harness_stack("stop-lxd"), 0, "stop the LXD daemon again");
	is_int(harness_stack("start-lxd"), 0, "and start it");
	for (tries = 0; tries < 150 && strcmp(status_of("cc-l6"), "running") !=
	    0; tries++)
		harness_msleep(200);
	is_str(status_of("cc-l6"), "running", "LXD started cc-l6 (autostart)");
	ok(cache_shows("cc-l1", "stopped"), "the follower is back (a hit)");
	/* list_cache_max_age (2 s) and a second more: a wait, not a check */
	harness_msleep(3000);
	for (k = 0; k < 5; k++)
		if (strcmp(listed("cc-l6", xc, sizeof(xc)), "running") != 0) {
			diag("answer %d: %s, X-Cache %s", k, listed("cc-l6", xc,
			    sizeof(xc)), xc);
			stale = 1;
		}
	ok(!stale, "no answer lists cc-l6 as it was before: the follower "
	    "lists again once its stream is back");
	is_int(api_code("NGINX_URL", "DELETE", N "/containers/cc-l6" Q
	    "&force=true", NULL, NULL, "rm cc-l6"), 200, "remove cc-l6");
}

int
main(void)
{
	setenv("STACK_LXD", "1", 1);
	setenv("STACK_APACHE_PORT", "none", 1);
	harness_start("exec_max_output = 64k\nruntime_ws_ping = 1\n");
	if (harness_env("LXD_SOCK") == NULL || *harness_env("LXD_SOCK") == '\0')
		bail_out("the stack has no LXD daemon (LXD_SOCK)");
	test_endpoint();
	test_create();
	test_list();
	test_unknown();
	test_lifecycle();
	test_exec();
	test_files_users();
	test_authkey();
	test_portforward();
	test_network();
	test_images();
	test_operator();
	test_console();
	test_events();
	test_event_stream();
	test_follower();
	test_tls();
	test_daemon_down();
	test_restart_cache();
	test_stalled();
	api_code("NGINX_URL", "DELETE", N "/containers/cc-l1" Q "&force=true",
	    NULL, NULL, "cleanup");
	api_code("NGINX_URL", "DELETE", N "/containers/cct-lp?force=true",
	    NULL, NULL, "cleanup");
	return done_testing();
}
