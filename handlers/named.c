/*
 * named.c: the engine objects known by a name alone, networks and
 * volumes: list, create and remove, one set of handlers driven by a row
 * per kind (the route row's arg, enum named_kind).  A row says what
 * differs between kinds: their words, their not-found code, how long a
 * name may be, whether removal takes ?force=, and which driver members
 * do the work.  Containers in tests only use network modes none and
 * host; creating a network touches no traffic.
 *
 * Ownership: what a user creates is labelled cc.owner; a non-admin sees
 * what they may use (services/ctr_refs.c: their own, and unlabelled
 * networks such as the engine's defaults; an unlabelled volume is an
 * admin's) and removes only their own.
 */
#include "config.h"

#include <string.h>

#include "handlers.h"

typedef int (*named_list_fn)(const struct rt_endpoint *, json_object **,
    struct rt_err *);
typedef int (*named_create_fn)(const struct rt_endpoint *, const char *,
    const char *, const struct rt_kv *, size_t, json_object **,
    struct rt_err *);
typedef int (*named_remove_fn)(const struct rt_endpoint *, const char *,
    int force, struct rt_err *);

/* One kind's driver members (NULL where the driver has none). */
struct named_ops {
	named_list_fn	 list;
	named_create_fn	 create;
	named_remove_fn	 remove;
};

/* What differs between the kinds: one row each, indexed by the route
 * row's arg. */
struct kind_desc {
	const char	*one, *many;	/* "network", "networks" */
	enum cc_err	 not_found;
	enum rt_kind	 rt_kind;	/* for the ownership rule */
	size_t		 name_max;	/* of the {name} a removal takes */
	int		 force;		/* removal reads ?force= */
	unsigned	 cap;		/* RT_CAP_* the driver must have */
	void		(*ops)(const struct rt_driver *, struct named_ops *);
};

/* A network removal has no force; the shared signature has one. */
static int
network_remove(const struct rt_endpoint *ep, const char *name, int force,
    struct rt_err *e)
{
	(void)force;
	return ep->driver->network_remove(ep, name, e);
}

static void
network_ops(const struct rt_driver *d, struct named_ops *o)
{
	o->list = d->network_list;
	o->create = d->network_create;
	o->remove = d->network_remove != NULL ? network_remove : NULL;
}

static void
volume_ops(const struct rt_driver *d, struct named_ops *o)
{
	o->list = d->volume_list;
	o->create = d->volume_create;
	o->remove = d->volume_remove;
}

static const struct kind_desc kinds[NAMED__MAX] = {
	[NAMED_NETWORK] = { "network", "networks", CC_E_NETWORK_NOT_FOUND,
	    RT_K_NETWORK, 128, 0, RT_CAP_NETWORKS, network_ops },
	[NAMED_VOLUME] = { "volume", "volumes", CC_E_VOLUME_NOT_FOUND,
	    RT_K_VOLUME, 255, 1, RT_CAP_VOLUMES, volume_ops },
};

/* The kind's members on this endpoint: none unless its driver declares
 * the kind's capability. */
static void
kind_ops(const struct kind_desc *k, const struct rt_endpoint *ep,
    struct named_ops *ops)
{
	memset(ops, 0, sizeof(*ops));
	if (rt_can(ep, k->cap))
		k->ops(ep->driver, ops);
}

/* The kind the route row names, or NULL after a 500 (a row without). */
static const struct kind_desc *
kind_of(struct request *r)
{
	int k = r->route != NULL ? r->route->arg : 0;

	if (k <= 0 || k >= NAMED__MAX) {
		resp_error(r, CC_E_INTERNAL_ERROR, "route without a kind");
		return NULL;
	}
	return &kinds[k];
}

/*
 * Drops the rows the caller may not use (ctr_ref_usable): another's,
 * and for a non-admin an unlabelled volume.  Rows is changed in place.
 */
static void
visible_rows(const struct request *r, const struct kind_desc *k,
    json_object *rows)
{
	size_t i = json_object_array_length(rows);
	int admin = ctr_is_admin(r);

	while (i-- > 0)
		if (!ctr_ref_usable(k->rt_kind, ctr_ref_owner(
		    json_object_array_get_idx(rows, i)), r->who.user, admin))
			json_object_array_del_idx(rows, i, 1);
}

/*
 * GET /networks, /volumes: the endpoint's list, what a non-admin may
 * not use hidden (others', and unlabelled volumes), paged.  400 when
 * the driver has no list.
 */
int
h_named_list(struct request *r)
{
	const struct kind_desc *k;
	struct named_ops ops;
	struct rt_endpoint ep;
	json_object *rows;
	struct rt_err e;

	if ((k = kind_of(r)) == NULL || ctr_endpoint(r, &ep) < 0)
		return r->status;
	kind_ops(k, &ep, &ops);
	if (ops.list == NULL)
		return ctr_unsupported(r, &ep, k->many);
	if (ops.list(&ep, &rows, &e) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	visible_rows(r, k, rows);
	return ctr_list_page(r, k->many, rows);
}

/* name (and driver) of a create body, checked; NULL after a 400. */
static const char *
create_body(struct request *r, const char **driver, const char *what)
{
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
	if (jget_has(r->json, "labels") && jget_obj(r->json, "labels") ==
	    NULL) {
		resp_error(r, CC_E_INVALID_REQUEST, "labels must be an object");
		return NULL;
	}
	if (name == NULL)
		resp_error(r, CC_E_INVALID_REQUEST, "%s name is required",
		    what);
	return name;
}

/* The labels of a create body (strings only), plus cc.owner; *out is
 * the request's. */
static size_t
create_labels(struct request *r, struct rt_kv **out)
{
	json_object *l = jget_obj(r->json, "labels");
	struct rt_kv *kv;
	size_t n = 0;

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

/*
 * POST /networks, /volumes (and .../create) {name, driver?, labels?}:
 * creates it, labelled with the caller, and answers 201 with it; 400 bad
 * body, a network named like a network mode ("host", "HOST") or a
 * driver without create, 409 the name is taken.
 */
int
h_named_create(struct request *r)
{
	const struct kind_desc *k;
	struct named_ops ops;
	struct rt_endpoint ep;
	const char *name, *driver;
	struct rt_kv *labels;
	json_object *out;
	struct rt_err e;
	size_t n;

	if ((k = kind_of(r)) == NULL ||
	    (name = create_body(r, &driver, k->one)) == NULL ||
	    ctr_endpoint(r, &ep) < 0)
		return r->status;
	/* network_mode would take it for the mode, never the network. */
	if (k->rt_kind == RT_K_NETWORK && ctr_net_mode(name) != 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "network name '%s' "
		    "is a network mode word (in any case): choose another",
		    name);
	kind_ops(k, &ep, &ops);
	if (ops.create == NULL)
		return ctr_unsupported(r, &ep, req_printf(r, "creating %s",
		    k->many));
	n = create_labels(r, &labels);
	if (ops.create(&ep, name, driver, labels, n, &out, &e) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	json_object_object_add(out, "endpoint", json_object_new_string(ep.name));
	return resp_ok(r, 201, k->one, out);
}

/*
 * Lets a removal of name go ahead: admins always, others only for one
 * labelled with their name.  Returns 0, or the status of the answer it
 * wrote (the kind's not-found code for someone else's: 404 rather than
 * 403, so names of others' objects do not leak).
 */
static int
removable(struct request *r, const struct rt_endpoint *ep,
    const struct kind_desc *k, named_list_fn list, const char *name)
{
	json_object *rows, *row;
	const char *n;
	struct rt_err e;
	size_t i, len;
	int mine = 0;

	if (ctr_is_admin(r) || list == NULL)
		return 0;
	if (list(ep, &rows, &e) < 0)
		return ctr_rt_error(r, ep, &e, NULL);
	len = json_object_array_length(rows);
	for (i = 0; i < len && !mine; i++) {
		row = json_object_array_get_idx(rows, i);
		mine = (n = jget_str(row, "name")) != NULL &&
		    strcmp(n, name) == 0 && ctr_ref_owner(row) != NULL &&
		    ctr_may_see(r, ctr_ref_owner(row));
	}
	json_object_put(rows);
	if (mine)
		return 0;
	return resp_error(r, k->not_found, "%s '%s' not found on endpoint "
	    "'%s'", k->one, name, ep->name);
}

/*
 * DELETE /networks/{name}, /volumes/{name}[?force=true] (and .../remove):
 * 200 {name, removed, endpoint}; 400 bad name; 404 NETWORK_NOT_FOUND or
 * VOLUME_NOT_FOUND; 409 in use.
 */
int
h_named_delete(struct request *r)
{
	const struct kind_desc *k;
	struct named_ops ops;
	struct rt_endpoint ep;
	const char *name = req_param(r, "name");
	json_object *o;
	struct rt_err e;
	int force = 0;

	if ((k = kind_of(r)) == NULL)
		return r->status;
	if (!ctr_name_ok(name, k->name_max))
		return resp_error(r, CC_E_INVALID_REQUEST, "%s name must be 1 "
		    "to %zu of [A-Za-z0-9_.-]", k->one, k->name_max);
	if ((k->force && req_query_bool(r, "force", 0, &force) < 0) ||
	    ctr_endpoint(r, &ep) < 0)
		return r->status;
	kind_ops(k, &ep, &ops);
	if (ops.remove == NULL)
		return ctr_unsupported(r, &ep, req_printf(r, "removing %s",
		    k->many));
	if (removable(r, &ep, k, ops.list, name) != 0)
		return r->status;
	if (ops.remove(&ep, name, force, &e) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "removed", json_object_new_boolean(1));
	json_object_object_add(o, "endpoint", json_object_new_string(ep.name));
	return resp_ok(r, 200, k->one, o);
}
