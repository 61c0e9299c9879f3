/*
 * tickets.c: one-time tickets (the console's and the event streams'),
 * short-lived records a
 * request makes and a later one takes.  Keyed by the SHA-256 of the
 * ticket (hex), never the ticket itself; each record carries "expires"
 * (unix seconds), and an expired one is the same as none.  A change is
 * one write transaction (store_ticket_edit), so two requests never both
 * take the same part of a ticket.
 *
 * Layout (STORE_TICKETS, JSON values): HASH  {expires, ...the caller's}
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "../base/base.h"
#include "storage.h"

#define PURGE_MAX	64

static int
hash_ok(const char *h)
{
	return h != NULL && strlen(h) == 64 &&
	    strspn(h, "0123456789abcdef") == 64;
}

struct purge {
	int64_t	 now;
	char	 keys[PURGE_MAX][65];
	size_t	 n;
};

static int
expired_one(const char *key, size_t klen, const void *val, size_t vlen,
    void *arg)
{
	struct purge *p = arg;
	json_object *o;

	if (klen != 64 || (o = store_parse_json(val, vlen)) == NULL)
		return 0;
	if (jget_int(o, "expires", 0) < p->now) {
		memcpy(p->keys[p->n], key, 64);
		p->keys[p->n++][64] = '\0';
	}
	json_object_put(o);
	return p->n == PURGE_MAX;
}

int
store_tickets_purge(int64_t now)
{
	struct store_txn *txn = NULL;
	struct purge p;
	size_t i;
	int rc;

	p.now = now;
	p.n = 0;
	if ((rc = store_scan(STORE_TICKETS, NULL, expired_one, &p)) != 0)
		return rc;
	if (p.n == 0)
		return 0;
	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	for (i = 0; i < p.n; i++)
		if ((rc = store_tdel(txn, STORE_TICKETS, p.keys[i])) != 0 &&
		    rc != STORE_E_NOTFOUND) {
			store_abort(txn);
			return rc;
		}
	return store_commit(txn);
}

int
store_ticket_put(const char *hash, json_object *rec)
{
	if (!hash_ok(hash) || jget_int(rec, "expires", 0) <= 0)
		return STORE_E_INVALID;
	(void)store_tickets_purge((int64_t)now_wall());
	return store_put_json(STORE_TICKETS, hash, rec, STORE_NOOVERWRITE);
}

int
store_ticket_edit(const char *hash, store_ticket_fn fn, void *arg)
{
	struct store_txn *txn = NULL;
	json_object *rec = NULL;
	int rc, verdict;

	if (!hash_ok(hash))
		return STORE_E_NOTFOUND;
	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = store_tget_json(txn, STORE_TICKETS, hash, &rec)) != 0)
		goto err;
	if (jget_int(rec, "expires", 0) < (int64_t)now_wall()) {
		/* gone: dropped now, and none to the caller */
		if ((rc = store_tdel(txn, STORE_TICKETS, hash)) == 0)
			rc = store_commit(txn);
		else
			store_abort(txn);
		json_object_put(rec);
		return rc != 0 ? rc : STORE_E_NOTFOUND;
	}
	verdict = fn(rec, arg);
	if (verdict < 0) {
		rc = verdict;
		goto err;
	}
	rc = verdict == STORE_TICKET_DROP ? store_tdel(txn, STORE_TICKETS,
	    hash) : store_tput_json(txn, STORE_TICKETS, hash, rec, 0);
	if (rc != 0)
		goto err;
	json_object_put(rec);
	return store_commit(txn);
err:
	json_object_put(rec);
	store_abort(txn);
	return rc;
}
