/*
 * events_live.c: the live transports of the event log.
 *   GET /events/ws      WebSocket (also GET /api/ws/updates, the seed's
 *                       name for it)
 *   GET /events/stream  SSE: text/event-stream, id: on every message
 *   GET /events/poll    long-poll: one message per answer
 * Behind nginx with nchan (CC_FRONTEND nginx and events_nchan_url set)
 * the app only decides: who the caller is (any credential, or a one-time
 * ticket), which channel carries what they may see through their filter,
 * and from which message a resume starts; then it hands the connection to
 * nchan's internal location (X-Accel-Redirect), which holds it.  Behind
 * Apache, or without nchan, the app serves SSE and long-poll itself from
 * the log, as streams of the pool's stream workers (fcgi-app/stream.c:
 * 503 with Retry-After when all are taken, stream_per_user, ended at
 * stream_max_duration or shutdown); a WebSocket there is refused, naming
 * the SSE path.
 *
 * Resume: ?since=ID or Last-Event-ID (our id, or the id nchan put on an
 * SSE message); none means from now.  Inside what nchan holds the resume
 * is nchan's; older but kept by the log, SSE and long-poll are served
 * from the log until caught up (the SSE answer then ends, and EventSource
 * comes back by itself); a WebSocket gets 410 EVENTS_GONE naming where
 * its live window starts (replay the gap with GET /events, then connect
 * with since = the last id).  Never a silent gap.
 */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "handlers.h"
#include "../storage/storage.h"
#include "../events/events.h"

#define DECIDE_WAIT_MS	3000	/* how long a subscribe waits for nchan */
#define WAIT_STEP_MS	20
#define TAIL_MS		200	/* how often an app-served stream looks */
#define PING_MS		1000	/* an SSE comment this often */
#define PAGE		100
#define SCAN		100000

static const char *const transport_words[] = {
	[EV_T_WS] = "ws", [EV_T_SSE] = "sse", [EV_T_POLL] = "poll",
};

/* What one subscription is about. */
struct sub {
	int			 transport;
	struct store_evfilter	 f;
	struct store_viewer	 who;
	char			 audience[EV_AUDIENCE_LEN];
	json_object		*filter;	/* canonical; request's */
	char			 key[EV_CHAN_LEN];
	uint64_t		 since;
	int			 catchup;	/* end once caught up */
};

static void
msleep(long ms)
{
	usleep((useconds_t)ms * 1000);
}

static int
all_digits(const char *s)
{
	return s != NULL && *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

/*
 * Where the caller resumes: ?since=, then Last-Event-ID (header, or the
 * last_event_id query a browser's EventSource can be given); our ids are
 * digits, nchan's are translated back through the channel's map.  None:
 * from the newest id.  -1 with the error sent (400, 410).
 */
static int
resume_point(struct request *r, struct sub *s)
{
	const char *v = req_query(r, "since"), *leid;
	long n;

	if (v != NULL) {
		if (parse_long(v, 0, LONG_MAX, &n) < 0)
			return resp_error(r, CC_E_INVALID_REQUEST, "since must "
			    "be an event id"), -1;
		s->since = (uint64_t)n;
		return 0;
	}
	if ((leid = req_header(r, "Last-Event-ID")) == NULL)
		leid = req_query(r, "last_event_id");
	if (leid == NULL || *leid == '\0') {
		s->since = store_events_last();
		return 0;
	}
	if (all_digits(leid)) {
		s->since = strtoull(leid, NULL, 10);
		return 0;
	}
	if (strlen(leid) >= STORE_NCHAN_IDLEN ||
	    store_evmap_reverse(s->key, leid, &s->since) != 0)
		return ev_gone(r, 0, store_events_oldest(),
		    store_events_last()), -1;
	return 0;
}

/* ---- served from the log by the app ---- */

/*
 * Whether the web server has closed the request's connection (its
 * client went away; nginx closes at once, Apache when a write fails):
 * a stream looks between its writes, so its slot is freed without
 * waiting for the next heartbeat.
 */
int
ev_client_closed(struct request *r)
{
	struct pollfd p = { r->fcgx->ipcFd, POLLRDHUP, 0 };

	return r->client_gone || (poll(&p, 1, 0) > 0 &&
	    (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0);
}

struct sse {
	struct request	*r;
	int		 n;
};

/* A JSON object's text, with its length. */
static const char *
json_text(json_object *o, size_t *len)
{
	return json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, len);
}

static int
sse_event(uint64_t id, json_object *ev, void *arg)
{
	struct sse *o = arg;
	json_object *pub = ev_event_public(ev);
	const char *text;
	char head[48];
	size_t len;

	snprintf(head, sizeof(head), "id: %" PRIu64 "\ndata: ", id);
	resp_write(o->r, head, strlen(head));
	text = json_text(pub, &len);
	resp_write(o->r, text, len);
	resp_write(o->r, "\n\n", 2);
	json_object_put(pub);
	o->n++;
	return o->r->client_gone;
}

static void
sse_heartbeat(struct request *r, uint64_t id)
{
	json_object *hb = ev_heartbeat(id);
	char *msg = req_printf(r, "event: heartbeat\nid: %" PRIu64
	    "\ndata: %s\n\n", id, json_object_to_json_string_ext(hb,
	    JSON_C_TO_STRING_PLAIN));

	if (msg != NULL)
		resp_write(r, msg, strlen(msg));
	json_object_put(hb);
}

/*
 * SSE from the log: the events after since, then (unless catching up
 * for nchan) the new ones as they come, a heartbeat every
 * events_heartbeat, until the client goes or the worker is told to stop.
 */
static int
serve_sse(struct request *r, struct sub *s)
{
	struct sse o = { r, 0 };
	uint64_t cur = s->since, through;
	int64_t last_hb = ev_now_ms(), last_ping = last_hb;

	if (stream_begin(r) < 0)
		return r->status;
	resp_start(r, 200, "text/event-stream");
	resp_write(r, s->catchup ? "retry: 100\n\n" : "retry: 2000\n\n",
	    s->catchup ? 12 : 13);
	sse_heartbeat(r, cur);
	resp_flush(r);
	while (!r->client_gone && stream_check(r) == NULL) {
		o.n = 0;
		if (store_events_query(cur, PAGE, SCAN, &s->f, &s->who,
		    sse_event, &o, &through) != 0)
			break;
		cur = through;
		if (o.n > 0 && resp_flush(r) < 0)
			break;
		if (o.n == PAGE)
			continue;
		if (s->catchup && cur >= store_events_last())
			break;
		if (ev_now_ms() - last_hb >= (int64_t)ev_cfg.heartbeat * 1000) {
			sse_heartbeat(r, cur);
			if (resp_flush(r) < 0)
				break;
			last_hb = last_ping = ev_now_ms();
		} else if (ev_now_ms() - last_ping >= PING_MS) {
			/* a comment: lets Apache notice a client gone */
			resp_write(r, ":\n\n", 3);
			if (resp_flush(r) < 0)
				break;
			last_ping = ev_now_ms();
		}
		if (ev_client_closed(r))
			break;
		msleep(TAIL_MS);
	}
	return 200;
}

struct one {
	json_object	*ev;
};

static int
first_event(uint64_t id, json_object *ev, void *arg)
{
	(void)id;
	((struct one *)arg)->ev = ev_event_public(ev);
	return 1;
}

/*
 * Long-poll from the log: the first event after since, at once when
 * there is one, else when one comes; past events_poll_timeout (or at
 * once when catching up) a heartbeat carrying where to ask next.
 */
static int
serve_poll(struct request *r, struct sub *s)
{
	struct one o = { NULL };
	uint64_t cur = s->since, through;
	int64_t end = ev_now_ms() + (int64_t)ev_cfg.poll_timeout * 1000;
	const char *text;
	size_t len;

	if (stream_begin(r) < 0)
		return r->status;
	for (;;) {
		if (store_events_query(cur, 1, SCAN, &s->f, &s->who,
		    first_event, &o, &through) != 0)
			return resp_error(r, CC_E_INTERNAL_ERROR, "cannot read "
			    "the event log");
		cur = through;
		if (o.ev != NULL || s->catchup || stream_check(r) != NULL ||
		    ev_now_ms() >= end)
			break;
		if (ev_client_closed(r))
			return resp_send(r, 200, "application/json", "", 0);
		msleep(TAIL_MS);
	}
	if (o.ev == NULL)
		o.ev = ev_heartbeat(cur);
	req_defer_json(r, o.ev);
	resp_header(r, "Cache-Control", "no-store");
	text = json_text(o.ev, &len);
	return resp_send(r, 200, "application/json", text, len);
}

static int
serve_app(struct request *r, struct sub *s)
{
	if (s->transport == EV_T_SSE)
		return serve_sse(r, s);
	return serve_poll(r, s);
}

/* ---- handed to nchan ---- */

/* Hands the connection to nchan's internal location, starting after
 * msgid ("" : from its oldest message). */
static int
redirect(struct request *r, const struct sub *s, const char *msgid)
{
	resp_header(r, "X-Accel-Redirect", "%s/%s/%s%s%s",
	    ev_cfg.nchan_location, transport_words[s->transport], s->key,
	    *msgid ? "?msgid=" : "", msgid);
	resp_header(r, "X-Accel-Buffering", "no");
	return resp_send(r, 200, NULL, NULL, 0);
}

/* 410 for a WebSocket resume older than its live window. */
static int
ws_gone(struct request *r, const struct sub *s, uint64_t covered)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "since", json_object_new_int64(
	    (int64_t)s->since));
	json_object_object_add(d, "live_from", json_object_new_int64(
	    (int64_t)covered));
	json_object_object_add(d, "oldest_id", json_object_new_int64(
	    (int64_t)store_events_oldest()));
	json_object_object_add(d, "last_id", json_object_new_int64(
	    (int64_t)store_events_last()));
	return resp_error_d(r, CC_E_EVENTS_GONE, d, "a WebSocket resumes "
	    "after %" PRIu64 " at the earliest: replay the events after %"
	    PRIu64 " with GET /api/v1/events, then connect with since set to "
	    "the last id", covered, s->since);
}

/*
 * Waits (bounded) until the channel is live, the publisher has read the
 * log past since, and nchan agrees with the record; then starts the
 * subscriber where the resume rule says.
 */
static int
via_nchan(struct request *r, struct sub *s)
{
	struct ev_nchan_info info;
	struct store_evmsg p;
	struct ev_resume in;
	json_object *rec = NULL;
	const char *msgid, *st;
	uint64_t cursor;
	int64_t end = ev_now_ms() + DECIDE_WAIT_MS;
	char err[256];
	enum ev_start start;

	if (ev_channel_want(s->key, s->audience, s->filter) != 0)
		return resp_error(r, CC_E_INTERNAL_ERROR, "cannot ask for the "
		    "live channel");
	for (;; msleep(WAIT_STEP_MS)) {
		json_object_put(rec);
		rec = NULL;
		if (ev_now_ms() > end)
			break;
		if (ev_channel_state(s->key, &rec, &cursor) != 0)
			continue;
		st = jget_str(rec, "state");
		if (st == NULL || strcmp(st, "live") != 0 || cursor < s->since)
			continue;
		if (ev_nchan_info(s->key, &info, err, sizeof(err)) < 0) {
			log_msg(LOG_L_WARN, "events: %s", err);
			continue;
		}
		memset(&in, 0, sizeof(in));
		in.since = s->since;
		in.covered = (uint64_t)jget_int(rec, "covered", 0);
		in.first_seq = (uint64_t)jget_int(rec, "first_seq", 0);
		in.last_seq = (uint64_t)jget_int(rec, "last_seq", 0);
		in.last_nchan = jget_str(rec, "last_nchan");
		in.info = &info;
		if (store_evmap_find(s->key, s->since, &p) == 0 &&
		    p.seq >= in.first_seq) {
			in.found = 1;
			in.p_seq = p.seq;
			in.p_nchan = p.nchan;
		}
		start = ev_resume_start(&in, &msgid);
		if (start == EV_START_STALE)
			continue;
		json_object_put(rec);
		if (start == EV_START_AT)
			return redirect(r, s, msgid);
		if (s->transport == EV_T_WS)
			return ws_gone(r, s, in.covered);
		s->catchup = 1;
		return serve_app(r, s);
	}
	resp_header(r, "Retry-After", "1");
	return resp_error(r, CC_E_SERVICE_UNAVAILABLE, "the live channel is "
	    "not ready (nchan unreachable, or re-seeding after an nginx "
	    "reload); retry shortly");
}

/* Whether header name holds token (case aside). */
static int
header_has(const struct request *r, const char *name, const char *token)
{
	const char *v = req_header(r, name);

	return v != NULL && strcasestr(v, token) != NULL;
}

/* Whether the front end is nginx with nchan configured. */
static int
nchan_front(const struct request *r)
{
	const char *fe = req_env(r, "CC_FRONTEND");

	return ev_nchan_enabled() && fe != NULL && strcmp(fe, "nginx") == 0;
}

/*
 * GET /events/ws, /events/stream, /events/poll (the row's arg is the
 * transport), /ws/updates: see the top of this file.  400 bad filter or
 * since (or a WebSocket without nchan), 401, 410 EVENTS_GONE, 503 nchan
 * not ready or every app-served stream taken.
 */
int
h_events_subscribe(struct request *r)
{
	struct sub s;

	memset(&s, 0, sizeof(s));
	s.transport = r->route != NULL ? r->route->arg : 0;
	if (s.transport < EV_T_WS || s.transport > EV_T_POLL)
		return resp_error(r, CC_E_INTERNAL_ERROR, "route without a "
		    "transport");
	if (ev_query_filter(r, &s.f) < 0)
		return r->status;
	ev_viewer(r, &s.who);
	ev_audience(&s.who, s.audience, sizeof(s.audience));
	s.filter = store_evfilter_json(&s.f);
	req_defer_json(r, s.filter);
	/* the filter's strings must outlive f's borrowed ones: both are
	 * the request's */
	if (ev_channel_key(s.audience, s.filter, s.key) < 0)
		return resp_error(r, CC_E_INTERNAL_ERROR, "cannot name the "
		    "channel");
	if (resume_point(r, &s) < 0 || ev_since_check(r, s.since) < 0)
		return r->status;
	if (!nchan_front(r)) {
		if (s.transport == EV_T_WS)
			return resp_error(r, CC_E_INVALID_REQUEST, "WebSocket "
			    "needs nginx with nchan; use SSE at "
			    "/api/v1/events/stream or long-poll at "
			    "/api/v1/events/poll");
		return serve_app(r, &s);
	}
	/* nchan answers a request its location does not take with an empty
	 * 403: say what is wanted instead */
	if (s.transport == EV_T_WS && !header_has(r, "Upgrade", "websocket"))
		return resp_error(r, CC_E_INVALID_REQUEST, "%s takes a "
		    "WebSocket handshake (Upgrade: websocket)", r->path);
	if (s.transport == EV_T_SSE && !header_has(r, "Accept",
	    "text/event-stream"))
		return resp_error(r, CC_E_INVALID_REQUEST, "send Accept: "
		    "text/event-stream (EventSource does) for SSE");
	/* A long-poll's conditional headers would override the start nchan
	 * is given: such a poll is answered from the log. */
	if (s.transport == EV_T_POLL && (req_header(r, "If-None-Match") ||
	    req_header(r, "If-Modified-Since"))) {
		s.catchup = 1;
		return serve_app(r, &s);
	}
	return via_nchan(r, &s);
}

/*
 * POST /events/ticket: a one-time ticket for ?ticket= on the subscribe
 * routes and /socket.io/, valid events_ticket_ttl seconds, with the
 * caller's user and role.  201 {ticket, expires_at, expires_in}.
 */
int
h_events_ticket(struct request *r)
{
	char tok[CRED_TOKEN_MAX], hash[CRED_HASH_HEX], ts[32];
	json_object *o, *rec;
	int64_t exp = now_wall() + ev_cfg.ticket_ttl;
	int rc;

	if (cred_token(tok) < 0 || cred_hash(tok, hash) < 0)
		return resp_error(r, CC_E_INTERNAL_ERROR, "server secrets "
		    "unavailable");
	/* "use" keeps it apart from the console's tickets in one store */
	rec = json_object_new_object();
	json_object_object_add(rec, "use", json_object_new_string("events"));
	json_object_object_add(rec, "user", json_object_new_string(
	    r->who.user));
	json_object_object_add(rec, "role", json_object_new_string(
	    access_name(r->who.role)));
	json_object_object_add(rec, "expires", json_object_new_int64(exp));
	rc = store_ticket_put(hash, rec);
	json_object_put(rec);
	if (rc != 0) {
		sodium_memzero(tok, sizeof(tok));
		return resp_store_error(r, rc, "tickets");
	}
	iso8601(ts, (time_t)exp);
	o = json_object_new_object();
	json_object_object_add(o, "ticket", json_object_new_string(tok));
	json_object_object_add(o, "expires_at", json_object_new_string(ts));
	json_object_object_add(o, "expires_in",
	    json_object_new_int(ev_cfg.ticket_ttl));
	sodium_memzero(tok, sizeof(tok));
	return resp_ok(r, 201, "ticket", o);
}
