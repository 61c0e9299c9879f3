/*
 * docker_volumes.c: the Docker driver's volume calls: list, create
 * (409 for a name that exists), remove.  Requests and readers are
 * docker.c's (docker.h).
 */
#include "config.h"

#include <stdio.h>

#include "docker.h"

static json_object *
volume_of(json_object *v)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", dk_jnew_str(jget_str(v, "Name")));
	json_object_object_add(o, "volume_name",
	    dk_jnew_str(jget_str(v, "Name")));
	json_object_object_add(o, "driver", dk_jnew_str(jget_str(v, "Driver")));
	json_object_object_add(o, "mountpoint",
	    dk_jnew_str(jget_str(v, "Mountpoint")));
	json_object_object_add(o, "created_at",
	    dk_iso_or_null(dk_time(jget_str(v, "CreatedAt"))));
	json_object_object_add(o, "labels",
	    dk_labels_copy(jget_obj(v, "Labels")));
	return o;
}

int
dk_volume_list(const struct rt_endpoint *ep, json_object **rows,
    struct rt_err *err)
{
	json_object *ans = NULL, *arr, *out;
	size_t i, n;

	*rows = NULL;
	if (dk_json(ep, "GET", API "/volumes", NULL, RT_K_NONE, &ans,
	    err) < 0)
		return -1;
	arr = jget_arr(ans, "Volumes");
	out = json_object_new_array();
	n = json_object_is_type(arr, json_type_array) ?
	    json_object_array_length(arr) : 0;
	for (i = 0; i < n; i++)
		json_object_array_add(out,
		    volume_of(json_object_array_get_idx(arr, i)));
	json_object_put(ans);
	*rows = out;
	return 0;
}

int
dk_volume_create(const struct rt_endpoint *ep, const char *name,
    const char *driver, const struct rt_kv *labels, size_t nlabels,
    json_object **out, struct rt_err *err)
{
	json_object *b, *ans = NULL;
	char path[512];
	struct rt_err e2;
	int rc;

	*out = NULL;
	/* The engine answers a create of an existing name with that volume;
	 * ours says so: 409, like networks and containers. */
	snprintf(path, sizeof(path), API "/volumes/%s", name);
	if (dk_call(ep, "GET", path, NULL, NULL, 0, 0, RT_K_VOLUME,
	    NULL, &e2) == 0) {
		rt_err_set(err, RT_E_CONFLICT, "endpoint '%s': volume '%s' "
		    "already exists", ep->name, name);
		return -1;
	}
	b = dk_named_body(name, driver ? driver : "local", labels, nlabels);
	rc = dk_json(ep, "POST", API "/volumes/create", b, RT_K_NONE,
	    &ans, err);
	json_object_put(b);
	if (rc < 0)
		return -1;
	*out = volume_of(ans);
	json_object_put(ans);
	return 0;
}

int
dk_volume_remove(const struct rt_endpoint *ep, const char *name, int force,
    struct rt_err *err)
{
	char path[512];

	snprintf(path, sizeof(path), API "/volumes/%s?force=%s", name,
	    force ? "true" : "false");
	return dk_call(ep, "DELETE", path, NULL, NULL, 0, 0,
	    RT_K_VOLUME, NULL, err) < 0 ? -1 : 0;
}
