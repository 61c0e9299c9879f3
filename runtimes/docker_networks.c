/*
 * docker_networks.c: the Docker driver's network calls: list, create,
 * remove.  Requests and readers are docker.c's (docker.h).
 */
#include "config.h"

#include <stdio.h>

#include "docker.h"

int
dk_network_list(const struct rt_endpoint *ep, json_object **rows,
    struct rt_err *err)
{
	json_object *arr = NULL, *out, *n, *o;
	size_t i, cnt;

	*rows = NULL;
	if (dk_get_as(ep, API "/networks", RT_K_NONE, json_type_array,
	    "network list", &arr, err) < 0)
		return -1;
	out = json_object_new_array();
	cnt = json_object_array_length(arr);
	for (i = 0; i < cnt; i++) {
		n = json_object_array_get_idx(arr, i);
		o = json_object_new_object();
		json_object_object_add(o, "id", dk_jnew_str(jget_str(n, "Id")));
		json_object_object_add(o, "name",
		    dk_jnew_str(jget_str(n, "Name")));
		json_object_object_add(o, "driver",
		    dk_jnew_str(jget_str(n, "Driver")));
		json_object_object_add(o, "scope",
		    dk_jnew_str(jget_str(n, "Scope")));
		json_object_object_add(o, "created_at",
		    dk_iso_or_null(dk_time(jget_str(n, "Created"))));
		json_object_object_add(o, "labels",
		    dk_labels_copy(jget_obj(n, "Labels")));
		json_object_array_add(out, o);
	}
	json_object_put(arr);
	*rows = out;
	return 0;
}

int
dk_network_create(const struct rt_endpoint *ep, const char *name,
    const char *driver, const struct rt_kv *labels, size_t nlabels,
    json_object **out, struct rt_err *err)
{
	json_object *b = dk_named_body(name, driver ? driver : "bridge", labels,
	    nlabels), *ans = NULL;
	int rc;

	*out = NULL;
	json_object_object_add(b, "CheckDuplicate", json_object_new_boolean(1));
	rc = dk_json(ep, "POST", API "/networks/create", b, RT_K_NONE,
	    &ans, err);
	json_object_put(b);
	if (rc < 0)
		return -1;
	*out = json_object_new_object();
	json_object_object_add(*out, "id", dk_jnew_str(jget_str(ans, "Id")));
	json_object_object_add(*out, "name", json_object_new_string(name));
	json_object_object_add(*out, "driver",
	    json_object_new_string(driver ? driver : "bridge"));
	json_object_put(ans);
	return 0;
}

int
dk_network_remove(const struct rt_endpoint *ep, const char *name,
    struct rt_err *err)
{
	char path[512];

	snprintf(path, sizeof(path), API "/networks/%s", name);
	return dk_call(ep, "DELETE", path, NULL, NULL, 0, 0,
	    RT_K_NETWORK, NULL, err) < 0 ? -1 : 0;
}
