/*
 * evstate.c: what the event processes and the event routes keep between
 * requests, in STORE_EVSTATE, one key space split by prefix:
 *   m/<chan>/<eid hex>.<seq>  a live channel's message: nchan's id
 *   r/<chan>/<nchan id>       back: the event id it carried (16 hex)
 *   and JSON records under the prefixes the callers choose (ch/, mk/,
 *   pub/, fw/, sio/ ...; events/events.h names them).
 * The forward keys sort by event id, then by publish sequence, so "the
 * latest message that carried an id <= N" is one seek and one step back.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <lmdb.h>

#include "../base/base.h"
#include "storage.h"

#define KEYLEN	256

/* ---- the message maps ---- */

static void
fwd_key(char *key, size_t len, const char *chan, uint64_t eid, uint64_t seq)
{
	snprintf(key, len, "m/%s/%016" PRIx64 ".%016" PRIx64, chan, eid, seq);
}

int
store_evmap_add(struct store_txn *txn, const char *chan,
    const struct store_evmsg *m)
{
	char key[KEYLEN], hex[17];
	int rc;

	fwd_key(key, sizeof(key), chan, m->eid, m->seq);
	if ((rc = store_tput(txn, STORE_EVSTATE, key, m->nchan,
	    strlen(m->nchan), 0)) != 0)
		return rc;
	snprintf(key, sizeof(key), "r/%s/%s", chan, m->nchan);
	snprintf(hex, sizeof(hex), "%016" PRIx64, m->eid);
	return store_tput(txn, STORE_EVSTATE, key, hex, 16, 0);
}

/* Reads "m/<chan>/<eid>.<seq>" into m; -1 when it is not one. */
static int
fwd_parse(const MDB_val *k, const MDB_val *v, size_t plen,
    struct store_evmsg *m)
{
	char buf[40];

	if (k->mv_size != plen + 33 || v->mv_size >= sizeof(m->nchan))
		return -1;
	memcpy(buf, (const char *)k->mv_data + plen, 33);
	buf[16] = buf[33] = '\0';
	if (sscanf(buf, "%" SCNx64, &m->eid) != 1 ||
	    sscanf(buf + 17, "%" SCNx64, &m->seq) != 1)
		return -1;
	memcpy(m->nchan, v->mv_data, v->mv_size);
	m->nchan[v->mv_size] = '\0';
	return 0;
}

int
store_evmap_find(const char *chan, uint64_t eid, struct store_evmsg *m)
{
	struct store_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	char key[KEYLEN], prefix[KEYLEN];
	size_t plen;
	int rc;

	memset(m, 0, sizeof(*m));
	plen = (size_t)snprintf(prefix, sizeof(prefix), "m/%s/", chan);
	/* just past every key of an event id <= eid */
	fwd_key(key, sizeof(key), chan, eid + 1, 0);
	if ((rc = store_begin(0, &txn)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(store_mdb_txn(txn),
	    store_dbi(STORE_EVSTATE), &cur)) != 0)
		goto out;
	k.mv_size = strlen(key);
	k.mv_data = key;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	rc = rc == MDB_NOTFOUND ? mdb_cursor_get(cur, &k, &v, MDB_LAST) :
	    rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV) : rc;
	if (rc == 0 && (k.mv_size < plen || memcmp(k.mv_data, prefix,
	    plen) != 0 || fwd_parse(&k, &v, plen, m) < 0))
		rc = MDB_NOTFOUND;
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	store_abort(txn);
	return store_err(rc);
}

int
store_evmap_reverse(const char *chan, const char *nchan, uint64_t *eid)
{
	struct store_txn *txn;
	struct store_val v;
	char key[KEYLEN], hex[17];
	int rc;

	*eid = 0;
	if (snprintf(key, sizeof(key), "r/%s/%s", chan, nchan) >=
	    (int)sizeof(key))
		return STORE_E_NOTFOUND;
	if ((rc = store_begin(0, &txn)) != 0)
		return rc;
	if ((rc = store_tget(txn, STORE_EVSTATE, key, &v)) == 0) {
		if (v.len == 16) {
			memcpy(hex, v.data, 16);
			hex[16] = '\0';
			if (sscanf(hex, "%" SCNx64, eid) != 1)
				rc = STORE_E_CORRUPT;
		} else
			rc = STORE_E_CORRUPT;
	}
	store_abort(txn);
	return rc;
}

/*
 * Deletes, under prefix, the keys for which drop() says so, walking in
 * key order and stopping at the first it keeps (when stop is set).
 */
static int
prune_range(struct store_txn *txn, const char *prefix,
    int (*drop)(const MDB_val *, const MDB_val *, size_t, void *), void *arg,
    int stop)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	size_t plen = strlen(prefix);
	int rc;

	if ((rc = mdb_cursor_open(store_mdb_txn(txn),
	    store_dbi(STORE_EVSTATE), &cur)) != 0)
		return store_err(rc);
	k.mv_size = plen;
	k.mv_data = (void *)prefix;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		if (drop(&k, &v, plen, arg)) {
			if ((rc = mdb_cursor_del(cur, 0)) != 0)
				break;
		} else if (stop)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

struct oldfwd {
	uint64_t	 keep, dropped;
};

static int
drop_old_fwd(const MDB_val *k, const MDB_val *v, size_t plen, void *arg)
{
	struct oldfwd *o = arg;
	struct store_evmsg m;

	if (fwd_parse(k, v, plen, &m) < 0)
		return 1;
	if (m.seq >= o->keep)
		return 0;
	if (m.eid > o->dropped)
		o->dropped = m.eid;
	return 1;
}

struct rcount {
	size_t	 skip;		/* entries to drop from the start */
	size_t	 n;
};

static int
drop_first(const MDB_val *k, const MDB_val *v, size_t plen, void *arg)
{
	struct rcount *c = arg;

	(void)k; (void)v; (void)plen;
	return c->n++ < c->skip;
}

static int
count_one(const MDB_val *k, const MDB_val *v, size_t plen, void *arg)
{
	(void)k; (void)v; (void)plen;
	((struct rcount *)arg)->n++;
	return 0;
}

static int
drop_all(const MDB_val *k, const MDB_val *v, size_t plen, void *arg)
{
	(void)k; (void)v; (void)plen; (void)arg;
	return 1;
}

/*
 * Forward entries sort by event id, which a re-seeded generation gives
 * again with later seqs: every one is looked at.  Reverse ones sort by
 * nchan's id, which starts with the second it was given, so the oldest
 * come first.
 */
int
store_evmap_prune(struct store_txn *txn, const char *chan, uint64_t keep,
    size_t rkeep, uint64_t *dropped)
{
	char prefix[KEYLEN];
	struct rcount c = { 0, 0 };
	struct oldfwd o = { keep, 0 };
	int rc;

	snprintf(prefix, sizeof(prefix), "m/%s/", chan);
	rc = prune_range(txn, prefix, drop_old_fwd, &o, 0);
	if (dropped != NULL)
		*dropped = o.dropped;
	if (rc != 0)
		return rc;
	snprintf(prefix, sizeof(prefix), "r/%s/", chan);
	if ((rc = prune_range(txn, prefix, count_one, &c, 0)) != 0)
		return rc;
	if (c.n <= rkeep)
		return 0;
	c.skip = c.n - rkeep;
	c.n = 0;
	return prune_range(txn, prefix, drop_first, &c, 1);
}

int
store_evmap_drop(struct store_txn *txn, const char *chan)
{
	char prefix[KEYLEN];
	int rc;

	snprintf(prefix, sizeof(prefix), "m/%s/", chan);
	if ((rc = prune_range(txn, prefix, drop_all, NULL, 0)) != 0)
		return rc;
	snprintf(prefix, sizeof(prefix), "r/%s/", chan);
	return prune_range(txn, prefix, drop_all, NULL, 0);
}

/* ---- JSON records ---- */

/* txn NULL: a transaction of its own. */
int
store_evstate_get(struct store_txn *txn, const char *key, json_object **out)
{
	if (txn != NULL)
		return store_tget_json(txn, STORE_EVSTATE, key, out);
	return store_get_json(STORE_EVSTATE, key, out);
}

int
store_evstate_put(struct store_txn *txn, const char *key, json_object *o)
{
	if (txn != NULL)
		return store_tput_json(txn, STORE_EVSTATE, key, o, 0);
	return store_put_json(STORE_EVSTATE, key, o, 0);
}

int
store_evstate_del(struct store_txn *txn, const char *key)
{
	if (txn != NULL)
		return store_tdel(txn, STORE_EVSTATE, key);
	return store_del(STORE_EVSTATE, key);
}

struct each {
	store_evstate_fn	 fn;
	void			*arg;
	int			 rc;
};

static int
each_one(const char *key, size_t klen, const void *val, size_t vlen,
    void *arg)
{
	struct each *e = arg;
	char k[KEYLEN];
	json_object *o;

	if (klen >= sizeof(k))
		return 0;
	memcpy(k, key, klen);
	k[klen] = '\0';
	if ((o = store_parse_json(val, vlen)) == NULL)
		return 0;
	e->rc = e->fn(k, o, e->arg);
	json_object_put(o);
	return e->rc;
}

/* Calls fn for each record under prefix, in key order, in one read
 * transaction; fn's non-zero stops the walk and is returned. */
int
store_evstate_each(const char *prefix, store_evstate_fn fn, void *arg)
{
	struct each e = { fn, arg, 0 };
	int rc;

	if ((rc = store_scan(STORE_EVSTATE, prefix, each_one, &e)) != 0)
		return rc;
	return e.rc;
}

/* prefix + 16 hex digits, one more than the last key under prefix. */
int
store_evstate_newkey(struct store_txn *txn, const char *prefix, char *key,
    size_t len)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	char next[KEYLEN];
	uint64_t n = 0;
	size_t plen = strlen(prefix);
	int rc;

	if ((rc = mdb_cursor_open(store_mdb_txn(txn),
	    store_dbi(STORE_EVSTATE), &cur)) != 0)
		return store_err(rc);
	/* the first key after every one under prefix */
	snprintf(next, sizeof(next), "%s\x7f", prefix);
	k.mv_size = strlen(next);
	k.mv_data = next;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	rc = rc == MDB_NOTFOUND ? mdb_cursor_get(cur, &k, &v, MDB_LAST) :
	    rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV) : rc;
	if (rc == 0 && k.mv_size == plen + 16 &&
	    memcmp(k.mv_data, prefix, plen) == 0) {
		char hex[17];

		memcpy(hex, (const char *)k.mv_data + plen, 16);
		hex[16] = '\0';
		sscanf(hex, "%" SCNx64, &n);
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_err(rc);
	snprintf(key, len, "%s%016" PRIx64, prefix, n + 1);
	return 0;
}
