/*
 * t_files_owner.c: file ownership end to end.  Two operators, alice and
 * bob, each with an API key made by the CLI: a file belongs to whoever
 * uploaded it; the other one gets 404 for its info, download and delete,
 * does not see it in lists, and cannot write over it (409); an admin sees
 * and reaches everything.  Every refusal leaves the file as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "files_util.h"

/* Runs "container-codes -c POOL_CONF args..." and returns its first
 * line of output (a key), or "" on failure. */
static const char *
cli(const char *a1, const char *a2, const char *a3, const char *a4,
    const char *a5)
{
	static char out[4][256];
	static int slot;
	char bin[4096], *line = out[slot++ % 4];
	const char *b = getenv("STACK_BIN"), *d = getenv("CC_BUILDDIR");
	int fds[2], st;
	ssize_t n;
	pid_t pid;

	line[0] = '\0';
	if (b != NULL)
		snprintf(bin, sizeof(bin), "%s", b);
	else
		snprintf(bin, sizeof(bin), "%s/container-codes", d ? d : ".");
	if (pipe(fds) < 0)
		return line;
	if ((pid = fork()) == 0) {
		char *argv[] = { bin, "-c", (char *)harness_env("POOL_CONF"),
		    (char *)a1, (char *)a2, (char *)a3, (char *)a4, (char *)a5,
		    NULL };

		dup2(fds[1], 1);
		close(fds[0]);
		execv(bin, argv);
		_exit(127);
	}
	close(fds[1]);
	n = read(fds[0], line, 255);
	line[n > 0 ? n : 0] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	close(fds[0]);
	waitpid(pid, &st, 0);
	return line;
}

static long
req(const char *key, const char *method, const char *path, const void *body,
    size_t len, struct http_resp *keep)
{
	const char *hs[3] = { key, NULL, NULL };
	struct http_resp r;
	long s;

	http_do(&r, method, harness_url("NGINX_URL", path), hs, body, len);
	s = r.status;
	if (keep != NULL)
		*keep = r;
	else
		http_resp_free(&r);
	return s;
}

int
main(void)
{
	char alice[300], bob[300], admin[300];
	struct http_resp r;
	const char *k;

	setenv("STACK_PODMAN", "0", 0);
	setenv("STACK_APACHE_PORT", "none", 0);
	harness_start(NULL);
	if (harness_admin_header() == NULL) {
		skip(1, "the stack has no admin key (users and auth not built)");
		return done_testing();
	}
	snprintf(admin, sizeof(admin), "%s", harness_admin_header());
	cli("user", "add", "alice", "--role", "operator");
	cli("user", "add", "bob", "--role", "operator");
	k = cli("key", "create", "alice", NULL, NULL);
	snprintf(alice, sizeof(alice), "X-API-Key: %s", k);
	k = cli("key", "create", "bob", NULL, NULL);
	snprintf(bob, sizeof(bob), "X-API-Key: %s", k);
	ok(strlen(alice) > 12 && strlen(bob) > 12, "keys for alice and bob");

	is_int(req(alice, "PUT", "/api/v1/files/shared/a.txt", "alice's", 7,
	    NULL), 201, "alice stores a file");
	req(alice, "GET", "/api/v1/files/info/shared/a.txt", NULL, 0, &r);
	is_str(json_str_at(r.json, "file.owner"), "alice", "alice owns it");
	http_resp_free(&r);
	is_int(req(bob, "GET", "/api/v1/files/info/shared/a.txt", NULL, 0,
	    NULL), 404, "bob: info is 404");
	is_int(req(bob, "GET", "/api/v1/files/download/shared/a.txt", NULL, 0,
	    NULL), 404, "bob: download is 404");
	is_int(req(bob, "HEAD", "/api/v1/files/download/shared/a.txt", NULL, 0,
	    NULL), 404, "bob: HEAD is 404");
	is_int(req(bob, "DELETE", "/api/v1/files/shared/a.txt", NULL, 0, NULL),
	    404, "bob: delete is 404");
	is_int(req(bob, "PUT", "/api/v1/files/shared/a.txt", "bob's!", 6,
	    NULL), 409, "bob: writing over alice's path is 409");
	req(bob, "GET", "/api/v1/files?prefix=/shared", NULL, 0, &r);
	is_int(json_object_get_int64(json_at(r.json, "total")), 0,
	    "bob's list does not show it");
	http_resp_free(&r);
	req(alice, "GET", "/api/v1/files/download/shared/a.txt", NULL, 0, &r);
	ok(r.status == 200 && r.len == 7 && memcmp(r.body, "alice's", 7) == 0,
	    "after bob's attempts alice's file is unchanged");
	http_resp_free(&r);

	is_int(req(bob, "PUT", "/api/v1/files/shared/b.txt", "bob's", 5, NULL),
	    201, "bob stores his own file");
	req(alice, "GET", "/api/v1/files?prefix=/shared", NULL, 0, &r);
	is_int(json_object_get_int64(json_at(r.json, "total")), 1,
	    "alice lists only her file");
	http_resp_free(&r);
	req(admin, "GET", "/api/v1/files?prefix=/shared", NULL, 0, &r);
	is_int(json_object_get_int64(json_at(r.json, "total")), 2,
	    "the admin lists both");
	http_resp_free(&r);
	is_int(req(admin, "GET", "/api/v1/files/download/shared/a.txt", NULL,
	    0, NULL), 200, "the admin downloads alice's file");
	is_int(req(admin, "PUT", "/api/v1/files/shared/a.txt", "admin's", 7,
	    NULL), 200, "the admin may replace it");
	req(alice, "GET", "/api/v1/files/info/shared/a.txt", NULL, 0, &r);
	is_str(json_str_at(r.json, "file.owner"), "alice",
	    "a replaced file keeps its owner");
	http_resp_free(&r);
	is_int(req(NULL, "GET", "/api/v1/files/info/shared/a.txt", NULL, 0,
	    NULL), 401, "no credential: 401");
	is_int(req(alice, "DELETE", "/api/v1/files/shared/a.txt", NULL, 0,
	    NULL), 200, "alice deletes her file");
	return done_testing();
}
