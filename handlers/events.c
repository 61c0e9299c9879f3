/*
 * events.c: the event log's routes.  GET /events replays the log (what
 * the caller may see, filtered); POST /events/ticket makes a one-time
 * ticket for a client that cannot send headers (a browser's WebSocket);
 * GET /audit lists the writes.  The live transports (WebSocket, SSE,
 * long-poll) are events_live.c.
 *
 * Resume is one rule everywhere: a client that has seen id N asks with
 * since=N (or Last-Event-ID) and gets every later event it may see, in
 * order; when events after N were dropped by retention, or N is not an
 * id the log ever gave, the answer is 410 EVENTS_GONE with the oldest id
 * still kept, and the client lists again.
 */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "../storage/storage.h"
#include "../events/events.h"

/* How many events one replay request examines at most. */
#define REPLAY_SCAN	100000

/* The filter keys of the query, each repeatable and comma-separated. */
static const char *const filter_keys[] = { "type", "container", "job",
	"endpoint" };

/*
 * Reads type=, container=, job= and endpoint= into f (values from the
 * request's memory).  -1 with the 400 sent.
 */
int
ev_query_filter(struct request *r, struct store_evfilter *f)
{
	size_t i, k;
	char *v, *p, *save;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < r->nquery; i++)
		for (k = 0; k < sizeof(filter_keys) / sizeof(filter_keys[0]);
		    k++) {
			if (strcmp(r->query[i].key, filter_keys[k]) != 0)
				continue;
			if ((v = req_strdup(r, r->query[i].value)) == NULL)
				return resp_error(r, CC_E_INTERNAL_ERROR,
				    "out of memory"), -1;
			for (p = strtok_r(v, ",", &save); p != NULL;
			    p = strtok_r(NULL, ",", &save))
				if (store_evfilter_add(f, filter_keys[k],
				    p) != 0)
					return resp_error(r,
					    CC_E_INVALID_REQUEST, "at most %d "
					    "values of %s", STORE_EVF_MAX,
					    filter_keys[k]), -1;
		}
	return 0;
}

/* Who the caller is, as the log's visibility rule sees them. */
void
ev_viewer(const struct request *r, struct store_viewer *v)
{
	v->user = r->who.user;
	v->admin = ctr_is_admin(r);
}

/*
 * 410 EVENTS_GONE: events after since are no longer all kept (or since
 * is past the newest id), with the oldest and newest ids kept.
 */
int
ev_gone(struct request *r, uint64_t since, uint64_t oldest, uint64_t last)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "since", json_object_new_int64(
	    (int64_t)since));
	json_object_object_add(d, "oldest_id", json_object_new_int64(
	    (int64_t)oldest));
	json_object_object_add(d, "last_id", json_object_new_int64(
	    (int64_t)last));
	return resp_error_d(r, CC_E_EVENTS_GONE, d, "events after %" PRIu64
	    " are no longer all kept (oldest %" PRIu64 ", newest %" PRIu64
	    "): list again, then follow from last_id", since, oldest, last);
}

/*
 * Whether the log still holds every event after since: 0, or -1 with
 * the 410 sent.  since 0 asks from the start, which is always answerable
 * as "what is kept" only when nothing was ever dropped.
 */
int
ev_since_check(struct request *r, uint64_t since)
{
	uint64_t oldest = store_events_oldest(), last = store_events_last();

	if (since > last || (oldest > 0 && since + 1 < oldest)) {
		ev_gone(r, since, oldest, last);
		return -1;
	}
	return 0;
}

static int
add_event(uint64_t id, json_object *ev, void *arg)
{
	(void)id;
	json_object_array_add(arg, ev_event_public(ev));
	return 0;
}

/*
 * GET /events?since=&type=&container=&job=&endpoint=&limit=: the events
 * after since (default 0) the caller may see, oldest first, at most
 * limit (default 100, up to events_replay_max).  next_since is where to
 * ask next (past events the filter left out too); last_id the newest id
 * in the log.  400 bad parameters, 410 EVENTS_GONE.
 */
int
h_events_list(struct request *r)
{
	struct store_evfilter f;
	struct store_viewer who;
	json_object *arr, *extra;
	uint64_t through;
	long since, limit;
	int rc;

	if (req_query_long(r, "since", 0, 0, LONG_MAX, &since) < 0 ||
	    req_query_long(r, "limit", 100, 1, ev_cfg.replay_max, &limit) < 0 ||
	    ev_query_filter(r, &f) < 0)
		return r->status;
	if (ev_since_check(r, (uint64_t)since) < 0)
		return r->status;
	ev_viewer(r, &who);
	arr = json_object_new_array();
	if ((rc = store_events_query((uint64_t)since, (size_t)limit,
	    REPLAY_SCAN, &f, &who, add_event, arr, &through)) != 0) {
		json_object_put(arr);
		return resp_store_error(r, rc, "event log");
	}
	extra = json_object_new_object();
	json_object_object_add(extra, "next_since", json_object_new_int64(
	    (int64_t)through));
	json_object_object_add(extra, "last_id", json_object_new_int64(
	    (int64_t)store_events_last()));
	json_object_object_add(extra, "oldest_id", json_object_new_int64(
	    (int64_t)store_events_oldest()));
	return resp_list_x(r, "events", arr,
	    (long)json_object_array_length(arr), limit, 0, extra);
}

/* ---- the audit log ---- */

struct audit_q {
	const char	*actor, *via, *action, *resource, *status;
	json_object	*out;
	size_t		 max, n;
	uint64_t	 through;
};

/* Whether an audit entry's member key is want (NULL: anything); for
 * action and resource a substring is enough. */
static int
field_ok(json_object *d, const char *key, const char *want, int sub)
{
	const char *v;
	char num[16];

	if (want == NULL)
		return 1;
	if (strcmp(key, "status") == 0) {
		snprintf(num, sizeof(num), "%" PRId64, jget_int(d, key, -1));
		v = num;
	} else if ((v = jget_str(d, key)) == NULL)
		return 0;
	return sub ? strstr(v, want) != NULL : strcmp(v, want) == 0;
}

static int
audit_one(uint64_t id, json_object *ev, void *arg)
{
	struct audit_q *q = arg;
	json_object *d = jget_obj(ev, "data");
	const char *type = jget_str(ev, "type");

	q->through = id;
	if (type == NULL || strcmp(type, "audit") != 0 ||
	    !field_ok(d, "actor", q->actor, 0) ||
	    !field_ok(d, "via", q->via, 0) ||
	    !field_ok(d, "action", q->action, 1) ||
	    !field_ok(d, "resource", q->resource, 1) ||
	    !field_ok(d, "status", q->status, 0))
		return 0;
	json_object_array_add(q->out, ev_event_public(ev));
	return ++q->n >= q->max;
}

/*
 * GET /audit (admins): every write through the API, from the event log:
 * actor, via (api_key, jwt, session, ticket), credential (a key's
 * prefix, a token's jti), action (method and route), resource (the
 * path), status, error_code, request_id, client, duration_ms.  Filters
 * actor, via, status (exact), action, resource (substrings); pages of
 * limit (default 100) after since (oldest first), or before before
 * (newest first); next_since / next_before say where the next page is.
 */
int
h_audit_list(struct request *r)
{
	struct audit_q q;
	json_object *extra;
	long since, before, limit;
	int rc, desc;

	memset(&q, 0, sizeof(q));
	if (req_query_long(r, "since", 0, 0, LONG_MAX, &since) < 0 ||
	    req_query_long(r, "before", 0, 0, LONG_MAX, &before) < 0 ||
	    req_query_long(r, "limit", 100, 1, ev_cfg.replay_max, &limit) < 0)
		return r->status;
	q.actor = req_query(r, "actor");
	q.via = req_query(r, "via");
	q.action = req_query(r, "action");
	q.resource = req_query(r, "resource");
	q.status = req_query(r, "status");
	q.max = (size_t)limit;
	q.out = json_object_new_array();
	desc = req_query(r, "before") != NULL;
	if (!desc && ev_since_check(r, (uint64_t)since) < 0) {
		json_object_put(q.out);
		return r->status;
	}
	q.through = desc ? (uint64_t)before : (uint64_t)since;
	rc = desc ? store_events_before((uint64_t)before, REPLAY_SCAN,
	    audit_one, &q) : store_events_since((uint64_t)since, REPLAY_SCAN,
	    audit_one, &q);
	if (rc != 0) {
		json_object_put(q.out);
		return resp_store_error(r, rc, "event log");
	}
	extra = json_object_new_object();
	json_object_object_add(extra, desc ? "next_before" : "next_since",
	    json_object_new_int64((int64_t)q.through));
	json_object_object_add(extra, "last_id", json_object_new_int64(
	    (int64_t)store_events_last()));
	json_object_object_add(extra, "oldest_id", json_object_new_int64(
	    (int64_t)store_events_oldest()));
	return resp_list_x(r, "entries", q.out, (long)q.n, limit, 0, extra);
}
