/*
 * channel.c: live channels.  A subscriber's audience (an admin, or one
 * user) and filter name one channel; the routes ask for it ("cw/<key>",
 * their record: audience, filter, wanted) and the publisher, which alone
 * writes "ch/<key>" (the state of what it published), keeps it.  Two
 * records so that neither side ever overwrites the other's fields.
 *
 * Also the one rule of where a resume starts (ev_resume_start), written
 * as a pure function so that the unit tests can go through its cases.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "events.h"

#define WANT_REFRESH_S	30	/* how stale "wanted" may be written */

/* "admin" for the admins (by role, not by name), "u:<name>" for a user:
 * a user called admin who is not one has a channel of their own. */
void
ev_audience(const struct store_viewer *who, char *buf, size_t len)
{
	if (who->admin)
		snprintf(buf, len, "admin");
	else
		snprintf(buf, len, "u:%s", who->user ? who->user : "");
}

void
ev_audience_viewer(const char *audience, struct store_viewer *who)
{
	who->admin = strcmp(audience, "admin") == 0;
	who->user = strncmp(audience, "u:", 2) == 0 ? audience + 2 : audience;
}

int
ev_channel_key(const char *audience, json_object *filter,
    char key[EV_CHAN_LEN])
{
	crypto_generichash_state st;
	unsigned char h[8];
	const char *f = json_object_to_json_string_ext(filter,
	    JSON_C_TO_STRING_PLAIN);
	size_t i;

	if (crypto_generichash_init(&st, NULL, 0, sizeof(h)) != 0 ||
	    crypto_generichash_update(&st, (const unsigned char *)audience,
	    strlen(audience) + 1) != 0 ||
	    crypto_generichash_update(&st, (const unsigned char *)f,
	    strlen(f)) != 0 ||
	    crypto_generichash_final(&st, h, sizeof(h)) != 0)
		return -1;
	key[0] = 'c';
	for (i = 0; i < sizeof(h); i++)
		snprintf(key + 1 + 2 * i, 3, "%02x", h[i]);
	return 0;
}

/*
 * Writes the routes' record of a channel: created with audience and
 * filter, or its "wanted" moved to now (at most every WANT_REFRESH_S, so
 * a long-poll loop does not write on every message).
 */
int
ev_channel_want(const char *key, const char *audience, json_object *filter)
{
	struct store_txn *txn = NULL;
	json_object *w = NULL;
	char k[64];
	int64_t now = now_wall();
	int rc;

	snprintf(k, sizeof(k), "cw/%s", key);
	if (store_evstate_get(NULL, k, &w) == 0 &&
	    now - jget_int(w, "wanted", 0) < WANT_REFRESH_S)
		goto done;
	json_object_put(w);
	w = json_object_new_object();
	json_object_object_add(w, "audience", json_object_new_string(audience));
	json_object_object_add(w, "filter", json_object_get(filter));
	json_object_object_add(w, "wanted", json_object_new_int64(now));
	if ((rc = store_begin(1, &txn)) != 0)
		goto err;
	if ((rc = store_evstate_put(txn, k, w)) != 0) {
		store_abort(txn);
		goto err;
	}
	if ((rc = store_commit(txn)) != 0)
		goto err;
done:
	json_object_put(w);
	return 0;
err:
	json_object_put(w);
	return rc;
}

/*
 * The publisher's record of a channel and its cursor, read together
 * (one transaction: the record is current up to that cursor).  0 with
 * *rec (a new reference), or STORE_E_NOTFOUND before the first seed.
 */
int
ev_channel_state(const char *key, json_object **rec, uint64_t *cursor)
{
	struct store_txn *txn;
	json_object *c = NULL;
	char k[64];
	int rc;

	*rec = NULL;
	*cursor = 0;
	snprintf(k, sizeof(k), EV_CH_PREFIX "%s", key);
	if ((rc = store_begin(0, &txn)) != 0)
		return rc;
	if ((rc = store_evstate_get(txn, k, rec)) == 0 &&
	    store_evstate_get(txn, EV_PUB_CURSOR, &c) == 0)
		*cursor = (uint64_t)jget_int(c, "id", 0);
	json_object_put(c);
	store_abort(txn);
	return rc;
}

uint64_t
ev_pub_cursor(void)
{
	json_object *o = NULL;
	uint64_t id = 0;

	if (store_evstate_get(NULL, EV_PUB_CURSOR, &o) == 0)
		id = (uint64_t)jget_int(o, "id", 0);
	json_object_put(o);
	return id;
}

json_object *
ev_event_public(json_object *ev)
{
	json_object *o = json_object_new_object();

	json_object_object_foreach(ev, k, v)
		if (strcmp(k, "epoch") != 0)
			json_object_object_add(o, k, json_object_get(v));
	return o;
}

json_object *
ev_heartbeat(uint64_t id)
{
	json_object *o = json_object_new_object();
	char ts[32];

	iso8601(ts, now_wall());
	json_object_object_add(o, "type", json_object_new_string("heartbeat"));
	json_object_object_add(o, "id", json_object_new_int64((int64_t)id));
	json_object_object_add(o, "timestamp", json_object_new_string(ts));
	return o;
}

/*
 * The resume rule.  What nchan holds of a channel is the tail of the
 * record's map, in order (the publisher is its only writer), plus at most
 * EV_INFLIGHT messages published and not recorded yet, all of events
 * after the cursor the record was read with (which the caller made sure
 * is >= since).  A since below what the generation covers is older than
 * nchan was given.  Otherwise the start is after p, the latest message
 * that carried an id <= since (or before the first one), and every
 * message after p must still be in nchan's buffer; with messages in
 * flight that is only known once they are recorded: try again.
 */
enum ev_start
ev_resume_start(const struct ev_resume *in, const char **msgid)
{
	uint64_t p_seq, need, held;
	int inflight;

	*msgid = "";
	if (in->info == NULL || !in->info->exists || in->last_nchan == NULL)
		return EV_START_STALE;
	inflight = strcmp(in->info->last_id, in->last_nchan) != 0;
	if (in->since < in->covered)
		return EV_START_NOT_HELD;
	p_seq = in->found ? in->p_seq : in->first_seq - 1;
	if (p_seq > in->last_seq)
		return EV_START_STALE;
	need = in->last_seq - p_seq + (inflight ? EV_INFLIGHT : 0);
	held = in->info->messages > 0 ? (uint64_t)in->info->messages : 0;
	if (need > held)
		return inflight ? EV_START_STALE : EV_START_NOT_HELD;
	if (in->found)
		*msgid = in->p_nchan;
	return EV_START_AT;
}

/* Monotonic milliseconds. */
int64_t
ev_now_ms(void)
{
	return (int64_t)(now_us() / 1000);
}
