/*
 * archive.c: the tars a job exchanges with the engine's archive API, on
 * top of the one tar unit (services/tar.c).  Inputs go in as one tar
 * unpacked at "/"; outputs come out as the tar of a pattern's directory,
 * read with the paranoia an untrusted archive deserves: the strict
 * reader refuses absolute names, ".." and links, and a cap bounds the
 * total size.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"
#include "../services/services.h"
#include "jobs.h"

/*
 * Builds a tar holding each input at its destination (relative to "/",
 * with the directories above it, 0755), files 0644.  *out is malloc'd;
 * the caller frees it.  0, or -1 (a destination job_path_ok refuses, or
 * the tar could not be written).
 */
int
job_tar_build(const struct job_input *in, size_t n, void **out,
    size_t *outlen)
{
	struct tar_ent *ents;
	size_t i;
	int rc = -1;

	*out = NULL;
	if ((ents = calloc(n ? n : 1, sizeof(*ents))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (job_path_ok(in[i].dest) < 0)
			goto out;
		ents[i] = (struct tar_ent){ in[i].dest + 1, in[i].data,
		    in[i].len, 0644, 0, 0, 0, 1 };
	}
	rc = tar_write(ents, n, 0, out, outlen) == 0 ? 0 : -1;
out:
	free(ents);
	return rc;
}

/*
 * See jobs.h.  The engine names the members after dir's last segment
 * ("/output" gives "output/a.json"), so a member's container path is
 * dir's parent joined with its name.  Returns 0, -1 for a tar libarchive
 * cannot read, -2 when the size cap is passed, or what fn returned.
 */
int
job_tar_extract(const void *tar, size_t len, const char *dir,
    const char *pattern, size_t max, size_t *used, job_file_fn fn,
    void *arg, int *rejected)
{
	struct tar_reader *t = NULL;
	char parent[1024], cpath[2048], *data = NULL;
	const char *name, *slash;
	long long size;
	size_t plen;
	int rc, r;

	slash = strrchr(dir, '/');
	plen = slash ? (size_t)(slash - dir) : 0;
	if (plen >= sizeof(parent))
		return -1;
	memcpy(parent, dir, plen);
	parent[plen] = '\0';
	if (tar_reader_open(tar, len, 1, &t) != 0)
		return -1;
	while ((r = tar_reader_next(t, &name, &size)) == 1) {
		if (snprintf(cpath, sizeof(cpath), "%s/%s", parent, name) >=
		    (int)sizeof(cpath) || fnmatch(pattern, cpath,
		    FNM_PATHNAME | FNM_PERIOD) != 0)
			continue;
		if (size < 0 || (size_t)size > max - *used) {
			rc = -2;
			goto out;
		}
		if ((data = malloc((size_t)size + 1)) == NULL ||
		    tar_reader_data(t, data, (size_t)size) != 0) {
			rc = -1;
			goto out;
		}
		*used += (size_t)size;
		if ((rc = fn(cpath, data, (size_t)size, arg)) != 0)
			goto out;
		free(data);
		data = NULL;
	}
	rc = r == 0 ? 0 : -1;
out:
	*rejected += tar_reader_refused(t);
	free(data);
	tar_reader_close(t);
	return rc;
}
