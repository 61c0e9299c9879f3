/*
 * images.c: list, pull, remove, build and import images on an endpoint.
 * Images have no owner: listing is for viewers, changes for operators.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handlers.h"
#include "../storage/storage.h"

/* GET /images: {id, repository, tag, tags, size, created_at}, paged. */
int
h_images_list(struct request *r)
{
	struct rt_endpoint ep;
	json_object *rows;
	struct rt_err e;

	if (ctr_endpoint(r, &ep) < 0)
		return r->status;
	if (!rt_can(&ep, RT_CAP_IMAGES))
		return ctr_unsupported(r, &ep, "images");
	if (ep.driver->image_list(&ep, &rows, &e) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	return ctr_list_page(r, "images", rows);
}

/*
 * POST /images/pull {image, tag?}: pulls and waits for the end (bounded
 * by runtime_timeout).  200 image {image, layers, layers_pulled}; 400 bad
 * reference, 404 IMAGE_NOT_FOUND, 5xx engine.
 */
int
h_image_pull(struct request *r)
{
	struct rt_endpoint ep;
	json_object *out;
	const char *image = jget_str(r->json, "image"), *tag = NULL;
	struct rt_err e;

	/* Sent at all (null too), tag must be a valid one. */
	if (jget_has(r->json, "tag") && ((tag = jget_str(r->json, "tag")) ==
	    NULL || !ctr_name_ok(tag, 128)))
		return resp_error(r, CC_E_INVALID_REQUEST, "tag must be 1 to "
		    "128 of [A-Za-z0-9_.-]");
	if (!ctr_image_ok(image))
		return resp_error(r, CC_E_INVALID_REQUEST, "image must be an "
		    "image reference such as \"busybox:latest\"");
	if (tag != NULL)
		image = req_printf(r, "%s:%s", image, tag);
	if (ctr_endpoint(r, &ep) < 0)
		return r->status;
	if (!rt_can(&ep, RT_CAP_IMAGES))
		return ctr_unsupported(r, &ep, "pulling images");
	/* Bounded by runtime_timeout, not request_timeout. */
	req_set_streaming(r);
	if (ep.driver->image_pull(&ep, image, &out, &e) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	json_object_object_add(out, "endpoint", json_object_new_string(ep.name));
	return resp_ok(r, 200, "image", out);
}

/*
 * DELETE /images/{ref}[?force=true], also DELETE /images/{ref}/remove.
 * The reference may hold slashes (registry/name:tag).  200 image
 * {untagged, deleted}; 404 IMAGE_NOT_FOUND; 409 in use.
 */
int
h_image_delete(struct request *r)
{
	struct rt_endpoint ep;
	json_object *out;
	struct rt_err e;
	char *ref = req_strdup(r, req_param(r, "ref"));
	size_t n;
	int force;

	if (ref == NULL)
		return resp_error(r, CC_E_INTERNAL_ERROR, "out of memory");
	n = strlen(ref);
	if (n > 7 && strcmp(ref + n - 7, "/remove") == 0)
		ref[n - 7] = '\0';
	if (!ctr_image_ok(ref))
		return resp_error(r, CC_E_INVALID_REQUEST, "'%s' is not an "
		    "image reference or id", ref);
	if (req_query_bool(r, "force", 0, &force) < 0 ||
	    ctr_endpoint(r, &ep) < 0)
		return r->status;
	if (!rt_can(&ep, RT_CAP_IMAGES))
		return ctr_unsupported(r, &ep, "removing images");
	if (ep.driver->image_remove(&ep, ref, force, &out, &e) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	return resp_ok(r, 200, "image", out);
}

/* ---- build contexts ---- */

/*
 * A context stored in the file store (a tar the caller may read, at
 * most max bytes) into *out (malloc'd; the caller frees it).  0, or -1
 * with the error written: 400 bad path, 404 FILE_NOT_FOUND (also for
 * another user's file), 413 too large.
 */
static int
tar_stored(struct request *r, const char *upath, size_t max, void **out,
    size_t *outlen)
{
	struct files_meta meta;
	char canon[FILES_PATH_MAX + 2], *p;
	const char *why;
	size_t len = 0;
	ssize_t n;
	int fd = -1, rc;

	if ((why = files_path_canon(upath, canon)) != NULL)
		return resp_error(r, CC_E_INVALID_REQUEST, "file: %s", why), -1;
	if ((rc = files_open(canon, &meta, &fd)) == STORE_E_NOTFOUND ||
	    (rc == 0 && !auth_may_access(r, meta.owner))) {
		if (fd >= 0)
			close(fd);
		return resp_error(r, CC_E_FILE_NOT_FOUND, "file '%s' not "
		    "found", canon), -1;
	}
	if (rc != 0)
		return resp_error(r, CC_E_INTERNAL_ERROR, "file '%s': %s",
		    canon, store_strerror(rc)), -1;
	if (meta.size < 0 || (size_t)meta.size > max) {
		close(fd);
		return resp_error(r, CC_E_PAYLOAD_TOO_LARGE, "build context "
		    "'%s' is larger than %zu bytes", canon, max), -1;
	}
	if ((p = malloc((size_t)meta.size + 1)) == NULL) {
		close(fd);
		return resp_error(r, CC_E_INTERNAL_ERROR, "out of memory"), -1;
	}
	while (len < (size_t)meta.size &&
	    (n = read(fd, p + len, (size_t)meta.size - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len != (size_t)meta.size) {
		free(p);
		return resp_error(r, CC_E_INTERNAL_ERROR, "file '%s' could "
		    "not be read", canon), -1;
	}
	*out = p;
	*outlen = len;
	return 0;
}

/*
 * POST /images/build {tag, dockerfile?, path? | file? |
 * dockerfile_content?}: the context is a directory under build_roots
 * (path), a tar in the file store (file), or a Dockerfile given inline.
 * 200 image {tag, id, log}; 400 bad input or a failed build step; 403 a
 * path outside build_roots; 404 FILE_NOT_FOUND.
 */
int
h_image_build(struct request *r)
{
	struct rt_endpoint ep;
	json_object *out;
	const char *tag = NULL, *df = "Dockerfile", *path = NULL, *text = NULL,
	    *file = NULL;
	char real[4096], msg[512];
	void *tar = NULL;
	size_t tlen = 0, max = rt_cfg.runtime_max_answer;
	struct rt_err e;
	int rc;

	json_object_object_foreach(r->json, k, val) {
		if (strcmp(k, "endpoint") == 0)
			continue;
		if (!json_object_is_type(val, json_type_string))
			return resp_error(r, CC_E_INVALID_REQUEST, "%.32s must "
			    "be a string", k);
		if (strcmp(k, "tag") == 0)
			tag = json_object_get_string(val);
		else if (strcmp(k, "dockerfile") == 0)
			df = json_object_get_string(val);
		else if (strcmp(k, "path") == 0)
			path = json_object_get_string(val);
		else if (strcmp(k, "dockerfile_content") == 0)
			text = json_object_get_string(val);
		else if (strcmp(k, "file") == 0)
			file = json_object_get_string(val);
		else
			return resp_error(r, CC_E_INVALID_REQUEST, "unknown "
			    "field '%.64s'", k);
	}
	if (!ctr_image_ok(tag))
		return resp_error(r, CC_E_INVALID_REQUEST, "tag must be an "
		    "image reference such as \"my-app:latest\"");
	if (!ctr_name_ok(df, 255))
		return resp_error(r, CC_E_INVALID_REQUEST, "dockerfile must be "
		    "a file name inside the context");
	if ((path != NULL) + (text != NULL) + (file != NULL) != 1)
		return resp_error(r, CC_E_INVALID_REQUEST, "give exactly one "
		    "of path (a directory under build_roots), file (a tar in "
		    "the file store) or dockerfile_content");
	if (ctr_endpoint(r, &ep) < 0)
		return r->status;
	if (!rt_can(&ep, RT_CAP_BUILD))
		return ctr_unsupported(r, &ep, "building images");
	if (path != NULL) {
		if (realpath(path, real) == NULL)
			return resp_error(r, CC_E_INVALID_REQUEST, "path '%s': "
			    "%s", path, strerror(errno));
		if (!ctr_path_under(real, svc_cfg.build_roots))
			return resp_error(r, CC_E_FORBIDDEN, "path '%s' is not "
			    "under build_roots", path);
		if ((rc = tar_write_dir(real, max, &tar, &tlen, msg,
		    sizeof(msg))) == SVC_E_TOO_LARGE)
			return resp_error(r, CC_E_INVALID_REQUEST, "cannot pack "
			    "'%s': build context larger than %zu bytes", real,
			    max);
		if (rc < 0)
			return resp_error(r, CC_E_INVALID_REQUEST, "%s", msg);
	} else if (file != NULL) {
		if (tar_stored(r, file, max, &tar, &tlen) < 0)
			return r->status;
	} else {
		struct tar_ent ent = { df, text, strlen(text), 0644, 0, 0, 0,
		    0 };

		if (tar_write(&ent, 1, 0, &tar, &tlen) < 0)
			return resp_error(r, CC_E_INTERNAL_ERROR, "cannot "
			    "build the context");
	}
	req_defer(r, free, tar);
	/* Bounded by runtime_timeout, not request_timeout. */
	req_set_streaming(r);
	if (ep.driver->image_build(&ep, tar, tlen, df, tag, &out, &e) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	json_object_object_add(out, "endpoint", json_object_new_string(ep.name));
	return resp_ok(r, 200, "image", out);
}

/*
 * POST /images/import {file, alias?}: an image from a tarball in the file
 * store (one the caller may read, at most runtime_max_answer bytes), in
 * the engine's own image format (LXD: a unified tarball of metadata.yaml
 * and rootfs/), named alias.  Where no image server can be reached this
 * takes the place of a pull.  201 image {id, fingerprint, aliases,
 * size}; 400 bad input or an engine without imports; 404 FILE_NOT_FOUND;
 * 409 the image is there already; 413 too large.
 */
int
h_image_import(struct request *r)
{
	struct rt_endpoint ep;
	json_object *out;
	const char *file, *alias;
	void *tar = NULL;
	size_t tlen = 0;
	struct rt_err e;
	int bad = 0;

	json_object_object_foreach(r->json, k, val) {
		(void)val;
		if (strcmp(k, "file") != 0 && strcmp(k, "alias") != 0 &&
		    strcmp(k, "endpoint") != 0)
			return resp_error(r, CC_E_INVALID_REQUEST, "unknown "
			    "field '%.64s'", k);
	}
	file = req_body_str(r, "file", &bad);
	alias = req_body_str(r, "alias", &bad);
	if (bad || file == NULL)
		return resp_error(r, CC_E_INVALID_REQUEST, "file (a path in the "
		    "file store) is required; alias is a string");
	if (alias != NULL && (!ctr_name_ok(alias, 128) || strchr(alias, '/')))
		return resp_error(r, CC_E_INVALID_REQUEST, "alias must be 1 to "
		    "128 of [A-Za-z0-9_.-]");
	if (ctr_endpoint(r, &ep) < 0)
		return r->status;
	if (!rt_can(&ep, RT_CAP_IMPORT))
		return ctr_unsupported(r, &ep, "importing images");
	if (tar_stored(r, file, rt_cfg.runtime_max_answer, &tar, &tlen) < 0)
		return r->status;
	req_defer(r, free, tar);
	/* Bounded by runtime_timeout, not request_timeout. */
	req_set_streaming(r);
	if (ep.driver->image_import(&ep, tar, tlen, alias, &out, &e) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	json_object_object_add(out, "endpoint", json_object_new_string(ep.name));
	return resp_ok(r, 201, "image", out);
}
