/*
 * networks.c: list, create and remove engine networks.  Containers in
 * tests only use network modes none and host; creating a network touches
 * no traffic.
 */
#include "config.h"

#include <string.h>

#include "handlers.h"

/*
 * GET /networks: {id, name, driver, scope, created_at, labels}, paged;
 * a non-admin does not see other users' labelled networks.
 */
int
h_networks_list(struct request *r)
{
	struct rt_endpoint ep;

	if (ctr_endpoint(r, &ep) < 0)
		return r->status;
	return ctr_named_list(r, &ep, ep.driver->network_list, "networks");
}

/* POST /networks (and /networks/create) {name, driver?}: 201 network;
 * 409 if the name is taken. */
int
h_network_create(struct request *r)
{
	struct rt_endpoint ep;
	const char *name, *driver;

	if ((name = ctr_named_body(r, &driver, "network")) == NULL ||
	    ctr_endpoint(r, &ep) < 0)
		return r->status;
	return ctr_named_create(r, &ep, ep.driver->network_create, name, driver,
	    "network");
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
	if (ctr_named_removable(r, &ep, ep.driver->network_list, name,
	    CC_E_NETWORK_NOT_FOUND, "network") != 0)
		return r->status;
	if (ep.driver->network_remove(&ep, name, &e) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "removed", json_object_new_boolean(1));
	json_object_object_add(o, "endpoint", json_object_new_string(ep.name));
	return resp_ok(r, 200, "network", o);
}
