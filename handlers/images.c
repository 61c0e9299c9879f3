/*
 * images.c: list, pull, remove and build images on an endpoint.  Images
 * have no owner: listing is for viewers, changes for operators.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

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
	json_object *v, *out;
	const char *image = NULL, *tag = NULL;
	struct rt_err e;

	if (json_object_object_get_ex(r->json, "image", &v) &&
	    json_object_is_type(v, json_type_string))
		image = json_object_get_string(v);
	if (json_object_object_get_ex(r->json, "tag", &v)) {
		if (!json_object_is_type(v, json_type_string) ||
		    !ctr_name_ok(json_object_get_string(v), 128))
			return resp_error(r, CC_E_INVALID_REQUEST, "tag must be "
			    "1 to 128 of [A-Za-z0-9_.-]");
		tag = json_object_get_string(v);
	}
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

struct membuf {
	char	*p;
	size_t	 len, max;
};

static la_ssize_t
mb_write(struct archive *a, void *arg, const void *buf, size_t n)
{
	struct membuf *m = arg;
	char *np;

	if (m->len + n > m->max) {
		archive_set_error(a, EFBIG, "build context larger than %zu "
		    "bytes", m->max);
		return -1;
	}
	if ((np = realloc(m->p, m->len + n)) == NULL) {
		archive_set_error(a, ENOMEM, "out of memory");
		return -1;
	}
	memcpy(np + m->len, buf, n);
	m->p = np;
	m->len += n;
	return (la_ssize_t)n;
}

static int
tar_start(struct archive **w, struct membuf *m)
{
	if ((*w = archive_write_new()) == NULL ||
	    archive_write_set_format_pax_restricted(*w) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(*w, 1) != ARCHIVE_OK ||
	    archive_write_open(*w, m, NULL, mb_write, NULL) != ARCHIVE_OK)
		return -1;
	return 0;
}

/*
 * A tar of a directory tree (read with libarchive's disk reader, paths
 * relative to dir, symlinks kept as links), at most m->max bytes.
 */
static int
tar_dir(const char *dir, struct membuf *m, char *err, size_t errlen)
{
	struct archive *rd = NULL, *w = NULL;
	struct archive_entry *e = NULL;
	char buf[16384];
	const char *path;
	la_ssize_t n;
	int fd = -1, rc = -1, r;
	size_t dlen = strlen(dir);

	if ((rd = archive_read_disk_new()) == NULL || tar_start(&w, m) < 0)
		goto out;
	archive_read_disk_set_symlink_physical(rd);
	if (archive_read_disk_open(rd, dir) != ARCHIVE_OK)
		goto out;
	for (;;) {
		if ((e = archive_entry_new()) == NULL)
			goto out;
		if ((r = archive_read_next_header2(rd, e)) == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK)
			goto out;
		archive_read_disk_descend(rd);
		path = archive_entry_pathname(e);
		if (strncmp(path, dir, dlen) != 0 || path[dlen] == '\0') {
			archive_entry_free(e);
			e = NULL;
			continue;	/* the root itself */
		}
		archive_entry_set_pathname(e, path + dlen + (path[dlen] ==
		    '/'));
		if (archive_write_header(w, e) != ARCHIVE_OK)
			goto out;
		if (archive_entry_filetype(e) == AE_IFREG &&
		    archive_entry_size(e) > 0) {
			if ((fd = open(archive_entry_sourcepath(e),
			    O_RDONLY | O_NOFOLLOW)) < 0)
				goto out;
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				if (archive_write_data(w, buf, (size_t)n) != n)
					goto out;
			close(fd);
			fd = -1;
		}
		archive_entry_free(e);
		e = NULL;
	}
	if (archive_write_close(w) != ARCHIVE_OK)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		snprintf(err, errlen, "cannot pack '%s': %s", dir,
		    w && archive_error_string(w) ? archive_error_string(w) :
		    rd && archive_error_string(rd) ? archive_error_string(rd) :
		    strerror(errno));
	if (fd >= 0)
		close(fd);
	if (e != NULL)
		archive_entry_free(e);
	if (rd != NULL)
		archive_read_free(rd);
	if (w != NULL)
		archive_write_free(w);
	return rc;
}

/*
 * A context stored in the file store (a tar the caller may read, at
 * most m->max bytes).  0, or -1 with the error written: 400 bad path,
 * 404 FILE_NOT_FOUND (also for another user's file), 413 too large.
 */
static int
tar_stored(struct request *r, const char *upath, struct membuf *m)
{
	struct files_meta meta;
	char canon[FILES_PATH_MAX + 2];
	const char *why;
	ssize_t n;
	int fd = -1, rc;

	if ((why = files_path_canon(upath, canon)) != NULL)
		return resp_error(r, CC_E_INVALID_REQUEST, "file: %s", why), -1;
	if ((rc = files_open(canon, &meta, &fd)) == MDB_NOTFOUND ||
	    (rc == 0 && !auth_may_access(r, meta.owner))) {
		if (fd >= 0)
			close(fd);
		return resp_error(r, CC_E_FILE_NOT_FOUND, "file '%s' not "
		    "found", canon), -1;
	}
	if (rc != 0)
		return resp_error(r, CC_E_INTERNAL_ERROR, "file '%s': %s",
		    canon, files_strerror(rc)), -1;
	if (meta.size < 0 || (size_t)meta.size > m->max) {
		close(fd);
		return resp_error(r, CC_E_PAYLOAD_TOO_LARGE, "build context "
		    "'%s' is larger than %zu bytes", canon, m->max), -1;
	}
	if ((m->p = malloc((size_t)meta.size + 1)) == NULL) {
		close(fd);
		return resp_error(r, CC_E_INTERNAL_ERROR, "out of memory"), -1;
	}
	while (m->len < (size_t)meta.size &&
	    (n = read(fd, m->p + m->len, (size_t)meta.size - m->len)) > 0)
		m->len += (size_t)n;
	close(fd);
	if (m->len != (size_t)meta.size) {
		free(m->p);
		m->p = NULL;
		return resp_error(r, CC_E_INTERNAL_ERROR, "file '%s' could "
		    "not be read", canon), -1;
	}
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
	struct membuf m = { NULL, 0, 0 };
	struct rt_endpoint ep;
	json_object *out;
	const char *tag = NULL, *df = "Dockerfile", *path = NULL, *text = NULL,
	    *file = NULL;
	char real[4096], msg[512];
	struct rt_err e;

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
	m.max = cfg.runtime_max_answer;
	if (path != NULL) {
		if (realpath(path, real) == NULL)
			return resp_error(r, CC_E_INVALID_REQUEST, "path '%s': "
			    "%s", path, strerror(errno));
		if (!ctr_path_under(real, cfg.build_roots))
			return resp_error(r, CC_E_FORBIDDEN, "path '%s' is not "
			    "under build_roots", path);
		if (tar_dir(real, &m, msg, sizeof(msg)) < 0) {
			free(m.p);
			return resp_error(r, CC_E_INVALID_REQUEST, "%s", msg);
		}
	} else if (file != NULL) {
		if (tar_stored(r, file, &m) < 0)
			return r->status;
	} else {
		struct tar_ent ent = { df, text, strlen(text), 0644, 0, 0, 0 };

		if (ctr_tar(&ent, 1, (void **)&m.p, &m.len) < 0)
			return resp_error(r, CC_E_INTERNAL_ERROR, "cannot "
			    "build the context");
	}
	req_defer(r, free, m.p);
	/* Bounded by runtime_timeout, not request_timeout. */
	req_set_streaming(r);
	if (ep.driver->image_build(&ep, m.p, m.len, df, tag, &out, &e) < 0)
		return ctr_rt_error(r, &ep, &e, NULL);
	json_object_object_add(out, "endpoint", json_object_new_string(ep.name));
	return resp_ok(r, 200, "image", out);
}
