/*
 * actions.c: what an API write on containers means for the events.
 *
 * The routes that change containers (fcgi-app/routes.c) are listed here
 * by method and pattern, with the word of their container_event, the
 * engine actions that change causes, and the LXC Tools operation whose
 * _start, _success and _error they report.  The front (fcgi-app/audit.c)
 * reads the table around each request: it writes a marker before the
 * handler runs ("an API write on this container is in progress") and
 * drops it after.  The engine follower then leaves out what the API
 * itself did (ev_engine_echo): an engine action a marker covers, or one
 * caused by a container_event of the API on the same container within
 * events_dedup_window; everything else (a `podman stop` by hand, a
 * container that dies) becomes a container_event of its own.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "events.h"

static const struct ev_action actions[] = {
	{ "POST", "/containers", "create", "create start destroy remove",
	    "container_create", "body:name" },
	{ "POST", "/containers/run", "create", "create start destroy remove",
	    "container_create", "body:name" },
	{ "POST", "/containers/{id}/start", "start", "start", NULL,
	    "param:id" },
	{ "POST", "/containers/{id}/stop", "stop", "kill die stop", NULL,
	    "param:id" },
	{ "POST", "/containers/{id}/restart", "restart", "kill die stop start "
	    "restart", "container_restart", "param:id" },
	{ "POST", "/containers/{id}/pause", "pause", "pause", NULL,
	    "param:id" },
	{ "POST", "/containers/{id}/unpause", "unpause", "unpause", NULL,
	    "param:id" },
	{ "DELETE", "/containers/{id}", "remove", "kill die stop destroy "
	    "remove", "container_delete", "param:id" },
	{ "DELETE", "/containers/{id}/remove", "remove", "kill die stop "
	    "destroy remove", "container_delete", "param:id" },
	{ "POST", "/containers/{id}/exec", "exec", "exec_create exec_start "
	    "exec_die", NULL, "param:id" },
	{ "POST", "/containers/{id}/users", "add_user", "exec_create "
	    "exec_start exec_die", NULL, "param:id" },
	{ "POST", "/containers/{id}/files", "add_file", "exec_create "
	    "exec_start exec_die", NULL, "param:id" },
	/* the LXC Tools routes: a file written, a device added (no
	 * container_event of their own) */
	{ "POST", "/containers/{id}/authkey", NULL, NULL, "authkey_deploy",
	    "param:id" },
	{ "POST", "/containers/{id}/portforward", NULL, NULL,
	    "portforward_create", "param:id" },
	/* no container, one LXC Tools operation */
	{ "POST", "/networks", NULL, NULL, "network_setup", "body:name" },
	{ "POST", "/networks/create", NULL, NULL, "network_setup",
	    "body:name" },
	{ "POST", "/network/setup", NULL, NULL, "network_setup",
	    "body:name" },
};

const struct ev_action *
ev_action_of(const char *method, const char *pattern)
{
	size_t i;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(actions[i].method, method) == 0 &&
		    strcmp(actions[i].pattern, pattern) == 0)
			return &actions[i];
	return NULL;
}

/* Whether word is one of the space-separated words of list. */
static int
word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = list; p != NULL && (p = strstr(p, word)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' ||
		    p[n] == '\0'))
			return 1;
	return 0;
}

int
ev_action_causes(const char *act, const char *eng)
{
	size_t i;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (actions[i].action != NULL &&
		    strcmp(actions[i].action, act) == 0)
			return word_in(actions[i].causes, eng);
	return 0;
}

/* ---- markers ---- */

int
ev_marker_put(const char *endpoint, const char *target, const char *action,
    int seconds, char *key, size_t keylen)
{
	struct store_txn *txn;
	json_object *o;
	int rc;

	key[0] = '\0';
	o = json_object_new_object();
	json_object_object_add(o, "endpoint", json_object_new_string(
	    endpoint));
	json_object_object_add(o, "target", json_object_new_string(
	    target ? target : ""));
	json_object_object_add(o, "action", json_object_new_string(action));
	json_object_object_add(o, "until", json_object_new_int64(now_wall() +
	    seconds));
	if ((rc = store_begin(1, &txn)) != 0)
		goto out;
	if ((rc = store_evstate_newkey(txn, EV_MK_PREFIX, key, keylen)) != 0 ||
	    (rc = store_evstate_put(txn, key, o)) != 0) {
		store_abort(txn);
		key[0] = '\0';
		goto out;
	}
	if ((rc = store_commit(txn)) != 0)
		key[0] = '\0';
out:
	json_object_put(o);
	return rc;
}

void
ev_marker_del(const char *key)
{
	if (key != NULL && *key != '\0')
		store_evstate_del(NULL, key);
}

struct echo {
	const char	*ep, *id, *name, *eng;
	int64_t		 now;
	int		 yes;
	size_t		 seen;
};

/* Whether a marker's or an event's target names the container: its id,
 * an id prefix, or its name; "" names every container. */
static int
names_it(const struct echo *e, const char *target)
{
	size_t n;

	if (target == NULL)
		return 0;
	if ((n = strlen(target)) == 0)
		return 1;
	return (e->id != NULL && strncmp(e->id, target, n) == 0) ||
	    (e->name != NULL && strcmp(e->name, target) == 0);
}

static int
marker_one(const char *key, json_object *m, void *arg)
{
	struct echo *e = arg;
	const char *ep = jget_str(m, "endpoint"), *act = jget_str(m, "action");

	(void)key;
	if (jget_int(m, "until", 0) < e->now || ep == NULL || act == NULL ||
	    strcmp(ep, e->ep) != 0 || !names_it(e, jget_str(m, "target")))
		return 0;
	if (ev_action_causes(act, e->eng))
		e->yes = 1;
	return e->yes;
}

/* The log, newest first: the API's own container_events on it, within
 * the window. */
static int
recent_one(uint64_t id, json_object *ev, void *arg)
{
	struct echo *e = arg;
	json_object *d = jget_obj(ev, "data");
	const char *type = jget_str(ev, "type"), *src = jget_str(d, "source"),
	    *ep = jget_str(d, "endpoint"), *cid = jget_str(d, "container_id"),
	    *act = jget_str(d, "event");

	(void)id;
	if (jget_int(ev, "epoch", 0) < e->now - ev_cfg.dedup_window)
		return 1;	/* older ones are older still */
	if (type == NULL || strcmp(type, "container_event") != 0 ||
	    src == NULL || strcmp(src, "api") != 0 || ep == NULL ||
	    strcmp(ep, e->ep) != 0 || cid == NULL || act == NULL ||
	    e->id == NULL || strcmp(cid, e->id) != 0)
		return 0;
	if (ev_action_causes(act, e->eng))
		e->yes = 1;
	return e->yes;
}

int
ev_engine_echo(const char *ep, const char *id, const char *name,
    const char *eng, int64_t now)
{
	struct echo e = { ep, id, name, eng, now, 0, 0 };

	store_evstate_each(EV_MK_PREFIX, marker_one, &e);
	if (!e.yes)
		store_events_before(store_events_last() + 1, 500, recent_one,
		    &e);
	return e.yes;
}
