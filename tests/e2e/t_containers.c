/*
 * t_containers.c: containers end to end against a real Podman engine,
 * through nginx (and Apache for the streaming and listing checks): list
 * and filters, both create body shapes, forbidden options, lifecycle and
 * its "already there" answers, unknown ids, logs (a followed line arrives
 * while the container still runs), stats, exec, add_user then id, add_file
 * then cat, a second engine in the endpoint=all listing, and an engine
 * stopped mid-test (503) that recovers.  And the README's walk through
 * container-codes-api.md's create example: 403 until bind_roots names
 * the bind's tree, 201 after; its ports with network_mode none are 400.
 */
#include "config.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ctr_util.h"
#include "fcgi-app/cc.h"
#include "storage/storage.h"

#define N "/api/v1"

/* The container's status word, "" if it cannot be read. */
static const char *
status_of(const char *base, const char *name)
{
	static char buf[32];
	struct http_resp r;
	char path[256];

	snprintf(path, sizeof(path), N "/containers/%s", name);
	api(&r, base, "GET", path, NULL);
	snprintf(buf, sizeof(buf), "%s", json_str_at(r.json,
	    "container.status") ? json_str_at(r.json, "container.status") : "");
	http_resp_free(&r);
	return buf;
}

static void
test_list(void)
{
	struct http_resp r;

	is_int(api(&r, "NGINX_URL", "GET", N "/containers", NULL), 200,
	    "list containers");
	ok(json_at(r.json, "containers") != NULL && json_at(r.json, "total") &&
	    json_object_get_int(json_at(r.json, "limit")) == 50,
	    "list has containers, total and the default limit 50");
	http_resp_free(&r);
	is_int(api(&r, "NGINX_URL", "GET", N "/containers?status=running"
	    "&name=cct-a&limit=1", NULL), 200, "filtered list");
	is_str(json_str_at(r.json, "containers.0.name"), "cct-a",
	    "name filter finds the container");
	ok(json_at(r.json, "containers.1") == NULL, "limit=1 gives one row");
	ok(json_at(r.json, "containers.0.ports") != NULL &&
	    json_at(r.json, "containers.0.created_at") != NULL,
	    "rows carry ports and created_at");
	http_resp_free(&r);
	is_int(api(&r, "NGINX_URL", "GET", N "/containers?name=cct-a"
	    "&stats=true&all=true", NULL), 200, "list with stats");
	ok(json_at(r.json, "containers.0.memory_usage") != NULL,
	    "stats=true adds memory_usage to a running row");
	http_resp_free(&r);
	is_int(api(&r, "APACHE_URL", "GET", N "/containers?name=cct-a", NULL),
	    200, "Apache: list");
	is_str(json_str_at(r.json, "containers.0.endpoint"), "local",
	    "rows name their endpoint");
	http_resp_free(&r);
	is_int(api_code("NGINX_URL", "GET", N "/containers?status=bogus",
	    NULL, "INVALID_REQUEST", "bad status"), 400, "bad status is 400");
	is_int(api_code("NGINX_URL", "GET", N "/containers?limit=0", NULL,
	    "INVALID_REQUEST", "limit 0"), 400, "limit=0 is 400");
	is_int(api_code("NGINX_URL", "GET", N "/containers?limit=1001", NULL,
	    "INVALID_REQUEST", "limit 1001"), 400, "limit=1001 is 400");
	is_int(api_code("NGINX_URL", "GET", N "/containers?endpoint=nope",
	    NULL, "ENDPOINT_NOT_FOUND", "unknown endpoint"), 404,
	    "unknown endpoint is 404");
	is_int(api_code("NGINX_URL", "GET", N "/containers?endpoint=BAD!",
	    NULL, "INVALID_REQUEST", "bad endpoint"), 400,
	    "bad endpoint name is 400");
}

static void
test_create(void)
{
	struct http_resp r;

	is_int(make_container("NGINX_URL", "cct-a",
	    "trap 'exit 0' TERM; echo hello; echo oops >&2; "
	    "while true; do sleep 1; done"), 201, "create and start cct-a");
	is_str(status_of("NGINX_URL", "cct-a"), "running", "cct-a runs");

	/* dokemon's shape on the /run alias. */
	is_int(api(&r, "NGINX_URL", "POST", N "/containers/run",
	    "{\"image\":\"localhost/busybox:test\",\"name\":\"cct-b\","
	    "\"detached\":true,\"environment\":[\"FOO=bar\"],"
	    "\"command\":\"sh -c 'echo $FOO; sleep 300'\","
	    "\"network_mode\":\"none\",\"labels\":{\"cc.test\":\"1\"},"
	    "\"resources\":{\"memory_limit\":\"64m\",\"cpu_limit\":0.5}}"),
	    201, "dokemon body on /containers/run");
	is_str(json_str_at(r.json, "container.name"), "cct-b", "named cct-b");
	ok(json_object_get_int64(json_at(r.json, "container.memory_limit")) ==
	    64 << 20, "memory limit mapped");
	http_resp_free(&r);

	/* detached false: waits for the exit (the driver's wait). */
	is_int(api(&r, "NGINX_URL", "POST", N "/containers",
	    "{\"image\":\"localhost/busybox:test\",\"name\":\"cct-w\","
	    "\"detached\":false,\"command\":[\"sh\",\"-c\",\"exit 5\"],"
	    "\"network_mode\":\"none\",\"labels\":{\"cc.test\":\"1\"}}"),
	    201, "create with detached false");
	is_int(json_object_get_int(json_at(r.json, "container.exit_code")), 5,
	    "... answers after the exit, with its code");
	is_str(json_str_at(r.json, "container.status"), "stopped",
	    "... and status stopped");
	http_resp_free(&r);
	api_code("NGINX_URL", "DELETE", N "/containers/cct-w", NULL, NULL,
	    "cleanup");
	is_int(api_code("NGINX_URL", "POST", N "/containers", "{\"image\":",
	    "INVALID_REQUEST", "malformed"), 400, "malformed body is 400");
	is_int(api_code("NGINX_URL", "POST", N "/containers",
	    "{\"image\":\"localhost/busybox:test\",\"HostConfig\":{}}",
	    "INVALID_REQUEST", "unknown field"), 400,
	    "user JSON is never forwarded: unknown field is 400");
	is_int(api_code("NGINX_URL", "POST", N "/containers",
	    "{\"image\":\"localhost/busybox:test\",\"name\":\"a/b\"}",
	    "INVALID_REQUEST", "bad name"), 400, "bad name is 400");
	is_int(api_code("NGINX_URL", "POST", N "/containers",
	    "{\"name\":\"x\"}", "INVALID_REQUEST", "no image"), 400,
	    "missing image is 400");
	is_int(api_code("NGINX_URL", "POST", N "/containers",
	    "{\"image\":\"localhost/nosuch:image\",\"network_mode\":\"none\"}",
	    "IMAGE_NOT_FOUND", "no such image"), 404,
	    "unknown image is 404 IMAGE_NOT_FOUND");
	is_int(api_code("NGINX_URL", "POST", N "/containers",
	    "{\"image\":\"localhost/busybox:test\",\"name\":\"cct-a\","
	    "\"network_mode\":\"none\",\"labels\":{\"cc.test\":\"1\"}}",
	    "CONFLICT", "name taken"), 409, "a taken name is 409");
	/* Reaching outside: 403 naming the field (allow_privileged off). */
	api(&r, "NGINX_URL", "POST", N "/containers",
	    "{\"image\":\"localhost/busybox:test\",\"privileged\":true}");
	is_int(r.status, 403, "privileged is 403");
	is_str(json_str_at(r.json, "error.details.field"), "privileged",
	    "403 names the field");
	http_resp_free(&r);
	is_int(api_code("NGINX_URL", "POST", N "/containers",
	    "{\"image\":\"localhost/busybox:test\",\"pid_mode\":\"host\"}",
	    "FORBIDDEN", "pid host"), 403, "host pid namespace is 403");
	is_int(api_code("NGINX_URL", "POST", N "/containers",
	    "{\"image\":\"localhost/busybox:test\",\"network_mode\":\"host\"}",
	    "FORBIDDEN", "net host"), 403, "host network namespace is 403");
	is_int(api_code("NGINX_URL", "POST", N "/containers",
	    "{\"image\":\"localhost/busybox:test\",\"cap_add\":[\"SYS_ADMIN\"]}",
	    "FORBIDDEN", "cap_add"), 403, "cap_add is 403");
	is_int(api_code("NGINX_URL", "POST", N "/containers",
	    "{\"image\":\"localhost/busybox:test\",\"devices\":[\"/dev/kvm\"]}",
	    "FORBIDDEN", "devices"), 403, "devices is 403");
	is_int(api_code("NGINX_URL", "POST", N "/containers",
	    "{\"image\":\"localhost/busybox:test\",\"volumes\":[\"/etc:/x\"]}",
	    "FORBIDDEN", "bind"), 403, "a bind outside bind_roots is 403");
}

/*
 * container-codes-api.md's create body, adapted to the stack (the test
 * image, network_mode none, a command that runs, labelled, a temporary
 * directory as the host tree): ports is ",\"ports\":{...}" or "".
 */
static char *
example_body(const char *host_dir, const char *ports)
{
	static char body[2048];

	snprintf(body, sizeof(body), "{\"name\":\"cct-example\","
	    "\"image\":\"localhost/busybox:test\","
	    "\"command\":[\"sleep\",\"300\"],"
	    "\"environment\":{\"NODE_ENV\":\"production\",\"PORT\":\"3000\"}"
	    "%s,\"volumes\":{\"/app/data\":\"%s\"},"
	    "\"resources\":{\"cpu_limit\":\"0.5\",\"memory_limit\":\"512m\"},"
	    "\"network_mode\":\"none\",\"restart_policy\":\"unless-stopped\","
	    "\"labels\":{\"cc.test\":\"1\"}}", ports, host_dir);
	return body;
}

/* The README's bind_roots walk-through (issue 18). */
static void
test_readme_example(void)
{
	char root[1024], data[1100], line[1100];
	struct http_resp r;

	snprintf(root, sizeof(root), "%s/bindroot", harness_dir());
	snprintf(data, sizeof(data), "%s/data", root);
	if (!ok(mkdir(root, 0755) == 0 && mkdir(data, 0755) == 0,
	    "a temporary bind root %s", root))
		return;
	api(&r, "NGINX_URL", "POST", N "/containers", example_body(data, ""));
	is_int(r.status, 403, "the example's bind outside bind_roots is 403");
	is_str(json_str_at(r.json, "error.details.field"), "volumes",
	    "... naming volumes");
	http_resp_free(&r);
	snprintf(line, sizeof(line), "bind_roots = %s\n", root);
	if (!ok(harness_reconfigure(line, "bind_roots", root) == 0,
	    "bind_roots = %s is live", root))
		return;
	api(&r, "NGINX_URL", "POST", N "/containers", example_body(data,
	    ",\"ports\":{\"3000\":\"8080\"}"));
	is_int(r.status, 400, "the example's ports with network_mode none "
	    "are 400, not dropped");
	is_str(json_str_at(r.json, "error.details.field"), "ports",
	    "... naming ports");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "POST", N "/containers", example_body(data, ""));
	is_int(r.status, 201, "with bind_roots the example is created: %s",
	    r.body ? r.body : "");
	http_resp_free(&r);
	is_str(status_of("NGINX_URL", "cct-example"), "running",
	    "... and runs");
	/* What Python's requests sends for force=True. */
	is_int(api_code("NGINX_URL", "DELETE",
	    N "/containers/cct-example?force=True", NULL, NULL, "remove"), 200,
	    "force=True removes it");
}

static void
test_not_found(void)
{
	struct http_resp r;
	json_object *avail;
	size_t i;
	int seen = 0;

	is_int(api(&r, "NGINX_URL", "GET", N "/containers/cct-nope", NULL),
	    404, "unknown id is 404");
	is_str(json_str_at(r.json, "error.code"), "CONTAINER_NOT_FOUND",
	    "code CONTAINER_NOT_FOUND");
	is_str(json_str_at(r.json, "error.details.container_id"), "cct-nope",
	    "details.container_id");
	avail = json_at(r.json, "error.details.available_containers");
	for (i = 0; avail && i < json_object_array_length(avail); i++)
		seen |= strcmp(json_object_get_string(
		    json_object_array_get_idx(avail, i)), "cct-a") == 0;
	ok(seen, "details.available_containers lists cct-a");
	http_resp_free(&r);
	is_int(api_code("NGINX_URL", "POST", N "/containers/cct-nope/stop",
	    NULL, "CONTAINER_NOT_FOUND", "stop unknown"), 404,
	    "stop unknown is 404");
	is_int(api_code("NGINX_URL", "DELETE", N "/containers/cct-nope", NULL,
	    "CONTAINER_NOT_FOUND", "delete unknown"), 404,
	    "delete unknown is 404");
	is_int(api_code("NGINX_URL", "GET", N "/containers/bad%20id", NULL,
	    "INVALID_REQUEST", "bad id"), 400, "bad id is 400");
}

static void	test_events(const char *);

static long
action(const char *name, const char *act, int *changed)
{
	struct http_resp r;
	char path[256];
	long st;

	snprintf(path, sizeof(path), N "/containers/%s/%s", name, act);
	st = api(&r, "NGINX_URL", "POST", path, NULL);
	*changed = json_object_get_boolean(json_at(r.json,
	    "container.changed"));
	http_resp_free(&r);
	return st;
}

static void
test_lifecycle(void)
{
	struct http_resp r;
	char *full_id;
	int changed;

	api(&r, "NGINX_URL", "GET", N "/containers/cct-b", NULL);
	full_id = strdup(json_str_at(r.json, "container.id") ?
	    json_str_at(r.json, "container.id") : "?");
	http_resp_free(&r);

	is_int(action("cct-b", "pause", &changed), 200, "pause");
	ok(changed, "pause changed it");
	is_str(status_of("NGINX_URL", "cct-b"), "paused", "paused");
	is_int(action("cct-b", "pause", &changed), 200,
	    "pause a paused one is 200");
	ok(!changed, "... with changed false");
	is_int(action("cct-b", "unpause", &changed), 200, "unpause");
	is_int(action("cct-b", "unpause", &changed), 200,
	    "unpause a running one is 200");
	ok(!changed, "... with changed false");
	is_int(action("cct-b", "stop?timeout=1", &changed), 200, "stop");
	is_str(status_of("NGINX_URL", "cct-b"), "stopped", "stopped");
	is_int(action("cct-b", "stop", &changed), 200,
	    "stop a stopped one is 200");
	ok(!changed, "... with changed false");
	is_int(action("cct-b", "start", &changed), 200, "start");
	is_int(action("cct-b", "start", &changed), 200,
	    "start a running one is 200");
	ok(!changed, "... with changed false");
	is_int(action("cct-b", "restart?timeout=1", &changed), 200, "restart");
	is_str(status_of("NGINX_URL", "cct-b"), "running", "running again");
	is_int(api_code("NGINX_URL", "POST", N "/containers/cct-b/stop"
	    "?timeout=x", NULL, "INVALID_REQUEST", "bad timeout"), 400,
	    "bad timeout is 400");
	is_int(api_code("NGINX_URL", "DELETE", N "/containers/cct-b", NULL,
	    "CONFLICT", "remove running"), 409,
	    "removing a running one without force is 409");
	is_int(api_code("NGINX_URL", "DELETE",
	    N "/containers/cct-b/remove?force=true", NULL, NULL, "remove"),
	    200, "remove with force (dokemon alias)");
	is_int(api_code("NGINX_URL", "GET", N "/containers/cct-b/inspect",
	    NULL, "CONTAINER_NOT_FOUND", "gone"), 404, "removed is gone");
	test_events(full_id);
	free(full_id);
}

struct seen {
	const char	*id;
	char		 events[512];
	int		 actor_ok;
};

static int
event_cb(uint64_t id, json_object *ev, void *arg)
{
	struct seen *s = arg;
	const char *cid, *e;

	(void)id;
	if (json_str_at(ev, "type") == NULL ||
	    strcmp(json_str_at(ev, "type"), "container_event") != 0)
		return 0;
	cid = json_str_at(ev, "data.container_id");
	e = json_str_at(ev, "data.event");
	if (cid == NULL || e == NULL || strcmp(cid, s->id) != 0)
		return 0;
	strncat(s->events, e, sizeof(s->events) - strlen(s->events) - 2);
	strcat(s->events, " ");
	s->actor_ok += json_str_at(ev, "data.actor") != NULL &&
	    json_str_at(ev, "data.timestamp") != NULL &&
	    strcmp(json_str_at(ev, "data.endpoint") ?
	    json_str_at(ev, "data.endpoint") : "", "local") == 0;
	return 0;
}

/* The lifecycle above left container_event records, read straight from
 * the pool's LMDB (a second reader is fine). */
static void
test_events(const char *full_id)
{
	struct seen s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.id = full_id;
	config_register_all();
	config_defaults(config_live());
	rc = store_open(harness_env("DATA_DIR"), store_cfg.map_size);
	is_int(rc, 0, "open the event log");
	if (rc != 0)
		return;
	store_events_since(0, 100000, event_cb, &s);
	store_close();
	is_str(s.events, "create start pause unpause stop start restart "
	    "remove ", "container_event per lifecycle action, in order "
	    "(none for actions that changed nothing)");
	ok(s.actor_ok >= 8, "events carry actor, timestamp and endpoint");
}

static void
test_logs_stats(void)
{
	struct http_resp r;

	is_int(api(&r, "NGINX_URL", "GET", N "/containers/cct-a/logs?tail=10",
	    NULL), 200, "logs");
	ok(r.json && strstr(json_str_at(r.json, "stdout") ?
	    json_str_at(r.json, "stdout") : "", "hello") != NULL,
	    "stdout has hello");
	ok(r.json && strstr(json_str_at(r.json, "stderr") ?
	    json_str_at(r.json, "stderr") : "", "oops") != NULL,
	    "stderr kept apart");
	http_resp_free(&r);
	is_int(api_code("NGINX_URL", "GET",
	    N "/containers/cct-a/logs?tail=999999999", NULL, "INVALID_REQUEST",
	    "huge tail"), 400, "a huge tail is 400");
	is_int(api_code("NGINX_URL", "GET", N "/containers/cct-a/logs?since=x",
	    NULL, "INVALID_REQUEST", "bad since"), 400, "bad since is 400");
	is_int(api(&r, "NGINX_URL", "GET", N "/containers/cct-a/stats", NULL),
	    200, "stats");
	ok(json_object_get_int64(json_at(r.json, "stats.memory_usage")) > 0 &&
	    json_at(r.json, "stats.cpu_usage") != NULL &&
	    json_at(r.json, "stats.network_rx") != NULL &&
	    json_at(r.json, "stats.block_read") != NULL &&
	    json_str_at(r.json, "stats.timestamp") != NULL,
	    "stats has the documented fields");
	http_resp_free(&r);
}

/* Follow: the first line is checked while the container still runs. */
struct follow {
	const char	*base;
	char		 buf[8192];
	size_t		 len;
	int		 checked, running_at_first;
};

static size_t
follow_write(char *p, size_t size, size_t n, void *arg)
{
	struct follow *f = arg;
	size_t len = size * n, take;

	take = len < sizeof(f->buf) - 1 - f->len ? len :
	    sizeof(f->buf) - 1 - f->len;
	memcpy(f->buf + f->len, p, take);
	f->len += take;
	f->buf[f->len] = '\0';
	if (!f->checked && strstr(f->buf, "\"first\"") != NULL) {
		f->checked = 1;
		f->running_at_first = strcmp(status_of(f->base, "cct-f"),
		    "running") == 0;
	}
	return len;
}

static void
test_follow(const char *base)
{
	struct follow f;
	struct curl_slist *h = NULL;
	char name[32];
	CURL *c;
	long st = 0;

	snprintf(name, sizeof(name), "cct-f");
	is_int(make_container(base, name, "echo first; sleep 4; echo last"),
	    201, "%s: create a container that logs, waits and exits", base);
	memset(&f, 0, sizeof(f));
	f.base = base;
	c = curl_easy_init();
	if (harness_admin_header() != NULL)
		h = curl_slist_append(h, harness_admin_header());
	curl_easy_setopt(c, CURLOPT_URL, harness_url(base,
	    N "/containers/cct-f/logs?follow=true&tail=all"));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, follow_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	is_int(curl_easy_perform(c), CURLE_OK, "%s: follow ends cleanly when "
	    "the container exits", base);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	is_int(st, 200, "%s: follow is 200", base);
	ok(f.checked && f.running_at_first, "%s: the first line arrived while "
	    "the container still ran", base);
	ok(strstr(f.buf, "{\"stream\":\"stdout\",\"line\":\"last\"}") != NULL,
	    "%s: the last line arrived, labelled stdout", base);
	api_code(base, "DELETE", N "/containers/cct-f?force=true", NULL, NULL,
	    "cleanup");
}

static json_object *
exec_json(const char *body, long *st)
{
	struct http_resp r;
	json_object *o;

	*st = api(&r, "NGINX_URL", "POST", N "/containers/cct-a/exec", body);
	o = json_object_get(json_at(r.json, "execution"));
	if (o == NULL)
		o = json_object_get(r.json);
	http_resp_free(&r);
	return o;
}

static const char *
jstr(json_object *o, const char *k)
{
	return json_str_at(o, k) ? json_str_at(o, k) : "";
}

static void
test_exec(void)
{
	json_object *x;
	long st;

	x = exec_json("{\"command\":[\"sh\",\"-c\",\"echo out; echo err >&2; "
	    "exit 3\"]}", &st);
	is_int(st, 200, "exec");
	is_int(json_object_get_int(json_at(x, "exit_code")), 3, "exit code 3");
	ok(!json_object_get_boolean(json_at(x, "success")), "success false");
	is_str(jstr(x, "stdout"), "out\n", "stdout");
	is_str(jstr(x, "stderr"), "err\n", "stderr apart");
	json_object_put(x);
	x = exec_json("{\"command\":\"echo 'a  b' \\\"c\\\"\"}", &st);
	is_int(st, 200, "exec a string command");
	is_str(jstr(x, "output"), "a  b c\n", "split by the documented rules, "
	    "no shell");
	json_object_put(x);
	x = exec_json("{\"command\":\"echo $HOME | cat\"}", &st);
	is_str(jstr(x, "output"), "$HOME | cat\n", "no shell unless asked");
	json_object_put(x);
	x = exec_json("{\"command\":\"echo 'open\"}", &st);
	is_int(st, 400, "unterminated quote is 400");
	json_object_put(x);
	x = exec_json("{\"command\":[\"sh\",\"-c\",\"yes | head -c 100000\"]}",
	    &st);
	ok(json_object_get_boolean(json_at(x, "truncated")) &&
	    strlen(jstr(x, "output")) == 4096, "output capped at "
	    "exec_max_output and marked truncated");
	json_object_put(x);
	x = exec_json("{\"command\":\"sh -c pwd\",\"workdir\":\"/tmp\","
	    "\"user\":\"nobody\"}", &st);
	is_str(jstr(x, "output"), "/tmp\n", "workdir");
	json_object_put(x);
	x = exec_json("{\"command\":[\"sh\",\"-c\",\"echo $V\"],"
	    "\"environment\":{\"V\":\"42\"}}", &st);
	is_str(jstr(x, "output"), "42\n", "environment");
	json_object_put(x);
	x = exec_json("{\"command\":42}", &st);
	is_int(st, 400, "a bad command is 400");
	json_object_put(x);
}

static void
test_users_files(void)
{
	struct http_resp r;
	json_object *x;
	long st;

	is_int(api(&r, "NGINX_URL", "POST", N "/containers/cct-a/users",
	    "{\"username\":\"bob\",\"password\":\"s3cret!\"}"), 201,
	    "add_user");
	is_str(json_str_at(r.json, "user.username"), "bob", "user bob");
	ok(json_object_get_boolean(json_at(r.json, "user.created")),
	    "created true");
	http_resp_free(&r);
	x = exec_json("{\"command\":\"id bob\"}", &st);
	is_int(json_object_get_int(json_at(x, "exit_code")), 0, "id bob works");
	ok(strstr(jstr(x, "output"), "(bob)") != NULL, "id names bob: %s",
	    jstr(x, "output"));
	json_object_put(x);
	x = exec_json("{\"command\":\"grep -c ^bob:[$] /etc/shadow\"}", &st);
	is_str(jstr(x, "output"), "1\n", "a password hash is set for bob");
	json_object_put(x);
	is_int(api_code("NGINX_URL", "POST", N "/containers/cct-a/users",
	    "{\"username\":\"bob\"}", "CONFLICT", "dup user"), 409,
	    "adding bob again is 409");
	is_int(api_code("NGINX_URL", "POST", N "/containers/cct-a/users",
	    "{\"username\":\"Bad Name\"}", "INVALID_REQUEST", "bad user"), 400,
	    "a bad username is 400");
	is_int(api_code("NGINX_URL", "POST", N "/containers/cct-a/users",
	    "{\"username\":\"eve\",\"password\":\"a:b\"}", "INVALID_REQUEST",
	    "bad password"), 400, "a password with ':' is 400");

	is_int(api(&r, "NGINX_URL", "POST", N "/containers/cct-a/files",
	    "{\"dest_path\":\"/tmp/hello.txt\",\"content\":\"hi there\\n\","
	    "\"mode\":\"0600\"}"), 201, "add_file");
	is_int(json_object_get_int(json_at(r.json, "file.size")), 9, "size 9");
	http_resp_free(&r);
	x = exec_json("{\"command\":\"cat /tmp/hello.txt\"}", &st);
	is_str(jstr(x, "output"), "hi there\n", "cat shows the content");
	json_object_put(x);
	x = exec_json("{\"command\":\"stat -c %a /tmp/hello.txt\"}", &st);
	is_str(jstr(x, "output"), "600\n", "mode 0600");
	json_object_put(x);
	is_int(api_code("NGINX_URL", "POST", N "/containers/cct-a/files",
	    "{\"dest_path\":\"/tmp/b.bin\",\"content\":\"AAEC\","
	    "\"encoding\":\"base64\"}", NULL, "b64"), 201, "base64 file");
	is_int(api_code("NGINX_URL", "POST", N "/containers/cct-a/files",
	    "{\"dest_path\":\"relative\",\"content\":\"x\"}",
	    "INVALID_REQUEST", "relative"), 400, "a relative path is 400");
	is_int(api_code("NGINX_URL", "POST", N "/containers/cct-a/files",
	    "{\"dest_path\":\"/tmp/../etc/x\",\"content\":\"x\"}",
	    "INVALID_REQUEST", "dotdot"), 400, "a .. path is 400");
	is_int(api_code("NGINX_URL", "POST", N "/containers/cct-a/files",
	    "{\"dest_path\":\"/tmp/x\",\"content\":\"@@\","
	    "\"encoding\":\"base64\"}", "INVALID_REQUEST", "bad b64"), 400,
	    "bad base64 is 400");
}

/* A second engine on the same storage, at url (unix:// or tcp://). */
static pid_t
start_second(const char *url)
{
	char root[512], run[512], tmp[512], conf[512];
	const char *dir = harness_env("STACK_DIR"), *src = getenv("CC_SRCDIR");
	pid_t pid;

	snprintf(root, sizeof(root), "%s/podman/root", dir);
	snprintf(run, sizeof(run), "%s/podman/run", dir);
	snprintf(tmp, sizeof(tmp), "%s/podman/tmp", dir);
	snprintf(conf, sizeof(conf), "%s/tests/stack/containers.conf",
	    src ? src : ".");
	if ((pid = fork()) == 0) {
		setsid();
		setenv("CONTAINERS_CONF", conf, 1);
		freopen("/dev/null", "r", stdin);
		freopen("/dev/null", "w", stdout);
		execlp("podman", "podman", "--root", root, "--runroot", run,
		    "--tmpdir", tmp, "--events-backend", "file", "system",
		    "service", "--time=0", url, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int
second_up(const char *base, const char *name)
{
	struct http_resp r;
	json_object *rows, *row;
	size_t i;
	int up = 0;

	api(&r, base, "GET", N "/endpoints?check=true", NULL);
	rows = json_at(r.json, "endpoints");
	for (i = 0; rows && i < json_object_array_length(rows); i++) {
		row = json_object_array_get_idx(rows, i);
		if (json_str_at(row, "name") && strcmp(json_str_at(row, "name"),
		    name) == 0)
			up = json_object_get_boolean(json_at(row, "available"));
	}
	http_resp_free(&r);
	return up;
}

/* The engine's Docker API over plain tcp:// on loopback. */
static void
test_tcp_endpoint(void)
{
	char url[64], body[200];
	int port = harness_free_port(), tries;
	pid_t pid;

	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", port);
	pid = start_second(url);
	snprintf(body, sizeof(body), "{\"name\":\"tcp1\",\"url\":\"%s\"}",
	    url);
	is_int(api_code("NGINX_URL", "POST", N "/endpoints", body, NULL,
	    "add tcp"), 201, "register a tcp:// endpoint");
	for (tries = 0; tries < 150 && !second_up("NGINX_URL", "tcp1");
	    tries++)
		harness_msleep(200);
	is_int(api_code("NGINX_URL", "GET", N "/containers/cct-a"
	    "?endpoint=tcp1", NULL, NULL, "over tcp"), 200,
	    "a container through the tcp:// endpoint");
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	api_code("NGINX_URL", "DELETE", N "/endpoints/tcp1", NULL, NULL,
	    "rm tcp1");
}

static void
test_second_endpoint(void)
{
	struct http_resp r;
	char sock[512], body[700];
	json_object *rows, *row, *e;
	size_t i;
	int seen = 0, tries;
	pid_t pid;

	snprintf(sock, sizeof(sock), "unix://%s/p2.sock",
	    harness_env("STACK_DIR"));
	pid = start_second(sock);
	snprintf(body, sizeof(body), "{\"name\":\"second\",\"url\":"
	    "\"%s\"}", sock);
	is_int(api_code("NGINX_URL", "POST", N "/endpoints", body, NULL,
	    "add endpoint"), 201, "register a second endpoint");
	is_int(api_code("NGINX_URL", "POST", N "/endpoints", body, "CONFLICT",
	    "dup endpoint"), 409, "registering it again is 409");
	is_int(api_code("NGINX_URL", "POST", N "/endpoints",
	    "{\"name\":\"x\",\"url\":\"ftp://h\"}", "INVALID_REQUEST",
	    "bad url"), 400, "a bad URL is 400");
	for (tries = 0; tries < 150 && !second_up("NGINX_URL", "second");
	    tries++)
		harness_msleep(200);
	ok(second_up("NGINX_URL", "second"), "the second engine answers");
	is_int(api(&r, "APACHE_URL", "GET", N "/containers?endpoint=all"
	    "&name=cct-a", NULL), 200, "endpoint=all through Apache");
	rows = json_at(r.json, "containers");
	for (i = 0; rows && i < json_object_array_length(rows); i++) {
		row = json_object_array_get_idx(rows, i);
		if (json_object_object_get_ex(row, "endpoint", &e) &&
		    strcmp(json_object_get_string(e), "second") == 0)
			seen = 1;
	}
	ok(seen, "a row from endpoint 'second' is listed");
	http_resp_free(&r);
	is_int(api_code("NGINX_URL", "GET", N "/containers/cct-a"
	    "?endpoint=second", NULL, NULL, "on second"), 200,
	    "inspect through the second endpoint");
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	is_int(api(&r, "NGINX_URL", "GET", N "/containers?endpoint=all", NULL),
	    200, "endpoint=all with one engine down is still 200");
	is_str(json_str_at(r.json, "endpoint_errors.0.endpoint"), "second",
	    "endpoint_errors names the down one");
	http_resp_free(&r);
	is_int(api_code("NGINX_URL", "GET", N "/containers?endpoint=second",
	    NULL, "SERVICE_UNAVAILABLE", "second down"), 503,
	    "the down endpoint alone is 503");
	is_int(api_code("NGINX_URL", "DELETE", N "/endpoints/second", NULL,
	    NULL, "rm endpoint"), 200, "forget the endpoint");
	is_int(api_code("NGINX_URL", "DELETE", N "/endpoints/local", NULL,
	    "CONFLICT", "rm local"), 409, "the config endpoint stays (409)");
	is_int(api_code("NGINX_URL", "DELETE", N "/endpoints/second", NULL,
	    "ENDPOINT_NOT_FOUND", "rm again"), 404, "forgetting again is 404");
}

static void
test_engine_down(void)
{
	int tries;

	is_int(harness_stack("stop-podman"), 0, "stop the engine");
	is_int(api_code("NGINX_URL", "GET", N "/containers", NULL,
	    "SERVICE_UNAVAILABLE", "engine down"), 503,
	    "engine down: list is 503");
	is_int(api_code("NGINX_URL", "POST", N "/containers/cct-a/exec",
	    "{\"command\":\"true\"}", "SERVICE_UNAVAILABLE", "exec down"), 503,
	    "engine down: exec is 503");
	is_int(harness_stack("start-podman"), 0, "start the engine again");
	for (tries = 0; tries < 50 && api_code("NGINX_URL", "GET",
	    N "/containers", NULL, NULL, "poll") != 200; tries++)
		harness_msleep(200);
	is_int(api_code("NGINX_URL", "GET", N "/containers", NULL, NULL,
	    "back"), 200, "the API recovers with the engine");
	is_str(status_of("NGINX_URL", "cct-a"), "running",
	    "the container kept running");
}

static int
has_name(json_object *arr, const char *key, const char *name)
{
	size_t i;
	json_object *v;

	for (i = 0; arr && i < json_object_array_length(arr); i++) {
		v = json_object_array_get_idx(arr, i);
		if (key != NULL)
			v = json_at(v, key);
		if (v && json_object_get_string(v) &&
		    strcmp(json_object_get_string(v), name) == 0)
			return 1;
	}
	return 0;
}

/*
 * An operator sees and acts on their own containers only: another's is
 * 404 and absent from lists and from available_containers.  Needs the
 * users work (an admin key in the stack); skipped without it.
 */
static void
test_operator(void)
{
	struct http_resp r;
	char hdr[300];
	const char *key;

	if (harness_admin_header() == NULL) {
		skip(22, "no users and keys on this build");
		return;
	}
	is_int(api(&r, "NGINX_URL", "POST", N "/users", "{\"username\":"
	    "\"cctop\",\"password\":\"Operator-pass-1234\",\"role\":"
	    "\"operator\"}"), 201, "create an operator");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "POST", N "/users/cctop/keys", "{}");
	key = json_str_at(r.json, "key.api_key");
	snprintf(hdr, sizeof(hdr), "X-API-Key: %s", key ? key : "");
	http_resp_free(&r);
	ok(key != NULL, "an API key for the operator");
	is_int(api_as(&r, hdr, "NGINX_URL", "POST", N "/containers",
	    "{\"name\":\"cct-op\",\"image\":\"localhost/busybox:test\","
	    "\"command\":\"sleep 300\",\"network_mode\":\"none\","
	    "\"labels\":{\"cc.test\":\"1\"}}"), 201,
	    "the operator creates a container");
	is_str(json_str_at(r.json, "container.owner"), "cctop",
	    "owned by the operator");
	http_resp_free(&r);
	api_as(&r, hdr, "NGINX_URL", "GET", N "/containers", NULL);
	ok(has_name(json_at(r.json, "containers"), "name", "cct-op") &&
	    !has_name(json_at(r.json, "containers"), "name", "cct-a"),
	    "the operator's list holds only their own");
	http_resp_free(&r);
	api_as(&r, hdr, "NGINX_URL", "GET", N "/containers/cct-a", NULL);
	is_int(r.status, 404, "another's container is 404 to the operator");
	ok(has_name(json_at(r.json, "error.details.available_containers"),
	    NULL, "cct-op") && !has_name(json_at(r.json,
	    "error.details.available_containers"), NULL, "cct-a"),
	    "available_containers lists only the operator's");
	http_resp_free(&r);
	is_int(api_as(&r, hdr, "NGINX_URL", "POST",
	    N "/containers/cct-a/stop", NULL), 404,
	    "the operator cannot stop another's");
	http_resp_free(&r);
	is_int(api_as(&r, hdr, "NGINX_URL", "POST",
	    N "/containers/cct-a/exec", "{\"command\":\"true\"}"), 404,
	    "the operator cannot exec in another's");
	http_resp_free(&r);
	api(&r, "NGINX_URL", "GET", N "/containers", NULL);
	ok(has_name(json_at(r.json, "containers"), "name", "cct-op") &&
	    has_name(json_at(r.json, "containers"), "name", "cct-a"),
	    "the admin sees both");
	http_resp_free(&r);
	is_int(api_as(&r, hdr, "NGINX_URL", "POST", N "/endpoints",
	    "{\"name\":\"x\",\"url\":\"unix:///x\"}"), 403,
	    "the operator cannot register endpoints");
	http_resp_free(&r);
	is_int(api_as(&r, hdr, "NGINX_URL", "DELETE",
	    N "/containers/cct-op?force=true", NULL), 200,
	    "the operator removes their own");
	http_resp_free(&r);
	is_int(api_as(&r, NULL, "NGINX_URL", "GET", N "/containers", NULL),
	    401, "no key: 401");
	http_resp_free(&r);

	/* networks and volumes: others' are hidden and not removable */
	is_int(api(&r, "NGINX_URL", "POST", N "/volumes", "{\"name\":"
	    "\"cct-admvol\",\"labels\":{\"cc.test\":\"1\"}}"), 201,
	    "the admin creates a volume");
	http_resp_free(&r);
	api_as(&r, hdr, "NGINX_URL", "GET", N "/volumes", NULL);
	ok(!has_name(json_at(r.json, "volumes"), "name", "cct-admvol"),
	    "the operator does not see the admin's volume");
	http_resp_free(&r);
	is_int(api_as(&r, hdr, "NGINX_URL", "DELETE", N "/volumes/cct-admvol",
	    NULL), 404, "the operator cannot remove the admin's volume");
	is_str(json_str_at(r.json, "error.code"), "VOLUME_NOT_FOUND",
	    "... VOLUME_NOT_FOUND");
	http_resp_free(&r);
	is_int(api_as(&r, hdr, "NGINX_URL", "POST", N "/volumes", "{\"name\":"
	    "\"cct-opvol\",\"labels\":{\"cc.test\":\"1\"}}"), 201,
	    "the operator creates a volume");
	http_resp_free(&r);
	api_as(&r, hdr, "NGINX_URL", "GET", N "/volumes", NULL);
	ok(has_name(json_at(r.json, "volumes"), "name", "cct-opvol"),
	    "the operator sees their own volume");
	http_resp_free(&r);
	is_int(api_as(&r, hdr, "NGINX_URL", "DELETE", N "/volumes/cct-opvol",
	    NULL), 200, "the operator removes their own volume");
	http_resp_free(&r);
	is_int(api(&r, "NGINX_URL", "DELETE", N "/volumes/cct-admvol", NULL),
	    200, "the admin removes theirs");
	http_resp_free(&r);
	is_int(api(&r, "NGINX_URL", "POST", N "/networks", "{\"name\":"
	    "\"cct-admnet\",\"labels\":{\"cc.test\":\"1\"}}"), 201,
	    "the admin creates a network");
	http_resp_free(&r);
	is_int(api_as(&r, hdr, "NGINX_URL", "DELETE",
	    N "/networks/cct-admnet", NULL), 404,
	    "the operator cannot remove the admin's network");
	http_resp_free(&r);
	is_int(api(&r, "NGINX_URL", "DELETE", N "/networks/cct-admnet", NULL),
	    200, "the admin removes it");
	http_resp_free(&r);
}

int
main(void)
{
	harness_start("exec_max_output = 4k\n");
	test_create();
	test_readme_example();
	test_list();
	test_not_found();
	test_lifecycle();
	test_logs_stats();
	test_follow("NGINX_URL");
	test_follow("APACHE_URL");
	test_exec();
	test_users_files();
	test_operator();
	test_second_endpoint();
	test_tcp_endpoint();
	test_engine_down();
	api_code("NGINX_URL", "DELETE", N "/containers/cct-a?force=true", NULL,
	    NULL, "cleanup");
	return done_testing();
}
