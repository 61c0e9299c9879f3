/*
 * networks.c: list, create and remove engine networks.  Containers in
 * tests only use network modes none and host; creating a network touches
 * no traffic.
 */
#include "config.h"

#include <string.h>

#include "handlers.h"

/* GET /networks: {id, name, driver, scope, created_at, labels}, paged. */
int
h_networks_list(struct request *r)
{
	struct rt_endpoint ep;
	json_object *rows;
	struct rt_err e;

	if (ctr_endpoint(r, &ep) < 0)
		return r->status;
	if (ep.driver->network_list == NULL)
		return ctr_unsupported(r, &ep, "networks");
	if (ep.driver->network_list(&ep, &rows, &e) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	return ctr_list_page(r, "networks", rows);
}

/* name (and driver) of a create body, checked; NULL after an error. */
const char *
named_body(struct request *r, const char **driver, const char *what)
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
named_labels(struct request *r, struct rt_kv **out)
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

/* POST /networks (and /networks/create) {name, driver?}: 201 network;
 * 409 if the name is taken. */
int
h_network_create(struct request *r)
{
	struct rt_endpoint ep;
	struct rt_kv *labels;
	json_object *out;
	const char *name, *driver;
	struct rt_err e;
	size_t n;

	if ((name = named_body(r, &driver, "network")) == NULL ||
	    ctr_endpoint(r, &ep) < 0)
		return r->status;
	if (ep.driver->network_create == NULL)
		return ctr_unsupported(r, &ep, "creating networks");
	n = named_labels(r, &labels);
	if (ep.driver->network_create(&ep, name, driver, labels, n, &out,
	    &e) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	json_object_object_add(out, "endpoint", json_object_new_string(ep.name));
	return resp_ok(r, 201, "network", out);
}

/* DELETE /networks/{name} (and .../remove): 200; 404 NETWORK_NOT_FOUND;
 * 409 in use. */
int
h_network_delete(struct request *r)
{
	struct rt_endpoint ep;
	json_object *o;
	const char *name = req_param(r, "name");
	struct rt_err e;

	if (!ctr_name_ok(name, 128))
		return resp_error(r, CC_E_INVALID_REQUEST, "network name must "
		    "be 1 to 128 of [A-Za-z0-9_.-]");
	if (ctr_endpoint(r, &ep) < 0)
		return r->status;
	if (ep.driver->network_remove == NULL)
		return ctr_unsupported(r, &ep, "removing networks");
	if (ep.driver->network_remove(&ep, name, &e) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "removed", json_object_new_boolean(1));
	json_object_object_add(o, "endpoint", json_object_new_string(ep.name));
	return resp_ok(r, 200, "network", o);
}
