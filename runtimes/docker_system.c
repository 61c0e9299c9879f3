/*
 * docker_system.c: the Docker driver's calls about the engine itself:
 * info, version, ping, and a prune of unused containers, images,
 * networks and volumes.  Requests and readers are docker.c's
 * (docker.h).
 */
#include "config.h"

#include <stdio.h>

#include <curl/curl.h>

#include "docker.h"

static int
dk_get_object(const struct rt_endpoint *ep, const char *path,
    const char *what, long timeout_s, json_object **out, struct rt_err *err)
{
	if (dk_call(ep, "GET", path, NULL, NULL, 0, timeout_s, CC_E_NOT_FOUND,
	    out, err) < 0)
		return -1;
	if (dk_want_type(ep, *out, json_type_object, what, err) < 0) {
		json_object_put(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* Podman builds /info (and /version) from package queries: seconds,
 * hence the caller's budget. */
int
dk_info(const struct rt_endpoint *ep, long timeout_s, json_object **out,
    struct rt_err *err)
{
	return dk_get_object(ep, API "/info", "info", timeout_s, out, err);
}

int
dk_version(const struct rt_endpoint *ep, json_object **out,
    struct rt_err *err)
{
	return dk_get_object(ep, API "/version", "version", 0, out, err);
}

int
dk_ping(const struct rt_endpoint *ep, struct rt_err *err)
{
	char msg[512];
	int rc;

	if ((rc = rt_ping(&ep->target, msg, sizeof(msg))) != RT_OK) {
		rt_err_transport(err, rc, ep, msg);
		return -1;
	}
	return 0;
}

int
dk_prune(const struct rt_endpoint *ep, const char *label, json_object **out,
    struct rt_err *err)
{
	static const struct {
		const char	*what, *count_key, *out_key;
	} kinds[] = {
		{ "containers", "ContainersDeleted", "containers_deleted" },
		{ "images", "ImagesDeleted", "images_deleted" },
		{ "networks", "NetworksDeleted", "networks_deleted" },
		{ "volumes", "VolumesDeleted", "volumes_deleted" },
	};
	json_object *ans, *o, *lst;
	char path[1024], *fq = dk_label_filter(label);
	int64_t space = 0;
	size_t i;

	*out = NULL;
	o = json_object_new_object();
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(path, sizeof(path), API "/%s/prune%s%s", kinds[i].what,
		    fq ? "?filters=" : "", fq ? fq : "");
		ans = NULL;
		if (dk_json(ep, "POST", path, NULL, CC_E_NOT_FOUND, &ans,
		    err) < 0) {
			curl_free(fq);
			json_object_put(o);
			return -1;
		}
		lst = dk_strings_of(dk_jget(ans, kinds[i].count_key));
		if (json_object_is_type(dk_jget(ans, kinds[i].count_key),
		    json_type_array) && json_object_array_length(lst) == 0) {
			/* images: [{Deleted|Untagged}] objects */
			json_object *a = dk_jget(ans, kinds[i].count_key);
			size_t j;

			for (j = 0; j < json_object_array_length(a); j++) {
				json_object *e = json_object_array_get_idx(a,
				    j);
				const char *d = dk_jstr(e, "Deleted") ?
				    dk_jstr(e, "Deleted") :
				    dk_jstr(e, "Untagged");
				if (d != NULL)
					json_object_array_add(lst,
					    json_object_new_string(d));
			}
		}
		json_object_object_add(o, kinds[i].out_key, lst);
		space += dk_jint(ans, "SpaceReclaimed");
		json_object_put(ans);
	}
	curl_free(fq);
	json_object_object_add(o, "space_reclaimed",
	    json_object_new_int64(space));
	*out = o;
	return 0;
}
