/*
 * ctr_common.c: what the container, image, network and volume handlers
 * share: which endpoint a request names, who may see which container,
 * turning an engine error into the answer (ctr_rt_code, the one mapping
 * of RT_E_* to ours), the 404 with the containers the caller could have
 * meant, and the container_event log.
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
 * The endpoint named by ?endpoint= (or "endpoint" in a JSON body); the
 * default when absent.  Writes the error (400 bad name or "all" here,
 * 404 ENDPOINT_NOT_FOUND) and returns -1.
 */
int
ctr_endpoint(struct request *r, struct rt_endpoint *ep)
{
	const char *name = req_query(r, "endpoint");
	json_object *v;
	struct rt_err e;

	if (name == NULL && r->json != NULL &&
	    json_object_object_get_ex(r->json, "endpoint", &v)) {
		if (!json_object_is_type(v, json_type_string)) {
			resp_error(r, CC_E_INVALID_REQUEST, "endpoint must be "
			    "a string");
			return -1;
		}
		name = json_object_get_string(v);
	}
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
	json_object *o = NULL, *v;
	struct rt_err e;
	const char *owner = NULL;

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
	if (json_object_object_get_ex(o, "owner", &v))
		owner = json_object_get_string(v);
	if (!ctr_may_see(r, owner)) {
		json_object_put(o);
		ctr_not_found(r, ep, *id);
		return -1;
	}
	if (json_object_object_get_ex(o, "id", &v) &&
	    json_object_get_string_len(v) > 0)
		*id = req_strdup(r, json_object_get_string(v));
	if (info != NULL)
		*info = o;
	else
		json_object_put(o);
	return 0;
}

/* Appends {container_id, event, endpoint, timestamp, actor} to the
 * event log.  A failed append is logged, never fatal to the action. */
void
ctr_event(struct request *r, const struct rt_endpoint *ep, const char *id,
    const char *event)
{
	json_object *d = json_object_new_object();
	char ts[32];
	int rc;

	iso8601(ts, now_wall());
	json_object_object_add(d, "container_id", json_object_new_string(id));
	json_object_object_add(d, "event", json_object_new_string(event));
	json_object_object_add(d, "endpoint", json_object_new_string(ep->name));
	json_object_object_add(d, "timestamp", json_object_new_string(ts));
	json_object_object_add(d, "actor", json_object_new_string(
	    r->who.user[0] ? r->who.user : "anonymous"));
	if ((rc = store_event_append(NULL, "container_event", d, NULL)) != 0)
		log_msg(LOG_L_WARN, "container_event %s %s not recorded: %s",
		    event, id, store_strerror(rc));
	json_object_put(d);
}

/* The cc.owner label of a network or volume row, NULL if unlabelled. */
static const char *
row_owner(json_object *row)
{
	json_object *labels, *v;

	if (!json_object_object_get_ex(row, "labels", &labels) ||
	    !json_object_object_get_ex(labels, CTR_OWNER_LABEL, &v))
		return NULL;
	return json_object_get_string(v);
}

/*
 * Drops the network or volume rows another user created: a non-admin
 * sees their own and the engine's unlabelled ones (the defaults they may
 * attach to).  Rows is changed in place.
 */
static void
visible_named(const struct request *r, json_object *rows)
{
	size_t i = json_object_array_length(rows);
	const char *owner;

	while (i-- > 0) {
		owner = row_owner(json_object_array_get_idx(rows, i));
		if (owner != NULL && !ctr_may_see(r, owner))
			json_object_array_del_idx(rows, i, 1);
	}
}

/*
 * GET /networks and /volumes: the endpoint's list (list may be NULL when
 * its driver has none: 400), others' labelled ones hidden from a
 * non-admin, paged under kinds.
 */
int
ctr_named_list(struct request *r, const struct rt_endpoint *ep,
    ctr_named_list_fn list, const char *kinds)
{
	json_object *rows;
	struct rt_err e;

	if (list == NULL)
		return ctr_unsupported(r, ep, kinds);
	if (list(ep, &rows, &e) < 0)
		return ctr_rt_error(r, ep, &e, NULL);
	visible_named(r, rows);
	return ctr_list_page(r, kinds, rows);
}

/*
 * POST /networks and /volumes: creates name (labelled with the caller)
 * and answers 201 with it under kind; create may be NULL (400).
 */
int
ctr_named_create(struct request *r, const struct rt_endpoint *ep,
    ctr_named_create_fn create, const char *name, const char *driver,
    const char *kind)
{
	struct rt_kv *labels;
	json_object *out;
	struct rt_err e;
	size_t n;

	if (create == NULL)
		return ctr_unsupported(r, ep, req_printf(r, "creating %ss",
		    kind));
	n = ctr_named_labels(r, &labels);
	if (create(ep, name, driver, labels, n, &out, &e) < 0)
		return ctr_rt_error(r, ep, &e, NULL);
	json_object_object_add(out, "endpoint", json_object_new_string(ep->name));
	return resp_ok(r, 201, kind, out);
}

/*
 * Lets a removal of the named network or volume go ahead: admins always,
 * others only for one labelled with their name.  Returns 0, or the status
 * of the answer it wrote (nf, e.g. NETWORK_NOT_FOUND, for someone else's:
 * 404 rather than 403, so names of others' objects do not leak).
 */
int
ctr_named_removable(struct request *r, const struct rt_endpoint *ep,
    int (*list)(const struct rt_endpoint *, json_object **, struct rt_err *),
    const char *name, enum cc_err nf, const char *what)
{
	json_object *rows, *row, *v;
	struct rt_err e;
	size_t i, n;
	int mine = 0;

	if (ctr_is_admin(r) || list == NULL)
		return 0;
	if (list(ep, &rows, &e) < 0)
		return ctr_rt_error(r, ep, &e, NULL);
	n = json_object_array_length(rows);
	for (i = 0; i < n && !mine; i++) {
		row = json_object_array_get_idx(rows, i);
		mine = json_object_object_get_ex(row, "name", &v) &&
		    strcmp(json_object_get_string(v), name) == 0 &&
		    row_owner(row) != NULL && ctr_may_see(r, row_owner(row));
	}
	json_object_put(rows);
	if (mine)
		return 0;
	return resp_error(r, nf, "%s '%s' not found on endpoint '%s'", what,
	    name, ep->name);
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

/* name (and driver) of a create body, checked; NULL after an error. */
const char *
ctr_named_body(struct request *r, const char **driver, const char *what)
{
	json_object *v;
	const char *name = NULL;

	*driver = NULL;
	json_object_object_foreach(r->json, k, val) {
		if (strcmp(k, "endpoint") == 0 || strcmp(k, "labels") == 0)
			continue;
		if (strcmp(k, "name") != 0 && strcmp(k, "driver") != 0) {
			resp_error(r, CC_E_INVALID_REQUEST, "unknown field "
			    "'%.64s'", k);
			return NULL;
		}
		if (!json_object_is_type(val, json_type_string) ||
		    !ctr_name_ok(json_object_get_string(val), 64)) {
			resp_error(r, CC_E_INVALID_REQUEST, "%s %s must be 1 "
			    "to 64 of [A-Za-z0-9_.-], starting with a letter "
			    "or digit", what, k);
			return NULL;
		}
		if (strcmp(k, "name") == 0)
			name = json_object_get_string(val);
		else
			*driver = json_object_get_string(val);
	}
	if (json_object_object_get_ex(r->json, "labels", &v) &&
	    !json_object_is_type(v, json_type_object)) {
		resp_error(r, CC_E_INVALID_REQUEST, "labels must be an object");
		return NULL;
	}
	if (name == NULL)
		resp_error(r, CC_E_INVALID_REQUEST, "%s name is required",
		    what);
	return name;
}

/* The labels of a create body (strings only), plus cc.owner. */
size_t
ctr_named_labels(struct request *r, struct rt_kv **out)
{
	json_object *l = NULL;
	struct rt_kv *kv;
	size_t n = 0;

	json_object_object_get_ex(r->json, "labels", &l);
	kv = req_alloc(r, ((l ? (size_t)json_object_object_length(l) : 0) +
	    1) * sizeof(*kv));
	*out = kv;
	if (kv == NULL)
		return 0;
	if (l != NULL) {
		json_object_object_foreach(l, k, v) {
			if (!json_object_is_type(v, json_type_string) ||
			    strcmp(k, CTR_OWNER_LABEL) == 0)
				continue;
			kv[n].key = k;
			kv[n++].value = json_object_get_string(v);
		}
	}
	if (r->who.user[0] != '\0') {
		kv[n].key = CTR_OWNER_LABEL;
		kv[n++].value = r->who.user;
	}
	return n;
}
