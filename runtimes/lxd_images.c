/*
 * lxd_images.c: the LXD driver's images: list (aliases, fingerprint,
 * size, architecture), remove by alias or fingerprint, and import from
 * a unified tarball (metadata.yaml and rootfs/) with an alias.  A pull
 * needs an image server, which LXD endpoints here cannot reach: it is
 * refused, naming the import.  Requests are lxd.c's (lxd.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lxd.h"

json_object *
lx_image_row(json_object *img)
{
	json_object *o = json_object_new_object(), *tags, *al, *a, *props;
	const char *fp = jget_str(img, "fingerprint"), *first = NULL;
	size_t i, n;

	props = jget_obj(img, "properties");
	tags = json_object_new_array();
	al = json_object_new_array();
	n = jget_arr(img, "aliases") ? json_object_array_length(jget_arr(img,
	    "aliases")) : 0;
	for (i = 0; i < n; i++) {
		a = json_object_array_get_idx(jget_arr(img, "aliases"), i);
		if (jget_str(a, "name") == NULL)
			continue;
		if (first == NULL)
			first = jget_str(a, "name");
		json_object_array_add(tags, lx_str(jget_str(a, "name")));
		json_object_array_add(al, lx_str(jget_str(a, "name")));
	}
	json_object_object_add(o, "id", lx_str(fp));
	json_object_object_add(o, "fingerprint", lx_str(fp));
	json_object_object_add(o, "repository", lx_str(first));
	json_object_object_add(o, "tag", lx_str(""));
	json_object_object_add(o, "tags", tags);
	json_object_object_add(o, "aliases", al);
	json_object_object_add(o, "size", json_object_new_int64(jget_int(img,
	    "size", 0)));
	json_object_object_add(o, "architecture",
	    lx_str(jget_str(img, "architecture")));
	json_object_object_add(o, "type", lx_str(jget_str(img, "type")));
	json_object_object_add(o, "description",
	    lx_str(jget_str(props, "description")));
	json_object_object_add(o, "os", lx_str(jget_str(props, "os")));
	json_object_object_add(o, "created_at",
	    lx_iso(jget_str(img, "created_at")));
	json_object_object_add(o, "uploaded_at",
	    lx_iso(jget_str(img, "uploaded_at")));
	return o;
}

int
lx_image_list(const struct rt_endpoint *ep, json_object **rows,
    struct rt_err *err)
{
	json_object *arr = NULL, *out;
	char path[128];
	size_t i, n;

	*rows = NULL;
	lx_path(ep, path, sizeof(path), "/1.0/images?recursion=1");
	if (lx_json(ep, "GET", path, NULL, 0, RT_K_NONE, &arr, err) < 0)
		return -1;
	if (!json_object_is_type(arr, json_type_array)) {
		json_object_put(arr);
		rt_err_set(err, RT_E_PROTO, "endpoint '%s': malformed answer "
		    "(an image list that is no array)", ep->name);
		return -1;
	}
	out = json_object_new_array();
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++)
		json_object_array_add(out,
		    lx_image_row(json_object_array_get_idx(arr, i)));
	json_object_put(arr);
	*rows = out;
	return 0;
}

int
lx_image_pull(const struct rt_endpoint *ep, const char *ref,
    json_object **out, struct rt_err *err)
{
	*out = NULL;
	rt_err_set(err, RT_E_UNSUPPORTED, "endpoint '%s' (lxd) pulls from no "
	    "image server: upload the image tarball to the file store and "
	    "POST /images/import {file, alias} ('%.64s')", ep->name, ref);
	return -1;
}

/* An alias or fingerprint (a prefix of one) as an image object. */
static int
image_of(const struct rt_endpoint *ep, const char *ref, json_object **img,
    struct rt_err *err)
{
	json_object *al = NULL;
	const char *target = ref;
	char path[512];
	int rc;

	*img = NULL;
	if (strpbrk(ref, "/?#%& ") != NULL || strlen(ref) > 255) {
		rt_err_set(err, RT_E_NOT_FOUND, "endpoint '%s': no image "
		    "'%.64s'", ep->name, ref);
		err->kind = RT_K_IMAGE;
		return -1;
	}
	lx_path(ep, path, sizeof(path), "/1.0/images/aliases/%s", ref);
	if (lx_json(ep, "GET", path, NULL, 0, RT_K_IMAGE, &al, err) == 0)
		target = jget_str(al, "target") ? jget_str(al, "target") : ref;
	else if (err->code != RT_E_NOT_FOUND)
		return -1;
	lx_path(ep, path, sizeof(path), "/1.0/images/%s", target);
	rc = lx_json(ep, "GET", path, NULL, 0, RT_K_IMAGE, img, err);
	json_object_put(al);
	if (rc == 0 && jget_str(*img, "fingerprint") == NULL) {
		json_object_put(*img);
		*img = NULL;
		rt_err_set(err, RT_E_PROTO, "endpoint '%s': malformed answer "
		    "(an image without a fingerprint)", ep->name);
		return -1;
	}
	if (rc < 0 && err->code == RT_E_NOT_FOUND)
		rt_err_set(err, RT_E_NOT_FOUND, "endpoint '%s': no image "
		    "'%.64s'", ep->name, ref), err->kind = RT_K_IMAGE;
	return rc;
}

/* {untagged: its aliases, deleted: [fingerprint]}; force changes
 * nothing: LXD's instances keep their own copy of what they came from. */
int
lx_image_remove(const struct rt_endpoint *ep, const char *ref, int force,
    json_object **out, struct rt_err *err)
{
	json_object *img = NULL, *o, *un, *del, *a;
	char path[256];
	size_t i, n;

	(void)force;
	*out = NULL;
	if (image_of(ep, ref, &img, err) < 0)
		return -1;
	lx_path(ep, path, sizeof(path), "/1.0/images/%s",
	    jget_str(img, "fingerprint"));
	if (lx_json(ep, "DELETE", path, NULL, 0, RT_K_IMAGE, NULL, err) < 0) {
		json_object_put(img);
		return -1;
	}
	o = json_object_new_object();
	un = json_object_new_array();
	del = json_object_new_array();
	n = jget_arr(img, "aliases") ? json_object_array_length(jget_arr(img,
	    "aliases")) : 0;
	for (i = 0; i < n; i++) {
		a = json_object_array_get_idx(jget_arr(img, "aliases"), i);
		if (jget_str(a, "name") != NULL)
			json_object_array_add(un, lx_str(jget_str(a, "name")));
	}
	json_object_array_add(del, lx_str(jget_str(img, "fingerprint")));
	json_object_object_add(o, "untagged", un);
	json_object_object_add(o, "deleted", del);
	json_object_put(img);
	*out = o;
	return 0;
}

/* Names fingerprint alias: a new alias, or one moved onto it. */
static int
set_alias(const struct rt_endpoint *ep, const char *alias, const char *fp,
    struct rt_err *err)
{
	json_object *b = json_object_new_object();
	char path[512];
	int rc;

	json_object_object_add(b, "name", json_object_new_string(alias));
	json_object_object_add(b, "target", json_object_new_string(fp));
	json_object_object_add(b, "description",
	    json_object_new_string("imported by Container Codes"));
	lx_path(ep, path, sizeof(path), "/1.0/images/aliases");
	rc = lx_json(ep, "POST", path, b, 0, RT_K_IMAGE, NULL, err);
	if (rc < 0 && err->code == RT_E_CONFLICT) {
		json_object_object_del(b, "name");
		lx_path(ep, path, sizeof(path), "/1.0/images/aliases/%s", alias);
		rc = lx_json(ep, "PUT", path, b, 0, RT_K_IMAGE, NULL, err);
	}
	json_object_put(b);
	return rc;
}

int
lx_image_import(const struct rt_endpoint *ep, const void *tar, size_t len,
    const char *alias, json_object **out, struct rt_err *err)
{
	static const char *const hdrs[] = { "X-LXD-public: false",
	    "X-LXD-filename: image.tar", NULL };
	json_object *op = NULL, *o, *al;
	const char *fp;
	char path[128];

	*out = NULL;
	lx_path(ep, path, sizeof(path), "/1.0/images");
	if (lx_call(ep, "POST", path, "application/octet-stream", tar, len,
	    hdrs, 0, RT_K_IMAGE, &op, err) < 0)
		return -1;
	fp = jget_str(jget_obj(op, "metadata"), "fingerprint");
	if (fp == NULL || strlen(fp) != 64 || strspn(fp, "0123456789abcdef") !=
	    64) {
		json_object_put(op);
		rt_err_set(err, RT_E_PROTO, "endpoint '%s': malformed answer "
		    "(an import without a fingerprint)", ep->name);
		return -1;
	}
	if (alias != NULL && set_alias(ep, alias, fp, err) < 0) {
		json_object_put(op);
		return -1;
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", lx_str(fp));
	json_object_object_add(o, "fingerprint", lx_str(fp));
	al = json_object_new_array();
	if (alias != NULL)
		json_object_array_add(al, lx_str(alias));
	json_object_object_add(o, "aliases", al);
	json_object_object_add(o, "size", json_object_new_int64((int64_t)len));
	json_object_put(op);
	*out = o;
	return 0;
}
