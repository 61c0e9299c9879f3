/*
 * t_images.c: images, networks, volumes and the engine side of /system
 * end to end against a real Podman engine through nginx: list, pull from
 * a local registry on loopback (waiting for the layers), remove, build
 * from an inline Dockerfile and from a directory under build_roots,
 * network and volume create/duplicate/remove, summary, per-container
 * stats, prune, /docker-debug and system/info's runtime member.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctr_util.h"

#define N "/api/v1"

static int
image_listed(const char *repo)
{
	struct http_resp r;
	json_object *rows;
	const char *s;
	size_t i;
	int seen = 0;

	api(&r, "NGINX_URL", "GET", N "/images", NULL);
	rows = json_at(r.json, "images");
	for (i = 0; rows && i < json_object_array_length(rows); i++) {
		s = json_str_at(json_object_array_get_idx(rows, i),
		    "repository");
		seen |= s != NULL && strcmp(s, repo) == 0;
	}
	http_resp_free(&r);
	return seen;
}

/* The same context as a tar in the file store. */
static void
test_build_from_store(const char *ctx)
{
	char tarpath[700], *buf = NULL;
	const char *h[3] = { harness_admin_header(),
	    "Content-Type: application/x-tar", NULL };
	struct http_resp r;
	long len = 0;
	FILE *f;
	pid_t pid;
	int st = -1;

	if (h[0] == NULL) {
		h[0] = h[1];
		h[1] = NULL;
	}
	snprintf(tarpath, sizeof(tarpath), "%s.tar", ctx);
	if ((pid = fork()) == 0) {
		execlp("tar", "tar", "-C", ctx, "-cf", tarpath, ".",
		    (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	if ((f = fopen(tarpath, "rb")) != NULL && fseek(f, 0, SEEK_END) == 0 &&
	    (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)len)) != NULL &&
	    fread(buf, 1, (size_t)len, f) != (size_t)len)
		len = 0;
	if (f != NULL)
		fclose(f);
	ok(len > 0, "a context tar made");
	http_do(&r, "PUT", harness_url("NGINX_URL",
	    N "/files/cct/context.tar"), h, buf, (size_t)len);
	ok(r.status == 201 || r.status == 200, "stored in the file store "
	    "(%ld)", r.status);
	http_resp_free(&r);
	free(buf);
	is_int(api_code("NGINX_URL", "POST", N "/images/build",
	    "{\"tag\":\"localhost/cct-store:1\",\"file\":"
	    "\"/cct/context.tar\"}", NULL, "build store"), 200,
	    "build from a tar in the file store");
	ok(image_listed("localhost/cct-store"), "... listed");
	is_int(api_code("NGINX_URL", "POST", N "/images/build",
	    "{\"tag\":\"localhost/x:1\",\"file\":\"/cct/none.tar\"}",
	    "FILE_NOT_FOUND", "no file"), 404, "a missing stored file is 404");
	is_int(api_code("NGINX_URL", "POST", N "/images/build",
	    "{\"tag\":\"localhost/x:1\",\"file\":\"/a\",\"path\":\"/b\"}",
	    "INVALID_REQUEST", "two sources"), 400, "two sources are 400");
	api_code("NGINX_URL", "DELETE", N "/images/localhost/cct-store:1"
	    "?force=true", NULL, NULL, "cleanup");
	api_code("NGINX_URL", "DELETE", N "/files/cct/context.tar", NULL, NULL,
	    "cleanup");
}

static void
test_images(void)
{
	struct http_resp r;
	char body[4096];

	is_int(api(&r, "NGINX_URL", "GET", N "/images", NULL), 200, "images");
	ok(json_at(r.json, "images.0.id") && json_at(r.json, "images.0.size"),
	    "rows have id and size");
	http_resp_free(&r);
	ok(image_listed("localhost/busybox"), "the test image is listed");

	if (harness_stack("start-registry") != 0) {
		skip(7, "no local registry");
	} else {
		is_int(api(&r, "NGINX_URL", "POST", N "/images/pull",
		    "{\"image\":\"127.0.0.1:5000/busybox\",\"tag\":\"test\"}"),
		    200, "pull from the loopback registry");
		ok(json_object_get_int(json_at(r.json,
		    "image.layers_pulled")) >= 1, "layers reported: %s",
		    r.body ? r.body : "");
		http_resp_free(&r);
		ok(image_listed("127.0.0.1:5000/busybox"), "pulled image listed");
		is_int(api_code("NGINX_URL", "POST", N "/images/pull",
		    "{\"image\":\"127.0.0.1:5000/nosuch:latest\"}",
		    "IMAGE_NOT_FOUND", "pull missing"), 404,
		    "pulling a missing image is 404");
		is_int(api_code("NGINX_URL", "DELETE",
		    N "/images/127.0.0.1:5000/busybox:test/remove", NULL, NULL,
		    "rm"), 200, "remove it (ref with slashes, /remove alias)");
		ok(!image_listed("127.0.0.1:5000/busybox"), "gone from the list");
		is_int(api_code("NGINX_URL", "DELETE",
		    N "/images/127.0.0.1:5000/busybox:test", NULL,
		    "IMAGE_NOT_FOUND", "rm again"), 404, "removing again is 404");
	}
	is_int(api_code("NGINX_URL", "POST", N "/images/pull",
	    "{\"image\":\"bad image\"}", "INVALID_REQUEST", "bad ref"), 400,
	    "a bad reference is 400");
	is_int(api_code("NGINX_URL", "POST", N "/images/pull", "{}",
	    "INVALID_REQUEST", "no image"), 400, "no image is 400");

	is_int(api(&r, "NGINX_URL", "POST", N "/images/build",
	    "{\"tag\":\"localhost/cct-built:1\",\"dockerfile_content\":"
	    "\"FROM localhost/busybox:test\\nLABEL cc.test=1\\n"
	    "CMD [\\\"echo\\\", \\\"built\\\"]\\n\"}"), 200,
	    "build from an inline Dockerfile");
	if (r.status != 200)
		diag("%s", r.body ? r.body : "");
	http_resp_free(&r);
	ok(image_listed("localhost/cct-built"), "the built image is listed");
	{
		char dir[600], file[700];
		FILE *f;

		snprintf(dir, sizeof(dir), "%s/ctx", harness_env("STACK_DIR"));
		mkdir(dir, 0755);
		snprintf(file, sizeof(file), "%s/Dockerfile", dir);
		if ((f = fopen(file, "w")) != NULL) {
			fputs("FROM localhost/busybox:test\nLABEL cc.test=1\n",
			    f);
			fclose(f);
		}
		snprintf(body, sizeof(body), "{\"tag\":\"localhost/cct-dir:1\","
		    "\"path\":\"%s\"}", dir);
		is_int(api_code("NGINX_URL", "POST", N "/images/build", body,
		    NULL, "build dir"), 200, "build from a directory under "
		    "build_roots");
		is_int(api_code("NGINX_URL", "POST", N "/images/build",
		    "{\"tag\":\"localhost/x:1\",\"path\":\"/etc\"}", "FORBIDDEN",
		    "outside"), 403, "a directory outside build_roots is 403");
		test_build_from_store(dir);
	}
	is_int(api_code("NGINX_URL", "POST", N "/images/build",
	    "{\"tag\":\"localhost/x:1\",\"dockerfile_content\":\"FROM "
	    "localhost/busybox:test\\nRUN exit 7\\n\"}", NULL, "failing"), 400,
	    "a failing build step is 400");
	is_int(api_code("NGINX_URL", "POST", N "/images/build",
	    "{\"tag\":\"bad tag\",\"dockerfile_content\":\"FROM x\"}",
	    "INVALID_REQUEST", "bad tag"), 400, "a bad tag is 400");
	api_code("NGINX_URL", "DELETE", N "/images/localhost/cct-built:1?force="
	    "true", NULL, NULL, "cleanup");
	api_code("NGINX_URL", "DELETE", N "/images/localhost/cct-dir:1?force="
	    "true", NULL, NULL, "cleanup");
}

static void
test_named(const char *kind, const char *nf)
{
	char path[128], body[256], item[160];

	snprintf(path, sizeof(path), N "/%s", kind);
	snprintf(body, sizeof(body), "{\"name\":\"cct-%s\",\"labels\":"
	    "{\"cc.test\":\"1\"}}", kind);
	is_int(api_code("NGINX_URL", "POST", path, body, NULL, "create"), 201,
	    "%s: create", kind);
	snprintf(path, sizeof(path), N "/%s/create", kind);
	is_int(api_code("NGINX_URL", "POST", path, body, "CONFLICT", "dup"),
	    409, "%s: a duplicate is 409 (dokemon alias)", kind);
	is_int(api_code("NGINX_URL", "POST", path, "{\"name\":\"-bad\"}",
	    "INVALID_REQUEST", "bad"), 400, "%s: a bad name is 400", kind);
	is_int(api_code("NGINX_URL", "POST", path, "{\"nom\":\"x\"}",
	    "INVALID_REQUEST", "unknown"), 400, "%s: an unknown field is 400",
	    kind);
	snprintf(path, sizeof(path), N "/%s", kind);
	{
		struct http_resp r;
		json_object *rows;
		size_t i;
		int seen = 0;

		is_int(api(&r, "NGINX_URL", "GET", path, NULL), 200,
		    "%s: list", kind);
		rows = json_at(r.json, kind);
		snprintf(item, sizeof(item), "cct-%s", kind);
		for (i = 0; rows && i < json_object_array_length(rows); i++)
			seen |= strcmp(json_str_at(json_object_array_get_idx(
			    rows, i), "name") ? json_str_at(
			    json_object_array_get_idx(rows, i), "name") : "",
			    item) == 0;
		ok(seen, "%s: listed", kind);
		http_resp_free(&r);
	}
	snprintf(path, sizeof(path), N "/%s/cct-%s/remove", kind, kind);
	is_int(api_code("NGINX_URL", "DELETE", path, NULL, NULL, "rm"), 200,
	    "%s: remove", kind);
	snprintf(path, sizeof(path), N "/%s/cct-%s", kind, kind);
	is_int(api_code("NGINX_URL", "DELETE", path, NULL, nf, "rm again"), 404,
	    "%s: removing again is 404", kind);
}

static void
test_system(void)
{
	struct http_resp r;

	is_int(make_container("NGINX_URL", "cct-s", "sleep 300"), 201,
	    "a running container for the system views");
	is_int(api(&r, "NGINX_URL", "GET", N "/system/summary", NULL), 200,
	    "summary");
	ok(json_str_at(r.json, "summary.docker_version") != NULL &&
	    json_object_get_int(json_at(r.json, "summary.containers.running"))
	    >= 1 && json_at(r.json, "summary.images") &&
	    json_str_at(r.json, "summary.total_memory") != NULL,
	    "summary in dokemon's shape");
	http_resp_free(&r);
	is_int(api(&r, "NGINX_URL", "GET", N "/system/stats?no-stream=true",
	    NULL), 200, "system stats");
	ok(json_at(r.json, "stats.0.memory_usage") != NULL &&
	    json_str_at(r.json, "stats.0.name") != NULL,
	    "a usage row per running container");
	http_resp_free(&r);
	is_int(api(&r, "NGINX_URL", "GET", N "/system/info", NULL), 200,
	    "system info");
	/* Podman may take longer than the info budget on a loaded machine:
	 * then info is null with an error, and the engine still counts as
	 * available. */
	ok(json_object_get_boolean(json_at(r.json, "system.runtime.available"))
	    && (json_at(r.json, "system.runtime.info.ID") != NULL ||
	    json_str_at(r.json, "system.runtime.error") != NULL) &&
	    json_at(r.json, "system.pool") != NULL,
	    "the engine's info under runtime, beside our own");
	if (json_at(r.json, "system.runtime.info.ID") == NULL)
		diag("runtime info missing: %s", json_str_at(r.json,
		    "system.runtime.error"));
	http_resp_free(&r);
	is_int(api_code("NGINX_URL", "POST", N "/system/prune", NULL,
	    "INVALID_REQUEST", "no force"), 400, "prune needs force=true");
	api_code("NGINX_URL", "POST", N "/containers/cct-s/stop?timeout=1",
	    NULL, NULL, "stop");
	is_int(api(&r, "NGINX_URL", "POST", N "/system/prune?force=true"
	    "&label=cc.test=1", NULL), 200, "prune the test-labelled objects");
	ok(json_at(r.json, "prune.containers_deleted.0") != NULL,
	    "the stopped test container was pruned");
	http_resp_free(&r);
	is_int(api(&r, "NGINX_URL", "GET", N "/docker-debug", NULL), 200,
	    "docker-debug");
	ok(json_object_get_boolean(json_at(r.json,
	    "diagnostics.endpoints.0.socket.exists")) &&
	    json_object_get_boolean(json_at(r.json,
	    "diagnostics.endpoints.0.ping.ok")) &&
	    json_str_at(r.json, "diagnostics.endpoints.0.version.api_version")
	    && json_str_at(r.json, "diagnostics.endpoints.0.advice.0"),
	    "socket, ping, version and advice");
	http_resp_free(&r);
	is_int(harness_stack("stop-podman"), 0, "stop the engine");
	is_int(api(&r, "NGINX_URL", "GET", N "/docker-debug", NULL), 200,
	    "docker-debug with the engine down");
	ok(!json_object_get_boolean(json_at(r.json,
	    "diagnostics.endpoints.0.healthy")) && strstr(json_str_at(r.json,
	    "diagnostics.endpoints.0.advice.0") ? json_str_at(r.json,
	    "diagnostics.endpoints.0.advice.0") : "", "start") != NULL,
	    "unhealthy, with advice to start the engine: %s",
	    json_str_at(r.json, "diagnostics.endpoints.0.advice.0"));
	http_resp_free(&r);
	is_int(api_code("NGINX_URL", "GET", N "/images", NULL,
	    "SERVICE_UNAVAILABLE", "images down"), 503,
	    "images with the engine down is 503");
	is_int(api_code("NGINX_URL", "GET", N "/system/summary", NULL,
	    "SERVICE_UNAVAILABLE", "summary down"), 503,
	    "summary with the engine down is 503");
	is_int(harness_stack("start-podman"), 0, "start the engine again");
}

int
main(void)
{
	char conf[700], real[600];
	const char *tmp = getenv("TMPDIR");

	/* The stack's directory is made under $TMPDIR (or /tmp): build
	 * contexts there are allowed, /etc is not. */
	if (realpath(tmp && *tmp ? tmp : "/tmp", real) == NULL)
		snprintf(real, sizeof(real), "/tmp");
	snprintf(conf, sizeof(conf), "build_roots = %s\n", real);
	harness_start(conf);
	test_images();
	test_named("networks", "NETWORK_NOT_FOUND");
	test_named("volumes", "VOLUME_NOT_FOUND");
	test_system();
	return done_testing();
}
