/*
 * volumes.c: list, create and remove engine volumes.
 */
#include "config.h"

#include <string.h>

#include "handlers.h"

/*
 * GET /volumes: {name, volume_name, driver, mountpoint, created_at,
 * labels}, paged; a non-admin does not see other users' labelled volumes.
 */
int
h_volumes_list(struct request *r)
{
	struct rt_endpoint ep;

	if (ctr_endpoint(r, &ep) < 0)
		return r->status;
	return ctr_named_list(r, &ep, ep.driver->volume_list, "volumes");
}

/* POST /volumes (and /volumes/create) {name, driver?}: 201 volume. */
int
h_volume_create(struct request *r)
{
	struct rt_endpoint ep;
	const char *name, *driver;

	if ((name = ctr_named_body(r, &driver, "volume")) == NULL ||
	    ctr_endpoint(r, &ep) < 0)
		return r->status;
	return ctr_named_create(r, &ep, ep.driver->volume_create, name, driver,
	    "volume");
}

/* DELETE /volumes/{name}[?force=true] (and .../remove): 200; 404
 * VOLUME_NOT_FOUND; 409 in use. */
int
h_volume_delete(struct request *r)
{
	struct rt_endpoint ep;
	json_object *o;
	const char *name = req_param(r, "name");
	struct rt_err e;
	int force;

	if (!ctr_name_ok(name, 255))
		return resp_error(r, CC_E_INVALID_REQUEST, "volume name must "
		    "be 1 to 255 of [A-Za-z0-9_.-]");
	if (req_query_bool(r, "force", 0, &force) < 0 ||
	    ctr_endpoint(r, &ep) < 0)
		return r->status;
	if (ep.driver->volume_remove == NULL)
		return ctr_unsupported(r, &ep, "removing volumes");
	if (ctr_named_removable(r, &ep, ep.driver->volume_list, name,
	    CC_E_VOLUME_NOT_FOUND, "volume") != 0)
		return r->status;
	if (ep.driver->volume_remove(&ep, name, force, &e) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "removed", json_object_new_boolean(1));
	json_object_object_add(o, "endpoint", json_object_new_string(ep.name));
	return resp_ok(r, 200, "volume", o);
}
