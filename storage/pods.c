/*
 * pods.c: the pod records, where one change touches more than one key
 * and must be one transaction: a forward takes its host port for the
 * whole server (two pods cannot forward the same one), and a pod's
 * removal frees its ports.  Template downloads are records of their own
 * that the task follower finishes with an event in the same
 * transaction.
 *
 * Layout (STORE_PODS, JSON values):
 *   "p/" ID              a pod: {id, ..., ports: [{protocol, host_port,
 *                        ...}]}
 *   "h/" PROTO "/" PORT  {pod}: the host port a forward of pod holds
 *   "t/" ID              a template download
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "../base/base.h"
#include "storage.h"

#define KEYLEN 160

static int
key_of(char *buf, const char *kind, const char *id)
{
	if (id == NULL || *id == '\0' || strchr(id, '/') != NULL ||
	    snprintf(buf, KEYLEN, "%s/%s", kind, id) >= KEYLEN)
		return STORE_E_INVALID;
	return 0;
}

static void
port_key(char *buf, const char *proto, int port)
{
	snprintf(buf, KEYLEN, "h/%.8s/%d", proto, port);
}

static int
get(const char *kind, const char *id, json_object **out)
{
	char k[KEYLEN];
	int rc;

	*out = NULL;
	if ((rc = key_of(k, kind, id)) != 0)
		return rc;
	return store_get_json(STORE_PODS, k, out);
}

static int
put(const char *kind, const char *id, json_object *rec, unsigned flags)
{
	char k[KEYLEN];
	int rc;

	if ((rc = key_of(k, kind, id)) != 0)
		return rc;
	return store_put_json(STORE_PODS, k, rec, flags);
}

struct each {
	store_rec_fn	 fn;
	void		*arg;
	size_t		 skip;		/* the kind's prefix */
	int		 rc;
};

static int
each_one(const char *key, size_t klen, const void *val, size_t vlen,
    void *arg)
{
	struct each *e = arg;
	char id[KEYLEN];
	json_object *o;

	if (klen <= e->skip || klen - e->skip >= sizeof(id) ||
	    (o = store_parse_json(val, vlen)) == NULL)
		return 0;	/* not one of ours: skipped */
	memcpy(id, key + e->skip, klen - e->skip);
	id[klen - e->skip] = '\0';
	e->rc = e->fn(id, o, e->arg);
	json_object_put(o);
	return e->rc;
}

static int
each(const char *prefix, store_rec_fn fn, void *arg)
{
	struct each e = { fn, arg, strlen(prefix), 0 };
	int rc;

	rc = store_scan(STORE_PODS, prefix, each_one, &e);
	return e.rc != 0 ? e.rc : rc;
}

int
store_pod_get(const char *id, json_object **out)
{
	return get("p", id, out);
}

int
store_pod_put(const char *id, json_object *rec, unsigned flags)
{
	return put("p", id, rec, flags);
}

int
store_pod_claim(const char *id, json_object *rec,
    int (*may_take)(json_object *, void *), void *arg)
{
	struct store_txn *txn = NULL;
	json_object *old = NULL;
	char k[KEYLEN];
	int rc;

	if ((rc = key_of(k, "p", id)) != 0 || (rc = store_begin(1, &txn)) != 0)
		return rc;
	rc = store_tget_json(txn, STORE_PODS, k, &old);
	if (rc == 0 && !may_take(old, arg))
		rc = STORE_E_EXISTS;
	else if (rc == 0 || rc == STORE_E_NOTFOUND)
		rc = store_tput_json(txn, STORE_PODS, k, rec, 0);
	json_object_put(old);
	if (rc != 0) {
		store_abort(txn);
		return rc;
	}
	return store_commit(txn);
}

int
store_pods_each(store_rec_fn fn, void *arg)
{
	return each("p/", fn, arg);
}

int
store_pod_del(const char *id)
{
	struct store_txn *txn = NULL;
	json_object *rec = NULL, *ports, *p;
	char k[KEYLEN], pk[KEYLEN];
	size_t i, n;
	int rc;

	if ((rc = key_of(k, "p", id)) != 0 || (rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = store_tget_json(txn, STORE_PODS, k, &rec)) != 0)
		goto err;
	ports = jget_arr(rec, "ports");
	n = ports ? json_object_array_length(ports) : 0;
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(ports, i);
		if (jget_str(p, "protocol") == NULL)
			continue;
		port_key(pk, jget_str(p, "protocol"),
		    (int)jget_int(p, "host_port", 0));
		if ((rc = store_tdel(txn, STORE_PODS, pk)) != 0 &&
		    rc != STORE_E_NOTFOUND)
			goto err;
	}
	if ((rc = store_tdel(txn, STORE_PODS, k)) != 0)
		goto err;
	json_object_put(rec);
	return store_commit(txn);
err:
	json_object_put(rec);
	store_abort(txn);
	return rc;
}

int
store_pod_port_add(const char *id, json_object *port)
{
	struct store_txn *txn = NULL;
	json_object *rec = NULL, *ports, *hold;
	char k[KEYLEN], pk[KEYLEN];
	int rc;

	if (jget_str(port, "protocol") == NULL)
		return STORE_E_INVALID;
	if ((rc = key_of(k, "p", id)) != 0 || (rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = store_tget_json(txn, STORE_PODS, k, &rec)) != 0)
		goto err;
	port_key(pk, jget_str(port, "protocol"),
	    (int)jget_int(port, "host_port", 0));
	hold = json_object_new_object();
	json_object_object_add(hold, "pod", json_object_new_string(id));
	rc = store_tput_json(txn, STORE_PODS, pk, hold, STORE_NOOVERWRITE);
	json_object_put(hold);
	if (rc != 0)
		goto err;
	if ((ports = jget_arr(rec, "ports")) == NULL) {
		ports = json_object_new_array();
		json_object_object_add(rec, "ports", ports);
	}
	json_object_array_add(ports, json_object_get(port));
	if ((rc = store_tput_json(txn, STORE_PODS, k, rec, 0)) != 0)
		goto err;
	json_object_put(rec);
	return store_commit(txn);
err:
	json_object_put(rec);
	store_abort(txn);
	return rc;
}

int
store_pod_port_del(const char *id, const char *proto, int host_port,
    json_object **removed)
{
	struct store_txn *txn = NULL;
	json_object *rec = NULL, *ports, *left, *p;
	char k[KEYLEN], pk[KEYLEN];
	const char *pp;
	size_t i, n;
	int rc, found = 0;

	if (removed != NULL)
		*removed = NULL;
	if ((rc = key_of(k, "p", id)) != 0 || (rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = store_tget_json(txn, STORE_PODS, k, &rec)) != 0)
		goto err;
	ports = jget_arr(rec, "ports");
	n = ports ? json_object_array_length(ports) : 0;
	left = json_object_new_array();
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(ports, i);
		pp = jget_str(p, "protocol");
		if (!found && pp != NULL && strcmp(pp, proto) == 0 &&
		    jget_int(p, "host_port", 0) == host_port) {
			found = 1;
			if (removed != NULL)
				*removed = json_object_get(p);
		} else
			json_object_array_add(left, json_object_get(p));
	}
	json_object_object_add(rec, "ports", left);
	rc = STORE_E_NOTFOUND;
	port_key(pk, proto, host_port);
	if (!found || ((rc = store_tdel(txn, STORE_PODS, pk)) != 0 &&
	    rc != STORE_E_NOTFOUND) ||
	    (rc = store_tput_json(txn, STORE_PODS, k, rec, 0)) != 0)
		goto err;
	json_object_put(rec);
	return store_commit(txn);
err:
	if (removed != NULL) {
		json_object_put(*removed);
		*removed = NULL;
	}
	json_object_put(rec);
	store_abort(txn);
	return rc;
}

int
store_ptask_get(const char *id, json_object **out)
{
	return get("t", id, out);
}

int
store_ptask_put(const char *id, json_object *rec, unsigned flags)
{
	return put("t", id, rec, flags);
}

int
store_ptask_finish(const char *id, json_object *rec, const char *event_type,
    json_object *event)
{
	struct store_txn *txn = NULL;
	char k[KEYLEN];
	int rc;

	if ((rc = key_of(k, "t", id)) != 0 || (rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = store_tput_json(txn, STORE_PODS, k, rec, 0)) != 0 ||
	    (rc = store_event_append(txn, event_type, event, NULL)) != 0) {
		store_abort(txn);
		return rc;
	}
	return store_commit(txn);
}

int
store_ptasks_each(store_rec_fn fn, void *arg)
{
	return each("t/", fn, arg);
}
