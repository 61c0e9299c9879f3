/*
 * front_config.c: the process's and the front's settings (struct
 * front_config in cc.h): the sockets, the pool, request and stream
 * limits, the access log, downloads, and the login and request limits.
 * Rows only the handlers read live here too: handlers/ has no table of
 * its own.
 */
#include "config.h"

#include <stddef.h>
#include <unistd.h>

#include "cc.h"

struct front_config front_cfg;

#define O(f) offsetof(struct front_config, f)

static const struct cfg_row front_rows[] = {
	/* "" means: fd 0 if it is a FastCGI listener (mod_fcgid,
	 * spawn-fcgi), else unix:/run/container-codes/pool.sock. */
	{ "listen", CFG_STR, O(listen), "", 0, 0, NULL, 0, NULL },
	{ "listen_mode", CFG_MODE, O(listen_mode), "0660", 0, 0777, NULL, 0,
	    NULL },
	{ "backlog", CFG_INT, O(backlog), "1024", 1, 65535, NULL, 0, NULL },
	{ "user", CFG_STR, O(user), "", 0, 0, NULL, 0, NULL },
	{ "group", CFG_STR, O(group), "", 0, 0, NULL, 0, NULL },
	/* 0: one per core (front_derive) */
	{ "workers", CFG_INT, O(workers), "0", 0, 256, "MAX_WORKERS", 0,
	    NULL },
	{ "max_requests", CFG_INT, O(max_requests), "10000", 0, 100000000,
	    NULL, 0, NULL },
	{ "request_timeout", CFG_SECS, O(request_timeout), "30", 1, 86400,
	    "REQUEST_TIMEOUT", 0, NULL },
	{ "shutdown_timeout", CFG_SECS, O(shutdown_timeout), "10", 0, 3600,
	    NULL, 0, NULL },
	/* The stream workers' socket: "" derives it from listen
	 * (pool_stream_addr), "none" runs streams on the API workers. */
	{ "stream_listen", CFG_STR, O(stream_listen), "", 0, 0, NULL, 0,
	    NULL },
	{ "stream_workers", CFG_INT, O(stream_workers), "8", 1, 128, NULL, 0,
	    NULL },
	/* 0: no limit per user */
	{ "stream_per_user", CFG_INT, O(stream_per_user), "4", 0, 100000,
	    NULL, 0, NULL },
	{ "stream_max_duration", CFG_SECS, O(stream_max_duration), "1h", 1,
	    604800, NULL, 0, NULL },
	{ "upload_idle_timeout", CFG_SECS, O(upload_idle_timeout), "30", 1,
	    3600, NULL, 0, NULL },
	{ "max_body", CFG_SIZE, O(max_body), "1m", 1, 0, NULL, 0, NULL },
	{ "access_log", CFG_BOOL, O(access_log), "true", 0, 1, NULL, 0, NULL },
	{ "health_cache_ms", CFG_INT, O(health_cache_ms), "1000", 0, 600000,
	    NULL, 0, NULL },
	{ "files_max_ranges", CFG_INT, O(files_max_ranges), "16", 1, 1000,
	    NULL, 0, NULL },
	/* auto: whatever the front end announces in CC_FRONTEND. */
	{ "files_offload", CFG_STR, O(files_offload), "auto", 0, 0, NULL, 0,
	    "auto|none|x-accel|x-sendfile" },
	{ "files_offload_prefix", CFG_STR, O(files_offload_prefix),
	    "/_cc_files/", 0, 0, NULL, 0, NULL },
	{ "login_rate", CFG_INT, O(login_rate), "5", 1, 1000000, NULL, 0,
	    NULL },
	{ "login_rate_addr", CFG_INT, O(login_rate_addr), "20", 1, 1000000,
	    NULL, 0, NULL },
	{ "login_window", CFG_SECS, O(login_window), "60", 1, 86400, NULL, 0,
	    NULL },
	{ "request_rate", CFG_INT, O(request_rate), "0", 0, 100000000, NULL, 0,
	    NULL },
	{ "request_window", CFG_SECS, O(request_window), "60", 1, 86400, NULL,
	    0, NULL },
	{ "cookie_secure", CFG_STR, O(cookie_secure), "auto", 0, 0, NULL, 0,
	    "auto|on|off" },
	/* GET /openapi.yaml; /openapi.json serves the .json beside it.
	 * CC_OPENAPI_FILE is the installed one (Makefile.am). */
	{ "openapi_file", CFG_STR, O(openapi_file), CC_OPENAPI_FILE, 0, 0,
	    NULL, 0, NULL },
};

/* workers = 0 means one per core, at most 256 (2 when unknown). */
static void
front_derive(void *settings)
{
	struct front_config *c = settings;
	long n;

	if (c->workers == 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		c->workers = n > 0 ? (int)(n > 256 ? 256 : n) : 2;
	}
}

/* What a row's type cannot say: a listen address start-up can bind
 * (the empty default is the stdin listener or the default socket). */
static int
front_check(const struct cfg_row *k, const char *v, char *err, size_t errlen)
{
	if (k->off == O(listen) && *v != '\0')
		return listen_parse(v, NULL, err, errlen);
	return 0;
}

const struct cfg_table front_cfg_table = CFG_TABLE_CHECKED(front_rows,
    front_cfg, front_derive, front_check);
