/*
 * docker_system.c: the Docker driver's calls about the engine itself:
 * info and version (in our words, struct rt_info and rt_version), ping
 * (GET /_ping), and a prune of unused containers, images, networks and
 * volumes.  Requests and builders are docker.c's (docker.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "docker.h"

static int
dk_get_object(const struct rt_endpoint *ep, const char *path,
    const char *what, long timeout_s, json_object **out, struct rt_err *err)
{
	if (dk_call(ep, "GET", path, NULL, NULL, 0, timeout_s, RT_K_NONE,
	    out, err) < 0)
		return -1;
	if (dk_want_type(ep, *out, json_type_object, what, err) < 0) {
		json_object_put(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* A text member into a fixed field ("" when absent or not a string). */
static void
copy_str(char *dst, size_t len, json_object *o, const char *key)
{
	const char *v = jget_str(o, key);

	snprintf(dst, len, "%s", v ? v : "");
}

/* Podman builds /info (and /version) from package queries: seconds,
 * hence the caller's budget.  The answer in our words, the engine's own
 * kept as raw. */
int
dk_info(const struct rt_endpoint *ep, long timeout_s, struct rt_info *out,
    struct rt_err *err)
{
	json_object *o = NULL;

	memset(out, 0, sizeof(*out));
	if (dk_get_object(ep, API "/info", "info", timeout_s, &o, err) < 0)
		return -1;
	copy_str(out->name, sizeof(out->name), o, "Name");
	snprintf(out->driver, sizeof(out->driver), "%s", rt_docker.name);
	copy_str(out->version, sizeof(out->version), o, "ServerVersion");
	copy_str(out->os, sizeof(out->os), o, "OperatingSystem");
	copy_str(out->arch, sizeof(out->arch), o, "Architecture");
	copy_str(out->kernel, sizeof(out->kernel), o, "KernelVersion");
	copy_str(out->storage_driver, sizeof(out->storage_driver), o,
	    "Driver");
	out->cpus = jget_int(o, "NCPU", 0);
	out->memory = jget_int(o, "MemTotal", 0);
	out->containers.total = jget_int(o, "Containers", 0);
	out->containers.running = jget_int(o, "ContainersRunning", 0);
	out->containers.paused = jget_int(o, "ContainersPaused", 0);
	out->containers.stopped = jget_int(o, "ContainersStopped", 0);
	out->images = jget_int(o, "Images", 0);
	out->raw = o;
	return 0;
}

int
dk_version(const struct rt_endpoint *ep, struct rt_version *out,
    struct rt_err *err)
{
	json_object *o = NULL;

	memset(out, 0, sizeof(*out));
	if (dk_get_object(ep, API "/version", "version", 0, &o, err) < 0)
		return -1;
	copy_str(out->version, sizeof(out->version), o, "Version");
	copy_str(out->api_version, sizeof(out->api_version), o, "ApiVersion");
	copy_str(out->min_api_version, sizeof(out->min_api_version), o,
	    "MinAPIVersion");
	copy_str(out->os, sizeof(out->os), o, "Os");
	copy_str(out->arch, sizeof(out->arch), o, "Arch");
	json_object_put(o);
	return 0;
}

/* GET /_ping (5 s at most): 0 when the engine answers 200. */
int
dk_ping(const struct rt_endpoint *ep, struct rt_err *err)
{
	struct rt_resp resp;
	char msg[512];
	int rc;

	if ((rc = rt_http(&ep->target, "GET", "/_ping", NULL, NULL, 0, 4096, 5,
	    &resp, msg, sizeof(msg))) != RT_OK) {
		rt_err_transport(err, rc, ep, msg);
		return -1;
	}
	if (resp.status != 200) {
		snprintf(msg, sizeof(msg), "runtime ping answered HTTP %ld",
		    resp.status);
		rt_err_transport(err, RT_E_PROTO, ep, msg);
		rt_resp_free(&resp);
		return -1;
	}
	rt_resp_free(&resp);
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
		if (dk_json(ep, "POST", path, NULL, RT_K_NONE, &ans,
		    err) < 0) {
			curl_free(fq);
			json_object_put(o);
			return -1;
		}
		lst = dk_strings_of(jget_arr(ans, kinds[i].count_key));
		if (jget_arr(ans, kinds[i].count_key) != NULL &&
		    json_object_array_length(lst) == 0) {
			/* images: [{Deleted|Untagged}] objects */
			json_object *a = jget_arr(ans, kinds[i].count_key);
			size_t j;

			for (j = 0; j < json_object_array_length(a); j++) {
				json_object *e = json_object_array_get_idx(a,
				    j);
				const char *d = jget_str(e, "Deleted") ?
				    jget_str(e, "Deleted") :
				    jget_str(e, "Untagged");
				if (d != NULL)
					json_object_array_add(lst,
					    json_object_new_string(d));
			}
		}
		json_object_object_add(o, kinds[i].out_key, lst);
		space += jget_int(ans, "SpaceReclaimed", 0);
		json_object_put(ans);
	}
	curl_free(fq);
	json_object_object_add(o, "space_reclaimed",
	    json_object_new_int64(space));
	*out = o;
	return 0;
}
