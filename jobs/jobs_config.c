/*
 * jobs_config.c: the jobs runner's settings (struct jobs_config in
 * jobs.h): whether it runs, the limits of one attempt, and the defaults
 * of a job that names none.  The queue (storage/) gets jobs_concurrency
 * through its policy (spec.c's job_policy).
 */
#include "config.h"

#include <stddef.h>

#include "jobs.h"

struct jobs_config jobs_cfg;

#define O(f) offsetof(struct jobs_config, f)

static const struct cfg_row jobs_rows[] = {
	{ "jobs_enabled", CFG_BOOL, O(jobs_enabled), "true", 0, 1, NULL, 0,
	    NULL },
	{ "jobs_concurrency", CFG_INT, O(jobs_concurrency), "2", 1, 64, NULL,
	    0, NULL },
	{ "jobs_max_timeout", CFG_SECS, O(jobs_max_timeout), "24h", 1,
	    2592000L, NULL, 0, NULL },
	{ "jobs_default_timeout", CFG_SECS, O(jobs_default_timeout), "1h", 1,
	    2592000L, NULL, 0, NULL },
	{ "jobs_network_mode", CFG_STR, O(jobs_network_mode), "none", 0, 0,
	    NULL, 0, NULL },
	{ "jobs_max_output", CFG_SIZE, O(jobs_max_output), "256m", 1024, 0,
	    NULL, 0, NULL },
	{ "jobs_max_log", CFG_SIZE, O(jobs_max_log), "1m", 1024, 0, NULL, 0,
	    NULL },
	{ "jobs_poll_ms", CFG_INT, O(jobs_poll_ms), "200", 10, 60000, NULL, 0,
	    NULL },
	{ "jobs_max_attempts", CFG_INT, O(jobs_max_attempts), "1", 1, 100,
	    NULL, 0, NULL },
	{ "jobs_retry_delay", CFG_SECS, O(jobs_retry_delay), "1s", 0, 86400,
	    NULL, 0, NULL },
	{ "jobs_retry_max_delay", CFG_SECS, O(jobs_retry_max_delay), "5m", 0,
	    86400, NULL, 0, NULL },
};

const struct cfg_table jobs_cfg_table = CFG_TABLE(jobs_rows, jobs_cfg,
    NULL);
