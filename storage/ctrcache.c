/*
 * ctrcache.c: the container lists the engine follower keeps, one record
 * per endpoint in STORE_CTRCACHE: {rows, synced_ms, dirty_ms, invalid_ms,
 * alive_ms}.  Whether a list may be served from here is the reader's
 * business (handlers/containers.c asks events/); storage only keeps the
 * times honestly, each write in one short transaction.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "../base/base.h"
#include "storage.h"

int
store_ctrcache_get(const char *ep, struct store_ctrcache *c)
{
	json_object *o = NULL, *rows;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = store_get_json(STORE_CTRCACHE, ep, &o)) != 0)
		return rc;
	c->synced_ms = jget_int(o, "synced_ms", 0);
	c->dirty_ms = jget_int(o, "dirty_ms", 0);
	c->invalid_ms = jget_int(o, "invalid_ms", 0);
	c->alive_ms = jget_int(o, "alive_ms", 0);
	if ((rows = jget_arr(o, "rows")) != NULL)
		c->rows = json_object_get(rows);
	json_object_put(o);
	return 0;
}

/* Reads the record in txn, or a new empty one. */
static json_object *
load(struct store_txn *txn, const char *ep)
{
	json_object *o = NULL;

	if (store_tget_json(txn, STORE_CTRCACHE, ep, &o) != 0 ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = json_object_new_object();
	}
	return o;
}

static int
save(struct store_txn *txn, const char *ep, json_object *o)
{
	int rc;

	rc = store_tput_json(txn, STORE_CTRCACHE, ep, o, 0);
	json_object_put(o);
	if (rc != 0) {
		store_abort(txn);
		return rc;
	}
	return store_commit(txn);
}

int
store_ctrcache_put(const char *ep, json_object *rows, int64_t synced_ms)
{
	struct store_txn *txn;
	json_object *o;
	int rc;

	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	o = load(txn, ep);
	json_object_object_add(o, "rows", json_object_get(rows));
	json_object_object_add(o, "synced_ms",
	    json_object_new_int64(synced_ms));
	/* a change seen before the listing began is in it */
	if (jget_int(o, "dirty_ms", 0) < synced_ms)
		json_object_object_add(o, "dirty_ms", json_object_new_int64(0));
	return save(txn, ep, o);
}

int
store_ctrcache_mark(const char *ep, const char *what, int64_t now_ms)
{
	struct store_txn *txn;
	json_object *o;
	char key[16];
	int rc;

	if (strcmp(what, "dirty") != 0 && strcmp(what, "invalid") != 0 &&
	    strcmp(what, "alive") != 0)
		return STORE_E_INVALID;
	snprintf(key, sizeof(key), "%s_ms", what);
	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	o = load(txn, ep);
	/* dirty keeps the first change not yet listed */
	if (strcmp(what, "dirty") != 0 || jget_int(o, key, 0) == 0)
		json_object_object_add(o, key, json_object_new_int64(now_ms));
	return save(txn, ep, o);
}

int
store_ctrcache_drop(const char *ep)
{
	int rc = store_del(STORE_CTRCACHE, ep);

	return rc == STORE_E_NOTFOUND ? 0 : rc;
}
