/*
 * images_prepare.c: ImageManager.prepareImage of proxmox-pods-api.md as
 * REST: a template downloaded into an endpoint's storage.  A download
 * takes longer than a request may, so the worker only starts it (the
 * engine answers its task at once), records the task in storage
 * (storage/pods.c, "t/<id>") and answers 202; the task follower
 * (tasks/tasks.c, a process kind of the pool) polls the engine's task to
 * its end and reports it in the record and the event log
 * (image_prepare events).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "handlers.h"
#include "../storage/storage.h"

#define PREP_PREFIX "prep_"

static int
algorithm_ok(const char *a)
{
	static const char *const ok[] = { "md5", "sha1", "sha224", "sha256",
	    "sha384", "sha512", NULL };
	const char *const *p;

	for (p = ok; *p != NULL; p++)
		if (strcmp(*p, a) == 0)
			return 1;
	return 0;
}

/* The record's public members (a new object). */
static json_object *
task_view(json_object *rec)
{
	static const char *const keys[] = { "id", "state", "endpoint", "node",
	    "storage", "filename", "volume", "url", "upid", "exitstatus",
	    "owner", "created_at", "finished_at" };
	json_object *o = json_object_new_object(), *v;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_object_get_ex(rec, keys[i], &v))
			json_object_object_add(o, keys[i], json_object_get(v));
	return o;
}

/*
 * POST /images/prepare {endpoint?, url, checksum?, checksum_algorithm?,
 * storage?, filename}: starts the download of a container template
 * (content vztmpl) into storage (the engine's template storage when
 * absent) and answers at once.  202 {task} with Location; 400 bad input
 * or an endpoint without pods; 404 endpoint; 502 the engine refused.
 */
int
h_image_prepare(struct request *r)
{
	struct rt_image_prepare ip;
	struct rt_endpoint ep;
	struct rt_err e;
	json_object *rec;
	unsigned char rnd[8];
	char upid[512], volume[RT_PATHLEN], id[32], ts[32];
	int bad = 0, rc;

	memset(&ip, 0, sizeof(ip));
	json_object_object_foreach(r->json, k, val) {
		(void)val;
		if (strcmp(k, "endpoint") != 0 && strcmp(k, "url") != 0 &&
		    strcmp(k, "checksum") != 0 &&
		    strcmp(k, "checksum_algorithm") != 0 &&
		    strcmp(k, "storage") != 0 && strcmp(k, "filename") != 0)
			bad = 1;
	}
	ip.url = req_body_str(r, "url", &bad);
	ip.checksum = req_body_str(r, "checksum", &bad);
	ip.checksum_algorithm = req_body_str(r, "checksum_algorithm", &bad);
	ip.storage = req_body_str(r, "storage", &bad);
	ip.filename = req_body_str(r, "filename", &bad);
	if (bad || ip.url == NULL || strlen(ip.url) > 1024 ||
	    (strncmp(ip.url, "https://", 8) != 0 &&
	    strncmp(ip.url, "http://", 7) != 0) || ip.filename == NULL ||
	    strlen(ip.filename) > 200 || strspn(ip.filename,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	    "._-") != strlen(ip.filename) || ip.filename[0] == '.' ||
	    (ip.storage && (strlen(ip.storage) > 63 || strspn(ip.storage,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	    "._-") != strlen(ip.storage))) || (ip.checksum == NULL) !=
	    (ip.checksum_algorithm == NULL) || (ip.checksum &&
	    (strlen(ip.checksum) > 128 || strspn(ip.checksum,
	    "0123456789abcdefABCDEF") != strlen(ip.checksum))) ||
	    (ip.checksum_algorithm && !algorithm_ok(ip.checksum_algorithm)))
		return resp_error(r, CC_E_INVALID_REQUEST, "a template download "
		    "takes an http(s) url and a filename of [A-Za-z0-9._-]; "
		    "checksum (hex) and checksum_algorithm (md5, sha1, sha224, "
		    "sha256, sha384, sha512) go together");
	if (ctr_endpoint(r, &ep) < 0)
		return r->status;
	if (!rt_can(&ep, RT_CAP_PODS))
		return ctr_unsupported(r, &ep, "template downloads");
	if (ep.driver->pods->image_prepare(&ep, &ip, upid, sizeof(upid),
	    volume, sizeof(volume), &e) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	randombytes_buf(rnd, sizeof(rnd));
	memcpy(id, PREP_PREFIX, sizeof(PREP_PREFIX) - 1);
	sodium_bin2hex(id + sizeof(PREP_PREFIX) - 1, sizeof(id) -
	    (sizeof(PREP_PREFIX) - 1), rnd, sizeof(rnd));
	iso8601(ts, now_wall());
	rec = json_object_new_object();
	req_defer_json(r, rec);
	json_object_object_add(rec, "id", json_object_new_string(id));
	json_object_object_add(rec, "state", json_object_new_string(
	    "running"));
	json_object_object_add(rec, "endpoint",
	    json_object_new_string(ep.name));
	json_object_object_add(rec, "node", json_object_new_string(ep.node));
	json_object_object_add(rec, "storage", ip.storage ?
	    json_object_new_string(ip.storage) : NULL);
	json_object_object_add(rec, "filename",
	    json_object_new_string(ip.filename));
	json_object_object_add(rec, "volume", json_object_new_string(volume));
	json_object_object_add(rec, "url", json_object_new_string(ip.url));
	json_object_object_add(rec, "upid", json_object_new_string(upid));
	json_object_object_add(rec, "owner",
	    json_object_new_string(r->who.user));
	json_object_object_add(rec, "created_at", json_object_new_string(ts));
	json_object_object_add(rec, "started", json_object_new_int64(
	    (int64_t)now_wall()));
	if ((rc = store_ptask_put(id, rec, STORE_NOOVERWRITE)) != 0)
		return resp_store_error(r, rc, "template download");
	resp_header(r, "Location", "/api/v1/images/prepare/%s", id);
	return resp_ok(r, 202, "task", task_view(rec));
}

/* GET /images/prepare/{task}: the download's state: running, completed
 * (with its volume) or failed (with the engine's exitstatus).  200; 400;
 * 404 (also another user's). */
int
h_image_prepare_get(struct request *r)
{
	const char *id = req_param(r, "task");
	json_object *rec = NULL;
	int rc;

	if (id == NULL || strncmp(id, PREP_PREFIX, sizeof(PREP_PREFIX) - 1) ||
	    strlen(id) != sizeof(PREP_PREFIX) - 1 + 16 ||
	    strspn(id + sizeof(PREP_PREFIX) - 1, "0123456789abcdef") != 16)
		return resp_error(r, CC_E_INVALID_REQUEST, "a task id is "
		    PREP_PREFIX "and 16 hex digits");
	if ((rc = store_ptask_get(id, &rec)) == STORE_E_NOTFOUND ||
	    (rc == 0 && !ctr_may_see(r, jget_str(rec, "owner")))) {
		json_object_put(rec);
		return resp_error(r, CC_E_NOT_FOUND, "no template download "
		    "'%s'", id);
	}
	if (rc != 0)
		return resp_store_error(r, rc, "template download");
	req_defer_json(r, rec);
	return resp_ok(r, 200, "task", task_view(rec));
}
