/*
 * t_stack.c: the stack works end to end through both front ends. For
 * nginx and Apache alike: GET /health answers JSON, and the debug echo
 * route (ANY /api/v1/_echo/..., debug = true) sees the method, the
 * decoded path, the raw query, the headers (Authorization included) and
 * the body exactly as the client sent them, also when many large echoes
 * arrive at once.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* fe is the stack.env key of the front end's URL, name its label. */
static void
check_health(const char *fe, const char *name)
{
	struct http_resp r;

	if (http_do(&r, "GET", harness_url(fe, "/health"), NULL, NULL, 0) < 0) {
		ok(0, "%s: GET /health answers", name);
		http_resp_free(&r);
		return;
	}
	is_int(r.status, 200, "%s: GET /health is 200", name);
	ok(http_header(&r, "Content-Type") != NULL &&
	    strstr(http_header(&r, "Content-Type"), "application/json") != NULL,
	    "%s: GET /health is application/json", name);
	ok(r.json != NULL && json_at(r.json, "status") != NULL,
	    "%s: GET /health has \"status\"", name);
	http_resp_free(&r);
}

/*
 * One request through the echo route; check every part arrived intact:
 * the path goes out percent-encoded and must arrive decoded, the query
 * must arrive raw.
 */
static void
check_echo(const char *fe, const char *name, const char *method,
    const char *body, size_t body_len)
{
	const char *path_raw = "/api/v1/_echo/a%20b?x=1&y=a%20b";
	const char *headers[8];
	struct http_resp r;
	const char *got;
	size_t n = 0;

	headers[n++] = "Authorization: Bearer xyz";
	headers[n++] = "X-Custom: 1";
	if (body != NULL)
		headers[n++] = "Content-Type: application/json";
	if (harness_admin_header() != NULL)
		headers[n++] = harness_admin_header();
	headers[n] = NULL;
	if (http_do(&r, method, harness_url(fe, path_raw), headers, body,
	    body_len) < 0) {
		ok(0, "%s: %s echo answers", name, method);
		http_resp_free(&r);
		return;
	}
	if (!is_int(r.status, 200, "%s: %s echo is 200", name, method))
		diag("body: %.500s", r.body);
	ok(r.json != NULL &&
	    json_object_get_boolean(json_at(r.json, "success")),
	    "%s: %s echo says success", name, method);
	is_str(json_str_at(r.json, "echo.method"), method,
	    "%s: %s echo: method", name, method);
	is_str(json_str_at(r.json, "echo.path"), "/api/v1/_echo/a b",
	    "%s: %s echo: path decoded", name, method);
	is_str(json_str_at(r.json, "echo.query"), "x=1&y=a%20b",
	    "%s: %s echo: raw query", name, method);
	is_str(json_str_at(r.json, "echo.headers.authorization"), "Bearer xyz",
	    "%s: %s echo: Authorization header passed through", name, method);
	is_str(json_str_at(r.json, "echo.headers.x-custom"), "1",
	    "%s: %s echo: X-Custom header", name, method);
	is_str(json_str_at(r.json, "echo.remote_addr"), "127.0.0.1",
	    "%s: %s echo: remote address", name, method);
	if (body != NULL) {
		got = json_str_at(r.json, "echo.body");
		ok(got != NULL && strlen(got) == body_len &&
		    memcmp(got, body, body_len) == 0,
		    "%s: %s echo: body intact (%zu bytes)", name, method,
		    body_len);
		if (got != NULL && (strlen(got) != body_len ||
		    memcmp(got, body, body_len) != 0))
			diag("got %zu bytes: %.200s", strlen(got), got);
		is_str(json_str_at(r.json, "echo.content_type"),
		    "application/json", "%s: %s echo: content type", name,
		    method);
	}
	http_resp_free(&r);
}

/*
 * ECHO_BURST large POST echoes at once, each in its own process: every
 * one must answer 200 with the body intact.  Many at once on a few
 * workers is what once hung one now and then: a worker waited, after
 * its answer, for the end of a request nginx had stopped sending, and
 * held the answer's last bytes until request_timeout.  Each request is
 * bounded by the harness's timeout, far above what one takes.
 */
enum { ECHO_BURST = 16 };

static void
check_echo_burst(const char *fe, const char *name, const char *body)
{
	const char *headers[] = { "Content-Type: application/json",
	    harness_admin_header(), NULL };
	pid_t kids[ECHO_BURST];
	int i, status, good = 0;

	for (i = 0; i < ECHO_BURST; i++) {
		if ((kids[i] = fork()) == 0) {
			struct http_resp r;
			const char *got;
			int intact;

			http_do(&r, "POST", harness_url(fe, "/api/v1/_echo/b"),
			    headers, body, strlen(body));
			got = json_str_at(r.json, "echo.body");
			intact = r.status == 200 && got != NULL &&
			    strcmp(got, body) == 0;
			if (!intact)
				diag("%s: burst echo %d: status %ld, %zu bytes",
				    name, i, r.status, r.len);
			_exit(intact ? 0 : 1);
		}
	}
	for (i = 0; i < ECHO_BURST; i++)
		if (kids[i] > 0 && waitpid(kids[i], &status, 0) == kids[i] &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0)
			good++;
	is_int(good, ECHO_BURST, "%s: %d POST echoes of %zu bytes at once all "
	    "answer intact", name, ECHO_BURST, strlen(body));
}

/* A JSON body of about n bytes, large enough to cross FastCGI's 64 KiB
 * record size and nginx's in-memory body buffer. */
static char *
big_json(size_t n)
{
	char *s = malloc(n + 64), *p = s;
	size_t i = 0;

	if (s == NULL)
		bail_out("out of memory");
	p += sprintf(p, "{\"items\":[");
	while ((size_t)(p - s) < n) {
		p += sprintf(p, "%s\"item-%zu-caf\xc3\xa9\"", i ? "," : "", i);
		i++;
	}
	strcpy(p, "]}");
	return s;
}

static void
check_nginx_own(void)
{
	struct http_resp r;
	char path[4096];
	FILE *f;

	http_do(&r, "GET", harness_url("NGINX_URL", "/nginx-health"), NULL,
	    NULL, 0);
	is_int(r.status, 200, "nginx: /nginx-health is 200");
	is_str(json_str_at(r.json, "status"), "healthy",
	    "nginx: /nginx-health says healthy");
	http_resp_free(&r);

	snprintf(path, sizeof(path), "%s/static/hello.txt", harness_dir());
	if ((f = fopen(path, "w")) != NULL) {
		fputs("hello, static\n", f);
		fclose(f);
	}
	http_do(&r, "GET", harness_url("NGINX_URL", "/static/hello.txt"), NULL,
	    NULL, 0);
	is_int(r.status, 200, "nginx: /static/ serves files from DIR/static");
	is_str(r.body, "hello, static\n", "nginx: /static/ file content");
	http_resp_free(&r);
}

int
main(void)
{
	static const char *const fronts[] = { "NGINX_URL", "APACHE_URL" };
	static const char *const names[] = { "nginx", "apache" };
	const char *json = "{\"name\":\"caf\xc3\xa9\",\"n\":[1,2,3],"
	    "\"s\":\"a b&c=d%20e\"}";
	char *big;
	size_t i;

	harness_start(NULL);
	if (harness_admin_header() == NULL)
		diag("no ADMIN_KEY: the echo route may refuse (401/403) until "
		    "the CLI can create one");
	big = big_json(200 * 1024);
	for (i = 0; i < sizeof(fronts) / sizeof(fronts[0]); i++) {
		const char *fe = fronts[i];

		if (harness_env(fe) == NULL || *harness_env(fe) == '\0') {
			ok(0, "%s is set in stack.env", fe);
			continue;
		}
		check_health(fe, names[i]);
		check_echo(fe, names[i], "PUT", json, strlen(json));
		check_echo(fe, names[i], "POST", big, strlen(big));
		check_echo(fe, names[i], "GET", NULL, 0);
		check_echo(fe, names[i], "DELETE", NULL, 0);
		check_echo(fe, names[i], "PATCH", json, strlen(json));
		check_echo_burst(fe, names[i], big);
	}
	free(big);
	check_nginx_own();
	return done_testing();
}
