/*
 * ctr_common.c: what the container, image, network and volume handlers
 * share: which endpoint a request names, who may see which container,
 * who may use the volumes and network a create names (ctr_check_refs),
 * turning an engine error into the answer (ctr_rt_code, the one mapping
 * of RT_E_* to ours), the 404 with the containers the caller could have
 * meant, the container_event log and the LXC Tools update events.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "../storage/storage.h"

/* Admins see and act on every container (auth.c's roles). */
int
ctr_is_admin(const struct request *r)
{
	return r->who.authenticated && r->who.role >= ACCESS_ADMIN;
}

/* Others only on the containers labelled with their own name. */
int
ctr_may_see(const struct request *r, const char *owner)
{
	return auth_may_access(r, owner);
}

/*
 * The endpoint named by ?endpoint= (or "endpoint" in a JSON body); when
 * absent, config default_endpoint, else the default.  Writes the error
 * (400 bad name or "all" here, 404 ENDPOINT_NOT_FOUND) and returns -1.
 */
int
ctr_endpoint(struct request *r, struct rt_endpoint *ep)
{
	const char *name = req_query(r, "endpoint");
	struct rt_err e;

	/* Sent in the body at all (null too), it must be a string. */
	if (name == NULL && jget_has(r->json, "endpoint") &&
	    (name = jget_str(r->json, "endpoint")) == NULL) {
		resp_error(r, CC_E_INVALID_REQUEST, "endpoint must be a "
		    "string");
		return -1;
	}
	if (name == NULL && rt_cfg.default_endpoint[0] != '\0')
		name = rt_cfg.default_endpoint;
	if (name != NULL && strcmp(name, "all") == 0) {
		resp_error(r, CC_E_INVALID_REQUEST, "endpoint=all is only for "
		    "listing; name one endpoint");
		return -1;
	}
	if (endpoints_get(name, ep, &e) < 0) {
		ctr_ep_error(r, &e);
		return -1;
	}
	return 0;
}

/*
 * The application error for an engine layer error: RT_E_NOT_FOUND by
 * what it is about (CONTAINER_NOT_FOUND, IMAGE_NOT_FOUND, ...), the rest
 * by code: CONFLICT, INVALID_REQUEST (a bad request, or one the driver
 * cannot do), SERVICE_UNAVAILABLE (unreachable), TIMEOUT, INTERNAL_ERROR
 * (ours), and RUNTIME_ERROR for an engine's failure or a bad answer.
 */
enum cc_err
ctr_rt_code(const struct rt_err *e)
{
	switch (e->code) {
	case RT_E_NOT_FOUND:
		switch (e->kind) {
		case RT_K_CONTAINER:
			return CC_E_CONTAINER_NOT_FOUND;
		case RT_K_IMAGE:
			return CC_E_IMAGE_NOT_FOUND;
		case RT_K_NETWORK:
			return CC_E_NETWORK_NOT_FOUND;
		case RT_K_VOLUME:
			return CC_E_VOLUME_NOT_FOUND;
		case RT_K_ENDPOINT:
			return CC_E_ENDPOINT_NOT_FOUND;
		default:
			return CC_E_NOT_FOUND;
		}
	case RT_E_CONFLICT:
		return CC_E_CONFLICT;
	case RT_E_INVALID:
	case RT_E_UNSUPPORTED:
		return CC_E_INVALID_REQUEST;
	case RT_E_UNREACHABLE:
		return CC_E_SERVICE_UNAVAILABLE;
	case RT_E_TIMEOUT:
		return CC_E_TIMEOUT;
	case RT_E_INTERNAL:
		return CC_E_INTERNAL_ERROR;
	default:	/* RT_E_ENGINE, RT_E_PROTO, RT_E_TOO_BIG */
		return CC_E_RUNTIME_ERROR;
	}
}

/* An endpoint lookup's error (no engine was asked) as the answer. */
int
ctr_ep_error(struct request *r, const struct rt_err *e)
{
	return resp_error(r, ctr_rt_code(e), "%s", e->msg);
}

/* A runtime error as the answer; CONTAINER_NOT_FOUND gets its details. */
int
ctr_rt_error(struct request *r, const struct rt_endpoint *ep,
    const struct rt_err *e, const char *id)
{
	json_object *d;

	if (ctr_rt_code(e) == CC_E_CONTAINER_NOT_FOUND && id != NULL)
		return ctr_not_found(r, ep, id);
	d = json_object_new_object();
	json_object_object_add(d, "endpoint", json_object_new_string(ep->name));
	if (e->status > 0)
		json_object_object_add(d, "engine_status",
		    json_object_new_int(e->status));
	if (id != NULL)
		json_object_object_add(d, "container_id",
		    json_object_new_string(id));
	return resp_error_d(r, ctr_rt_code(e), d, "%s", e->msg);
}

/*
 * 404 CONTAINER_NOT_FOUND with details.container_id and
 * details.available_containers: names of the containers on that
 * endpoint the caller may see (at most 50; empty if the engine cannot
 * list them now).
 */
int
ctr_not_found(struct request *r, const struct rt_endpoint *ep,
    const char *id)
{
	struct rt_list_opts lo = { 1, NULL };
	json_object *rows = NULL, *d, *avail, *row, *v;
	struct rt_err e;
	size_t i, n;
	char *label = NULL;

	if (!ctr_is_admin(r))
		label = req_printf(r, CTR_OWNER_LABEL "=%s", r->who.user);
	lo.label = label;
	avail = json_object_new_array();
	if (ep->driver->list != NULL && ep->driver->list(ep, &lo, &rows,
	    &e) == 0) {
		n = json_object_array_length(rows);
		for (i = 0; i < n && json_object_array_length(avail) < 50;
		    i++) {
			row = json_object_array_get_idx(rows, i);
			if (json_object_object_get_ex(row, "name", &v))
				json_object_array_add(avail,
				    json_object_get(v));
		}
	}
	json_object_put(rows);
	d = json_object_new_object();
	json_object_object_add(d, "container_id", json_object_new_string(id));
	json_object_object_add(d, "endpoint", json_object_new_string(ep->name));
	json_object_object_add(d, "available_containers", avail);
	return resp_error_d(r, CC_E_CONTAINER_NOT_FOUND, d, "Container with "
	    "ID '%s' not found on endpoint '%s'", id, ep->name);
}

int
ctr_unsupported(struct request *r, const struct rt_endpoint *ep,
    const char *what)
{
	return resp_error(r, CC_E_INVALID_REQUEST, "endpoint '%s' (%s) does "
	    "not support %s", ep->name, ep->driver->name, what);
}

/* The container ctr_lookup found last in this process: whose it is and
 * its name, for the events about it (ctr_event). */
static struct {
	char	 id[160], owner[72], name[160];
} looked;

/*
 * Resolves the {id} of the path (an id, a prefix or a name) to a
 * container the caller may see, and *id to its full id, so events and
 * answers name it one way.  When info is non-NULL it gets the inspect
 * answer (caller puts it).  Writes the error (400, 404, 5xx) and
 * returns -1.
 */
int
ctr_lookup(struct request *r, const struct rt_endpoint *ep, const char **id,
    json_object **info)
{
	json_object *o = NULL;
	struct rt_err e;
	const char *full;

	*id = req_param(r, "id");
	if (info != NULL)
		*info = NULL;
	if (!ctr_name_ok(*id, 128)) {
		resp_error(r, CC_E_INVALID_REQUEST, "container id or name must "
		    "be 1 to 128 of [A-Za-z0-9_.-]");
		return -1;
	}
	if (ep->driver->inspect == NULL) {
		ctr_unsupported(r, ep, "inspect");
		return -1;
	}
	if (ep->driver->inspect(ep, *id, &o, &e) < 0) {
		ctr_rt_error(r, ep, &e, *id);
		return -1;
	}
	if (!ctr_may_see(r, jget_str(o, "owner"))) {
		json_object_put(o);
		ctr_not_found(r, ep, *id);
		return -1;
	}
	if ((full = jget_str(o, "id")) != NULL && *full != '\0')
		*id = req_strdup(r, full);
	snprintf(looked.id, sizeof(looked.id), "%s", *id);
	snprintf(looked.owner, sizeof(looked.owner), "%s",
	    jget_str(o, "owner") ? jget_str(o, "owner") : "");
	snprintf(looked.name, sizeof(looked.name), "%s",
	    jget_str(o, "name") ? jget_str(o, "name") : "");
	if (info != NULL)
		*info = o;
	else
		json_object_put(o);
	return 0;
}

/*
 * Checks what a create spec names that someone owns, for the caller
 * (services/ctr_refs.c: the rule, and the volumes made for it).  Every
 * create path calls it just before the driver's create, and
 * ctr_refs_undo(ep, made) when the create or start fails after it.
 * Writes the error and returns -1: 404 VOLUME_NOT_FOUND or
 * NETWORK_NOT_FOUND (another's, or none of that name) with
 * details.field, 400 an endpoint that cannot check, 5xx the engine.
 */
int
ctr_check_refs(struct request *r, const struct rt_endpoint *ep,
    const struct rt_create_spec *s, struct ctr_refs *made)
{
	json_object *d;
	struct rt_err e;

	if (ctr_refs_check(ep, s, r->who.user, ctr_is_admin(r), made,
	    &e) == 0)
		return 0;
	if (e.code != RT_E_NOT_FOUND) {
		ctr_rt_error(r, ep, &e, NULL);
		return -1;
	}
	d = json_object_new_object();
	json_object_object_add(d, "endpoint", json_object_new_string(ep->name));
	json_object_object_add(d, "field", json_object_new_string(
	    e.kind == RT_K_VOLUME ? "volumes" : "network_mode"));
	resp_error_d(r, ctr_rt_code(&e), d, "%s", e.msg);
	return -1;
}

/*
 * Appends {container_id, event, endpoint, timestamp, actor, source,
 * container_name} to the event log, seen by the container's owner (the
 * one ctr_lookup found, else the caller, whose label a new container
 * gets).  A failed append is logged, never fatal to the action.
 */
void
ctr_event(struct request *r, const struct rt_endpoint *ep, const char *id,
    const char *event)
{
	json_object *d = json_object_new_object();
	const char *owner = r->who.user;
	char ts[32];
	int rc;

	iso8601(ts, now_wall());
	json_object_object_add(d, "container_id", json_object_new_string(id));
	json_object_object_add(d, "event", json_object_new_string(event));
	json_object_object_add(d, "endpoint", json_object_new_string(ep->name));
	json_object_object_add(d, "timestamp", json_object_new_string(ts));
	json_object_object_add(d, "actor", json_object_new_string(
	    r->who.user[0] ? r->who.user : "anonymous"));
	json_object_object_add(d, "source", json_object_new_string("api"));
	if (strcmp(looked.id, id) == 0) {
		owner = looked.owner;
		if (looked.name[0] != '\0')
			json_object_object_add(d, "container_name",
			    json_object_new_string(looked.name));
	} else if (jget_str(r->json, "name") != NULL)	/* a creation's */
		json_object_object_add(d, "container_name",
		    json_object_new_string(jget_str(r->json, "name")));
	if ((rc = store_event_append_owned(NULL, "container_event", owner, d,
	    NULL)) != 0)
		log_msg(LOG_L_WARN, "container_event %s %s not recorded: %s",
		    event, id, store_strerror(rc));
	json_object_put(d);
}

/*
 * Answers a list with paging: limit (default 1000, 1..1000) and offset
 * from the query.  Takes ownership of rows.
 */
int
ctr_list_page(struct request *r, const char *kinds, json_object *rows)
{
	json_object *page;
	long limit, offset;
	size_t i, n = json_object_array_length(rows);

	if (req_query_long(r, "limit", 1000, 1, 1000, &limit) < 0 ||
	    req_query_long(r, "offset", 0, 0, 1000000, &offset) < 0) {
		json_object_put(rows);
		return r->status;
	}
	page = json_object_new_array();
	for (i = (size_t)offset; i < n && i < (size_t)(offset + limit); i++)
		json_object_array_add(page,
		    json_object_get(json_object_array_get_idx(rows, i)));
	json_object_put(rows);
	return resp_list(r, kinds, page, (long)n, limit, offset);
}
