/*
 * containers.c: list, create, inspect, lifecycle actions and removal of
 * containers, on one endpoint or (listing) all of them.  The engine work
 * goes through the endpoint's driver (runtimes/runtime.h); nothing here
 * knows which engine answers.
 *
 * An action on a container already in the target state (start a running
 * one, pause a paused one) answers 200 with the current status and
 * "changed": false; the engine's 304 is not passed on, because a 304 has
 * no body to carry the status.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "../events/events.h"
#include "../storage/storage.h"

struct list_q {
	const char	*status, *image, *name;
	long		 limit, offset;
	int		 stats, all, fresh;
	int		 misses;	/* endpoints the engine answered */
	int64_t		 age_ms;	/* the oldest cached list used */
};

/*
 * The endpoint's rows from the engine follower's cache, when it is
 * fresh (events/follower.c says when) and the query allows it; else
 * NULL.  Every container is in the cache: the ones all=false leaves out
 * are dropped here, and ownership is row_wanted's, as for the engine's.
 */
static json_object *
cached_rows(const struct rt_endpoint *ep, struct list_q *q)
{
	struct store_ctrcache c;
	json_object *rows, *row;
	const char *st;
	int64_t age;
	size_t i, n;

	if (!ev_cfg.list_cache || q->fresh ||
	    store_ctrcache_get(ep->name, &c) != 0)
		return NULL;
	if (!ev_cache_fresh(&c, ev_now_ms(), &age)) {
		json_object_put(c.rows);
		return NULL;
	}
	if (q->all) {
		rows = c.rows;
	} else {
		rows = json_object_new_array();
		n = json_object_array_length(c.rows);
		for (i = 0; i < n; i++) {
			row = json_object_array_get_idx(c.rows, i);
			st = jget_str(row, "status");
			if (st == NULL || strcmp(st, "stopped") != 0)
				json_object_array_add(rows,
				    json_object_get(row));
		}
		json_object_put(c.rows);
	}
	if (age > q->age_ms)
		q->age_ms = age;
	return rows;
}

/* Whether a row passes the caller's sight and the query's filters (a
 * missing member reads as ""). */
static int
row_wanted(struct request *r, const struct list_q *q, json_object *row)
{
	const char *st = jget_str(row, "status"), *im = jget_str(row, "image"),
	    *nm = jget_str(row, "name");

	if (!ctr_may_see(r, jget_str(row, "owner")))
		return 0;
	if (q->status != NULL && strcmp(st ? st : "", q->status) != 0)
		return 0;
	if (q->image != NULL && strstr(im ? im : "", q->image) == NULL)
		return 0;
	if (q->name != NULL && strstr(nm ? nm : "", q->name) == NULL)
		return 0;
	return 1;
}

/* Adds one endpoint's matching rows to out; -1 with e on failure. */
static int
list_one(struct request *r, const struct rt_endpoint *ep,
    struct list_q *q, json_object *out, struct rt_err *e)
{
	struct rt_list_opts lo = { q->all, NULL };
	json_object *rows = NULL, *row;
	size_t i, n;

	if (!ctr_is_admin(r))
		lo.label = req_printf(r, CTR_OWNER_LABEL "=%s", r->who.user);
	if (ep->driver->list == NULL) {
		rt_err_set(e, RT_E_UNSUPPORTED, "endpoint '%s' cannot list "
		    "containers", ep->name);
		return -1;
	}
	if ((rows = cached_rows(ep, q)) == NULL) {
		if (ep->driver->list(ep, &lo, &rows, e) < 0)
			return -1;
		q->misses++;
	}
	n = json_object_array_length(rows);
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		if (!row_wanted(r, q, row))
			continue;
		json_object_object_add(row, "endpoint",
		    json_object_new_string(ep->name));
		json_object_object_add(row, "runtime",
		    json_object_new_string(ep->driver->name));
		json_object_array_add(out, json_object_get(row));
	}
	json_object_put(rows);
	return 0;
}

/* cpu_usage and memory_usage for the running rows of one page. */
static void
add_stats(struct request *r, json_object *page)
{
	struct rt_endpoint ep;
	json_object *row, *st, *v;
	const char *status, *epname, *id;
	struct rt_err e;
	size_t i, n = json_object_array_length(page);

	(void)r;
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(page, i);
		status = jget_str(row, "status");
		epname = jget_str(row, "endpoint");
		id = jget_str(row, "id");
		if (status == NULL || strcmp(status, "running") != 0 ||
		    endpoints_get(epname, &ep, &e) < 0 ||
		    !rt_can(&ep, RT_CAP_STATS) ||
		    ep.driver->stats(&ep, id ? id : "", &st, &e) < 0)
			continue;
		/* Copied as the driver gave them (numbers or null). */
		if (json_object_object_get_ex(st, "cpu_usage", &v))
			json_object_object_add(row, "cpu_usage",
			    json_object_get(v));
		if (json_object_object_get_ex(st, "memory_usage", &v))
			json_object_object_add(row, "memory_usage",
			    json_object_get(v));
		json_object_put(st);
	}
}

/*
 * GET /containers: running and stopped containers the caller may see.
 * Filters status (running|stopped|paused), image and name (substrings);
 * limit (default 50, 1..1000), offset, total; stats=true adds usage to
 * the page's running rows; all=false lists running ones only.
 * endpoint=all lists every endpoint: an endpoint that fails is named in
 * endpoint_errors and the others still answer.  A list the engine
 * follower keeps current answers instead of the engine when it is fresh
 * (X-Cache: hit, and cache_age_ms says how old); fresh=true asks the
 * engine (X-Cache: miss, cache_age_ms 0).
 * 400 bad parameters; single endpoint: 503/504/502 from the engine.
 */
int
h_containers_list(struct request *r)
{
	struct list_q q = { NULL, NULL, NULL, 50, 0, 0, 1, 0, 0, 0 };
	struct rt_endpoint *eps = NULL, one;
	json_object *rows, *page, *errs = NULL, *eo;
	const char *epname = req_query(r, "endpoint");
	struct rt_err e;
	size_t i, n;
	long total;

	q.status = req_query(r, "status");
	if (q.status != NULL && strcmp(q.status, "running") != 0 &&
	    strcmp(q.status, "stopped") != 0 && strcmp(q.status, "paused") != 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "status must be "
		    "running, stopped or paused");
	q.image = req_query(r, "image");
	q.name = req_query(r, "name");
	if (req_query_long(r, "limit", 50, 1, 1000, &q.limit) < 0 ||
	    req_query_long(r, "offset", 0, 0, 1000000, &q.offset) < 0 ||
	    req_query_bool(r, "stats", 0, &q.stats) < 0 ||
	    req_query_bool(r, "all", 1, &q.all) < 0 ||
	    req_query_bool(r, "fresh", 0, &q.fresh) < 0)
		return r->status;
	rows = json_object_new_array();
	req_defer_json(r, rows);
	if (epname != NULL && strcmp(epname, "all") == 0) {
		if (endpoints_all(&eps, &n, &e) < 0)
			return ctr_ep_error(r, &e);
		req_defer(r, free, eps);
		errs = json_object_new_array();
		req_defer_json(r, errs);
		for (i = 0; i < n; i++) {
			if (list_one(r, &eps[i], &q, rows, &e) == 0)
				continue;
			eo = json_object_new_object();
			json_object_object_add(eo, "endpoint",
			    json_object_new_string(eps[i].name));
			json_object_object_add(eo, "code", json_object_new_string(
			    cc_strerror(ctr_rt_code(&e))));
			json_object_object_add(eo, "message",
			    json_object_new_string(e.msg));
			json_object_array_add(errs, eo);
		}
	} else {
		if (ctr_endpoint(r, &one) < 0)
			return r->status;
		if (list_one(r, &one, &q, rows, &e) < 0)
			return ctr_rt_error(r, &one, &e, NULL);
	}
	total = (long)json_object_array_length(rows);
	page = json_object_new_array();
	for (i = (size_t)q.offset; i < (size_t)total &&
	    i < (size_t)(q.offset + q.limit); i++)
		json_object_array_add(page,
		    json_object_get(json_object_array_get_idx(rows, i)));
	if (q.stats)
		add_stats(r, page);
	eo = json_object_new_object();
	if (errs != NULL)
		json_object_object_add(eo, "endpoint_errors",
		    json_object_get(errs));
	resp_header(r, "X-Cache", "%s", q.misses == 0 ? "hit" : "miss");
	json_object_object_add(eo, "cache_age_ms", json_object_new_int64(
	    q.misses == 0 ? q.age_ms : 0));
	return resp_list_x(r, "containers", page, total, q.limit, q.offset,
	    eo);
}

/*
 * POST /containers (and /containers/run): creates and starts a container
 * from either body shape (container_spec.c), or on an endpoint whose
 * engine configures instances by keys (LXD) from the instance shape
 * (instance_spec.c: start false leaves it stopped), labelled with its
 * owner.  The volumes and network it names are the caller's to use
 * (ctr_check_refs; a new named volume is made for the caller first).
 * detached=false waits for it to exit (runtime_timeout) and adds
 * exit_code.  201 with the container; 400 bad body, 403 a privileged
 * option (field named), 404 IMAGE_NOT_FOUND, VOLUME_NOT_FOUND or
 * NETWORK_NOT_FOUND, 409 name taken, 5xx engine.  If the create or the
 * start fails, the container and the volumes made for it are removed
 * again.
 */
int
h_container_create(struct request *r)
{
	struct rt_endpoint ep;
	struct ctr_refs made = { { NULL }, 0 };
	struct cspec cs;
	json_object *info = NULL, *d;
	struct rt_err e, e2;
	char id[160];
	int status, exit_code = 0, waited = 0, detached, start;

	if (ctr_endpoint(r, &ep) < 0)
		return r->status;
	if ((rt_can(&ep, RT_CAP_INSTANCE) ? ispec_parse(r->json,
	    ctr_is_admin(r), &cs) : cspec_parse(r->json, ctr_is_admin(r),
	    &cs)) < 0) {
		d = json_object_new_object();
		json_object_object_add(d, "field",
		    json_object_new_string(cs.err_field));
		status = resp_error_d(r, cs.err_code, d, "%s", cs.err_msg);
		cspec_free(&cs);
		return status;
	}
	detached = cs.detached;
	start = !cs.s.no_start;
	if (cspec_set_owner(&cs, r->who.user) < 0) {
		status = resp_error(r, CC_E_INTERNAL_ERROR, "out of memory");
		goto out;
	}
	if (ep.driver->create == NULL || ep.driver->start == NULL) {
		status = ctr_unsupported(r, &ep, "creating containers");
		goto out;
	}
	if (ctr_check_refs(r, &ep, &cs.s, &made) < 0) {
		status = r->status;
		goto out;
	}
	if (ep.driver->create(&ep, &cs.s, id, sizeof(id), &e) < 0) {
		ctr_refs_undo(&ep, &made);
		if (ctr_rt_code(&e) == CC_E_IMAGE_NOT_FOUND)
			status = resp_error(r, CC_E_IMAGE_NOT_FOUND, "image not "
			    "found on endpoint '%s': %s", ep.name, e.msg);
		else
			status = ctr_rt_error(r, &ep, &e, NULL);
		goto out;
	}
	ctr_event(r, &ep, id, "create");
	if (start && ep.driver->start(&ep, id, &e) < 0) {
		/* Nothing half-made is left behind. */
		if (ep.driver->remove(&ep, id, 1, &e2) == 0) {
			ctr_event(r, &ep, id, "remove");
			ctr_refs_undo(&ep, &made);
		}
		status = ctr_rt_error(r, &ep, &e, NULL);
		goto out;
	}
	cspec_free(&cs);
	if (start)
		ctr_event(r, &ep, id, "start");
	if (start && !detached && rt_can(&ep, RT_CAP_WAIT)) {
		req_set_streaming(r);	/* runtime_timeout bounds the wait */
		if (ep.driver->wait(&ep, id, rt_cfg.runtime_timeout, &exit_code,
		    &e) < 0)
			return ctr_rt_error(r, &ep, &e, id);
		waited = 1;
	}
	if (ep.driver->inspect(&ep, id, &info, &e) < 0)
		return ctr_rt_error(r, &ep, &e, id);
	json_object_object_add(info, "endpoint",
	    json_object_new_string(ep.name));
	if (waited)
		json_object_object_add(info, "exit_code",
		    json_object_new_int(exit_code));
	return resp_ok(r, 201, "container", info);
out:
	cspec_free(&cs);
	return status;
}

/* GET /containers/{id} (and /inspect): the container in our shape. */
int
h_container_get(struct request *r)
{
	struct rt_endpoint ep;
	json_object *info;
	const char *id;

	if (ctr_endpoint(r, &ep) < 0 || ctr_lookup(r, &ep, &id, &info) < 0)
		return r->status;
	json_object_object_add(info, "endpoint",
	    json_object_new_string(ep.name));
	return resp_ok(r, 200, "container", info);
}

/* The name of each action, as the path and the event log spell it. */
static const char *const action_names[CTR_ACTION__MAX] = {
	[CTR_START] = "start", [CTR_STOP] = "stop", [CTR_RESTART] = "restart",
	[CTR_PAUSE] = "pause", [CTR_UNPAUSE] = "unpause",
};

/*
 * POST /containers/{id}/start|stop|restart|pause|unpause; the action is
 * the route row's arg (enum ctr_action).  stop and restart take timeout
 * (seconds before the engine kills, default 10, query or body).  200
 * with {id, name, status, state, changed}; 404, 409 (e.g. pause a
 * stopped one), 5xx.
 */
int
h_container_action(struct request *r)
{
	static const char *const copied[] = { "id", "name", "status",
	    "state" };
	int act = r->route != NULL ? r->route->arg : 0;
	const char *action, *id;
	struct rt_endpoint ep;
	const struct rt_driver *d;
	json_object *info = NULL, *o;
	struct rt_err e;
	long timeout = 10;
	size_t i;
	int rc;

	if (act <= 0 || act >= CTR_ACTION__MAX)
		return resp_error(r, CC_E_INTERNAL_ERROR, "route without an "
		    "action");
	action = action_names[act];
	if (ctr_endpoint(r, &ep) < 0)
		return r->status;
	if (req_query_long(r, "timeout", 10, 0, 3600, &timeout) < 0)
		return r->status;
	if (jget_has(r->json, "timeout")) {
		int64_t t = jget_int(r->json, "timeout", -1);	/* -1: no int */

		if (t < 0 || t > 3600)
			return resp_error(r, CC_E_INVALID_REQUEST, "timeout "
			    "must be a number of seconds from 0 to 3600");
		timeout = (long)t;
	}
	if (ctr_lookup(r, &ep, &id, NULL) < 0)
		return r->status;
	d = ep.driver;
	if (act == CTR_START && d->start)
		rc = d->start(&ep, id, &e);
	else if (act == CTR_STOP && d->stop)
		rc = d->stop(&ep, id, (int)timeout, &e);
	else if (act == CTR_RESTART && d->restart)
		rc = d->restart(&ep, id, (int)timeout, &e);
	else if (act == CTR_PAUSE && rt_can(&ep, RT_CAP_PAUSE))
		rc = d->pause(&ep, id, &e);
	else if (act == CTR_UNPAUSE && rt_can(&ep, RT_CAP_PAUSE))
		rc = d->unpause(&ep, id, &e);
	else
		return ctr_unsupported(r, &ep, action);
	if (rc < 0)
		return ctr_rt_error(r, &ep, &e, id);
	if (rc != RT_CHANGED_NOT)
		ctr_event(r, &ep, id, action);
	if (d->inspect(&ep, id, &info, &e) < 0)
		return ctr_rt_error(r, &ep, &e, id);
	o = json_object_new_object();
	for (i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
		const char *s = jget_str(info, copied[i]);

		json_object_object_add(o, copied[i],
		    json_object_new_string(s ? s : ""));
	}
	json_object_object_add(o, "action", json_object_new_string(action));
	json_object_object_add(o, "changed",
	    json_object_new_boolean(rc != RT_CHANGED_NOT));
	json_object_object_add(o, "endpoint", json_object_new_string(ep.name));
	json_object_put(info);
	return resp_ok(r, 200, "container", o);
}

/*
 * DELETE /containers/{id}[?force=true] (and DELETE .../remove).  200
 * {id, removed}; 409 CONFLICT for a running container without force.
 */
int
h_container_delete(struct request *r)
{
	struct rt_endpoint ep;
	json_object *o;
	struct rt_err e;
	const char *id;
	int force;

	if (req_query_bool(r, "force", 0, &force) < 0 ||
	    ctr_endpoint(r, &ep) < 0 || ctr_lookup(r, &ep, &id, NULL) < 0)
		return r->status;
	if (ep.driver->remove == NULL)
		return ctr_unsupported(r, &ep, "removing containers");
	if (ep.driver->remove(&ep, id, force, &e) < 0) {
		if (e.code == RT_E_CONFLICT && !force)
			return resp_error(r, CC_E_CONFLICT, "%s (stop it first, "
			    "or remove with force=true)", e.msg);
		return ctr_rt_error(r, &ep, &e, id);
	}
	ctr_event(r, &ep, id, "remove");
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "removed", json_object_new_boolean(1));
	json_object_object_add(o, "endpoint", json_object_new_string(ep.name));
	return resp_ok(r, 200, "container", o);
}
