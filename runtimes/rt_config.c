/*
 * rt_config.c: the engine layer's settings (struct rt_config in
 * runtime.h): the default engine, more engines, and the limits of every
 * engine call.
 */
#include "config.h"

#include <stddef.h>

#include "runtime.h"

struct rt_config rt_cfg;

#define O(f) offsetof(struct rt_config, f)

static const struct cfg_row rt_rows[] = {
	{ "docker_host", CFG_STR, O(docker_host),
	    "unix:///run/podman/podman.sock", 0, 0, NULL, 0, NULL },
	{ "docker_tls_ca", CFG_STR, O(docker_tls_ca), "", 0, 0, NULL, 0,
	    NULL },
	{ "docker_tls_cert", CFG_STR, O(docker_tls_cert), "", 0, 0, NULL, 0,
	    NULL },
	{ "docker_tls_key", CFG_STR, O(docker_tls_key), "", 0, 0, NULL, 1,
	    NULL },
	{ "runtime_connect_timeout", CFG_SECS, O(runtime_connect_timeout),
	    "5", 1, 600, NULL, 0, NULL },
	{ "runtime_timeout", CFG_SECS, O(runtime_timeout), "60", 1, 86400,
	    NULL, 0, NULL },
	{ "runtime_ws_ping", CFG_SECS, O(runtime_ws_ping), "30", 0, 3600,
	    NULL, 0, NULL },
	{ "endpoints", CFG_STR, O(endpoints), "", 0, 0, NULL, 0, NULL },
	{ "default_endpoint", CFG_STR, O(default_endpoint), "", 0, 0, NULL, 0,
	    NULL },
	{ "runtime_max_answer", CFG_SIZE, O(runtime_max_answer), "16m", 4096,
	    0, NULL, 0, NULL },
	{ "exec_max_output", CFG_SIZE, O(exec_max_output), "1m", 1, 0, NULL,
	    0, NULL },
	{ "logs_max_tail", CFG_LONG, O(logs_max_tail), "100000", 1,
	    100000000L, NULL, 0, NULL },
};

const struct cfg_table rt_cfg_table = CFG_TABLE(rt_rows, rt_cfg, NULL);
