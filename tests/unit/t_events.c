/*
 * Unit tests: the event model against a real LMDB in a temporary
 * directory: owners and the visibility rule, filters (OR within a key,
 * AND across keys, the canonical form), the query with its resume point,
 * retention's oldest id, which ids a process counts as its own,
 * the message maps of live channels, the resume decision, the
 * container-list cache's freshness, the follower's echo rule, the
 * action table.
 */
#include "config.h"

#include <sys/wait.h>

#include <unistd.h>

#include "fcgi-app/cc.h"
#include "storage/storage.h"
#include "events/events.h"
#include "runtimes/runtime.h"
#include "unit.h"

struct seen {
	char	 ids[512];
	int	 n;
};

static int
collect(uint64_t id, json_object *ev, void *arg)
{
	struct seen *s = arg;
	char b[24];

	(void)ev;
	snprintf(b, sizeof(b), "%llu ", (unsigned long long)id);
	strncat(s->ids, b, sizeof(s->ids) - strlen(s->ids) - 1);
	s->n++;
	return 0;
}

static json_object *
data(const char *k1, const char *v1, const char *k2, const char *v2)
{
	json_object *o = json_object_new_object();

	if (k1 != NULL)
		json_object_object_add(o, k1, json_object_new_string(v1));
	if (k2 != NULL)
		json_object_object_add(o, k2, json_object_new_string(v2));
	return o;
}

static uint64_t
append(const char *type, const char *owner, json_object *d)
{
	uint64_t id = 0;

	CHECK(store_event_append_owned(NULL, type, owner, d, &id) == 0);
	json_object_put(d);
	return id;
}

static void
test_log(void)
{
	struct store_viewer admin = { "root", 1 }, alice = { "alice", 0 },
	    bob = { "bob", 0 };
	struct store_evfilter f;
	struct store_txn *txn;
	struct seen s;
	json_object *o, *c;
	uint64_t through, id, own;

	/* 1 alice's, 2 bob's, 3 everyone's, 4 admins', 5 an audit entry */
	append("container_event", "alice", data("container_id",
	    "aaaaaaaaaaaaaaaa1111", "endpoint", "local"));
	append("container_event", "bob", data("container_id",
	    "bbbbbbbbbbbbbbbb2222", "endpoint", "local"));
	append("system_metric", STORE_EV_ALL, data("cpu", "1", NULL, NULL));
	append("container_event", NULL, data("container_id", "cccc",
	    "endpoint", "other"));
	append("audit", NULL, data("action", "POST /x", NULL, NULL));
	id = append("job_status", "alice", data("job_id", "job_1", NULL,
	    NULL));
	CHECK_INT(id, 6);
	CHECK_INT(store_events_last(), 6);
	CHECK_INT(store_events_oldest(), 1);
	CHECK_INT(store_events_own_last(), 6);

	memset(&f, 0, sizeof(f));
	memset(&s, 0, sizeof(s));
	CHECK(store_events_query(0, 100, 1000, &f, &admin, collect, &s,
	    &through) == 0);
	CHECK_STR(s.ids, "1 2 3 4 6 ");		/* audit only when asked */
	CHECK_INT(through, 6);
	memset(&s, 0, sizeof(s));
	store_events_query(0, 100, 1000, &f, &alice, collect, &s, &through);
	CHECK_STR(s.ids, "1 3 6 ");
	memset(&s, 0, sizeof(s));
	store_events_query(0, 100, 1000, &f, &bob, collect, &s, &through);
	CHECK_STR(s.ids, "2 3 ");
	/* the page ends at its limit; through says where to go on */
	memset(&s, 0, sizeof(s));
	store_events_query(0, 1, 1000, &f, &alice, collect, &s, &through);
	CHECK_STR(s.ids, "1 ");
	CHECK_INT(through, 1);
	memset(&s, 0, sizeof(s));
	store_events_query(3, 100, 1000, &f, &bob, collect, &s, &through);
	CHECK_STR(s.ids, "");
	CHECK_INT(through, 6);		/* past what bob may not see */
	/* a bounded scan stops early, and says where */
	memset(&s, 0, sizeof(s));
	store_events_query(0, 100, 2, &f, &bob, collect, &s, &through);
	CHECK_STR(s.ids, "2 ");
	CHECK_INT(through, 2);

	/* filters: OR within a key, AND across keys */
	CHECK(store_evfilter_add(&f, "type", "container_event") == 0);
	CHECK(store_evfilter_add(&f, "type", "job_status") == 0);
	CHECK(store_evfilter_add(&f, "type", "job_status") == 0); /* again */
	CHECK_INT(f.ntypes, 2);
	memset(&s, 0, sizeof(s));
	store_events_query(0, 100, 1000, &f, &admin, collect, &s, &through);
	CHECK_STR(s.ids, "1 2 4 6 ");
	CHECK(store_evfilter_add(&f, "endpoint", "local") == 0);
	memset(&s, 0, sizeof(s));
	store_events_query(0, 100, 1000, &f, &admin, collect, &s, &through);
	CHECK_STR(s.ids, "1 2 ");
	CHECK(store_evfilter_add(&f, "container", "bbbbbbbbbbbb") == 0);
	memset(&s, 0, sizeof(s));
	store_events_query(0, 100, 1000, &f, &admin, collect, &s, &through);
	CHECK_STR(s.ids, "2 ");		/* a 12-character prefix */
	memset(&f, 0, sizeof(f));
	CHECK(store_evfilter_add(&f, "container", "bbbb") == 0);
	memset(&s, 0, sizeof(s));
	store_events_query(0, 100, 1000, &f, &admin, collect, &s, &through);
	CHECK_STR(s.ids, "");		/* a short prefix names nothing */
	memset(&f, 0, sizeof(f));
	CHECK(store_evfilter_add(&f, "type", "audit") == 0);
	memset(&s, 0, sizeof(s));
	store_events_query(0, 100, 1000, &f, &admin, collect, &s, &through);
	CHECK_STR(s.ids, "5 ");
	CHECK(store_evfilter_add(&f, "colour", "red") == STORE_E_INVALID);
	CHECK(store_evfilter_add(&f, "type", "") == STORE_E_INVALID);

	/* the canonical form: order and repeats do not matter */
	memset(&f, 0, sizeof(f));
	store_evfilter_add(&f, "type", "b");
	store_evfilter_add(&f, "type", "a");
	store_evfilter_add(&f, "job", "j");
	o = store_evfilter_json(&f);
	CHECK_STR(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	    "{\"job\":[\"j\"],\"type\":[\"a\",\"b\"]}");
	CHECK(store_evfilter_from_json(o, &f) == 0);
	c = store_evfilter_json(&f);
	CHECK(json_object_equal(o, c));
	json_object_put(o);
	json_object_put(c);

	/* own ids: counted once their transaction commits, not before
	 * and not when it is aborted */
	own = store_events_own_last();
	CHECK(store_begin(1, &txn) == 0);
	CHECK(store_event_append(txn, "job_status", NULL, &id) == 0);
	CHECK_INT(store_events_own_last(), own);
	store_abort(txn);
	CHECK_INT(store_events_own_last(), own);
	CHECK(store_begin(1, &txn) == 0);
	CHECK(store_event_append(txn, "job_status", NULL, &id) == 0);
	CHECK(store_commit(txn) == 0);
	CHECK_INT(store_events_own_last(), id);
	CHECK_INT(id, 7);	/* the aborted one's id was never taken */

	/* newest first */
	memset(&s, 0, sizeof(s));
	CHECK(store_events_before(4, 10, collect, &s) == 0);
	CHECK_STR(s.ids, "3 2 1 ");
	memset(&s, 0, sizeof(s));
	CHECK(store_events_before(100, 2, collect, &s) == 0);
	CHECK_STR(s.ids, "7 6 ");
}

static void
test_retention(void)
{
	long keep = store_cfg.events_max;
	int i;

	store_cfg.events_max = 5;
	for (i = 0; i < 40; i++)
		append("test_event", NULL, NULL);
	CHECK_INT(store_events_last(), 47);
	/* retention drops a few at a time, never the newest window */
	CHECK(store_events_oldest() > 7);
	CHECK(store_events_last() - store_events_oldest() < 40);
	store_cfg.events_max = keep;
}

static void
test_resume_rule(void)
{
	struct ev_nchan_info info = { 1, 10, 0, "T:9" };
	struct ev_resume in;
	const char *msgid;

	/* a generation of seqs 5..14, covering events after 40; nchan holds
	 * the last 10 messages and agrees on the last one */
	memset(&in, 0, sizeof(in));
	in.since = 50;
	in.covered = 40;
	in.first_seq = 5;
	in.last_seq = 14;
	in.last_nchan = "T:9";
	in.info = &info;
	in.found = 1;
	in.p_seq = 8;
	in.p_nchan = "T:3";
	CHECK_INT(ev_resume_start(&in, &msgid), EV_START_AT);
	CHECK_STR(msgid, "T:3");
	/* nothing carried an id <= since: from nchan's oldest, if all of
	 * the generation is still held */
	in.found = 0;
	CHECK_INT(ev_resume_start(&in, &msgid), EV_START_AT);
	CHECK_STR(msgid, "");
	info.messages = 9;
	CHECK_INT(ev_resume_start(&in, &msgid), EV_START_NOT_HELD);
	/* older than the generation covers */
	info.messages = 10;
	in.since = 39;
	CHECK_INT(ev_resume_start(&in, &msgid), EV_START_NOT_HELD);
	in.since = 40;
	CHECK_INT(ev_resume_start(&in, &msgid), EV_START_AT);
	/* the messages after p evicted from nchan's buffer */
	in.found = 1;
	in.p_seq = 3;
	CHECK_INT(ev_resume_start(&in, &msgid), EV_START_NOT_HELD);
	/* nchan lost the channel, or never had it */
	in.p_seq = 8;
	info.exists = 0;
	CHECK_INT(ev_resume_start(&in, &msgid), EV_START_STALE);
	info.exists = 1;
	CHECK_INT(ev_resume_start(&in, &msgid), EV_START_AT);
	/* messages in flight: enough room after p is still a start... */
	snprintf(info.last_id, sizeof(info.last_id), "T:12");
	info.messages = 10 + EV_INFLIGHT;
	in.p_seq = 13;
	CHECK_INT(ev_resume_start(&in, &msgid), EV_START_AT);
	CHECK_STR(msgid, "T:3");
	/* ...and too little is not known yet */
	info.messages = 10;
	CHECK_INT(ev_resume_start(&in, &msgid), EV_START_STALE);
}

static void
test_channels(void)
{
	struct store_evfilter f;
	struct store_viewer admin = { "root", 1 }, user = { "admin", 0 };
	char a[EV_AUDIENCE_LEN], b[EV_AUDIENCE_LEN], k1[EV_CHAN_LEN],
	    k2[EV_CHAN_LEN], k3[EV_CHAN_LEN];
	json_object *none, *some;

	ev_audience(&admin, a, sizeof(a));
	ev_audience(&user, b, sizeof(b));
	CHECK_STR(a, "admin");
	CHECK_STR(b, "u:admin");	/* a user named admin is not one */
	memset(&f, 0, sizeof(f));
	none = store_evfilter_json(&f);
	store_evfilter_add(&f, "type", "job_status");
	some = store_evfilter_json(&f);
	CHECK(ev_channel_key(a, none, k1) == 0);
	CHECK(ev_channel_key(b, none, k2) == 0);
	CHECK(ev_channel_key(a, some, k3) == 0);
	CHECK(strlen(k1) == EV_CHAN_LEN - 1 && k1[0] == 'c');
	CHECK(strcmp(k1, k2) != 0 && strcmp(k1, k3) != 0);
	CHECK(ev_channel_key(a, none, k2) == 0 && strcmp(k1, k2) == 0);
	json_object_put(none);
	json_object_put(some);
}

static void
test_maps(void)
{
	struct store_txn *txn;
	struct store_evmsg m = { 0, 0, "" }, got;
	uint64_t eid, dropped;
	int i;

	CHECK(store_begin(1, &txn) == 0);
	/* seqs 1..6 carrying events 10, 12, 12 (a heartbeat), 15, 20, 20 */
	{
		static const uint64_t eids[] = { 10, 12, 12, 15, 20, 20 };

		for (i = 0; i < 6; i++) {
			m.seq = (uint64_t)i + 1;
			m.eid = eids[i];
			snprintf(m.nchan, sizeof(m.nchan), "100:%d", i);
			CHECK(store_evmap_add(txn, "cx", &m) == 0);
		}
	}
	CHECK(store_commit(txn) == 0);
	CHECK(store_evmap_find("cx", 12, &got) == 0);
	CHECK_INT(got.seq, 3);		/* the latest that carried <= 12 */
	CHECK_STR(got.nchan, "100:2");
	CHECK(store_evmap_find("cx", 14, &got) == 0 && got.seq == 3);
	CHECK(store_evmap_find("cx", 1000, &got) == 0 && got.seq == 6);
	CHECK(store_evmap_find("cx", 9, &got) == STORE_E_NOTFOUND);
	CHECK(store_evmap_find("cy", 12, &got) == STORE_E_NOTFOUND);
	CHECK(store_evmap_reverse("cx", "100:3", &eid) == 0 && eid == 15);
	CHECK(store_evmap_reverse("cx", "100:9", &eid) == STORE_E_NOTFOUND);
	CHECK(store_begin(1, &txn) == 0);
	CHECK(store_evmap_prune(txn, "cx", 4, 3, &dropped) == 0);
	CHECK(store_commit(txn) == 0);
	CHECK_INT(dropped, 12);
	CHECK(store_evmap_find("cx", 14, &got) == STORE_E_NOTFOUND);
	CHECK(store_evmap_find("cx", 15, &got) == 0 && got.seq == 4);
	CHECK(store_evmap_reverse("cx", "100:2", &eid) == STORE_E_NOTFOUND);
	CHECK(store_evmap_reverse("cx", "100:3", &eid) == 0);
	CHECK(store_begin(1, &txn) == 0);
	CHECK(store_evmap_drop(txn, "cx") == 0);
	CHECK(store_commit(txn) == 0);
	CHECK(store_evmap_find("cx", 1000, &got) == STORE_E_NOTFOUND);
}

static void
test_nchan_url(void)
{
	struct rt_target t;
	char prefix[CFG_STRLEN], err[256];

	CHECK(ev_nchan_url_parse("http://127.0.0.1:8787/_cc_pub/", &t, prefix,
	    sizeof(prefix), err, sizeof(err)) == 0);
	CHECK_STR(prefix, "/_cc_pub");
	CHECK_STR(t.base, "http://127.0.0.1:8787");
	CHECK(ev_nchan_url_parse("http://unix:/run/x/nchan.sock:/_cc_pub", &t,
	    prefix, sizeof(prefix), err, sizeof(err)) == 0);
	CHECK_STR(t.unix_path, "/run/x/nchan.sock");
	CHECK_STR(prefix, "/_cc_pub");
	CHECK(ev_nchan_url_parse("https://h:1/x", &t, prefix, sizeof(prefix),
	    err, sizeof(err)) < 0);
	CHECK(ev_nchan_url_parse("http://nohostport/x", &t, prefix,
	    sizeof(prefix), err, sizeof(err)) < 0);
	CHECK(ev_nchan_url_parse("http://unix:/x.sock", &t, prefix,
	    sizeof(prefix), err, sizeof(err)) < 0);
}

static void
test_actions(void)
{
	const struct ev_action *a;
	char key[64];
	uint64_t id;
	json_object *d;

	a = ev_action_of("POST", "/containers/{id}/stop");
	CHECK(a != NULL && strcmp(a->action, "stop") == 0 && a->lxc_op == NULL);
	a = ev_action_of("DELETE", "/containers/{id}");
	CHECK(a != NULL && strcmp(a->lxc_op, "container_delete") == 0);
	CHECK(ev_action_of("GET", "/containers") == NULL);
	CHECK(ev_action_causes("stop", "die"));
	CHECK(ev_action_causes("stop", "kill"));
	CHECK(!ev_action_causes("stop", "start"));
	CHECK(!ev_action_causes("create", "die"));	/* a death is news */
	CHECK(!ev_action_causes("start", "star"));	/* whole words */
	CHECK(!ev_action_causes("nothing", "stop"));

	/* a marker covers what its action causes, on its container */
	CHECK(ev_marker_put("local", "web", "stop", 60, key, sizeof(key)) == 0);
	CHECK(strncmp(key, EV_MK_PREFIX, 3) == 0);
	CHECK(ev_engine_echo("local", "abcdef", "web", "die", now_wall()));
	CHECK(!ev_engine_echo("local", "abcdef", "web", "start", now_wall()));
	CHECK(!ev_engine_echo("other", "abcdef", "web", "die", now_wall()));
	CHECK(!ev_engine_echo("local", "abcdef", "db", "die", now_wall()));
	ev_marker_del(key);
	CHECK(!ev_engine_echo("local", "abcdef", "web", "die", now_wall()));
	/* an id prefix names it too; "" names every container */
	CHECK(ev_marker_put("local", "abc", "pause", 60, key, sizeof(key)) ==
	    0);
	CHECK(ev_engine_echo("local", "abcdef", "x", "pause", now_wall()));
	ev_marker_del(key);
	CHECK(ev_marker_put("local", "", "create", 60, key, sizeof(key)) == 0);
	CHECK(ev_engine_echo("local", "zzz", "any", "create", now_wall()));
	ev_marker_del(key);
	/* an expired marker covers nothing */
	CHECK(ev_marker_put("local", "web", "stop", -1, key, sizeof(key)) == 0);
	CHECK(!ev_engine_echo("local", "abcdef", "web", "die", now_wall()));
	ev_marker_del(key);

	/* the API's own container_event, within the window */
	d = json_object_new_object();
	json_object_object_add(d, "container_id",
	    json_object_new_string("feed01"));
	json_object_object_add(d, "event", json_object_new_string("restart"));
	json_object_object_add(d, "endpoint", json_object_new_string("local"));
	json_object_object_add(d, "source", json_object_new_string("api"));
	CHECK(store_event_append_owned(NULL, "container_event", "u", d,
	    &id) == 0);
	json_object_put(d);
	CHECK(ev_engine_echo("local", "feed01", NULL, "start", now_wall()));
	CHECK(!ev_engine_echo("local", "feed02", NULL, "start", now_wall()));
	CHECK(!ev_engine_echo("local", "feed01", NULL, "start", now_wall() +
	    ev_cfg.dedup_window + 5));
}

static void
test_cache_fresh(void)
{
	struct store_ctrcache c;
	int64_t now = 1000000, age;
	json_object *rows = json_object_new_array();

	memset(&c, 0, sizeof(c));
	c.rows = rows;
	c.synced_ms = now - 500;
	c.alive_ms = now - 100;
	CHECK(ev_cache_fresh(&c, now, &age) == 1);
	CHECK_INT(age, 500);
	c.alive_ms = now - 10000;		/* the follower is silent */
	CHECK(ev_cache_fresh(&c, now, &age) == 0);
	c.alive_ms = now - 100;
	c.invalid_ms = now - 400;		/* an API write after the listing */
	CHECK(ev_cache_fresh(&c, now, &age) == 0);
	c.invalid_ms = now - 600;
	CHECK(ev_cache_fresh(&c, now, &age) == 1);
	c.dirty_ms = now - (int64_t)ev_cfg.list_cache_max_age * 1000 + 100;
	CHECK(ev_cache_fresh(&c, now, &age) == 1);	/* within max age */
	c.dirty_ms = now - (int64_t)ev_cfg.list_cache_max_age * 1000 - 100;
	CHECK(ev_cache_fresh(&c, now, &age) == 0);	/* past it */
	c.dirty_ms = 0;
	c.synced_ms = now + 5;			/* from before a reboot */
	CHECK(ev_cache_fresh(&c, now, &age) == 0);
	c.synced_ms = now - 500;
	c.rows = NULL;
	CHECK(ev_cache_fresh(&c, now, &age) == 0);
	json_object_put(rows);

	/* storage keeps the first change not yet listed */
	rows = json_object_new_array();
	CHECK(store_ctrcache_put("ep1", rows, 100) == 0);
	CHECK(store_ctrcache_mark("ep1", "dirty", 150) == 0);
	CHECK(store_ctrcache_mark("ep1", "dirty", 170) == 0);
	CHECK(store_ctrcache_get("ep1", &c) == 0);
	CHECK_INT(c.dirty_ms, 150);
	json_object_put(c.rows);
	CHECK(store_ctrcache_put("ep1", rows, 160) == 0);	/* after it */
	CHECK(store_ctrcache_get("ep1", &c) == 0);
	CHECK_INT(c.dirty_ms, 0);
	CHECK_INT(c.synced_ms, 160);
	json_object_put(c.rows);
	CHECK(store_ctrcache_mark("ep1", "bogus", 1) == STORE_E_INVALID);
	CHECK(store_ctrcache_drop("ep1") == 0);
	CHECK(store_ctrcache_get("ep1", &c) == STORE_E_NOTFOUND);
	json_object_put(rows);
}

int
main(void)
{
	char dir[] = "/tmp/cc-t-events-XXXXXX", cmd[256];

	config_register_all();
	config_defaults(config_live());
	CHECK(mkdtemp(dir) != NULL);
	CHECK(store_open(dir, 1 << 22) == 0);
	CHECK_INT(store_events_last(), 0);
	CHECK_INT(store_events_oldest(), 0);
	test_log();
	test_retention();
	test_resume_rule();
	test_channels();
	test_maps();
	test_nchan_url();
	test_actions();
	test_cache_fresh();
	store_close();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return unit_done();
}
