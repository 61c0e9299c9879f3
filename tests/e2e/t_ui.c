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
 *    stream with one, resume from the last id, resync after a 410.
 *  - Headless Chromium (tests/browser/ui.js, puppeteer-core and axe-core;
 *    installed by `npm ci` on first use) runs the flows a person would and
 *    this program checks its report: sign-in with the must-change-password
 *    step, containers (create with field errors, kept current without a
 *    reload, logs followed, exec, add file, add user, remove), a job's
 *    progress to 100% and its output downloaded, a 20 MiB upload with its
 *    progress bar moving, a key shown once, a viewer without write controls
 *    whose forced write shows the 403, an operator who does not see
 *    another's container, markup in names kept as text with no dialog,
 *    1,000 containers rendered, an idle session back at the login, and on
 *    every page: no console error, no serious or critical axe violation,
 *    screenshots at 375 and 1440 px in tests/e2e/t_ui.out/shots.
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

#define BROWSER_LIMIT_S	180	/* node + Chromium: every flow */
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
	s = step_of(rep, "download_output");
	is_str(s_str(s, "content"), "job-output\n", "browser: the output file "
	    "downloaded");
	step_of(rep, "job_logs");

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

	s = step_of(rep, "mocked_apis");
	ok(s_bool(s, "nav"), "browser: Proxy, Events and Audit show in the nav "
	    "once their APIs answer");
	is_str(s_str(s, "metric_live"), "12.5 %", "browser: a system_metric "
	    "pushed on the stream reaches the dashboard's chart live");
	ok(s != NULL && s_int(s, "events.rows") == 3, "browser: the events page "
	    "lists the log (%ld rows)", s_int(s, "events.rows"));
	ok(s_bool(s, "events.markup_as_text") && s_int(s, "events.imgs") == 0,
	    "browser: markup in an event stays text");
	ok(s_bool(s, "audit"), "browser: the audit log renders");
	ok(s_bool(s, "proxy.down") && s_bool(s, "proxy.rollback"),
	    "browser: the proxy page shows server health and the rollback");

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
	char profile[PATH_MAX + 32], k_op[200], k_op2[200];
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

	if ((f = fopen(cfg, "w")) == NULL)
		bail_out("%s: %s", cfg, strerror(errno));
	fprintf(f, "{\"chromium\": \"%s\", \"profile\": \"%s\", \"base\": "
	    "\"%s\", \"apache\": \"%s\", \"out\": \"%s\", \"ui_dir\": \"%s\", "
	    "\"admin_key\": \"%s\", \"deadline_ms\": %d, \"users\": {"
	    "\"admin\": {\"username\": \"%s\", \"password\": \"%s\", "
	    "\"newPassword\": \"%s\"}, "
	    "\"op\": {\"username\": \"%s\", \"password\": \"%s\"}, "
	    "\"viewer\": {\"username\": \"%s\", \"password\": \"%s\"}}, "
	    "\"containers\": {\"own\": \"ui-op-own\", \"other\": \"ui-other\"}}\n",
	    chromium, profile, harness_env("NGINX_URL"), apache ? apache : "",
	    out, ui, harness_env("ADMIN_KEY"), (BROWSER_LIMIT_S - 10) * 1000,
	    users[0][0], users[0][2], NEW_ADMIN_PW, users[1][0], users[1][2],
	    users[3][0], users[3][2]);
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

	harness_start(NULL);
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
