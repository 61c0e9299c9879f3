/*
 * publisher.c: the publisher, a process kind of the pool (pool.c
 * kinds[]), run when events_nchan_url is set.  It follows the event log
 * and publishes each event to every live channel whose audience may see
 * it and whose filter lets it through, one message per channel, in the
 * log's order; every events_heartbeat it publishes a heartbeat carrying
 * the newest id it has read.
 *
 * A write that changed a user's credentials or role closes that user's
 * subscribers and the admins' (close_revoked) by re-seeding their
 * channels as below.
 *
 * It is the only writer of nchan and of the channels' records, so what
 * nchan holds of a channel is the last messages of the record's map, in
 * order.  Two things break that, and both are repaired the same way, by
 * re-seeding the channel (delete it in nchan, closing its subscribers,
 * and publish its last events_window events again as a new generation):
 *   - nginx was reloaded or restarted and nchan lost its buffers: a
 *     publish answers fewer messages than the last one did, or a check
 *     (every second) finds the channel gone or ending elsewhere;
 *   - this process was killed between a publish and its record: at
 *     start every channel is checked the same way.
 * Between the break and the repair the routes see the record and nchan
 * disagree and wait (events_live.c), so no subscriber starts on a wrong
 * message.  A re-seed waits for the clock's next second first, so no
 * message id nchan gives ("<second>:<n>") is ever given twice.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../runtimes/runtime.h"
#include "events.h"

#define TICK_MS		10	/* how often the log is looked at */
#define SYNC_MS		200	/* how often the routes' records are read */
#define CHECK_MS	1000	/* how often nchan is asked about a channel */
#define IDLE_MS		10000	/* how often idle channels are dropped */
#define BATCH		256	/* events read at once (EV_INFLIGHT) */
#define SEED_SCAN	200000	/* events a re-seed looks back at most */

struct chan {
	char			 key[EV_CHAN_LEN];
	char			 audience[EV_AUDIENCE_LEN];
	struct store_viewer	 who;
	json_object		*filter;	/* f's strings live here */
	struct store_evfilter	 f;
	int64_t			 wanted;
	int			 live, reseed, seen, loaded;
	uint64_t		 first_seq, last_seq, covered, last_eid;
	long			 nmsg, subscribers;
	char			 last_nchan[STORE_NCHAN_IDLEN];
	int64_t			 checked_ms, hb_ms;
	int			 dirty;		/* record to write */
};

/* A map entry published, not yet written. */
struct pend {
	char			 key[EV_CHAN_LEN];
	struct store_evmsg	 m;
};

static struct {
	struct chan	*c;
	size_t		 n, cap;
	struct pend	*p;
	size_t		 np, pcap;
	uint64_t	 cursor;
	int		 cursor_dirty;
	uint64_t	 published;
} pub;

int
publisher_count(void)
{
	return ev_nchan_enabled() ? 1 : 0;
}

/* ---- the channels' records ---- */

static json_object *
chan_record(const struct chan *c)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "audience",
	    json_object_new_string(c->audience));
	json_object_object_add(o, "filter", json_object_get(c->filter));
	json_object_object_add(o, "state", json_object_new_string(c->reseed ?
	    "reseed" : c->live ? "live" : "new"));
	json_object_object_add(o, "first_seq",
	    json_object_new_int64((int64_t)c->first_seq));
	json_object_object_add(o, "last_seq",
	    json_object_new_int64((int64_t)c->last_seq));
	json_object_object_add(o, "covered",
	    json_object_new_int64((int64_t)c->covered));
	json_object_object_add(o, "last_eid",
	    json_object_new_int64((int64_t)c->last_eid));
	json_object_object_add(o, "last_nchan",
	    json_object_new_string(c->last_nchan));
	json_object_object_add(o, "nmsg", json_object_new_int64(c->nmsg));
	return o;
}

static void
chan_load(struct chan *c, json_object *rec)
{
	const char *st = jget_str(rec, "state"), *ln;

	c->first_seq = (uint64_t)jget_int(rec, "first_seq", 0);
	c->last_seq = (uint64_t)jget_int(rec, "last_seq", 0);
	c->covered = (uint64_t)jget_int(rec, "covered", 0);
	c->last_eid = (uint64_t)jget_int(rec, "last_eid", 0);
	c->nmsg = (long)jget_int(rec, "nmsg", 0);
	ln = jget_str(rec, "last_nchan");
	snprintf(c->last_nchan, sizeof(c->last_nchan), "%s", ln ? ln : "");
	c->live = st != NULL && strcmp(st, "new") != 0;
	/* whatever it was, it is checked against nchan before use */
	c->checked_ms = 0;
}

static struct chan *
chan_find(const char *key)
{
	size_t i;

	for (i = 0; i < pub.n; i++)
		if (strcmp(pub.c[i].key, key) == 0)
			return &pub.c[i];
	return NULL;
}

static void
chan_free(struct chan *c)
{
	json_object_put(c->filter);
	memset(c, 0, sizeof(*c));
}

/* One of the routes' records ("cw/<key>"): a channel to keep. */
static int
sync_one(const char *key, json_object *w, void *arg)
{
	const char *aud = jget_str(w, "audience");
	json_object *filter = jget_obj(w, "filter");
	struct chan *c, *n;

	(void)arg;
	key += 3;	/* "cw/" */
	if ((c = chan_find(key)) != NULL) {
		c->seen = 1;
		c->wanted = jget_int(w, "wanted", 0);
		return 0;
	}
	if (aud == NULL || filter == NULL || strlen(key) != EV_CHAN_LEN - 1)
		return 0;
	if (pub.n == pub.cap) {
		size_t cap = pub.cap ? pub.cap * 2 : 16;

		if ((n = realloc(pub.c, cap * sizeof(*n))) == NULL)
			return 0;
		pub.c = n;
		pub.cap = cap;
	}
	c = &pub.c[pub.n];
	memset(c, 0, sizeof(*c));
	snprintf(c->key, sizeof(c->key), "%s", key);
	snprintf(c->audience, sizeof(c->audience), "%s", aud);
	ev_audience_viewer(c->audience, &c->who);
	c->filter = json_object_get(filter);
	if (store_evfilter_from_json(c->filter, &c->f) != 0) {
		chan_free(c);
		return 0;
	}
	c->wanted = jget_int(w, "wanted", 0);
	c->seen = 1;
	pub.n++;
	return 0;
}

/* A channel new to this process takes up its record (one a killed
 * publisher left): its sequence, generation and last nchan id go on. */
static void
chan_load_record(struct chan *c)
{
	json_object *rec = NULL;
	char k[64];

	c->loaded = 1;
	snprintf(k, sizeof(k), EV_CH_PREFIX "%s", c->key);
	if (store_evstate_get(NULL, k, &rec) == 0)
		chan_load(c, rec);
	json_object_put(rec);
}

/* Reads the routes' records: channels asked for appear, dropped ones
 * go.  A new channel's own record is read after the walk: LMDB allows a
 * thread one read transaction at a time, and the walk holds one. */
static void
sync_channels(void)
{
	size_t i;

	for (i = 0; i < pub.n; i++)
		pub.c[i].seen = 0;
	store_evstate_each("cw/", sync_one, NULL);
	for (i = 0; i < pub.n; i++)
		if (pub.c[i].seen && !pub.c[i].loaded)
			chan_load_record(&pub.c[i]);
	for (i = 0; i < pub.n; ) {
		if (pub.c[i].seen) {
			i++;
			continue;
		}
		chan_free(&pub.c[i]);
		pub.c[i] = pub.c[--pub.n];
	}
}

/* ---- publishing ---- */

static void
pend_add(const struct chan *c, uint64_t eid)
{
	struct pend *p;

	if (pub.np == pub.pcap) {
		size_t cap = pub.pcap ? pub.pcap * 2 : 256;

		if ((p = realloc(pub.p, cap * sizeof(*p))) == NULL)
			return;
		pub.p = p;
		pub.pcap = cap;
	}
	p = &pub.p[pub.np++];
	snprintf(p->key, sizeof(p->key), "%s", c->key);
	p->m.seq = c->last_seq;
	p->m.eid = eid;
	snprintf(p->m.nchan, sizeof(p->m.nchan), "%s", c->last_nchan);
}

/* Publishes one message carrying eid to c.  0, or -1 (nchan did not
 * take it: the channel is re-seeded once nchan answers again). */
static int
publish(struct chan *c, const char *body, size_t len, uint64_t eid,
    int heartbeat)
{
	struct ev_nchan_info info;
	char err[256];

	if (ev_nchan_publish(c->key, body, len, heartbeat, &info, err,
	    sizeof(err)) < 0) {
		log_msg(LOG_L_WARN, "publisher: channel %s: %s", c->key, err);
		c->reseed = 1;
		c->dirty = 1;
		return -1;
	}
	/* fewer messages than before: nchan lost the channel meanwhile */
	if (info.messages < c->nmsg) {
		log_msg(LOG_L_INFO, "publisher: channel %s held %ld messages, "
		    "now %ld: nginx lost it; re-seeding", c->key, c->nmsg,
		    info.messages);
		c->reseed = 1;
	}
	c->last_seq++;
	c->nmsg = info.messages;
	c->subscribers = info.subscribers;
	c->last_eid = eid;
	snprintf(c->last_nchan, sizeof(c->last_nchan), "%s", info.last_id);
	c->dirty = 1;
	pend_add(c, eid);
	pub.published++;
	return 0;
}

static int
publish_json(struct chan *c, json_object *o, uint64_t eid, int heartbeat)
{
	size_t len;
	const char *s = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	return publish(c, s, len, eid, heartbeat);
}

/*
 * Writes what was published since the last flush: the map entries, the
 * records of the channels that changed (pruned to events_window), and
 * the cursor, in one transaction.
 */
static void
flush(void)
{
	struct store_txn *txn = NULL;
	json_object *o;
	uint64_t dropped, keep;
	char k[64];
	size_t i;
	int rc;

	if (pub.np == 0 && !pub.cursor_dirty) {
		for (i = 0; i < pub.n && !pub.c[i].dirty; i++)
			;
		if (i == pub.n)
			return;
	}
	if ((rc = store_begin(1, &txn)) != 0)
		goto err;
	for (i = 0; i < pub.np; i++)
		if ((rc = store_evmap_add(txn, pub.p[i].key, &pub.p[i].m)) != 0)
			goto err;
	for (i = 0; i < pub.n; i++) {
		struct chan *c = &pub.c[i];

		if (!c->dirty)
			continue;
		/* the window, with a quarter's slack before each prune */
		if (c->last_seq >= c->first_seq && c->last_seq - c->first_seq +
		    1 > (uint64_t)(ev_cfg.window + ev_cfg.window / 4)) {
			keep = c->last_seq + 1 - (uint64_t)ev_cfg.window;
			if ((rc = store_evmap_prune(txn, c->key, keep,
			    (size_t)ev_cfg.window * 4, &dropped)) != 0)
				goto err;
			c->first_seq = keep;
			if (dropped > c->covered)
				c->covered = dropped;
		}
		snprintf(k, sizeof(k), EV_CH_PREFIX "%s", c->key);
		o = chan_record(c);
		rc = store_evstate_put(txn, k, o);
		json_object_put(o);
		if (rc != 0)
			goto err;
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(
	    (int64_t)pub.cursor));
	rc = store_evstate_put(txn, EV_PUB_CURSOR, o);
	json_object_put(o);
	if (rc != 0 || (rc = store_commit(txn)) != 0) {
		txn = NULL;
		goto err;
	}
	for (i = 0; i < pub.n; i++)
		pub.c[i].dirty = 0;
	pub.np = 0;
	pub.cursor_dirty = 0;
	return;
err:
	store_abort(txn);
	/* What nchan has and the records now disagree: the routes wait,
	 * and the check re-seeds. */
	log_msg(LOG_L_ERROR, "publisher: cannot record what was published: "
	    "%s", store_strerror(rc));
	for (i = 0; i < pub.n; i++)
		if (pub.c[i].dirty)
			pub.c[i].reseed = 1;
	pub.np = 0;
}

/* ---- seeding ---- */

struct gather {
	struct chan	*c;
	json_object	*got;		/* newest first */
	uint64_t	 low;		/* the lowest id looked at */
};

static int
gather_one(uint64_t id, json_object *ev, void *arg)
{
	struct gather *g = arg;

	g->low = id;
	if (!store_event_visible(ev, &g->c->who) ||
	    !store_evfilter_match(&g->c->f, ev))
		return 0;
	json_object_array_add(g->got, ev_event_public(ev));
	return json_object_array_length(g->got) >= (size_t)ev_cfg.window;
}

/* The second a message id of nchan's ("<second>:<n>") was given in. */
static time_t
id_second(const char *id)
{
	return (time_t)strtoll(id, NULL, 10);
}

/*
 * Publishes c's last events_window events (up to the cursor) again, as
 * a new generation, after a heartbeat-only channel if there are none:
 * nchan then has the channel, and the routes can start subscribers on
 * it.  covered is the id below which events were not looked at.
 */
static void
seed(struct chan *c)
{
	struct gather g = { c, NULL, 0 };
	struct ev_nchan_info info;
	json_object *hb;
	char err[256], last[STORE_NCHAN_IDLEN];
	size_t i, n;

	/* The routes wait while the record says so: none may start a
	 * subscriber on the old generation's ids from here on. */
	if (c->live) {
		c->reseed = 1;
		c->dirty = 1;
		flush();
	}
	/* the newest id given so far: the record's, or nchan's own when a
	 * killed publisher got further than its record */
	snprintf(last, sizeof(last), "%s", c->last_nchan);
	if (ev_nchan_info(c->key, &info, err, sizeof(err)) == 0 &&
	    info.exists && id_second(info.last_id) > id_second(last))
		snprintf(last, sizeof(last), "%s", info.last_id);
	if (ev_nchan_delete(c->key, err, sizeof(err)) < 0) {
		log_msg(LOG_L_WARN, "publisher: channel %s: %s", c->key, err);
		return;		/* again at the next turn */
	}
	while (last[0] != '\0' && now_wall() <= id_second(last))
		usleep(20000);
	g.got = json_object_new_array();
	g.low = pub.cursor + 1;
	store_events_before(pub.cursor + 1, SEED_SCAN, gather_one, &g);
	c->first_seq = c->last_seq + 1;
	c->covered = g.low > 0 ? g.low - 1 : 0;
	c->nmsg = 0;
	c->reseed = 0;
	c->live = 1;
	n = json_object_array_length(g.got);
	for (i = n; i > 0; i--) {
		json_object *ev = json_object_array_get_idx(g.got, i - 1);

		if (publish_json(c, ev, (uint64_t)jget_int(ev, "id", 0),
		    0) < 0)
			break;
	}
	hb = ev_heartbeat(pub.cursor);
	if (!c->reseed)
		publish_json(c, hb, pub.cursor, 1);
	json_object_put(hb);
	json_object_put(g.got);
	c->hb_ms = ev_now_ms();
	c->checked_ms = c->hb_ms;
	c->dirty = 1;
	log_msg(LOG_L_INFO, "publisher: channel %s (%s) seeded with %zu "
	    "events, covered after %" PRIu64, c->key, c->audience, n,
	    c->covered);
	/* the old generation's forward entries go at once */
	{
		struct store_txn *txn;
		uint64_t dropped;

		flush();
		if (store_begin(1, &txn) == 0) {
			if (store_evmap_prune(txn, c->key, c->first_seq,
			    (size_t)ev_cfg.window * 4, &dropped) == 0)
				store_commit(txn);
			else
				store_abort(txn);
		}
	}
}

/* Asks nchan whether it still has what the record says; if not, the
 * channel is re-seeded. */
static void
check(struct chan *c, int64_t now)
{
	struct ev_nchan_info info;
	char err[256];

	c->checked_ms = now;
	if (ev_nchan_info(c->key, &info, err, sizeof(err)) < 0) {
		log_msg(LOG_L_WARN, "publisher: channel %s: %s", c->key, err);
		return;
	}
	c->subscribers = info.subscribers;
	if (!info.exists || strcmp(info.last_id, c->last_nchan) != 0) {
		log_msg(LOG_L_INFO, "publisher: channel %s: nchan %s; "
		    "re-seeding", c->key, info.exists ? "ends elsewhere" :
		    "has no such channel");
		c->reseed = 1;
	}
}

/* ---- the turn ---- */

struct batch {
	uint64_t	 last;
};

/*
 * A write that changed a user's credentials or role (an audit entry's
 * "revokes", fcgi-app/audit.c) closes the subscribers of that user's
 * channels and of the admins' (which the user may have been one of): a
 * re-seed deletes the channel in nchan.  They come back through the
 * subscribe route, which authenticates them again.
 */
static void
close_revoked(json_object *ev)
{
	const char *type = jget_str(ev, "type");
	struct store_viewer who = { 0 };
	char audience[EV_AUDIENCE_LEN];
	size_t i;

	if (type == NULL || strcmp(type, "audit") != 0 ||
	    (who.user = jget_str(jget_obj(ev, "data"), "revokes")) == NULL)
		return;
	ev_audience(&who, audience, sizeof(audience));
	for (i = 0; i < pub.n; i++) {
		struct chan *c = &pub.c[i];

		if (!c->live || c->reseed || (strcmp(c->audience, "admin") !=
		    0 && strcmp(c->audience, audience) != 0))
			continue;
		log_msg(LOG_L_INFO, "publisher: channel %s (%s): the "
		    "credentials of '%s' changed; closing its subscribers",
		    c->key, c->audience, who.user);
		c->reseed = 1;
	}
}

static int
on_event(uint64_t id, json_object *ev, void *arg)
{
	struct batch *b = arg;
	json_object *o = NULL;
	size_t i;

	close_revoked(ev);
	for (i = 0; i < pub.n; i++) {
		struct chan *c = &pub.c[i];

		if (!c->live || c->reseed || !store_event_visible(ev, &c->who) ||
		    !store_evfilter_match(&c->f, ev))
			continue;
		if (o == NULL)
			o = ev_event_public(ev);
		publish_json(c, o, id, 0);
	}
	json_object_put(o);
	b->last = id;
	pub.cursor = id;
	pub.cursor_dirty = 1;
	return 0;
}

/* Drops a channel nobody wants any more, in nchan and in storage. */
static void
drop(struct chan *c)
{
	struct store_txn *txn;
	char k[64], err[256];

	ev_nchan_delete(c->key, err, sizeof(err));
	if (store_begin(1, &txn) != 0)
		return;
	snprintf(k, sizeof(k), EV_CH_PREFIX "%s", c->key);
	store_evstate_del(txn, k);
	snprintf(k, sizeof(k), "cw/%s", c->key);
	store_evstate_del(txn, k);
	store_evmap_drop(txn, c->key);
	store_commit(txn);
	log_msg(LOG_L_INFO, "publisher: channel %s (%s) idle; dropped",
	    c->key, c->audience);
	chan_free(c);
	*c = pub.c[--pub.n];
}

static void
turn(int64_t now, int64_t *last_sync, int64_t *last_idle)
{
	struct batch b = { 0 };
	json_object *hb;
	size_t i;

	if (now - *last_sync >= SYNC_MS) {
		sync_channels();
		*last_sync = now;
	}
	for (i = 0; i < pub.n; i++) {
		struct chan *c = &pub.c[i];

		if (c->live && !c->reseed && now - c->checked_ms >= CHECK_MS)
			check(c, now);
		if (!c->live || c->reseed)
			seed(c);
	}
	for (i = 0; i < 8; i++) {
		b.last = 0;
		store_events_since(pub.cursor, BATCH, on_event, &b);
		flush();
		if (b.last == 0)
			break;
	}
	for (i = 0; i < pub.n; i++) {
		struct chan *c = &pub.c[i];

		if (!c->live || c->reseed || now - c->hb_ms <
		    (int64_t)ev_cfg.heartbeat * 1000)
			continue;
		hb = ev_heartbeat(pub.cursor);
		publish_json(c, hb, pub.cursor, 1);
		json_object_put(hb);
		c->hb_ms = now;
	}
	flush();
	if (now - *last_idle >= IDLE_MS) {
		*last_idle = now;
		for (i = 0; i < pub.n; ) {
			struct chan *c = &pub.c[i];

			if (c->subscribers == 0 && now_wall() - c->wanted >
			    ev_cfg.channel_idle)
				drop(c);
			else
				i++;
		}
	}
}

void
publisher_main(int listen_fd)
{
	struct timespec tick = { 0, TICK_MS * 1000000L };
	int64_t last_sync = 0, last_idle = 0;
	sigset_t set;

	ev_proc_begin("publisher", listen_fd, &set, 0);
	if ((pub.cursor = ev_pub_cursor()) == 0)
		pub.cursor = store_events_last();
	log_msg(LOG_L_INFO, "publisher %d: the event log to %s from id %"
	    PRIu64, (int)getpid(), ev_cfg.nchan_url, pub.cursor);
	do
		turn(ev_now_ms(), &last_sync, &last_idle);
	while (!ev_proc_wait(&set, &tick));
	ev_proc_end();
}
