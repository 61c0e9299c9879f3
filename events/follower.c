/*
 * follower.c: the engine follower, a process kind of the pool (pool.c
 * kinds[]), run when events_follow is on.  It keeps one child per
 * endpoint whose driver reports events (RT_CAP_EVENTS), each following
 * that engine's event stream (driver->events) and reconnecting with
 * since when it breaks; and it keeps each endpoint's container list
 * current in STORE_CTRCACHE for GET /containers.
 *
 * A child turns each engine event it has not seen (a reconnect replays
 * from the second it left, so events at or before the last one it took
 * are passed over) into a container_event with source "engine", unless
 * the API itself caused it (ev_engine_echo: a `podman stop` by hand or a
 * container that dies is news; the kill, die and stop of an API stop are
 * not).  Every event marks the endpoint's list dirty, and every tick of
 * the stream (about a second) says the follower is alive, until the
 * stream ends (the engine went away): a list is served from the cache
 * only while both say it is current, and only a listing made after the
 * stream came up (again) is (an engine like LXD replays nothing).
 *
 * The parent lists the endpoints every few seconds, starts and stops the
 * children, and refreshes a list that is dirty, stale from an API write,
 * or older than LIST_MAX_MS.  Listing is done here, not in the child:
 * the child's connection is busy with the stream (one transport handle
 * per process).
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../runtimes/runtime.h"
#include "../services/services.h"
#include "events.h"

#define TICK_MS		250
#define ENDPOINTS_MS	5000	/* how often the endpoints are listed */
#define LIST_MAX_MS	30000	/* a list is refreshed this often anyway */
#define ALIVE_MS	2500	/* a follower silent longer is not alive */
#define BACKOFF_MAX_S	5
#define MAX_CHILDREN	64

int
follower_count(void)
{
	return ev_cfg.follow ? 1 : 0;
}

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* ---- a child: one endpoint's event stream ---- */

struct follow {
	const struct rt_endpoint	*ep;
	char				 ckey[64];	/* "fw/<endpoint>" */
	int64_t				 last_ns;	/* the last event taken */
	char				 last_id[160], last_act[32];
	int64_t				 alive_ms;
	int				 up;	/* the stream said a word */
};

/* The engine's verbs that change a container, as container_event words
 * ("update": docker update, lxc config set); the others (exec_*,
 * attach, mount, kill, ...) are passed over. */
static const char *
event_word(const char *eng)
{
	static const char *const map[][2] = {
		{ "create", "create" }, { "start", "start" },
		{ "stop", "stop" }, { "die", "die" }, { "died", "die" },
		{ "pause", "pause" }, { "unpause", "unpause" },
		{ "restart", "restart" }, { "destroy", "remove" },
		{ "remove", "remove" }, { "oom", "oom" },
		{ "rename", "rename" }, { "update", "update" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], eng) == 0)
			return map[i][1];
	return NULL;
}

static void
save_cursor(struct follow *f)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "time_ns", json_object_new_int64(f->last_ns));
	json_object_object_add(o, "id", json_object_new_string(f->last_id));
	json_object_object_add(o, "action",
	    json_object_new_string(f->last_act));
	if (store_evstate_put(NULL, f->ckey, o) != 0)
		log_msg(LOG_L_WARN, "follower %s: cannot save where it is",
		    f->ep->name);
	json_object_put(o);
}

/* One engine event: news or the API's echo. */
static void
take(struct follow *f, json_object *ev)
{
	const char *id = jget_str(ev, "id"), *name = jget_str(ev, "name"),
	    *act = jget_str(ev, "action"), *word, *owner;
	int64_t ns = jget_int(ev, "time_ns", 0);
	json_object *d;
	char ts[32];

	if (id == NULL || act == NULL)
		return;
	if (ns == 0)
		ns = jget_int(ev, "time", 0) * 1000000000LL;
	/* replayed after a reconnect: seen already */
	if (ns < f->last_ns || (ns == f->last_ns &&
	    strcmp(id, f->last_id) == 0 && strcmp(act, f->last_act) == 0))
		return;
	f->last_ns = ns;
	snprintf(f->last_id, sizeof(f->last_id), "%s", id);
	snprintf(f->last_act, sizeof(f->last_act), "%s", act);
	if ((word = event_word(act)) != NULL) {
		store_ctrcache_mark(f->ep->name, "dirty", ev_now_ms());
		if (!ev_engine_echo(f->ep->name, id, name, act, now_wall())) {
			owner = jget_str(ev, "owner");
			iso8601(ts, (time_t)(ns / 1000000000LL));
			d = json_object_new_object();
			json_object_object_add(d, "container_id",
			    json_object_new_string(id));
			if (name != NULL)
				json_object_object_add(d, "container_name",
				    json_object_new_string(name));
			json_object_object_add(d, "event",
			    json_object_new_string(word));
			json_object_object_add(d, "endpoint",
			    json_object_new_string(f->ep->name));
			json_object_object_add(d, "timestamp",
			    json_object_new_string(ts));
			json_object_object_add(d, "source",
			    json_object_new_string("engine"));
			json_object_object_add(d, "engine_action",
			    json_object_new_string(act));
			if (jget_has(ev, "exit_code"))
				json_object_object_add(d, "exit_code",
				    json_object_new_int((int)jget_int(ev,
				    "exit_code", 0)));
			if (store_event_append_owned(NULL, "container_event",
			    owner, d, NULL) != 0)
				log_msg(LOG_L_WARN, "follower %s: event not "
				    "recorded", f->ep->name);
			json_object_put(d);
		}
	}
	save_cursor(f);
}

static int
stream_sink(void *arg, enum rt_stream s, const char *buf, size_t len)
{
	struct follow *f = arg;
	json_object *ev;
	int64_t now = ev_now_ms();

	if (stop)
		return -1;
	if (s == RT_WAIT)	/* the engine has not answered yet */
		return 0;
	/* Up again: what changed while no stream was (all of it on an
	 * engine without replay, as LXD) is known only to a new listing,
	 * one that begins after this. */
	if (!f->up) {
		store_ctrcache_mark(f->ep->name, "invalid", now);
		f->up = 1;
	}
	if (now - f->alive_ms >= 1000) {
		store_ctrcache_mark(f->ep->name, "alive", now);
		f->alive_ms = now;
	}
	if (buf == NULL || len == 0)
		return 0;
	if ((ev = store_parse_json(buf, len)) != NULL) {
		take(f, ev);
		json_object_put(ev);
	}
	return 0;
}

static void
child_main(const struct rt_endpoint *ep)
{
	struct rt_events_spec es;
	struct follow f;
	struct rt_err err;
	json_object *c = NULL;
	const char *id, *act;
	int backoff = 1, rc, said = 0;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(0);
	memset(&f, 0, sizeof(f));
	f.ep = ep;
	snprintf(f.ckey, sizeof(f.ckey), "fw/%s", ep->name);
	if (store_evstate_get(NULL, f.ckey, &c) == 0) {
		f.last_ns = jget_int(c, "time_ns", 0);
		id = jget_str(c, "id");
		act = jget_str(c, "action");
		snprintf(f.last_id, sizeof(f.last_id), "%s", id ? id : "");
		snprintf(f.last_act, sizeof(f.last_act), "%s", act ? act : "");
	}
	json_object_put(c);
	while (!stop) {
		int64_t t0 = ev_now_ms();

		memset(&es, 0, sizeof(es));
		/* from the second of the last event taken (its own events
		 * there are passed over), else from now */
		es.since = f.last_ns > 0 ? (long)(f.last_ns / 1000000000LL) :
		    (long)now_wall();
		if (f.last_ns == 0)
			f.last_ns = (int64_t)es.since * 1000000000LL;
		f.up = 0;
		rc = ep->driver->events(ep, &es, stream_sink, &f, &err);
		/* no stream, no knowing: the list is not current from now */
		store_ctrcache_mark(ep->name, "alive", 0);
		if (stop)
			break;
		if (ev_now_ms() - t0 >= 5000) {
			backoff = 1;	/* it was up: try again at once */
			said = 0;	/* and its end is news */
		}
		if (rc < 0 && err.code != RT_E_STOPPED && !said) {
			log_msg(LOG_L_WARN, "follower %s: %s; reconnecting",
			    ep->name, err.msg);
			said = 1;
		}
		sleep((unsigned)backoff);
		backoff = backoff * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S :
		    backoff * 2;
	}
	rt_cleanup();
	store_close();
	_exit(0);
}

/* ---- the parent ---- */

static struct kid {
	pid_t			 pid;
	struct rt_endpoint	 ep;
	int			 seen;
} kids[MAX_CHILDREN];

static void
start_child(const struct rt_endpoint *ep)
{
	struct kid *k = NULL;
	pid_t pid;
	size_t i;

	for (i = 0; i < MAX_CHILDREN && k == NULL; i++)
		if (kids[i].pid == 0)
			k = &kids[i];
	if (k == NULL)
		return;
	k->ep = *ep;
	store_close();
	rt_cleanup();
	if ((pid = fork()) == 0) {
		struct sigaction sa;
		sigset_t none;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_term;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		sb_self = NULL;
		if (store_open(store_cfg.data_dir, store_cfg.map_size) != 0)
			_exit(3);
		child_main(&k->ep);
	}
	if (store_open(store_cfg.data_dir, store_cfg.map_size) != 0) {
		log_msg(LOG_L_ERROR, "follower: cannot reopen storage");
		exit(3);
	}
	if (pid < 0) {
		log_msg(LOG_L_ERROR, "follower: fork: %s", strerror(errno));
		return;
	}
	k->pid = pid;
	k->seen = 1;
	log_msg(LOG_L_INFO, "follower %d: following endpoint %s", (int)pid,
	    ep->name);
}

static struct kid *
kid_of(const char *name)
{
	size_t i;

	for (i = 0; i < MAX_CHILDREN; i++)
		if (kids[i].pid > 0 && strcmp(kids[i].ep.name, name) == 0)
			return &kids[i];
	return NULL;
}

/* A child per endpoint with events; children of endpoints gone (or
 * whose address changed) are stopped. */
static void
sync_endpoints(void)
{
	struct rt_endpoint *eps = NULL;
	struct rt_err err;
	struct kid *k;
	size_t i, n = 0;

	if (endpoints_all(&eps, &n, &err) < 0) {
		log_msg(LOG_L_WARN, "follower: %s", err.msg);
		return;
	}
	for (i = 0; i < MAX_CHILDREN; i++)
		kids[i].seen = 0;
	for (i = 0; i < n; i++) {
		if (!rt_can(&eps[i], RT_CAP_EVENTS))
			continue;
		if ((k = kid_of(eps[i].name)) != NULL &&
		    strcmp(k->ep.url, eps[i].url) == 0) {
			k->seen = 1;
			continue;
		}
		if (k != NULL)
			kill(k->pid, SIGTERM);	/* reaped, then started anew */
		else
			start_child(&eps[i]);
	}
	for (i = 0; i < MAX_CHILDREN; i++)
		if (kids[i].pid > 0 && !kids[i].seen) {
			kill(kids[i].pid, SIGTERM);
			store_ctrcache_drop(kids[i].ep.name);
		}
	free(eps);
}

static void
reap(void)
{
	pid_t pid;
	size_t i;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		for (i = 0; i < MAX_CHILDREN; i++)
			if (kids[i].pid == pid)
				kids[i].pid = 0;
}

/* Lists one endpoint's containers into the cache when it needs it. */
static void
refresh(const struct rt_endpoint *ep, int64_t now)
{
	struct store_ctrcache c;
	struct rt_list_opts lo = { 1, NULL };
	struct rt_err err;
	json_object *rows = NULL;
	int have = store_ctrcache_get(ep->name, &c) == 0;

	if (have && c.dirty_ms == 0 && c.invalid_ms <= c.synced_ms &&
	    now - c.synced_ms < LIST_MAX_MS) {
		json_object_put(c.rows);
		return;
	}
	if (have)
		json_object_put(c.rows);
	if (ep->driver->list == NULL || ep->driver->list(ep, &lo, &rows,
	    &err) < 0)
		return;
	store_ctrcache_put(ep->name, rows, now);
	json_object_put(rows);
}

void
follower_main(int listen_fd)
{
	struct timespec tick = { 0, TICK_MS * 1000000L };
	int64_t last_eps = 0, now;
	sigset_t set;
	size_t i;

	ev_proc_begin("follower", listen_fd, &set, 1);
	do {
		now = ev_now_ms();
		reap();
		if (now - last_eps >= ENDPOINTS_MS) {
			sync_endpoints();
			last_eps = now;
		}
		for (i = 0; ev_cfg.list_cache && i < MAX_CHILDREN; i++)
			if (kids[i].pid > 0)
				refresh(&kids[i].ep, ev_now_ms());
	} while (!ev_proc_wait(&set, &tick));
	for (i = 0; i < MAX_CHILDREN; i++)
		if (kids[i].pid > 0)
			kill(kids[i].pid, SIGTERM);
	for (i = 0; i < 50 && waitpid(-1, NULL, WNOHANG) >= 0; i++)
		usleep(20000);
	ev_proc_end();
}

/*
 * Whether a cached list may answer now: its follower is alive, no API
 * write came after the listing, and no change it has seen since is more
 * than list_cache_max_age old.  *age_ms: how old the listing is.
 */
int
ev_cache_fresh(const struct store_ctrcache *c, int64_t now, int64_t *age_ms)
{
	*age_ms = now - c->synced_ms;
	/* times from before a reboot (the clock is monotonic) say nothing */
	if (c->synced_ms > now || c->alive_ms > now || c->dirty_ms > now)
		return 0;
	if (c->rows == NULL || c->synced_ms == 0 || now - c->alive_ms >
	    ALIVE_MS || c->invalid_ms > c->synced_ms)
		return 0;
	if (c->dirty_ms != 0 && now - c->dirty_ms >
	    (int64_t)ev_cfg.list_cache_max_age * 1000)
		return 0;
	return 1;
}
