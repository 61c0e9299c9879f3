/*
 * socketio.c: Socket.IO for the LXC Tools clients (lxc-tools-api.md),
 * on Engine.IO v4's HTTP long-polling transport at /socket.io/, served by
 * the app from the event log.  The upgrade to WebSocket is not offered
 * ("upgrades": []), so a default socket.io-client stays on polling.
 *
 *   GET  /socket.io/?EIO=4&transport=polling        the handshake: "0{sid,
 *        upgrades, pingInterval, pingTimeout, maxPayload}"; the caller
 *        is authenticated here (X-API-Key, Bearer, the session cookie, or
 *        ?ticket=), and the sid, 128 random bits, is their session after
 *        that
 *   POST /socket.io/?...&sid=S   packets from the client, separated by
 *        0x1e: "40" connects to the namespace "/" (answered "40{sid}" and
 *        the event connected), "42[\"join_room\",\"name\"]" and
 *        leave_room (a room is a container name; an ack id is honoured),
 *        "3" a pong, "1" a close
 *   GET  /socket.io/?...&sid=S   the next packets: queued answers, then
 *        container_update events about the containers of the rooms
 *        joined (all the caller may see when none is), waiting up to
 *        socketio_ping_interval, then a ping ("2")
 *
 * The session lives in STORE_EVSTATE ("sio/<sid>"); every change to it
 * is one write transaction that reads it again, so a POST and a GET in
 * two workers never lose each other's change.  A session silent for
 * ping interval + ping timeout is gone, and so is one whose user's
 * credentials or role changed after its handshake.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "handlers.h"
#include "../storage/storage.h"
#include "../events/events.h"

#define SEP		'\x1e'		/* Engine.IO v4's packet separator */
#define MAX_PAYLOAD	1000000
#define TAIL_MS		200
#define SCAN		100000
#define SIDLEN		33		/* 32 hex + NUL */

static int
eio_error(struct request *r, int code, const char *msg)
{
	char *body = req_printf(r, "{\"code\":%d,\"message\":\"%s\"}", code,
	    msg);

	return resp_send(r, 400, "application/json", body, body ?
	    strlen(body) : 0);
}

static int
text(struct request *r, const char *s, size_t len)
{
	resp_header(r, "Cache-Control", "no-store");
	return resp_send(r, 200, "text/plain; charset=UTF-8", s, len);
}

static void
sid_key(char *key, size_t len, const char *sid)
{
	snprintf(key, len, EV_SIO_PREFIX "%s", sid);
}

static int
sid_ok(const char *sid)
{
	return sid != NULL && strlen(sid) == SIDLEN - 1 &&
	    strspn(sid, "0123456789abcdef") == SIDLEN - 1;
}

/* A session that has been silent too long is gone. */
static int
expired(json_object *s)
{
	return now_wall() - jget_int(s, "seen", 0) >
	    ev_cfg.socketio_ping_interval + ev_cfg.socketio_ping_timeout;
}

/* Whether the user's credentials or role changed since the handshake
 * (their cut mark moved, stream.c): the session is over, and the client
 * shakes hands again with a credential that still holds. */
static int
cut(json_object *s)
{
	const char *user = jget_str(s, "user");

	return user == NULL || stream_cut_at(user) != jget_int(s, "cut", 0);
}

/*
 * Changes the session in one write transaction: fn gets the record as
 * stored now and edits it; it is stored again (or dropped when fn
 * returns 1).  0, STORE_E_NOTFOUND for no (live) session, or an error.
 */
static int
update(const char *sid, int (*fn)(json_object *, void *), void *arg)
{
	struct store_txn *txn;
	json_object *s = NULL;
	char key[64];
	int rc, drop;

	sid_key(key, sizeof(key), sid);
	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = store_evstate_get(txn, key, &s)) != 0)
		goto err;
	if (expired(s)) {
		store_evstate_del(txn, key);
		store_commit(txn);
		json_object_put(s);
		return STORE_E_NOTFOUND;
	}
	json_object_object_add(s, "seen", json_object_new_int64(now_wall()));
	drop = fn != NULL ? fn(s, arg) : 0;
	rc = drop ? store_evstate_del(txn, key) : store_evstate_put(txn, key,
	    s);
	if (rc != 0)
		goto err;
	json_object_put(s);
	return store_commit(txn);
err:
	store_abort(txn);
	json_object_put(s);
	return rc;
}

/* Appends a packet to the session's queue. */
static void
enqueue(json_object *s, const char *pkt)
{
	json_object *q = jget_arr(s, "queue");

	if (q == NULL) {
		q = json_object_new_array();
		json_object_object_add(s, "queue", q);
	}
	json_object_array_add(q, json_object_new_string(pkt));
}

/* ---- the handshake ---- */

static int
handshake(struct request *r)
{
	unsigned char raw[16];
	char sid[SIDLEN], key[64], *body;
	json_object *s;
	int rc, i;

	if ((rc = auth_check(r, ACCESS_VIEWER)) != 0)
		return rc;
	randombytes_buf(raw, sizeof(raw));
	for (i = 0; i < 16; i++)
		snprintf(sid + 2 * i, 3, "%02x", raw[i]);
	s = json_object_new_object();
	json_object_object_add(s, "user", json_object_new_string(r->who.user));
	json_object_object_add(s, "admin", json_object_new_boolean(
	    ctr_is_admin(r)));
	json_object_object_add(s, "seen", json_object_new_int64(now_wall()));
	json_object_object_add(s, "cut", json_object_new_int64(
	    stream_cut_at(r->who.user)));
	json_object_object_add(s, "cursor", json_object_new_int64(
	    (int64_t)store_events_last()));
	json_object_object_add(s, "rooms", json_object_new_array());
	sid_key(key, sizeof(key), sid);
	rc = store_evstate_put(NULL, key, s);
	json_object_put(s);
	if (rc != 0)
		return resp_store_error(r, rc, "Socket.IO sessions");
	body = req_printf(r, "0{\"sid\":\"%s\",\"upgrades\":[],"
	    "\"pingInterval\":%d,\"pingTimeout\":%d,\"maxPayload\":%d}", sid,
	    ev_cfg.socketio_ping_interval * 1000,
	    ev_cfg.socketio_ping_timeout * 1000, MAX_PAYLOAD);
	if (body == NULL)
		return resp_error(r, CC_E_INTERNAL_ERROR, "out of memory");
	return text(r, body, strlen(body));
}

/* ---- packets from the client (POST) ---- */

struct incoming {
	const char	*pkt;
	size_t		 len;
	const char	*sid;
};

/* A room's name from "[\"join_room\",\"name\"]" or {room: name}. */
static const char *
room_of(json_object *arg)
{
	if (json_object_is_type(arg, json_type_string))
		return json_object_get_string(arg);
	return jget_str(arg, "room") ? jget_str(arg, "room") :
	    jget_str(arg, "name");
}

static void
rooms_edit(json_object *s, const char *room, int join)
{
	json_object *rooms = jget_arr(s, "rooms"), *keep;
	size_t i, n;

	if (rooms == NULL) {
		rooms = json_object_new_array();
		json_object_object_add(s, "rooms", rooms);
	}
	keep = json_object_new_array();
	n = json_object_array_length(rooms);
	for (i = 0; i < n; i++) {
		const char *v = json_object_get_string(
		    json_object_array_get_idx(rooms, i));

		if (v != NULL && strcmp(v, room) != 0)
			json_object_array_add(keep, json_object_new_string(v));
	}
	if (join && json_object_array_length(keep) < 256)
		json_object_array_add(keep, json_object_new_string(room));
	json_object_object_add(s, "rooms", keep);
}

/* "42[ev,arg]" or "42<ack>[ev,arg]": the event of namespace "/". */
static void
on_event(json_object *s, const char *p, size_t len)
{
	json_object *a = NULL, *arg;
	const char *name, *room, *start = memchr(p, '[', len);
	char ack[24] = "", pkt[1024];
	size_t alen;

	if (start == NULL)
		return;
	alen = (size_t)(start - p);
	if (alen > 0 && alen < sizeof(ack) && strspn(p, "0123456789") == alen) {
		memcpy(ack, p, alen);
		ack[alen] = '\0';
	}
	if ((a = store_parse_json(start, len - alen)) == NULL ||
	    !json_object_is_type(a, json_type_array))
		goto out;
	name = json_object_get_string(json_object_array_get_idx(a, 0));
	arg = json_object_array_get_idx(a, 1);
	if (name == NULL || (room = room_of(arg)) == NULL || *room == '\0' ||
	    strlen(room) > 128)
		goto out;
	if (strcmp(name, "join_room") == 0)
		rooms_edit(s, room, 1);
	else if (strcmp(name, "leave_room") == 0)
		rooms_edit(s, room, 0);
	else
		goto out;
	if (ack[0] != '\0') {
		json_object *reply = json_object_new_array(),
		    *o = json_object_new_object();

		json_object_object_add(o, "room", json_object_new_string(room));
		json_object_array_add(reply, o);
		snprintf(pkt, sizeof(pkt), "43%s%s", ack,
		    json_object_to_json_string_ext(reply,
		    JSON_C_TO_STRING_PLAIN));
		enqueue(s, pkt);
		json_object_put(reply);
	}
out:
	json_object_put(a);
}

/* One packet from the client, applied to the stored session. */
static int
apply(json_object *s, void *arg)
{
	const struct incoming *in = arg;
	const char *p = in->pkt;
	char pkt[160];

	if (in->len == 0)
		return 0;
	switch (p[0]) {
	case '1':		/* close */
		return 1;
	case '3':		/* pong */
		return 0;
	case '4':		/* a Socket.IO packet */
		if (in->len >= 2 && p[1] == '0') {
			/* CONNECT to "/" (auth in the payload, if any, is not
			 * needed: the handshake authenticated) */
			json_object_object_add(s, "connected",
			    json_object_new_boolean(1));
			snprintf(pkt, sizeof(pkt), "40{\"sid\":\"%s\"}",
			    in->sid);
			enqueue(s, pkt);
			snprintf(pkt, sizeof(pkt), "42[\"connected\","
			    "{\"data\":\"Connected to server\",\"sid\":\"%s\"}]",
			    in->sid);
			enqueue(s, pkt);
		} else if (in->len >= 2 && p[1] == '1')
			json_object_object_add(s, "connected",
			    json_object_new_boolean(0));
		else if (in->len >= 2 && p[1] == '2')
			on_event(s, p + 2, in->len - 2);
		return 0;
	default:
		return 0;
	}
}

static int
post(struct request *r, const char *sid)
{
	struct incoming in = { NULL, 0, sid };
	char *body, *p, *end;
	int rc;

	if (req_read_body(r) < 0)
		return r->status;
	if (r->body_len > MAX_PAYLOAD)
		return eio_error(r, 3, "Bad request");
	body = r->body ? r->body : "";
	for (p = body; p < body + r->body_len; p = end + 1) {
		end = memchr(p, SEP, (size_t)(body + r->body_len - p));
		if (end == NULL)
			end = body + r->body_len;
		in.pkt = p;
		in.len = (size_t)(end - p);
		if ((rc = update(sid, apply, &in)) == STORE_E_NOTFOUND)
			return eio_error(r, 1, "Session ID unknown");
		if (rc != 0)
			return resp_store_error(r, rc, "Socket.IO sessions");
	}
	return text(r, "ok", 2);
}

/* ---- packets to the client (GET) ---- */

struct outgoing {
	json_object	*s;
	struct store_viewer who;
	char		*buf;
	size_t		 len, cap;
	int		 n;
};

static void
out_add(struct outgoing *o, const char *pkt, size_t len)
{
	if (o->n > 0)
		buf_append(&o->buf, &o->len, (const char[]){ SEP }, 1);
	buf_append(&o->buf, &o->len, pkt, len);
	o->n++;
}

/* The container an event is about, by name when it has one. */
static const char *
container_of(json_object *ev)
{
	json_object *d = jget_obj(ev, "data");

	if (jget_str(d, "container") != NULL)
		return jget_str(d, "container");
	if (jget_str(d, "container_name") != NULL)
		return jget_str(d, "container_name");
	return jget_str(d, "container_id");
}

/* Whether the session's rooms take an event about container c. */
static int
in_rooms(json_object *s, json_object *ev, const char *c)
{
	json_object *rooms = jget_arr(s, "rooms");
	json_object *d = jget_obj(ev, "data");
	const char *id = jget_str(d, "container_id");
	size_t i, n = rooms ? json_object_array_length(rooms) : 0;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++) {
		const char *room = json_object_get_string(
		    json_object_array_get_idx(rooms, i));

		if (room != NULL && ((c != NULL && strcmp(room, c) == 0) ||
		    (id != NULL && strcmp(room, id) == 0)))
			return 1;
	}
	return 0;
}

/* Whether an event is a container update: a container_event or one of
 * the LXC Tools container_* types. */
static int
is_update(json_object *ev)
{
	const char *t = jget_str(ev, "type");

	return t != NULL && (strcmp(t, "container_event") == 0 ||
	    strncmp(t, "container_", 10) == 0);
}

static int
collect(uint64_t id, json_object *ev, void *arg)
{
	struct outgoing *o = arg;
	json_object *u, *a;
	const char *c, *s;
	size_t len;
	char *pkt;

	if (!is_update(ev) || !store_event_visible(ev, &o->who) ||
	    !in_rooms(o->s, ev, c = container_of(ev)))
		return 0;
	u = json_object_new_object();
	json_object_object_add(u, "type", json_object_new_string(
	    jget_str(ev, "type")));
	if (c != NULL)
		json_object_object_add(u, "container", json_object_new_string(c));
	json_object_object_add(u, "id", json_object_new_int64((int64_t)id));
	json_object_object_add(u, "timestamp", json_object_get(
	    json_object_object_get(ev, "timestamp")));
	json_object_object_add(u, "data", json_object_get(jget_obj(ev,
	    "data")));
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string("container_update"));
	json_object_array_add(a, u);
	s = json_object_to_json_string_length(a, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if ((pkt = malloc(len + 3)) != NULL) {
		memcpy(pkt, "42", 2);
		memcpy(pkt + 2, s, len);
		out_add(o, pkt, len + 2);
		free(pkt);
	}
	json_object_put(a);
	return o->len > MAX_PAYLOAD / 2;
}

struct taken {
	size_t		 nqueue;
	uint64_t	 cursor;
};

/* What a GET sent leaves the stored session: the packets it took off
 * the queue, and the cursor moved on. */
static int
taken(json_object *s, void *arg)
{
	const struct taken *t = arg;
	json_object *q = jget_arr(s, "queue"), *rest;
	size_t i, n = q ? json_object_array_length(q) : 0;

	rest = json_object_new_array();
	for (i = t->nqueue; i < n; i++)
		json_object_array_add(rest, json_object_get(
		    json_object_array_get_idx(q, i)));
	json_object_object_add(s, "queue", rest);
	if (t->cursor > (uint64_t)jget_int(s, "cursor", 0))
		json_object_object_add(s, "cursor",
		    json_object_new_int64((int64_t)t->cursor));
	return 0;
}

static void
outgoing_free(void *p)
{
	free(p);
}

static int
poll_get(struct request *r, const char *sid)
{
	struct outgoing o;
	struct store_evfilter f;
	struct taken t;
	json_object *s = NULL, *q;
	char key[64];
	uint64_t through;
	int64_t end = ev_now_ms() + (int64_t)ev_cfg.socketio_ping_interval *
	    1000;
	size_t i;
	int rc;

	memset(&f, 0, sizeof(f));
	if (stream_begin(r) < 0)
		return r->status;
	sid_key(key, sizeof(key), sid);
	for (;;) {
		memset(&o, 0, sizeof(o));
		memset(&t, 0, sizeof(t));
		json_object_put(s);
		s = NULL;
		if (store_evstate_get(NULL, key, &s) != 0 || expired(s) ||
		    cut(s)) {
			if (s != NULL)
				store_evstate_del(NULL, key);
			json_object_put(s);
			return eio_error(r, 1, "Session ID unknown");
		}
		o.s = s;
		o.who.user = jget_str(s, "user");
		o.who.admin = jget_bool(s, "admin", 0);
		q = jget_arr(s, "queue");
		t.nqueue = q ? json_object_array_length(q) : 0;
		for (i = 0; i < t.nqueue; i++) {
			const char *pkt = json_object_get_string(
			    json_object_array_get_idx(q, i));

			out_add(&o, pkt, strlen(pkt));
		}
		t.cursor = (uint64_t)jget_int(s, "cursor", 0);
		if (jget_bool(s, "connected", 0)) {
			rc = store_events_query(t.cursor, 100, SCAN, &f,
			    &o.who, collect, &o, &through);
			if (rc == 0)
				t.cursor = through;
		}
		if (o.n > 0 || t.cursor > (uint64_t)jget_int(s, "cursor", 0)) {
			if ((rc = update(sid, taken, &t)) != 0) {
				free(o.buf);
				json_object_put(s);
				return rc == STORE_E_NOTFOUND ? eio_error(r, 1,
				    "Session ID unknown") :
				    resp_store_error(r, rc, "Socket.IO "
				    "sessions");
			}
		}
		if (o.n > 0)
			break;
		free(o.buf);
		o.buf = NULL;
		if (ev_client_closed(r)) {
			json_object_put(s);
			return text(r, "", 0);
		}
		if (stream_check(r) != NULL || ev_now_ms() >= end) {
			update(sid, NULL, NULL);	/* it was seen */
			json_object_put(s);
			return text(r, "2", 1);		/* ping */
		}
		usleep(TAIL_MS * 1000);
	}
	json_object_put(s);
	req_defer(r, outgoing_free, o.buf);
	return text(r, o.buf, o.len);
}

/*
 * GET and POST /socket.io/: Engine.IO v4 polling (see the top).  400
 * with Engine.IO's {code, message} for a bad transport, version or sid;
 * 401 when the handshake has no credential.
 */
int
h_socketio(struct request *r)
{
	const char *eio = req_query(r, "EIO"), *tr = req_query(r, "transport"),
	    *sid = req_query(r, "sid");

	if (eio == NULL || strcmp(eio, "4") != 0)
		return eio_error(r, 5, "Unsupported protocol version");
	if (tr == NULL || strcmp(tr, "polling") != 0)
		return eio_error(r, 0, "Transport unknown");
	if (sid == NULL) {
		if (strcmp(r->method, "GET") != 0)
			return eio_error(r, 2, "Bad handshake method");
		return handshake(r);
	}
	if (!sid_ok(sid))
		return eio_error(r, 1, "Session ID unknown");
	if (strcmp(r->method, "POST") == 0)
		return post(r, sid);
	return poll_get(r, sid);
}
