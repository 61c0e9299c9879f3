/*
 * filestore.c: what jobs need from the file store (storage/files.c):
 * look up an input, read its bytes, store an output under /jobs/<id>/.
 * Paths are the file store's canonical user paths.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/base.h"
#include "../storage/storage.h"
#include "jobs.h"

/*
 * Looks up a stored file: 0 with its owner copied out, STORE_E_NOTFOUND,
 * or STORE_E_INVALID for a path the file store refuses (the caller's
 * 400).
 */
int
job_fs_stat(const char *path, char *owner, size_t ownerlen)
{
	struct files_meta m;
	char canon[FILES_PATH_MAX + 2];
	int rc;

	if (files_path_canon(path, canon) != NULL)
		return STORE_E_INVALID;
	if ((rc = files_get(canon, &m)) != 0)
		return rc;
	snprintf(owner, ownerlen, "%s", m.owner);
	return 0;
}

/* The whole file at path: *data is malloc'd (the caller frees).  At
 * most jobs_max_output bytes. */
int
job_fs_read(const char *path, void **data, size_t *len)
{
	struct files_meta m;
	char canon[FILES_PATH_MAX + 2], *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd = -1, rc;

	*data = NULL;
	*len = 0;
	if (files_path_canon(path, canon) != NULL)
		return STORE_E_NOTFOUND;
	if ((rc = files_open(canon, &m, &fd)) != 0)
		return rc;
	if (m.size < 0 || (size_t)m.size > jobs_cfg.jobs_max_output ||
	    (buf = malloc((size_t)m.size + 1)) == NULL) {
		rc = STORE_E_TOO_LARGE;
		goto err;
	}
	while (got < (size_t)m.size) {
		n = read(fd, buf + got, (size_t)m.size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = STORE_E_IO;
			goto err;
		}
		got += (size_t)n;
	}
	close(fd);
	*data = buf;
	*len = got;
	return 0;
err:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

/* Stores len bytes at path for owner (replacing an earlier attempt's
 * file).  *meta, if wanted, is the file's metadata JSON (caller puts). */
int
job_fs_write(const char *owner, const char *path, const void *data,
    size_t len, json_object **meta)
{
	struct files_writer *w = NULL;
	struct files_meta m;
	char canon[FILES_PATH_MAX + 2];
	int rc;

	if (meta != NULL)
		*meta = NULL;
	if (files_path_canon(path, canon) != NULL)
		return STORE_E_INVALID;
	if ((rc = files_writer_open((long long)len, &w)) != 0)
		return rc;
	if ((len > 0 && (rc = files_writer_write(w, data, len)) != 0) ||
	    (rc = files_writer_commit(w, canon, owner, "644", NULL, NULL,
	    &m)) != 0)
		goto out;
	if (meta != NULL)
		*meta = files_meta_json(&m);
out:
	files_writer_free(w);
	return rc;
}
