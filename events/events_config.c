/*
 * events_config.c: the settings of real-time events (struct events_config
 * in events.h): where nchan's publisher location is, how much each live
 * channel keeps, heartbeats, tickets, the app-served streams, the
 * metrics sampler, the engine followers and the container-list cache.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "../runtimes/runtime.h"
#include "events.h"

struct events_config ev_cfg;

#define O(f) offsetof(struct events_config, f)

static const struct cfg_row events_rows[] = {
	{ "events_nchan_url", CFG_STR, O(nchan_url), "", 0, 0, NULL, 0,
	    NULL },
	{ "events_nchan_location", CFG_STR, O(nchan_location), "/_cc_events",
	    0, 0, NULL, 0, NULL },
	{ "events_heartbeat", CFG_SECS, O(heartbeat), "15s", 1, 3600, NULL, 0,
	    NULL },
	{ "events_window", CFG_LONG, O(window), "1000", 10, 100000, NULL, 0,
	    NULL },
	{ "events_channel_idle", CFG_SECS, O(channel_idle), "5m", 10, 86400,
	    NULL, 0, NULL },
	{ "events_poll_timeout", CFG_SECS, O(poll_timeout), "25s", 1, 3600,
	    NULL, 0, NULL },
	{ "events_ticket_ttl", CFG_SECS, O(ticket_ttl), "30s", 1, 3600, NULL,
	    0, NULL },
	{ "events_replay_max", CFG_INT, O(replay_max), "1000", 1, 100000,
	    NULL, 0, NULL },
	{ "metrics_interval", CFG_SECS, O(metrics_interval), "10s", 0, 86400,
	    NULL, 0, NULL },
	{ "events_follow", CFG_BOOL, O(follow), "true", 0, 1, NULL, 0, NULL },
	{ "events_dedup_window", CFG_SECS, O(dedup_window), "5s", 1, 600,
	    NULL, 0, NULL },
	{ "list_cache", CFG_BOOL, O(list_cache), "true", 0, 1, NULL, 0, NULL },
	{ "list_cache_max_age", CFG_SECS, O(list_cache_max_age), "2s", 0,
	    3600, NULL, 0, NULL },
	{ "socketio_ping_interval", CFG_SECS, O(socketio_ping_interval), "25s",
	    1, 3600, NULL, 0, NULL },
	{ "socketio_ping_timeout", CFG_SECS, O(socketio_ping_timeout), "20s",
	    1, 3600, NULL, 0, NULL },
};

/* events_nchan_url: empty, or a form nchan.c can reach. */
static int
events_check(const struct cfg_row *row, const char *value, char *err,
    size_t errlen)
{
	struct rt_target t;
	char prefix[CFG_STRLEN];

	if (strcmp(row->name, "events_nchan_url") != 0 || *value == '\0')
		return 0;
	return ev_nchan_url_parse(value, &t, prefix, sizeof(prefix), err,
	    errlen);
}

const struct cfg_table events_cfg_table = CFG_TABLE_CHECKED(events_rows,
    ev_cfg, NULL, events_check);
