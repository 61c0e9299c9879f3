/*
 * events.c: the append-only event log.  Keys are 8-byte big-endian ids,
 * so LMDB's byte order is numeric order and "since id" is one cursor
 * seek.  Each record is {"id", "type", "data", "timestamp"}.  Retention
 * (events_max records, events_max_age seconds) is applied a few records
 * at a time on append, so no append pays for a large purge.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <lmdb.h>

#include "../base/base.h"
#include "storage.h"

#define PURGE_BATCH 32

static void
put_be64(unsigned char b[8], uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		b[i] = (unsigned char)(v & 0xff);
}

static uint64_t
get_be64(const unsigned char *b)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | b[i];
	return v;
}

/* The "epoch" member of a stored event, 0 if it has none. */
static time_t
event_epoch(const MDB_val *v)
{
	json_object *ev = store_parse_json(v->mv_data, v->mv_size);
	time_t t = (time_t)jget_int(ev, "epoch", 0);

	json_object_put(ev);
	return t;
}

/* Drops up to PURGE_BATCH of the oldest events past retention. */
static void
purge(MDB_cursor *cur, uint64_t last)
{
	time_t horizon = now_wall() - store_cfg.events_max_age;
	MDB_val k, v;
	int n;

	for (n = 0; n < PURGE_BATCH; n++) {
		if (mdb_cursor_get(cur, &k, &v, MDB_FIRST) != 0 ||
		    k.mv_size != 8)
			return;
		if (last - get_be64(k.mv_data) < (uint64_t)store_cfg.events_max &&
		    event_epoch(&v) >= horizon)
			return;
		if (mdb_cursor_del(cur, 0) != 0)
			return;
	}
}

/*
 * Appends an event in txn (or in a transaction of its own when txn is
 * NULL) and returns its id.  data is not consumed.
 */
int
store_event_append(struct store_txn *txn, const char *type,
    json_object *data, uint64_t *idp)
{
	struct store_txn *own = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	unsigned char key[8];
	json_object *ev = NULL;
	char ts[32];
	uint64_t id = 1;
	time_t now = now_wall();
	int rc;

	if (txn == NULL) {
		if ((rc = store_begin(1, &own)) != 0)
			return rc;
		txn = own;
	}
	if ((rc = mdb_cursor_open(store_mdb_txn(txn), store_dbi(STORE_EVENTS),
	    &cur)) != 0)
		goto err;
	if ((rc = mdb_cursor_get(cur, &k, &v, MDB_LAST)) == 0 &&
	    k.mv_size == 8)
		id = get_be64(k.mv_data) + 1;
	else if (rc != MDB_NOTFOUND && rc != 0)
		goto err;
	put_be64(key, id);
	iso8601(ts, now);
	ev = json_object_new_object();
	json_object_object_add(ev, "id", json_object_new_int64((int64_t)id));
	json_object_object_add(ev, "type", json_object_new_string(type));
	json_object_object_add(ev, "epoch", json_object_new_int64(now));
	json_object_object_add(ev, "timestamp", json_object_new_string(ts));
	json_object_object_add(ev, "data", data ? json_object_get(data) :
	    json_object_new_object());
	k.mv_size = 8;
	k.mv_data = key;
	v.mv_data = (void *)json_object_to_json_string_length(ev,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
	    &v.mv_size);
	if ((rc = mdb_cursor_put(cur, &k, &v, MDB_APPEND)) != 0)
		goto err;
	purge(cur, id);
	mdb_cursor_close(cur);
	cur = NULL;
	if (own != NULL && (rc = store_commit(own)) != 0) {
		own = NULL;
		goto err;	/* already a STORE_E_* */
	}
	own = NULL;
	if (idp != NULL)
		*idp = id;
	json_object_put(ev);
	return 0;
err:
	if (cur != NULL)
		mdb_cursor_close(cur);
	store_abort(own);
	json_object_put(ev);
	return store_err(rc);
}

/*
 * Calls fn for up to max events with id > after, oldest first.  The event
 * object is the caller's for the duration of fn only.
 */
int
store_events_since(uint64_t after, size_t max, store_event_fn fn, void *arg)
{
	struct store_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	unsigned char key[8];
	size_t n = 0;
	int rc;

	if ((rc = store_begin(0, &txn)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(store_mdb_txn(txn), store_dbi(STORE_EVENTS),
	    &cur)) != 0)
		goto out;
	put_be64(key, after + 1);
	k.mv_size = 8;
	k.mv_data = key;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	    rc == 0 && n < max; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		json_object *ev = store_parse_json(v.mv_data, v.mv_size);
		int stop;

		if (ev == NULL)
			continue;
		stop = fn(get_be64(k.mv_data), ev, arg);
		json_object_put(ev);
		n++;
		if (stop)
			break;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	store_abort(txn);
	return store_err(rc);
}

/* The id of the newest event, 0 when the log is empty. */
uint64_t
store_events_last(void)
{
	struct store_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	uint64_t id = 0;

	if (store_begin(0, &txn) != 0)
		return 0;
	if (mdb_cursor_open(store_mdb_txn(txn), store_dbi(STORE_EVENTS),
	    &cur) == 0 &&
	    mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
		id = get_be64(k.mv_data);
	if (cur != NULL)
		mdb_cursor_close(cur);
	store_abort(txn);
	return id;
}
