/*
 * t_ui.c: the web console (ui/) in a real browser, through the shipped
 * nginx and Apache snippets.
 *
 *  - With curl: GET / with Accept: text/html is 302 to /ui/ and without it
 *    the JSON route index; /ui is 301 to /ui/; /ui/ is the console with a
 *    Content-Security-Policy that allows no inline script, no eval and no
 *    framing, X-Frame-Options DENY and nosniff; a missing file is the
 *    API's JSON 404.  Both front ends.
 *  - In the sources: no inline script or style in index.html, and no
 *    innerHTML, outerHTML, insertAdjacentHTML, document.write, eval or
 *    Function in the scripts (API text reaches the page as text only);
 *    no localStorage or sessionStorage (the CSRF token stays in memory).
 *  - The live layer (ui/js/live.js) on its own, with node's test runner
 *    (tests/browser/live.test.mjs): polling without an events API, the
 *    stream with one, no polling while it is up, patches in place, a
 *    dropped stream reopened at the last id without duplicates, resync
 *    after a 410.
 *  - Headless Chromium (tests/browser/ui.js, puppeteer-core and axe-core;
 *    installed by `npm ci` on first use) runs the flows a person would, on
 *    a stack with real events (system_metric every second) and the proxy
 *    process writing into its nginx, and this program checks its report:
 *    sign-in with the must-change-password step, the dashboard's charts
 *    from system_metric events, containers (create with field errors, a
 *    row kept current by container_events alone while the engine stops
 *    and starts it: no list read, no reload, the stream up throughout;
 *    logs followed, exec, add file, add user, remove), a job's bar moved
 *    to 100% by job_status events and its output downloaded, the events
 *    page (filters, live, the network cut while events happen and each
 *    listed once after the resume, markup in an event as text), a 20 MiB
 *    upload with its progress bar moving, a key shown once, the audit log
 *    of the run (paged, no secret in it), the proxy page on the real proxy
 *    (an upstream and route made through the API, health, stats, a killed
 *    backend's proxy_health event, a rollback), a viewer without write
 *    controls whose forced write shows the 403, an operator who does not
 *    see another's container, markup in names kept as text with no
 *    dialog, 1,000 containers rendered, an idle session back at the login,
 *    and on every page: no console error, no serious or critical axe
 *    violation, screenshots at 375 and 1440 px in tests/e2e/t_ui.out/shots.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "ctr_util.h"

#define BROWSER_LIMIT_S	300	/* node + Chromium: every flow */
#define UI_MAX_BYTES	(150 * 1024)

static const char *const fronts[] = { "NGINX_URL", "APACHE_URL" };
static const char *const fe_names[] = { "nginx", "apache" };

/* The users the flows sign in as: name, role, password. */
static const char *const users[][3] = {
	{ "uiadmin", "admin", "initial-pass-1" },
	{ "uiop", "operator", "operator-pass-1" },
	{ "uiop2", "operator", "operator2-pass-1" },
	{ "uiview", "viewer", "viewer-pass-1" },
};
#define NEW_ADMIN_PW	"changed-pass-2"

/* ---- the web server's side ---- */

static void
served(int f)
{
	const char *fe = fronts[f], *nm = fe_names[f];
	const char *html[] = { "Accept: text/html,application/xhtml+xml,*/*;q=0.8",
	    NULL };
	const char *csp, *loc, *ct;
	struct http_resp r;

	http_do(&r, "GET", harness_url(fe, "/"), html, NULL, 0);
	is_int(r.status, 302, "%s: GET / from a browser is 302", nm);
	loc = http_header(&r, "Location");
	ok(loc != NULL && strlen(loc) >= 4 && strcmp(loc + strlen(loc) - 4,
	    "/ui/") == 0, "%s: to /ui/ (%s)", nm, loc ? loc : "none");
	http_resp_free(&r);
	http_do(&r, "GET", harness_url(fe, "/"), NULL, NULL, 0);
	is_int(r.status, 200, "%s: GET / from an API client is 200", nm);
	is_str(json_str_at(r.json, "api.name"), "container-codes",
	    "%s: the JSON route index", nm);
	http_resp_free(&r);
	http_do(&r, "POST", harness_url(fe, "/"), html, NULL, 0);
	is_int(r.status, 405, "%s: POST / is still 405, Accept or not", nm);
	http_resp_free(&r);

	http_do(&r, "GET", harness_url(fe, "/ui"), NULL, NULL, 0);
	is_int(r.status, 301, "%s: /ui is 301", nm);
	http_resp_free(&r);
	http_do(&r, "GET", harness_url(fe, "/ui/"), NULL, NULL, 0);
	is_int(r.status, 200, "%s: /ui/ is 200", nm);
	ct = http_header(&r, "Content-Type");
	ok(ct != NULL && strncmp(ct, "text/html", 9) == 0,
	    "%s: /ui/ is HTML (%s)", nm, ct ? ct : "none");
	ok(r.body != NULL && strstr(r.body, "js/app.js") != NULL,
	    "%s: /ui/ is the console's index.html", nm);
	csp = http_header(&r, "Content-Security-Policy");
	ok(csp != NULL && strstr(csp, "script-src 'self'") != NULL &&
	    strstr(csp, "default-src 'none'") != NULL &&
	    strstr(csp, "frame-ancestors 'none'") != NULL &&
	    strstr(csp, "unsafe-") == NULL,
	    "%s: a strict Content-Security-Policy (%s)", nm, csp ? csp : "none");
	is_str(http_header(&r, "X-Frame-Options"), "DENY",
	    "%s: X-Frame-Options DENY", nm);
	is_str(http_header(&r, "X-Content-Type-Options"), "nosniff",
	    "%s: nosniff", nm);
	http_resp_free(&r);
	http_do(&r, "GET", harness_url(fe, "/ui/js/app.js"), NULL, NULL, 0);
	ct = http_header(&r, "Content-Type");
	ok(r.status == 200 && ct != NULL && strstr(ct, "javascript") != NULL,
	    "%s: the scripts are served as JavaScript (%ld %s)", nm, r.status,
	    ct ? ct : "none");
	ok(http_header(&r, "Content-Security-Policy") != NULL,
	    "%s: with the policy too", nm);
	http_resp_free(&r);
	http_do(&r, "GET", harness_url(fe, "/ui/no-such-file.js"), NULL, NULL,
	    0);
	is_int(r.status, 404, "%s: a missing file is 404", nm);
	is_str(json_str_at(r.json, "error.code"), "NOT_FOUND",
	    "%s: in the API's JSON envelope", nm);
	http_resp_free(&r);
}

/* ---- the sources ---- */

/* The whole of a file, or NULL. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else
			buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

/* Counts the scripts under dir and fails a test for each one that
 * holds a word writing markup or evaluating text. */
static int
scan_scripts(const char *dir)
{
	static const char *const banned[] = { "innerHTML", "outerHTML",
	    "insertAdjacentHTML", "document.write", "eval(", "new Function",
	    "Function(", "localStorage", "sessionStorage", "setTimeout('",
	    "setTimeout(\"", "javascript:" };
	char p[PATH_MAX + 300];
	struct dirent *e;
	DIR *d = opendir(dir);
	size_t i;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		struct stat st;
		char *text;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			n += scan_scripts(p);
			continue;
		}
		if (len < 4 || strcmp(e->d_name + len - 3, ".js") != 0)
			continue;
		if ((text = slurp(p)) == NULL)
			continue;
		n++;
		for (i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
			if (strstr(text, banned[i]) != NULL)
				ok(0, "ui: %s has no %s", e->d_name, banned[i]);
		free(text);
	}
	closedir(d);
	return n;
}

static void
sources(const char *ui)
{
	char p[PATH_MAX + 32];
	char *html;
	int n;

	snprintf(p, sizeof(p), "%s/index.html", ui);
	if (!ok((html = slurp(p)) != NULL, "ui/index.html is there"))
		return;
	ok(strstr(html, "<script>") == NULL && strstr(html, "style=") == NULL &&
	    strstr(html, "onclick") == NULL && strstr(html, "onload") == NULL,
	    "ui/index.html has no inline script, style or handler");
	ok(strstr(html, "<script type=\"module\" src=\"js/app.js\">") != NULL,
	    "ui/index.html loads its one module by its URL");
	free(html);
	snprintf(p, sizeof(p), "%s/js", ui);
	n = scan_scripts(p);
	ok(n >= 10, "ui/js: %d scripts scanned for markup writers and eval", n);
}

/* ui/js/live.js under node's test runner (its own stand-ins). */
static void
live_layer(void)
{
	char bdir[PATH_MAX], out[PATH_MAX + 16];
	char *argv[] = { "node", "--experimental-default-type=module", "--test",
	    "live.test.mjs", NULL };

	harness_src_path("tests/browser", bdir, sizeof(bdir));
	snprintf(out, sizeof(out), "%s/live-test.out", harness_dir());
	if (!is_int(harness_run_in(bdir, argv, out, out, 60), 0, "ui/js/live.js: "
	    "polls without events, streams with them, resumes, resyncs "
	    "(tests/browser/live.test.mjs)"))
		harness_diag_file(out);
}

/* ---- the stack's data ---- */

static void
make_user(const char *name, const char *role, const char *pw)
{
	struct http_resp r;
	char body[256];

	snprintf(body, sizeof(body), "{\"username\": \"%s\", \"password\": "
	    "\"%s\", \"role\": \"%s\"}", name, pw, role);
	if (!is_int(api(&r, "NGINX_URL", "POST", "/api/v1/users", body), 201,
	    "user %s (%s)", name, role))
		diag("%s", r.body);
	http_resp_free(&r);
}

/* An API key of user name, as "X-API-Key: ..." in out. */
static void
key_of(const char *name, char *out, size_t n)
{
	struct http_resp r;
	char path[128];
	const char *k;

	snprintf(path, sizeof(path), "/api/v1/users/%s/keys", name);
	api(&r, "NGINX_URL", "POST", path, "{\"scope\": \"write\"}");
	k = json_str_at(r.json, "key.api_key");
	snprintf(out, n, "X-API-Key: %s", k ? k : "");
	ok(k != NULL, "a key for %s", name);
	http_resp_free(&r);
}

/* A container of the holder of key: sleeps, labelled cc.test=1. */
static void
container_of(const char *key, const char *name)
{
	struct http_resp r;
	char body[512];

	snprintf(body, sizeof(body), "{\"name\": \"%s\", \"image\": "
	    "\"localhost/busybox:test\", \"command\": [\"sleep\", \"600\"], "
	    "\"network_mode\": \"none\", \"labels\": {\"cc.test\": \"1\"}}",
	    name);
	if (!is_int(api_as(&r, key, "NGINX_URL", "POST", "/api/v1/containers",
	    body), 201, "container %s", name))
		diag("%s", r.body);
	http_resp_free(&r);
}

/* The newest generation the proxy process applied (0: none yet). */
static long long
proxy_generation(void)
{
	struct http_resp r;
	json_object *row;
	long long g = 0;

	if (api(&r, "NGINX_URL", "GET", "/api/v1/proxy/config/history",
	    NULL) == 200 && (row = json_at(r.json, "generations.0")) != NULL &&
	    strcmp(json_str_at(row, "status") ? json_str_at(row, "status") :
	    "", "applied") == 0)
		g = (long long)json_object_get_int64(json_at(row, "generation"));
	http_resp_free(&r);
	return g;
}

/* ---- the browser's report ---- */

static json_object *
step_of(json_object *rep, const char *name)
{
	char p[128];
	json_object *s;

	snprintf(p, sizeof(p), "steps.%s", name);
	s = json_at(rep, p);
	if (!ok(s != NULL && json_object_get_boolean(json_at(s, "ok")),
	    "browser: step %s ran", name)) {
		diag("%s", s ? json_object_to_json_string(s) : "(not reached)");
		return NULL;
	}
	return s;
}

static const char *
s_str(json_object *s, const char *k)
{
	const char *v = s ? json_str_at(s, k) : NULL;

	return v ? v : "";
}

static long
s_int(json_object *s, const char *k)
{
	json_object *v = s ? json_at(s, k) : NULL;

	return v ? (long)json_object_get_int64(v) : -1;
}

static int
s_bool(json_object *s, const char *k)
{
	json_object *v = s ? json_at(s, k) : NULL;

	return v != NULL && json_object_get_boolean(v);
}

/* Whether a progress series holds a value strictly between 0 and 100. */
static int
moved(json_object *arr)
{
	size_t i, n = arr ? json_object_array_length(arr) : 0;

	for (i = 0; i < n; i++) {
		double v = json_object_get_double(json_object_array_get_idx(arr,
		    i));

		if (v > 0 && v < 100)
			return 1;
	}
	return 0;
}

/* Whether arr is ["sse"]: the modes <html data-live> took while a step
 * watched (the first is the one it started in). */
/* The string at index i of arr, or "". */
static const char *
nth(json_object *arr, size_t i)
{
	const char *v = arr != NULL && json_object_is_type(arr,
	    json_type_array) && i < json_object_array_length(arr) ?
	    json_object_get_string(json_object_array_get_idx(arr, i)) : NULL;

	return v ? v : "";
}

/* How many items arr holds (0: not an array). */
static size_t
count(json_object *arr)
{
	return arr != NULL && json_object_is_type(arr, json_type_array) ?
	    json_object_array_length(arr) : 0;
}

static int
only_sse(json_object *arr)
{
	return count(arr) == 1 && strcmp(nth(arr, 0), "sse") == 0;
}

static const char *
js(json_object *s, const char *k)
{
	return s ? json_object_to_json_string(json_at(s, k)) : "";
}

static void
check_pages(json_object *rep, const char *out)
{
	json_object *pages = json_at(rep, "pages");
	int n = 0;

	if (!ok(pages != NULL, "browser: pages were checked"))
		return;
	json_object_object_foreach(pages, name, pg) {
		json_object *a = json_at(pg, "axe"), *js = json_at(pg, "js");
		json_object *hh = json_at(pg, "http"), *shots = json_at(pg, "shots");
		size_t i;
		char f[PATH_MAX + 300];
		struct stat st;
		int have = 0;

		n++;
		if (!ok(a != NULL && json_object_array_length(a) == 0,
		    "page %s: axe-core finds no serious or critical violation",
		    name))
			diag("%s", a ? json_object_to_json_string(a) :
			    s_str(pg, "axe_error"));
		if (!ok(js != NULL && json_object_array_length(js) == 0,
		    "page %s: no console error", name))
			diag("%s", json_object_to_json_string(js));
		if (!ok(hh != NULL && json_object_array_length(hh) == 0,
		    "page %s: no unexpected HTTP error", name))
			diag("%s", json_object_to_json_string(hh));
		is_int(s_int(pg, "dialogs"), 0, "page %s: no dialog opened",
		    name);
		ok(!s_bool(pg, "overflow_375"), "page %s: no sideways scroll "
		    "at 375 px", name);
		for (i = 0; shots && i < json_object_array_length(shots); i++) {
			snprintf(f, sizeof(f), "%s/%s", out, json_object_get_string(
			    json_object_array_get_idx(shots, i)));
			have += stat(f, &st) == 0 && st.st_size > 1000;
		}
		is_int(have, 2, "page %s: screenshots at 375 and 1440 px", name);
	}
	ok(n >= 20, "browser: %d pages checked", n);
}

static void
check_report(json_object *rep, const char *out)
{
	json_object *s, *sz;
	const char *t;

	if ((t = json_str_at(rep, "deadline")) != NULL)
		ok(0, "browser: %s", t);
	if ((t = json_str_at(rep, "fatal")) != NULL)
		ok(0, "browser: %s", t);
	sz = json_at(rep, "sizes");
	ok(sz != NULL && s_int(sz, "total") > 0 && s_int(sz, "total") <=
	    UI_MAX_BYTES, "the console's JS and CSS: %ld bytes of at most %d "
	    "(%ld files)", s_int(sz, "total"), UI_MAX_BYTES, s_int(sz, "files"));

	s = step_of(rep, "redirect");
	ok(strstr(s_str(s, "url"), "/ui/") != NULL && s_bool(s, "redirected"),
	    "browser: / led to the console (%s)", s_str(s, "url"));
	s = step_of(rep, "login");
	s = step_of(rep, "change_password");
	ok(s != NULL && !s_bool(s, "must_change_password"),
	    "browser: the initial password was changed, and the dashboard came");
	ok(s_bool(s, "nav"), "browser: Proxy, Events and Audit show in the nav "
	    "(their APIs answer)");

	s = step_of(rep, "dashboard_metrics");
	ok(s != NULL && s_int(s, "points") >= 3 && *s_str(s, "event") != '\0',
	    "browser: the dashboard's CPU chart has %ld points, the newest "
	    "from event %s", s_int(s, "points"), s_str(s, "event"));
	ok(s != NULL && *s_str(s, "event_cpu") != '\0' && strcmp(s_str(s,
	    "now"), s_str(s, "event_cpu")) == 0, "browser: it shows that "
	    "system_metric's cpu_usage (%s; the log says %s)", s_str(s, "now"),
	    s_str(s, "event_cpu"));
	ok(only_sse(json_at(s, "modes")), "browser: the stream was up (%s)",
	    js(s, "modes"));

	s = step_of(rep, "create_form_errors");
	ok(strstr(s_str(s, "memory_limit"), "memory_limit") != NULL &&
	    strstr(s_str(s, "memory_limit"), "400") != NULL,
	    "browser: the 400 is beside the memory limit (%s)",
	    s_str(s, "memory_limit"));
	is_str(s_str(s, "aria_invalid"), "true", "browser: which is marked "
	    "invalid");
	ok(strstr(s_str(s, "privileged"), "403") != NULL && strstr(s_str(s,
	    "privileged"), "req_") != NULL, "browser: the 403 is beside "
	    "privileged, with its request id (%s)", s_str(s, "privileged"));

	s = step_of(rep, "create_container");
	is_str(s_str(s, "first"), "running", "browser: the new container is "
	    "running in the list");
	is_int(s_int(s, "stop_status"), 200, "the engine stops it behind the "
	    "page's back");
	ok(s != NULL && strcmp(s_str(s, "stopped"), "running") != 0,
	    "browser: the row shows it stopped (%s) within %ld ms",
	    s_str(s, "stopped"), s_int(s, "stopped_seen_ms"));
	ok(s != NULL && s_int(s, "running_seen_ms") >= 0, "browser: and "
	    "running again within %ld ms", s_int(s, "running_seen_ms"));
	ok(s_bool(s, "no_reload"), "browser: without a reload (live layer: "
	    "%s)", s_str(s, "live"));
	ok(s != NULL && strcmp(s_str(json_at(s, "stopped_by"), "name"),
	    "ui-c1") == 0 && (strcmp(s_str(json_at(s, "stopped_by"), "event"),
	    "stop") == 0 || strcmp(s_str(json_at(s, "stopped_by"), "event"),
	    "die") == 0), "browser: the stopped row was set by a container_event "
	    "of ui-c1 (%s; the stop's X-Event-Id %ld)", js(s, "stopped_by"),
	    s_int(s, "stop_event"));
	ok(s != NULL && strcmp(s_str(json_at(s, "running_by"), "name"),
	    "ui-c1") == 0 && (strcmp(s_str(json_at(s, "running_by"), "event"),
	    "start") == 0 || strcmp(s_str(json_at(s, "running_by"), "event"),
	    "restart") == 0), "browser: and the running row by its start "
	    "event (%s; X-Event-Id %ld)", js(s, "running_by"), s_int(s,
	    "start_event"));
	is_int(s_int(s, "list_reads"), 0, "browser: the page read no list "
	    "meanwhile (%s)", js(s, "list_urls"));
	ok(only_sse(json_at(s, "modes")), "browser: the stream was up "
	    "throughout (%s)", js(s, "modes"));
	ok(s_bool(s, "admin_sees_other"), "browser: the admin sees the "
	    "operators' containers");

	s = step_of(rep, "container_detail");
	ok(strstr(s_str(s, "label_text"), "note=<img src=x onerror=alert(1)>")
	    != NULL, "browser: a label with markup is shown as text");
	is_int(s_int(s, "imgs"), 0, "browser: and makes no element");
	s = step_of(rep, "logs_follow");
	ok(s != NULL && s_int(s, "first_line") >= 0 && s_int(s, "later_line") >
	    s_int(s, "first_line"), "browser: followed logs grow (line %ld, "
	    "then %ld)", s_int(s, "first_line"), s_int(s, "later_line"));
	s = step_of(rep, "exec");
	is_str(s_str(s, "exit"), "3", "browser: exec shows the exit code");
	ok(strstr(s_str(s, "output"), "exec-ok") != NULL,
	    "browser: and the output");
	step_of(rep, "add_file");
	s = step_of(rep, "add_user");
	ok(s_bool(s, "created"), "browser: a user was added in the container");
	s = step_of(rep, "remove");
	ok(strstr(s_str(s, "question"), "ui-c1") != NULL,
	    "browser: remove asked first, naming the container");
	is_int(s_int(s, "api_status"), 404, "browser: and it is gone");

	s = step_of(rep, "job");
	ok(s != NULL && moved(json_at(s, "progress_seen")),
	    "browser: the job's progress bar moved (%s)",
	    s ? json_object_to_json_string(json_at(s, "progress_seen")) : "");
	is_str(s_str(s, "bar"), "100%", "browser: and reached 100%%");
	{
		json_object *be = s ? json_at(s, "by_event") : NULL;
		int all = be != NULL && s_bool(be, "100") &&
		    json_object_object_length(be) >= 2;

		if (be != NULL) {
			json_object_object_foreach(be, v, yes) {
				(void)v;
				all = all && json_object_get_boolean(yes);
			}
		}
		ok(all, "browser: each value the bar showed, 100 too, was set by "
		    "a job_status event of the job with that progress (%s)",
		    js(s, "by_event"));
	}
	ok(only_sse(json_at(s, "modes")), "browser: the stream was up "
	    "throughout (%s); job reads while it moved: %ld", js(s, "modes"),
	    s_int(s, "reads_while_moving"));
	s = step_of(rep, "download_output");
	is_str(s_str(s, "content"), "job-output\n", "browser: the output file "
	    "downloaded");
	step_of(rep, "job_logs");

	s = step_of(rep, "events_live");
	is_int(s_int(s, "shown_offline"), 0, "browser: the events made while "
	    "the network was gone were not shown meanwhile (%s)",
	    js(s, "missed"));
	ok(s_bool(s, "as_logged") && s_bool(s, "unique") && s_bool(s,
	    "newest_first"), "browser: back online, the events page lists each "
	    "logged event once, newest first (%s; the log: %s)", js(s, "ids"),
	    js(s, "want"));
	ok(s_bool(s, "only_filtered"), "browser: and only what its filters "
	    "ask for");
	is_int(s_int(s, "relists"), 0, "browser: they came on the resumed "
	    "stream, not from a re-list");
	{
		json_object *m = s ? json_at(s, "modes") : NULL;
		size_t n = count(m);

		ok(n >= 3 && strcmp(nth(m, 0), "sse") == 0 && strcmp(nth(m, 1),
		    "offline") == 0 && strcmp(nth(m, n - 1), "sse") == 0,
		    "browser: live, offline, live again (%s)", js(s, "modes"));
	}
	s = step_of(rep, "events_markup");
	is_int(s_int(s, "status"), 400, "a container named with markup is "
	    "refused");
	ok(s_bool(s, "as_text") && s_int(s, "imgs") == 0, "browser: and its "
	    "container_create_error event shows the name as text");

	s = step_of(rep, "upload");
	ok(s != NULL && moved(json_at(s, "progress_seen")),
	    "browser: the 20 MiB upload's progress bar moved (%s, %ld ms)",
	    s ? json_object_to_json_string(json_at(s, "progress_seen")) : "",
	    s_int(s, "ms"));
	is_int(s_int(s, "api_size"), 20 * 1024 * 1024, "browser: all 20 MiB "
	    "stored");
	s = step_of(rep, "xss_file");
	ok(s_bool(s, "shown_as_text"), "browser: a file named with markup is "
	    "listed as text");
	is_int(s_int(s, "imgs"), 0, "browser: and makes no element");
	s = step_of(rep, "file_info");
	ok(s_bool(s, "has_size"), "browser: file info shows its size");

	s = step_of(rep, "key_once");
	ok(s_bool(s, "looks_like_key"), "browser: a new key is shown");
	is_int(s_int(s, "works"), 200, "browser: and works");
	ok(s != NULL && !s_bool(s, "shown_again") && !s_bool(s,
	    "in_page_again") && !s_bool(s, "in_storage"),
	    "browser: once: not after coming back, nor in storage");
	is_int(s_int(s, "after_revoke"), 401, "browser: revoked, it fails");

	s = step_of(rep, "audit");
	ok(s != NULL && count(json_at(s, "pages")) >= 2 &&
	    s_bool(s, "paged") && s_bool(s, "newer_is_previous"),
	    "browser: the audit log pages, 10 a page, each older than the last "
	    "(%s)", js(s, "pages"));
	ok(s_bool(s, "actor_only") && s_bool(s, "via_session"),
	    "browser: filtered to the console's user, signed in by session");
	ok(s_bool(s, "create_201") && s_bool(s, "create_400") && s_bool(s,
	    "create_403"), "browser: it holds this run's creates: 201, 400 "
	    "and 403");
	ok(s_bool(s, "key_201") && s_bool(s, "revoke_200"), "browser: and the "
	    "key made and revoked");
	ok(s_bool(s, "request_ids"), "browser: each with its request id");
	ok(s != NULL && json_at(s, "leaked") != NULL && count(json_at(s,
	    "leaked")) == 0,
	    "browser: no key or password on any page of it (%s)",
	    js(s, "leaked"));

	s = step_of(rep, "proxy");
	ok(s_int(s, "upstream_status") == 201 && s_int(s, "route_status") ==
	    201, "an upstream and a route made through the API");
	ok(s_bool(s, "ready"), "the proxy checked both backends healthy and "
	    "counted the %ld requests served", s_int(s, "served"));
	ok(s_bool(json_at(s, "shown"), "upstream") && s_bool(json_at(s,
	    "shown"), "route"), "browser: the proxy page lists them");
	ok(s != NULL && s_int(json_at(s, "shown"), "requests") >= s_int(s,
	    "served") && strstr(s_str(json_at(s, "shown"), "p99"), "ms") !=
	    NULL, "browser: with the stats (%s)", js(s, "shown"));
	ok(strcmp(s_str(json_at(json_at(s, "before"), "0"), "status"),
	    "healthy") == 0 && strcmp(s_str(json_at(json_at(s, "before"),
	    "1"), "status"), "healthy") == 0, "browser: both servers healthy "
	    "(%s)", js(s, "before"));
	ok(strcmp(s_str(json_at(s, "after"), "status"), "unhealthy") == 0 &&
	    strcmp(s_str(json_at(s, "event"), "status"), "unhealthy") == 0 &&
	    strcmp(s_str(json_at(s, "event"), "upstream"), "ui-web") == 0,
	    "browser: the killed one unhealthy, set by its proxy_health event "
	    "(%s)", js(s, "event"));
	is_int(s_int(s, "routes_after"), 0, "browser: the rollback from the "
	    "history took the route away");
	ok(s != NULL && s_int(s, "live_generation") == s_int(json_at(s,
	    "newest"), "generation") && s_int(s, "live_generation") > s_int(s,
	    "generation_route"), "browser: and the page shows the new "
	    "generation live (%s)", js(s, "newest"));

	s = step_of(rep, "xss_container_name");
	ok(s_bool(s, "as_text"), "browser: a container named %s is shown as "
	    "text", "<img src=x onerror=alert(1)>");
	is_int(s_int(s, "imgs"), 0, "browser: no element made");
	is_int(s_int(s, "dialogs"), 0, "browser: no dialog opened");
	is_int(s_int(s, "rows"), 1000, "browser: 1,000 containers rendered");
	ok(s != NULL && s_int(s, "render_ms") >= 0 && s_int(s, "render_ms") <
	    2000, "browser: %ld ms from the data to the painted page (goal "
	    "< 500 ms; bench/ui measures it unloaded)", s_int(s, "render_ms"));

	s = step_of(rep, "idle_session");
	ok(s_bool(s, "message"), "browser: a session that ended returns to "
	    "the login, saying so");
	is_str(s_str(s, "back_to"), "#/jobs", "browser: signing in again goes "
	    "back to where it was");
	s = step_of(rep, "logout");
	is_int(s_int(s, "me_after"), 401, "browser: signed out, the session "
	    "is gone");

	step_of(rep, "viewer_login");
	s = step_of(rep, "viewer_no_writes");
	if (!is_int(s_int(s, "visible_total"), 0, "browser: a viewer sees no "
	    "write control"))
		diag("%s", s ? json_object_to_json_string(s) : "");
	s = step_of(rep, "forced_write");
	ok(strstr(s_str(s, "text"), "403") != NULL && strstr(s_str(s, "text"),
	    "req_") != NULL, "browser: a viewer's forced write shows the 403 "
	    "and its request id (%s)", s_str(s, "text"));

	s = step_of(rep, "operator_list");
	ok(s_bool(s, "own"), "browser: an operator sees their container");
	ok(s != NULL && !s_bool(s, "other"), "browser: and not another "
	    "operator's");

	if (harness_env("APACHE_URL") != NULL && *harness_env("APACHE_URL")) {
		s = step_of(rep, "apache");
		ok(strstr(s_str(s, "csp"), "script-src 'self'") != NULL,
		    "browser: Apache serves the console with its policy");
		is_str(s_str(s, "live"), "sse", "browser: and the app serves "
		    "its event stream (SSE; no nchan there)");
		s = step_of(rep, "apache_live");
		ok(s != NULL && strcmp(s_str(s, "state"), "running") != 0 &&
		    strcmp(s_str(json_at(s, "by"), "event"), "stop") == 0 &&
		    strcmp(s_str(json_at(s, "by"), "name"), "ui-op-own") == 0,
		    "browser: behind Apache an operator's row follows its "
		    "container's stop event (%s, %s)", s_str(s, "state"),
		    js(s, "by"));
		ok(s_int(s, "list_reads") == 0 && only_sse(json_at(s, "modes")),
		    "browser: with no list read, the stream up (%ld, %s)",
		    s_int(s, "list_reads"), js(s, "modes"));
	}
	check_pages(rep, out);
	diag("browser part: %ld ms", s_int(rep, "browser_ms"));
}

/* The output folder beside this program: tests/e2e/t_ui.out. */
static void
out_dir(char *out, size_t n)
{
	char exe[PATH_MAX];
	ssize_t k;

	if ((k = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		bail_out("readlink /proc/self/exe: %s", strerror(errno));
	exe[k] = '\0';
	if (snprintf(out, n, "%s.out", exe) >= (int)n)
		bail_out("the output path is too long");
	if (mkdir(out, 0755) != 0 && errno != EEXIST)
		bail_out("%s: %s", out, strerror(errno));
}

static void
browser(const char *ui)
{
	static const char *const chromium = "/usr/bin/chromium";
	char bdir[PATH_MAX], script[PATH_MAX + 16], cfg[PATH_MAX + 16];
	char out[PATH_MAX], res[PATH_MAX + 16], err[PATH_MAX + 16];
	char profile[PATH_MAX + 32], k_op[200], k_op2[200], backend[PATH_MAX];
	char *argv[] = { "node", script, cfg, NULL };
	const char *apache = harness_env("APACHE_URL");
	json_object *rep;
	size_t i;
	FILE *f;
	int rc;

	harness_src_path("tests/browser", bdir, sizeof(bdir));
	out_dir(out, sizeof(out));
	snprintf(script, sizeof(script), "%s/ui.js", bdir);
	snprintf(cfg, sizeof(cfg), "%s/ui-browser.json", harness_dir());
	snprintf(res, sizeof(res), "%s/report.json", out);
	snprintf(err, sizeof(err), "%s/ui.err", out);
	snprintf(profile, sizeof(profile), "%s/chromium-profile", harness_dir());
	if (!ok(access(chromium, X_OK) == 0, "%s is installed (./dev deps)",
	    chromium) || !ok(harness_npm_ready(bdir, HARNESS_BROWSER_MODULES,
	    HARNESS_NPM_LIMIT_S) == 0,
	    "puppeteer-core and axe-core are installed in tests/browser"))
		return;

	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		make_user(users[i][0], users[i][1], users[i][2]);
	{
		struct http_resp r;

		api(&r, "NGINX_URL", "PATCH", "/api/v1/users/uiadmin",
		    "{\"must_change_password\": true}");
		is_int(r.status, 200, "uiadmin must change the password");
		http_resp_free(&r);
	}
	key_of("uiop", k_op, sizeof(k_op));
	key_of("uiop2", k_op2, sizeof(k_op2));
	container_of(k_op, "ui-op-own");
	container_of(k_op2, "ui-other");
	/* the proxy's first render waits for nginx, which starts after the
	 * pool: its reload is done before the browser's stream opens */
	for (i = 0; i < 150 && proxy_generation() == 0; i++)
		harness_msleep(200);
	ok(proxy_generation() > 0, "the proxy process has a live generation");
	harness_src_path("tests/e2e/proxy_backend.py", backend,
	    sizeof(backend));

	if ((f = fopen(cfg, "w")) == NULL)
		bail_out("%s: %s", cfg, strerror(errno));
	fprintf(f, "{\"chromium\": \"%s\", \"profile\": \"%s\", \"base\": "
	    "\"%s\", \"apache\": \"%s\", \"out\": \"%s\", \"ui_dir\": \"%s\", "
	    "\"admin_key\": \"%s\", \"deadline_ms\": %d, \"users\": {"
	    "\"admin\": {\"username\": \"%s\", \"password\": \"%s\", "
	    "\"newPassword\": \"%s\"}, "
	    "\"op\": {\"username\": \"%s\", \"password\": \"%s\"}, "
	    "\"viewer\": {\"username\": \"%s\", \"password\": \"%s\"}}, "
	    "\"containers\": {\"own\": \"ui-op-own\", \"other\": \"ui-other\"}, "
	    "\"proxy\": {\"ports\": [%d, %d], \"backend\": \"%s\"}}\n",
	    chromium, profile, harness_env("NGINX_URL"), apache ? apache : "",
	    out, ui, harness_env("ADMIN_KEY"), (BROWSER_LIMIT_S - 10) * 1000,
	    users[0][0], users[0][2], NEW_ADMIN_PW, users[1][0], users[1][2],
	    users[3][0], users[3][2], harness_free_port(), harness_free_port(),
	    backend);
	fclose(f);

	rc = harness_run_in(bdir, argv, res, err, BROWSER_LIMIT_S);
	if (!is_int(rc, 0, "ui.js ran headless Chromium to the end"))
		harness_diag_file(err);
	if ((rep = json_object_from_file(res)) == NULL) {
		ok(0, "ui.js printed its report");
		harness_diag_file(err);
		return;
	}
	check_report(rep, out);
	diag("screenshots and the report: %s", out);
	json_object_put(rep);
}

int
main(void)
{
	char ui[PATH_MAX];
	int f;

	/* system_metric every second; the proxy process writing into the
	 * stack's nginx, as tests/e2e/t_proxy has it */
	harness_start("metrics_interval = 1s\n"
	    "proxy_server = nginx\n"
	    "proxy_check = nginx -t -q -c @STACK_DIR@/nginx/nginx.conf "
	    "-p @STACK_DIR@/nginx/\n"
	    "proxy_reload = signal:@STACK_DIR@/nginx/nginx.pid\n"
	    "proxy_error_log = @STACK_DIR@/logs/nginx-error.log\n"
	    "proxy_reload_min_interval = 1s\n");
	if (harness_admin_header() == NULL)
		bail_out("the stack has no admin key");
	harness_src_path("ui", ui, sizeof(ui));
	for (f = 0; f < 2; f++)
		if (harness_env(fronts[f]) != NULL && *harness_env(fronts[f]))
			served(f);
	sources(ui);
	live_layer();
	browser(ui);
	return done_testing();
}
