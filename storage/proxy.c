/*
 * proxy.c: the reverse proxy's records, in STORE_PROXY.
 *
 *   model        {version, updated_at, upstreams, routes, streams}: the
 *                source of truth; each write bumps version
 *   head         {version}: what the proxy process polls (small)
 *   apply/<id>   one write's apply: {id, version, status pending |
 *                applied | failed, generation, error, created_at,
 *                finished_at}
 *   gen/<n>      one generation of the history, with the model it was
 *                rendered from (rollback reads it back)
 *   state        {generation (the last made), live, live_version}
 *   health, stats  the proxy process's latest, for GET /proxy/stats
 *
 * What a model may hold is the caller's business (proxy/model.c):
 * storage only keeps versions, applies and history consistent, each
 * change in one transaction.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <lmdb.h>
#include <sodium.h>

#include "storage.h"

#define APPLY_KEEP_S	3600	/* finished applies are kept an hour */

static json_object *
empty_model(void)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "version", json_object_new_int64(0));
	json_object_object_add(m, "upstreams", json_object_new_array());
	json_object_object_add(m, "routes", json_object_new_array());
	json_object_object_add(m, "streams", json_object_new_array());
	return m;
}

static int
model_in(struct store_txn *txn, json_object **model)
{
	int rc = store_tget_json(txn, STORE_PROXY, "model", model);

	if (rc == STORE_E_NOTFOUND) {
		*model = empty_model();
		return 0;
	}
	return rc;
}

/* The model with its version (0 and empty lists before any write). */
int
store_proxy_model(json_object **model, int64_t *version)
{
	struct store_txn *txn;
	int rc;

	*model = NULL;
	if ((rc = store_begin(0, &txn)) != 0)
		return rc;
	rc = model_in(txn, model);
	store_abort(txn);
	if (rc == 0 && version != NULL)
		*version = jget_int(*model, "version", 0);
	return rc;
}

/* The version the proxy process should be at, from the small record. */
int
store_proxy_head(int64_t *version)
{
	json_object *h = NULL;
	int rc = store_get_json(STORE_PROXY, "head", &h);

	*version = rc == 0 ? jget_int(h, "version", 0) : 0;
	json_object_put(h);
	return rc == STORE_E_NOTFOUND ? 0 : rc;
}

static int
put_version(struct store_txn *txn, json_object *model, int64_t version)
{
	json_object *head = json_object_new_object();
	char ts[32];
	int rc;

	iso8601(ts, now_wall());
	json_object_object_add(model, "version", json_object_new_int64(version));
	json_object_object_add(model, "updated_at", json_object_new_string(ts));
	json_object_object_add(head, "version", json_object_new_int64(version));
	if ((rc = store_tput_json(txn, STORE_PROXY, "model", model, 0)) == 0)
		rc = store_tput_json(txn, STORE_PROXY, "head", head, 0);
	json_object_put(head);
	return rc;
}

/*
 * One write of the model, in one transaction: when expect >= 0 the
 * model must be at that version (else STORE_E_GONE: changed meanwhile);
 * fn edits the model in place (its negative return aborts and is passed
 * on as is); the version goes up by one and, when apply_id is not NULL,
 * an apply record "pending" is made for it (apply_id gets its id, at
 * least STORE_PROXY_IDLEN bytes).
 */
int
store_proxy_edit(int64_t expect, store_proxy_edit_fn fn, void *arg,
    int64_t *version, char *apply_id)
{
	struct store_txn *txn = NULL;
	json_object *model = NULL, *ap;
	unsigned char rnd[8];
	char hex[17], key[64], ts[32];
	int64_t v;
	int rc;

	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = model_in(txn, &model)) != 0)
		goto err;
	v = jget_int(model, "version", 0);
	if (expect >= 0 && expect != v) {
		rc = STORE_E_GONE;
		goto err;
	}
	if ((rc = fn(model, arg)) < 0)
		goto err;
	if ((rc = put_version(txn, model, v + 1)) != 0)
		goto err;
	if (apply_id != NULL) {
		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
		snprintf(apply_id, STORE_PROXY_IDLEN, "apl_%s", hex);
		snprintf(key, sizeof(key), "apply/%s", apply_id);
		iso8601(ts, now_wall());
		ap = json_object_new_object();
		json_object_object_add(ap, "id", json_object_new_string(apply_id));
		json_object_object_add(ap, "version", json_object_new_int64(v + 1));
		json_object_object_add(ap, "status",
		    json_object_new_string("pending"));
		json_object_object_add(ap, "created_at",
		    json_object_new_string(ts));
		json_object_object_add(ap, "epoch",
		    json_object_new_int64((int64_t)now_wall()));
		rc = store_tput_json(txn, STORE_PROXY, key, ap, 0);
		json_object_put(ap);
		if (rc != 0)
			goto err;
	}
	json_object_put(model);
	if ((rc = store_commit(txn)) == 0 && version != NULL)
		*version = v + 1;
	return rc;
err:
	json_object_put(model);
	store_abort(txn);
	return rc;
}

/* Settles the pending applies up to version; drops old finished ones.
 * The cursor only reads: the changes are made once it is closed. */
static int
settle_applies(struct store_txn *txn, int64_t version, int64_t gen,
    const char *error)
{
	MDB_txn *mt = store_mdb_txn(txn);
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	json_object *ap, *puts = json_object_new_object(),
	    *dels = json_object_new_array();
	char key[96], ts[32];
	int64_t horizon = (int64_t)now_wall() - APPLY_KEEP_S;
	size_t i;
	int rc;

	iso8601(ts, now_wall());
	if ((rc = mdb_cursor_open(mt, store_dbi(STORE_PROXY), &cur)) != 0) {
		rc = store_err(rc);
		goto out;
	}
	k.mv_data = (void *)"apply/";
	k.mv_size = 6;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < 6 || memcmp(k.mv_data, "apply/", 6) != 0 ||
		    k.mv_size >= sizeof(key))
			break;
		if ((ap = store_parse_json(v.mv_data, v.mv_size)) == NULL)
			continue;
		memcpy(key, k.mv_data, k.mv_size);
		key[k.mv_size] = '\0';
		if (strcmp(jget_str(ap, "status") ? jget_str(ap, "status") :
		    "", "pending") != 0) {
			if (jget_int(ap, "epoch", 0) < horizon)
				json_object_array_add(dels,
				    json_object_new_string(key));
			json_object_put(ap);
		} else if (jget_int(ap, "version", 0) <= version) {
			json_object_object_add(ap, "status",
			    json_object_new_string(error ? "failed" :
			    "applied"));
			json_object_object_add(ap, "generation",
			    json_object_new_int64(gen));
			if (error != NULL)
				json_object_object_add(ap, "error",
				    json_object_new_string(error));
			json_object_object_add(ap, "finished_at",
			    json_object_new_string(ts));
			json_object_object_add(ap, "epoch",
			    json_object_new_int64((int64_t)now_wall()));
			json_object_object_add(puts, key, ap);
		} else
			json_object_put(ap);
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND && rc != 0) {
		rc = store_err(rc);
		goto out;
	}
	rc = 0;
	json_object_object_foreach(puts, pk, pv)
		if (rc == 0)
			rc = store_tput_json(txn, STORE_PROXY, pk, pv, 0);
	for (i = 0; rc == 0 && i < json_object_array_length(dels); i++)
		rc = store_tdel(txn, STORE_PROXY, json_object_get_string(
		    json_object_array_get_idx(dels, i)));
out:
	json_object_put(puts);
	json_object_put(dels);
	return rc;
}

/* Drops history records older than the newest keep. */
static int
prune_history(struct store_txn *txn, int64_t newest, int keep)
{
	char key[48];
	int64_t g;
	int rc;

	for (g = newest - keep; g > 0; g--) {
		snprintf(key, sizeof(key), "gen/%012lld", (long long)g);
		if ((rc = store_tdel(txn, STORE_PROXY, key)) ==
		    STORE_E_NOTFOUND)
			break;
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * What the proxy process did with generation gen, rendered from model
 * (at version; borrowed), in one transaction: the pending applies up to
 * version are settled (applied, or failed with error), the generation
 * joins the history (keep records kept), and the state says which
 * generation is live.  When error is set and revert is not NULL, the
 * model goes back to revert's lists (as a new version) unless a later
 * write changed it meanwhile: the stored model stays what is live.
 */
int
store_proxy_settle(struct store_proxy_outcome *o)
{
	struct store_txn *txn = NULL;
	json_object *rec = NULL, *state = NULL, *cur = NULL;
	char key[48], ts[32];
	int rc;

	o->reverted = 0;
	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if (o->version >= 0 &&
	    (rc = settle_applies(txn, o->version, o->generation,
	    o->error)) != 0)
		goto err;
	iso8601(ts, now_wall());
	rec = json_object_new_object();
	json_object_object_add(rec, "generation",
	    json_object_new_int64(o->generation));
	json_object_object_add(rec, "version",
	    json_object_new_int64(o->version));
	json_object_object_add(rec, "status", json_object_new_string(
	    o->error ? "failed" : "applied"));
	json_object_object_add(rec, "reason",
	    json_object_new_string(o->reason ? o->reason : "write"));
	json_object_object_add(rec, "at", json_object_new_string(ts));
	json_object_object_add(rec, "reloads", json_object_new_int(o->reloads));
	if (o->error != NULL)
		json_object_object_add(rec, "error",
		    json_object_new_string(o->error));
	if (o->model != NULL)
		json_object_object_add(rec, "model", json_object_get(o->model));
	snprintf(key, sizeof(key), "gen/%012lld", (long long)o->generation);
	if ((rc = store_tput_json(txn, STORE_PROXY, key, rec, 0)) != 0 ||
	    (rc = prune_history(txn, o->generation, o->keep)) != 0)
		goto err;
	if ((rc = store_tget_json(txn, STORE_PROXY, "state", &state)) ==
	    STORE_E_NOTFOUND) {
		state = json_object_new_object();
		rc = 0;
	} else if (rc != 0)
		goto err;
	if (jget_int(state, "generation", 0) < o->generation)
		json_object_object_add(state, "generation",
		    json_object_new_int64(o->generation));
	if (o->error == NULL) {
		json_object_object_add(state, "live",
		    json_object_new_int64(o->generation));
		json_object_object_add(state, "live_version",
		    json_object_new_int64(o->version));
		json_object_object_add(state, "live_at",
		    json_object_new_string(ts));
	}
	if ((rc = store_tput_json(txn, STORE_PROXY, "state", state, 0)) != 0)
		goto err;
	if (o->error != NULL && o->revert != NULL) {
		if ((rc = model_in(txn, &cur)) != 0)
			goto err;
		if (jget_int(cur, "version", 0) == o->version) {
			static const char *const lists[] = { "upstreams",
				"routes", "streams" };
			size_t i;

			for (i = 0; i < 3; i++)
				json_object_object_add(cur, lists[i],
				    json_object_get(jget_arr(o->revert,
				    lists[i])));
			if ((rc = put_version(txn, cur, o->version + 1)) != 0)
				goto err;
			o->reverted = o->version + 1;
		}
	}
	json_object_put(rec);
	json_object_put(state);
	json_object_put(cur);
	return store_commit(txn);
err:
	json_object_put(rec);
	json_object_put(state);
	json_object_put(cur);
	store_abort(txn);
	return rc;
}
