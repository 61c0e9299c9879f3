/*
 * ctr_files.c: files into and out of a container, whichever way its
 * engine takes them: one at a time through a file API (RT_CAP_FILES:
 * LXD), or as a tar through an archive API (RT_CAP_ARCHIVE: Docker).
 * add_file, add_user and authkey go through here, so each works on
 * both.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

int
ctr_can_files(const struct rt_endpoint *ep)
{
	return rt_can(ep, RT_CAP_FILES) || rt_can(ep, RT_CAP_ARCHIVE);
}

/* dir + "/" + name, without a doubled slash; NULL if it does not fit. */
static const char *
joined(char *buf, size_t len, const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if ((size_t)snprintf(buf, len, "%s%s%s", dir, n > 0 && dir[n - 1] ==
	    '/' ? "" : "/", name) >= len)
		return NULL;
	return buf;
}

int
ctr_files_put(const struct rt_endpoint *ep, const char *id, const char *dir,
    const struct tar_ent *ents, size_t n, struct rt_err *err)
{
	struct rt_file f;
	char path[4200];
	void *tar = NULL;
	size_t i, tlen;
	int rc;

	if (rt_can(ep, RT_CAP_FILES)) {
		for (i = 0; i < n; i++) {
			memset(&f, 0, sizeof(f));
			if ((f.path = joined(path, sizeof(path), dir,
			    ents[i].name)) == NULL) {
				rt_err_set(err, RT_E_INVALID, "path too long");
				return -1;
			}
			f.data = ents[i].data;
			f.len = ents[i].len;
			f.mode = ents[i].mode;
			f.uid = ents[i].uid;
			f.gid = ents[i].gid;
			f.dir = ents[i].dir;
			if (ep->driver->file_put(ep, id, &f, err) < 0)
				return -1;
		}
		return 0;
	}
	if (!rt_can(ep, RT_CAP_ARCHIVE)) {
		rt_err_set(err, RT_E_UNSUPPORTED, "endpoint '%s' (%s) cannot "
		    "write files", ep->name, ep->driver->name);
		return -1;
	}
	if (tar_write(ents, n, 0, &tar, &tlen) < 0) {
		rt_err_set(err, RT_E_INTERNAL, "cannot build the archive");
		return -1;
	}
	rc = ep->driver->put_archive(ep, id, dir, tar, tlen, err);
	free(tar);
	return rc;
}

struct grab {
	char	*p;
	size_t	 len;
};

static int
grab_sink(void *arg, enum rt_stream s, const char *p, size_t n)
{
	struct grab *g = arg;

	(void)s;
	if (p == NULL || n == 0)
		return 0;
	return buf_append(&g->p, &g->len, p, n);
}

int
ctr_file_read(const struct rt_endpoint *ep, const char *id, const char *path,
    size_t max, char **data, size_t *len, struct rt_err *err)
{
	struct grab g = { NULL, 0 };
	int rc;

	*data = NULL;
	*len = 0;
	if (rt_can(ep, RT_CAP_FILES))
		return ep->driver->file_get(ep, id, path, max, data, len, err);
	if (!rt_can(ep, RT_CAP_ARCHIVE)) {
		rt_err_set(err, RT_E_UNSUPPORTED, "endpoint '%s' (%s) cannot "
		    "read files", ep->name, ep->driver->name);
		return -1;
	}
	/* The tar around it: a header and padding past the file's size. */
	rc = ep->driver->get_archive(ep, id, path, max + 64 * 1024, grab_sink,
	    &g, err);
	if (rc == 0 && tar_first_file(g.p, g.len, max, data, len) < 0) {
		rt_err_set(err, RT_E_INVALID, "'%s' is not a readable file",
		    path);
		rc = -1;
	}
	free(g.p);
	return rc;
}
