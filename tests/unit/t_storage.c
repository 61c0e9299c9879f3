/* Unit tests: the LMDB layer and the event log against a real LMDB in a
 * temporary directory, including a full map; the error space. */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "fcgi-app/cc.h"
#include "storage/storage.h"
#include "unit.h"

static int
count_cb(const char *k, size_t kl, const void *v, size_t vl, void *arg)
{
	(void)k; (void)kl; (void)v; (void)vl;
	(*(int *)arg)++;
	return 0;
}

static int
ev_cb(uint64_t id, json_object *ev, void *arg)
{
	uint64_t *last = arg;
	(void)ev;
	*last = id;
	return 0;
}

/* One-time tickets: stored by hash, edited in one transaction, gone
 * once expired. */
static int
take_one(json_object *rec, void *arg)
{
	int *n = arg;

	(*n)++;
	if (jget_has(rec, "taken"))
		return STORE_E_STATE;		/* aborted, returned as is */
	json_object_object_add(rec, "taken", json_object_new_boolean(1));
	return STORE_TICKET_KEEP;
}

static int
drop_it(json_object *rec, void *arg)
{
	(void)rec, (void)arg;
	return STORE_TICKET_DROP;
}

static void
test_tickets(void)
{
	const char *h1 = "1111111111111111111111111111111111111111111111111111"
	    "111111111111", *h2 = "22222222222222222222222222222222222222222222"
	    "22222222222222222222", *h3 = "3333333333333333333333333333333333"
	    "333333333333333333333333333333";
	json_object *o = json_object_new_object(), *got;
	int n = 0;

	json_object_object_add(o, "user", json_object_new_string("ann"));
	CHECK_INT(store_ticket_put(h1, o), STORE_E_INVALID);	/* no expires */
	json_object_object_add(o, "expires", json_object_new_int64(
	    (int64_t)now_wall() + 60));
	CHECK_INT(store_ticket_put("not-a-hash", o), STORE_E_INVALID);
	CHECK_INT(store_ticket_put(h1, o), 0);
	CHECK_INT(store_ticket_put(h1, o), STORE_E_EXISTS);
	/* an edit is kept, and a second take sees the first */
	CHECK_INT(store_ticket_edit(h1, take_one, &n), 0);
	CHECK_INT(store_ticket_edit(h1, take_one, &n), STORE_E_STATE);
	CHECK_INT(n, 2);
	CHECK_INT(store_get_json(STORE_TICKETS, h1, &got), 0);
	CHECK(jget_has(got, "taken"));
	json_object_put(got);
	CHECK_INT(store_ticket_edit(h1, drop_it, NULL), 0);
	CHECK_INT(store_ticket_edit(h1, take_one, &n), STORE_E_NOTFOUND);
	CHECK_INT(n, 2);
	CHECK_INT(store_ticket_edit("zz", take_one, &n), STORE_E_NOTFOUND);
	/* expired: not found, and deleted; a put purges the others */
	json_object_object_add(o, "expires", json_object_new_int64(
	    (int64_t)now_wall() - 1));
	CHECK_INT(store_ticket_put(h2, o), 0);
	CHECK_INT(store_ticket_put(h3, o), 0);
	CHECK_INT(store_ticket_edit(h2, take_one, &n), STORE_E_NOTFOUND);
	CHECK_INT(n, 2);			/* fn never called */
	CHECK_INT(store_get_json(STORE_TICKETS, h2, &got), STORE_E_NOTFOUND);
	CHECK_INT(store_get_json(STORE_TICKETS, h3, &got), 0);
	json_object_put(got);
	CHECK_INT(store_tickets_purge((int64_t)now_wall()), 0);
	CHECK_INT(store_get_json(STORE_TICKETS, h3, &got), STORE_E_NOTFOUND);
	json_object_put(o);
}

int
main(void)
{
	char dir[] = "/tmp/cc-t-storage-XXXXXX", cmd[256];
	json_object *o, *got, *v;
	uint64_t id = 0, last = 0;
	int n = 0, rc, i, dead;
	char key[32], big[4096];

	config_register_all();
	config_defaults(config_live());

	/* the error space: its own numbers, its own words, and storage
	 * still says what LMDB or the system said of the last one */
	for (rc = STORE_E__FIRST; rc >= STORE_E__LAST; rc--) {
		CHECK(STORE_E_IS(rc));
		CHECK(store_strerror(rc) != NULL && *store_strerror(rc) != '\0');
	}
	CHECK(!STORE_E_IS(0) && !STORE_E_IS(-1) &&
	    !STORE_E_IS(STORE_E__LAST - 1));
	CHECK(STORE_NOOVERWRITE != 0);
	CHECK_STR(store_strerror(STORE_E_IO), "file store I/O error");
	CHECK_INT(store_check(), STORE_E_INTERNAL);	/* not open */
	CHECK_STR(store_strerror(STORE_E_INTERNAL), strerror(EINVAL));
	CHECK_STR(store_strerror(STORE_E_NOTFOUND), "no such record");
	CHECK_INT(store_err(0), 0);
	CHECK_INT(store_err(STORE_E_GONE), STORE_E_GONE);
	CHECK_INT(store_err(ENOMEM), STORE_E_NOMEM);
	CHECK_STR(store_strerror(STORE_E_NOMEM), strerror(ENOMEM));

	CHECK(mkdtemp(dir) != NULL);
	CHECK(store_open(dir, 1 << 20) == 0);
	CHECK(store_check() == 0);

	o = json_tokener_parse("{\"name\":\"bob\",\"role\":\"admin\"}");
	CHECK(store_put_json(STORE_USERS, "bob", o, STORE_NOOVERWRITE) == 0);
	CHECK(store_put_json(STORE_USERS, "bob", o, STORE_NOOVERWRITE) ==
	    STORE_E_EXISTS);
	CHECK(store_get_json(STORE_USERS, "bob", &got) == 0);
	CHECK(json_object_object_get_ex(got, "role", &v));
	CHECK_STR(json_object_get_string(v), "admin");
	json_object_put(got);
	CHECK(store_get_json(STORE_USERS, "alice", &got) == STORE_E_NOTFOUND);
	CHECK(store_get_json(STORE_USERS, "", &got) == STORE_E_NOTFOUND);
	CHECK(store_put_json(STORE_USERS, "bobby", o, 0) == 0);
	CHECK(store_put_json(STORE_USERS, "carol", o, 0) == 0);
	CHECK(store_scan(STORE_USERS, "bob", count_cb, &n) == 0);
	CHECK_INT(n, 2);
	CHECK(store_del(STORE_USERS, "bobby") == 0);
	CHECK(store_del(STORE_USERS, "bobby") == STORE_E_NOTFOUND);
	json_object_put(o);

	/* the event log: ids grow, since-id reads, retention trims */
	store_cfg.events_max = 50;
	for (i = 0; i < 120; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "i", json_object_new_int(i));
		rc = store_event_append(NULL, "test_event", o, &id);
		json_object_put(o);
		if (rc != 0)
			break;
	}
	CHECK_INT(rc, 0);
	CHECK_INT(id, 120);
	CHECK_INT(store_events_last(), 120);
	CHECK(store_events_since(115, 100, ev_cb, &last) == 0);
	CHECK_INT(last, 120);
	n = 0;
	CHECK(store_scan(STORE_EVENTS, NULL, count_cb, &n) == 0);
	CHECK(n <= 51);

	test_tickets();

	/* a full map: the put fails with STORE_E_FULL, earlier data stays */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0, rc = 0; i < 10000 && rc == 0; i++) {
		struct store_txn *txn;

		snprintf(key, sizeof(key), "k%06d", i);
		if ((rc = store_begin(1, &txn)) != 0)
			break;
		if ((rc = store_tput(txn, STORE_FILES, key, big,
		    sizeof(big), 0)) != 0) {
			store_abort(txn);
			break;
		}
		rc = store_commit(txn);
	}
	CHECK_INT(rc, STORE_E_FULL);
	/* LMDB's own words */
	CHECK(strstr(store_strerror(rc), "mapsize") != NULL);
	CHECK(store_get_json(STORE_USERS, "bob", &got) == 0);
	json_object_put(got);
	CHECK(store_check() == 0);
	store_close();

	/* reopen: the data survived */
	CHECK(store_open(dir, 1 << 20) == 0);
	CHECK(store_get_json(STORE_USERS, "carol", &got) == 0);
	json_object_put(got);
	store_close();
	CHECK(store_reader_check(dir, &dead) == 0);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return unit_done();
}
