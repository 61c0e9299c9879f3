/*
 * events.h: real-time events.  The one internal header of events/, the
 * floor-3 folder of the processes that move events, and of what the
 * event routes share with them.
 *
 *   events_config.c  the settings (events_*, metrics_interval,
 *                    list_cache_max_age)
 *   channel.c        live channels: a key per (audience, filter), the
 *                    records the routes ask for and the publisher keeps,
 *                    and the one decision of where a resume starts
 *   nchan.c          nchan's publisher location: publish, channel info,
 *                    delete
 *   publisher.c      the publisher process: log -> nchan, heartbeats,
 *                    re-seeding after an nginx reload or a crash
 *   follower.c       the engine follower process: one child per endpoint
 *                    following the engine's events, and the container
 *                    lists it keeps current
 *   sampler.c        the metrics sampler process: system_metric events
 *   actions.c        what an API write on containers means for the
 *                    follower (markers) and for the LXC Tools event types
 *   proc.c           what each process kind does first and last
 *
 * The storage under all of it is storage/events.c (the log, visibility,
 * filters), storage/evstate.c (channels, maps, markers) and
 * storage/ctrcache.c (the lists).
 */
#ifndef EVENTS_H
#define EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "../base/base.h"
#include "../storage/storage.h"

/* ---- settings (events_config.c) ---- */

struct events_config {
	char	 nchan_url[CFG_STRLEN];	/* publisher location; "": none */
	char	 nchan_location[CFG_STRLEN];	/* internal subscriber prefix */
	int	 heartbeat;		/* seconds */
	long	 window;		/* messages kept per channel */
	int	 channel_idle;		/* seconds without subscribers */
	int	 poll_timeout;		/* seconds a long-poll waits */
	int	 ticket_ttl;		/* seconds */
	int	 replay_max;		/* REST replay page cap */
	int	 metrics_interval;	/* seconds; 0: no sampler */
	int	 follow;		/* run the engine followers */
	int	 dedup_window;		/* seconds */
	int	 list_cache;		/* serve lists from the cache */
	int	 list_cache_max_age;	/* seconds */
	int	 socketio_ping_interval;	/* seconds */
	int	 socketio_ping_timeout;		/* seconds */
};

extern struct events_config	 ev_cfg;
extern const struct cfg_table	 events_cfg_table;

/* ---- the process kinds (one row each in fcgi-app/pool.c) ---- */

#include <signal.h>
#include <time.h>

/* What each of them does first and last (proc.c). */
void	 ev_proc_begin(const char *name, int listen_fd, sigset_t *set,
	    int chld);
int	 ev_proc_wait(sigset_t *set, const struct timespec *tick);
void	 ev_proc_end(void) __attribute__((noreturn));

void	 publisher_main(int listen_fd);
int	 publisher_count(void);
void	 follower_main(int listen_fd);
int	 follower_count(void);
void	 sampler_main(int listen_fd);
int	 sampler_count(void);

/* ---- live channels (channel.c) ---- */

/*
 * A channel carries, to nchan, every event one audience may see and one
 * filter lets through.  Its key is "c" and 16 hex digits of a digest of
 * both; its record ("ch/<key>" in STORE_EVSTATE) says:
 *   audience  "admin" or "u:<name>"; filter: the canonical form
 *   state     "new" (asked for, not published yet), "live", "reseed"
 *   wanted    when a subscriber last asked (seconds)
 *   first_seq, last_seq   publish sequence numbers of the generation
 *   covered   every matching event after this id is in the generation
 *   last_nchan, last_eid  nchan's id and the event id of the last message
 *   nmsg      nchan's message count after the last publish
 */
#define EV_CHAN_LEN	18		/* "c" + 16 hex + NUL */
#define EV_CH_PREFIX	"ch/"
#define EV_MK_PREFIX	"mk/"		/* markers (actions.c) */
#define EV_PUB_CURSOR	"pub/cursor"	/* {id}: the log read up to here */
#define EV_SIO_PREFIX	"sio/"		/* Socket.IO sessions */

int	 ev_channel_key(const char *audience, json_object *filter,
	    char key[EV_CHAN_LEN]);
/* Creates the routes' record of a channel ("cw/<key>") or marks it
 * wanted now. */
int	 ev_channel_want(const char *key, const char *audience,
	    json_object *filter);
/* The publisher's record ("ch/<key>") and its cursor, read together. */
int	 ev_channel_state(const char *key, json_object **rec,
	    uint64_t *cursor);
/* The audience of a viewer: "admin", or "u:<name>". */
#define EV_AUDIENCE_LEN	80
void	 ev_audience(const struct store_viewer *, char *buf, size_t len);
/* The viewer of an audience (user borrowed). */
void	 ev_audience_viewer(const char *audience, struct store_viewer *);
/* The publisher's cursor: every event up to it went to the live
 * channels; 0 when it never ran. */
uint64_t ev_pub_cursor(void);
/* The public form of a stored event (a new object): without epoch. */
json_object *ev_event_public(json_object *ev);
/* A heartbeat message carrying id (a new object). */
json_object *ev_heartbeat(uint64_t id);

/* What nchan says of a channel (nchan.c). */
struct ev_nchan_info {
	int	 exists;
	long	 messages, subscribers;
	char	 last_id[STORE_NCHAN_IDLEN];
};

/*
 * Where a subscriber that has seen event `since` starts on a live
 * channel: the one rule of resume.  nchan delivers the messages after
 * the one named (or from its oldest, when none is named), and silently
 * from the oldest it still holds when the one named is gone; so the
 * start is given only when every message after it is known to be held.
 */
/* Messages the publisher may have published and not recorded yet, at
 * most: one batch of events and a heartbeat.  nginx's
 * nchan_message_buffer_length should be events_window plus this. */
#define EV_INFLIGHT	260

enum ev_start {
	EV_START_AT,		/* after msgid ("" : from nchan's oldest) */
	EV_START_NOT_HELD,	/* older than nchan holds: from the log */
	EV_START_STALE		/* not known yet (nchan lost it, or messages
				 * are in flight): retry shortly */
};
struct ev_resume {
	uint64_t	 since;
	/* the channel's record */
	uint64_t	 covered, first_seq, last_seq;
	const char	*last_nchan;
	/* the map's latest message with an event id <= since, if any */
	int		 found;
	uint64_t	 p_seq;
	const char	*p_nchan;
	/* nchan */
	const struct ev_nchan_info *info;
};
enum ev_start ev_resume_start(const struct ev_resume *, const char **msgid);

/* ---- nchan's publisher location (nchan.c) ---- */

/* Publishes body (JSON) to chan; heartbeat names the EventSource event.
 * 0 with *out nchan's answer, or -1 with err. */
int	 ev_nchan_publish(const char *chan, const char *body, size_t len,
	    int heartbeat, struct ev_nchan_info *out, char *err,
	    size_t errlen);
/* 0 with *out (out->exists 0 for a channel nchan does not have), or -1
 * with err when nchan does not answer. */
int	 ev_nchan_info(const char *chan, struct ev_nchan_info *out, char *err,
	    size_t errlen);
int	 ev_nchan_delete(const char *chan, char *err, size_t errlen);
/* Whether a live delivery location is configured. */
int	 ev_nchan_enabled(void);
/* events_nchan_url's parts; 0 or -1 with err (also the setting's check). */
struct rt_target;
int	 ev_nchan_url_parse(const char *url, struct rt_target *,
	    char *prefix, size_t plen, char *err, size_t errlen);

/* ---- API writes on containers (actions.c) ---- */

/*
 * What a route that changes containers means: action, the word of its
 * container_event ("create", "stop", "remove"...), the engine actions it
 * causes (the follower leaves those out), and the LXC Tools operation
 * ("container_create") whose _start/_success/_error it reports, or NULL.
 */
struct ev_action {
	const char	*method, *pattern;
	const char	*action;
	const char	*causes;	/* engine actions, space-separated */
	const char	*lxc_op;
	const char	*target;	/* "param:id", "body:name" or NULL */
};
const struct ev_action *ev_action_of(const char *method,
	    const char *pattern);
/* Whether the engine action eng is among the causes of api action act. */
int	 ev_action_causes(const char *act, const char *eng);
/*
 * Markers: an API write on containers in progress ("mk/<n>": {endpoint,
 * target, action, until}); the follower leaves out what it causes.
 */
int	 ev_marker_put(const char *endpoint, const char *target,
	    const char *action, int seconds, char *key, size_t keylen);
void	 ev_marker_del(const char *key);
/*
 * Whether an engine event (action eng on container id / name, endpoint
 * ep, seen at now) was caused through the API: a marker covers it, or a
 * container_event of the API on it within dedup_window causes it.
 */
int	 ev_engine_echo(const char *ep, const char *id, const char *name,
	    const char *eng, int64_t now);

/* ---- the lists (follower.c) ---- */

/* Whether a cached list may answer now: 1 with *age_ms, or 0. */
int	 ev_cache_fresh(const struct store_ctrcache *, int64_t now_ms,
	    int64_t *age_ms);
int64_t	 ev_now_ms(void);

#endif /* EVENTS_H */
