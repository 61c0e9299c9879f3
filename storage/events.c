/*
 * events.c: the append-only event log.  Keys are 8-byte big-endian ids,
 * so LMDB's byte order is numeric order and "since id" is one cursor
 * seek; an id is never reused, across restarts too (the next is the last
 * key plus one, and retention only drops the oldest).  Each record is
 * {"id", "type", "owner", "epoch", "timestamp", "data"}; owner is absent
 * for events only admins see.  Retention (events_max records,
 * events_max_age seconds) is applied a few records at a time on append,
 * so no append pays for a large purge.
 *
 * Also here: who may see an event (the visibility rule) and the filters
 * of the REST replay and the live channels, so the replay, the publisher
 * and the app-served streams agree on both.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lmdb.h>

#include "../base/base.h"
#include "storage.h"

#define PURGE_BATCH 32

/* The newest id this process saw committed, and the one appended in a
 * caller's transaction that has not ended yet. */
static uint64_t			 own_last, pending_id;
static struct store_txn		*pending_txn;

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
 * store.c's word that txn ended: an id appended in it counts as this
 * process's own (store_events_own_last) once it is committed.
 */
void
store_events_txn_end(struct store_txn *txn, int committed)
{
	if (txn == NULL || txn != pending_txn)
		return;
	if (committed && pending_id > own_last)
		own_last = pending_id;
	pending_txn = NULL;
	pending_id = 0;
}

uint64_t
store_events_own_last(void)
{
	return own_last;
}

/*
 * Appends an event of type seen by owner (a user, STORE_EV_ALL, or NULL
 * for the admins only) in txn, or in a transaction of its own when txn is
 * NULL, and returns its id.  data is not consumed.
 */
int
store_event_append_owned(struct store_txn *txn, const char *type,
    const char *owner, json_object *data, uint64_t *idp)
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
	if (owner != NULL && *owner != '\0')
		json_object_object_add(ev, "owner",
		    json_object_new_string(owner));
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
	if (own != NULL) {
		rc = store_commit(own);
		own = NULL;
		if (rc != 0)
			goto err;	/* already a STORE_E_* */
		if (id > own_last)
			own_last = id;
	} else {
		pending_txn = txn;
		pending_id = id;
	}
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

/* An event only admins see (no owner). */
int
store_event_append(struct store_txn *txn, const char *type,
    json_object *data, uint64_t *idp)
{
	return store_event_append_owned(txn, type, NULL, data, idp);
}

/*
 * Walks the log from the first key at or after `from` (op MDB_NEXT) or
 * before it (MDB_PREV), calling fn with each parsed event until it
 * returns non-zero or max events were seen.  The event object is fn's
 * for the duration of the call only.
 */
static int
walk(uint64_t from, int backward, size_t max, store_event_fn fn, void *arg)
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
	put_be64(key, from);
	k.mv_size = 8;
	k.mv_data = key;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (backward)
		rc = rc == MDB_NOTFOUND ? mdb_cursor_get(cur, &k, &v,
		    MDB_LAST) : mdb_cursor_get(cur, &k, &v, MDB_PREV);
	for (; rc == 0 && n < max; rc = mdb_cursor_get(cur, &k, &v,
	    backward ? MDB_PREV : MDB_NEXT)) {
		json_object *ev;
		int stop;

		if (k.mv_size != 8 ||
		    (ev = store_parse_json(v.mv_data, v.mv_size)) == NULL)
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

/* Calls fn for up to max events with id > after, oldest first. */
int
store_events_since(uint64_t after, size_t max, store_event_fn fn, void *arg)
{
	return walk(after + 1, 0, max, fn, arg);
}

/* Calls fn for up to max events with id < before, newest first. */
int
store_events_before(uint64_t before, size_t max, store_event_fn fn,
    void *arg)
{
	return walk(before, 1, max, fn, arg);
}

/* The first (MDB_FIRST) or last (MDB_LAST) id, 0 when the log is empty. */
static uint64_t
edge(int op)
{
	struct store_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	uint64_t id = 0;

	if (store_begin(0, &txn) != 0)
		return 0;
	if (mdb_cursor_open(store_mdb_txn(txn), store_dbi(STORE_EVENTS),
	    &cur) == 0 &&
	    mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op) == 0 &&
	    k.mv_size == 8)
		id = get_be64(k.mv_data);
	if (cur != NULL)
		mdb_cursor_close(cur);
	store_abort(txn);
	return id;
}

/* The id of the newest event, 0 when the log is empty. */
uint64_t
store_events_last(void)
{
	return edge(MDB_LAST);
}

/* The id of the oldest event still kept, 0 when the log is empty. */
uint64_t
store_events_oldest(void)
{
	return edge(MDB_FIRST);
}

/* ---- who sees what ---- */

/* Whether viewer may see event (the rule in storage.h). */
int
store_event_visible(json_object *ev, const struct store_viewer *who)
{
	const char *owner = jget_str(ev, "owner");

	if (who->admin)
		return 1;
	if (owner == NULL)
		return 0;
	return strcmp(owner, STORE_EV_ALL) == 0 ||
	    (who->user != NULL && strcmp(owner, who->user) == 0);
}

static int
in_list(const char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/*
 * A container named in a filter matches an event about it by full id, by
 * an id prefix of at least 12 characters, or by name.
 */
static int
container_matches(const struct store_evfilter *f, json_object *data)
{
	const char *id = jget_str(data, "container_id"),
	    *name = jget_str(data, "container_name");
	size_t i, n;

	if (name == NULL)
		name = jget_str(data, "container");
	for (i = 0; i < f->ncontainers; i++) {
		n = strlen(f->containers[i]);
		if (id != NULL && (strcmp(id, f->containers[i]) == 0 ||
		    (n >= 12 && strncmp(id, f->containers[i], n) == 0)))
			return 1;
		if (name != NULL && strcmp(name, f->containers[i]) == 0)
			return 1;
	}
	return 0;
}

/* Whether f lets event through. */
int
store_evfilter_match(const struct store_evfilter *f, json_object *ev)
{
	const char *type = jget_str(ev, "type");
	json_object *data = jget_obj(ev, "data");

	if (type == NULL)
		return 0;
	if (f->ntypes == 0 ? strcmp(type, "audit") == 0 :
	    !in_list(f->types, f->ntypes, type))
		return 0;
	if (f->ncontainers > 0 && !container_matches(f, data))
		return 0;
	if (f->njobs > 0 && !in_list(f->jobs, f->njobs,
	    jget_str(data, "job_id")))
		return 0;
	if (f->nendpoints > 0 && !in_list(f->endpoints, f->nendpoints,
	    jget_str(data, "endpoint")))
		return 0;
	return 1;
}

/* The keys of a filter, in the order of its canonical form. */
static const struct {
	const char	*key;
	size_t		 off, noff;
} fkeys[] = {
	{ "container", offsetof(struct store_evfilter, containers),
	    offsetof(struct store_evfilter, ncontainers) },
	{ "endpoint", offsetof(struct store_evfilter, endpoints),
	    offsetof(struct store_evfilter, nendpoints) },
	{ "job", offsetof(struct store_evfilter, jobs),
	    offsetof(struct store_evfilter, njobs) },
	{ "type", offsetof(struct store_evfilter, types),
	    offsetof(struct store_evfilter, ntypes) },
};
#define NFKEYS (sizeof(fkeys) / sizeof(fkeys[0]))

static const char **
fk_list(struct store_evfilter *f, size_t k)
{
	return (const char **)(void *)((char *)f + fkeys[k].off);
}

static size_t *
fk_count(struct store_evfilter *f, size_t k)
{
	return (size_t *)(void *)((char *)f + fkeys[k].noff);
}

int
store_evfilter_add(struct store_evfilter *f, const char *key,
    const char *value)
{
	size_t k, *n;

	for (k = 0; k < NFKEYS; k++)
		if (strcmp(fkeys[k].key, key) == 0)
			break;
	if (k == NFKEYS || value == NULL || *value == '\0')
		return STORE_E_INVALID;
	n = fk_count(f, k);
	if (in_list(fk_list(f, k), *n, value))
		return 0;
	if (*n == STORE_EVF_MAX)
		return STORE_E_INVALID;
	fk_list(f, k)[(*n)++] = value;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * {"container":[...], "endpoint":[...], "job":[...], "type":[...]},
 * each sorted, keys without values left out: two filters that let the
 * same events through have the same form.
 */
json_object *
store_evfilter_json(const struct store_evfilter *f)
{
	struct store_evfilter c = *f;
	json_object *o = json_object_new_object(), *a;
	size_t k, i, n;

	for (k = 0; k < NFKEYS; k++) {
		if ((n = *fk_count(&c, k)) == 0)
			continue;
		qsort(fk_list(&c, k), n, sizeof(char *), cmp_str);
		a = json_object_new_array();
		for (i = 0; i < n; i++)
			json_object_array_add(a,
			    json_object_new_string(fk_list(&c, k)[i]));
		json_object_object_add(o, fkeys[k].key, a);
	}
	return o;
}

int
store_evfilter_from_json(json_object *o, struct store_evfilter *f)
{
	json_object *a;
	size_t k, i;
	int rc;

	memset(f, 0, sizeof(*f));
	for (k = 0; k < NFKEYS; k++) {
		if ((a = jget_arr(o, fkeys[k].key)) == NULL)
			continue;
		for (i = 0; i < json_object_array_length(a); i++)
			if ((rc = store_evfilter_add(f, fkeys[k].key,
			    json_object_get_string(json_object_array_get_idx(a,
			    i)))) != 0)
				return rc;
	}
	return 0;
}

struct query {
	const struct store_evfilter	*f;
	const struct store_viewer	*who;
	store_event_fn			 fn;
	void				*arg;
	size_t				 max, n;
	uint64_t			 through;
};

static int
query_one(uint64_t id, json_object *ev, void *arg)
{
	struct query *q = arg;

	q->through = id;
	if (!store_event_visible(ev, q->who) || !store_evfilter_match(q->f,
	    ev))
		return 0;
	if (q->fn(id, ev, q->arg) != 0)
		return 1;
	return ++q->n >= q->max;
}

int
store_events_query(uint64_t after, size_t max, size_t scan,
    const struct store_evfilter *f, const struct store_viewer *who,
    store_event_fn fn, void *arg, uint64_t *through)
{
	struct query q = { f, who, fn, arg, max, 0, after };
	int rc;

	if (max == 0) {
		*through = after;
		return 0;
	}
	rc = store_events_since(after, scan, query_one, &q);
	*through = q.through;
	return rc;
}
