/*
 * harness.h: end-to-end test support. Starts a real stack (pool, nginx,
 * Apache, Podman) with tests/stack/stack, drives it over HTTP with libcurl,
 * and reports in TAP for automake's tap-driver. One behaviour per test
 * program; a program is:
 *
 *	int
 *	main(void)
 *	{
 *		struct http_resp r;
 *
 *		harness_start(NULL);
 *		http_do(&r, "GET", harness_url("NGINX_URL", "/health"),
 *		    NULL, NULL, 0);
 *		is_int(r.status, 200, "GET /health");
 *		http_resp_free(&r);
 *		return done_testing();
 *	}
 *
 * Environment: CC_SRCDIR (repo root; else found from the program's path),
 * CC_BUILDDIR (where container-codes was built; else CC_SRCDIR),
 * STACK_BIN (overrides $CC_BUILDDIR/container-codes), HARNESS_KEEP=1
 * (stop the stack but keep its directory), HARNESS_HTTP_TIMEOUT_MS
 * (default 30000). STACK_* variables (STACK_PODMAN=0,
 * STACK_APACHE_PORT=none, STACK_WORKERS, ...) set before harness_start()
 * reach tests/stack/stack unchanged.
 */
#ifndef CC_E2E_HARNESS_H
#define CC_E2E_HARNESS_H

#include <sys/types.h>

#include <stddef.h>

#include <json-c/json.h>

/* ---- the stack ---- */

/*
 * Start a stack in a fresh directory under $TMPDIR (or /tmp), with
 * extra_conf (may be NULL) appended to the pool's config file. Registers
 * harness_stop() with atexit() and for SIGINT, SIGTERM, SIGHUP and
 * SIGPIPE. On failure prints "Bail out!" and exits 99 (automake's hard
 * error).
 */
void harness_start(const char *extra_conf);

/*
 * Stop the stack and delete its directory (keep it with HARNESS_KEEP=1).
 * Idempotent; done_testing() calls it too.
 */
void harness_stop(void);

/* A value from the stack's stack.env (NGINX_URL, APACHE_URL, DOCKER_HOST,
 * DOCKER_SOCK, POOL_CONF, POOL_SOCK, STREAM_SOCK, POOL_PID, DATA_DIR,
 * LOG_DIR, ADMIN_KEY, STACK_DIR, and LXD_SOCK, LXD_DIR with STACK_LXD=1);
 * "" when empty, NULL when unknown or not started. */
const char *harness_env(const char *key);

/* The stack directory, or NULL before harness_start(). */
const char *harness_dir(void);

/*
 * Run "tests/stack/stack COMMAND DIR" (start-podman, stop-podman,
 * start-registry, ...) and return its exit status (-1 if it could not run).
 */
int harness_stack(const char *command);

/*
 * harness_env(base_key) followed by path, e.g.
 * harness_url("APACHE_URL", "/health"). The string lives until 16 more
 * calls have been made; NULL if base_key is unknown or empty.
 */
const char *harness_url(const char *base_key, const char *path);

/*
 * Restart the stack's pool with the same configuration and data: SIGTERM
 * POOL_PID, wait for it to exit, start the same binary again detached
 * (the stack's stop still finds it), update POOL_PID and wait for the
 * socket. Every wait is bounded (30 s). Returns 0, or -1 after diag().
 */
int harness_restart_pool(void);

/* Just the first half: SIGTERM POOL_PID and wait (30 s) until it is gone.
 * Returns 0 (also when it was not running), or -1 after diag(). */
int harness_stop_pool(void);

/* "X-API-Key: <ADMIN_KEY>", or NULL when the stack has no admin key. */
const char *harness_admin_header(void);

/*
 * Appends lines to the pool's config file, asks the pool to reload it
 * (POST /api/v1/config/reload through nginx, as admin) and waits, bounded
 * (10 s), until GET /api/v1/config shows setting key as the string want
 * eight times in a row (every worker of the new generation).  Returns 0,
 * or -1 after diag().
 */
int harness_reconfigure(const char *lines, const char *key,
    const char *want);

/* Sleeps ms milliseconds (for bounded polling loops). */
void harness_msleep(long ms);

/* ---- child processes (real clients: curl, node, Chromium, podman) ----
 * Each child leads a process group of its own, stdin /dev/null; every
 * wait is bounded and a child is only ever signalled by its own group. */

/* Starts argv in dir (NULL: here), stdout to out_path and stderr to
 * err_path.  Its pid, or -1. */
pid_t harness_proc_start(const char *dir, char *const argv[],
    const char *out_path, const char *err_path);
/* Waits at most limit_ms for pid, then kills its group.  The exit status,
 * -1 for an end that is not a normal exit, -2 when killed for its time. */
int harness_proc_wait(pid_t pid, long limit_ms);
/* Ends a child left running: SIGTERM to its group, a bounded wait, then
 * SIGKILL. */
void harness_proc_stop(pid_t pid);
/* harness_proc_start, then a wait of at most limit_s.  The exit status,
 * or -1. */
int harness_run_in(const char *dir, char *const argv[], const char *out_path,
    const char *err_path, int limit_s);

/* srcdir/rel into out: CC_SRCDIR, else three levels above the program
 * (tests/e2e/t_x in the tree). */
void harness_src_path(const char *rel, char *out, size_t n);
/* A whole file, NUL-ended, malloc'd (the caller frees); NULL if none. */
char *harness_file_read(const char *path);
/* A file's lines as diagnostics. */
void harness_diag_file(const char *path);
/* dir/node_modules by `npm ci` (log: dir/npm-ci.log) when one of the
 * NULL-ended modules is missing, under a lock file in dir (two tests may
 * start at once).  0 or -1. */
int harness_npm_ready(const char *dir, const char *const *modules,
    int limit_s);
/* The npm packages tests/browser pins (puppeteer-core, axe-core,
 * lighthouse), for the tests that drive Chromium. */
#define HARNESS_BROWSER_MODULES \
	((const char *const[]){ "puppeteer-core", "axe-core", "lighthouse", \
	    NULL })
/* How long an npm ci may take. */
#define HARNESS_NPM_LIMIT_S	300

/* A loopback TCP port nobody listens on right now; 0 if none was had. */
int harness_free_port(void);

/* ---- HTTP ---- */

struct http_resp {
	long status;		/* HTTP status; 0 if no response */
	char *body;		/* NUL-terminated; len excludes the NUL */
	size_t len;
	struct json_object *json; /* parsed body, or NULL if not JSON */
	char *headers;		/* raw header block(s), "Name: value\r\n" */
	char *hdr_value;	/* private: http_header()'s last answer */
};

/*
 * One request. headers is a NULL-terminated list of "Name: value" strings
 * (may be NULL); body/len may be NULL/0. Sends no default Content-Type or
 * "Expect: 100-continue". Bounded by HARNESS_HTTP_TIMEOUT_MS (30 s).
 * Returns 0, or -1 on a transport error (then diag() explains and
 * out->status is 0). Always call http_resp_free(out) afterwards.
 */
int http_do(struct http_resp *out, const char *method, const char *url,
    const char *const *headers, const void *body, size_t len);

/* The last value of header name (case-insensitive), or NULL. Valid until
 * the next http_header() or http_resp_free() on the same response. */
const char *http_header(const struct http_resp *resp, const char *name);

void http_resp_free(struct http_resp *resp);

/* ---- JSON ---- */

/* The node at a dotted path ("echo.headers.x-custom", "items.0.id"), or
 * NULL. Borrowed from root. */
struct json_object *json_at(struct json_object *root, const char *path);

/* The string at a dotted path, or NULL if missing or not a string. */
const char *json_str_at(struct json_object *root, const char *path);

/* ---- TAP ---- */

#define ok(cond, ...) \
	tap_ok(__FILE__, __LINE__, (cond) ? 1 : 0, __VA_ARGS__)
#define is_int(got, want, ...) \
	tap_is_int(__FILE__, __LINE__, (long long)(got), (long long)(want), \
	    __VA_ARGS__)
#define is_str(got, want, ...) \
	tap_is_str(__FILE__, __LINE__, (got), (want), __VA_ARGS__)
/* ok() named after the expression itself. */
#define CHECK(cond) tap_ok(__FILE__, __LINE__, (cond) ? 1 : 0, "%s", #cond)

/* Each returns its verdict (1 passed, 0 failed); failures print
 * file:line and, for is_*, what was got and expected. */
int tap_ok(const char *file, int line, int pass, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int tap_is_int(const char *file, int line, long long got, long long want,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int tap_is_str(const char *file, int line, const char *got,
    const char *want, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* A "# ..." comment line. */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Record n skipped tests with a reason. */
void skip(int n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "Bail out!" and exit 99. */
void bail_out(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Stop the stack (when started), check its pool log for sanitizer
 * reports (one more test), print the plan "1..N" and return the exit
 * status for main(): 0 if every test passed, 1 otherwise.
 */
int done_testing(void);

#endif
