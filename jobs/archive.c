/*
 * archive.c: the tars a job exchanges with the engine's archive API,
 * made and read with libarchive.  Inputs go in as one tar unpacked at "/";
 * outputs come out as the tar of a pattern's directory, read here with
 * the paranoia an untrusted archive deserves: no absolute names, no "..",
 * no links or devices, and a cap on the total size.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>

#include "../base/base.h"
#include "jobs.h"

/* Adds the directories above dest (without the leading '/') once. */
static int
add_dirs(struct archive *a, const char *dest, char (*seen)[1024],
    size_t *nseen, size_t maxseen)
{
	struct archive_entry *e;
	char dir[1024];
	const char *p;
	size_t i, len;

	for (p = strchr(dest + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		len = (size_t)(p - (dest + 1));
		if (len >= sizeof(dir))
			return -1;
		memcpy(dir, dest + 1, len);
		dir[len] = '\0';
		for (i = 0; i < *nseen; i++)
			if (strcmp(seen[i], dir) == 0)
				break;
		if (i < *nseen)
			continue;
		if (*nseen < maxseen)
			memcpy(seen[(*nseen)++], dir, len + 1);
		if ((e = archive_entry_new()) == NULL)
			return -1;
		archive_entry_set_pathname(e, dir);
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
		archive_entry_set_mtime(e, time(NULL), 0);
		if (archive_write_header(a, e) != ARCHIVE_OK) {
			archive_entry_free(e);
			return -1;
		}
		archive_entry_free(e);
	}
	return 0;
}

/*
 * Builds a ustar/pax tar holding each input at its destination (relative
 * to "/", with the directories above it).  *out is malloc'd; the caller
 * frees it.  0 or -1.
 */
int
job_tar_build(const struct job_input *in, size_t n, void **out,
    size_t *outlen)
{
	struct archive *a = NULL;
	struct archive_entry *e = NULL;
	char (*seen)[1024] = NULL;
	size_t cap = 10240, used = 0, nseen = 0, i;
	void *buf = NULL;
	int rc = -1;

	*out = NULL;
	for (i = 0; i < n; i++)
		cap += in[i].len + 2048 + strlen(in[i].dest) * 4;
	cap += cap / 16;
	if ((buf = malloc(cap)) == NULL ||
	    (seen = calloc(JOB_MAX_FILES * 8, sizeof(*seen))) == NULL ||
	    (a = archive_write_new()) == NULL ||
	    archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_memory(a, buf, cap, &used) != ARCHIVE_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if (job_path_ok(in[i].dest) < 0 ||
		    add_dirs(a, in[i].dest, seen, &nseen,
		    JOB_MAX_FILES * 8) < 0 || (e = archive_entry_new()) == NULL)
			goto out;
		archive_entry_set_pathname(e, in[i].dest + 1);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)in[i].len);
		archive_entry_set_mtime(e, time(NULL), 0);
		if (archive_write_header(a, e) != ARCHIVE_OK ||
		    (in[i].len > 0 && archive_write_data(a, in[i].data,
		    in[i].len) != (la_ssize_t)in[i].len))
			goto out;
		archive_entry_free(e);
		e = NULL;
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		goto out;
	*out = buf;
	*outlen = used;
	buf = NULL;
	rc = 0;
out:
	if (e != NULL)
		archive_entry_free(e);
	if (a != NULL)
		archive_write_free(a);
	free(seen);
	free(buf);
	return rc;
}

/* A tar member name we accept: relative, no "..", no empty segments
 * except a trailing slash. */
static int
name_ok(const char *name)
{
	const char *seg, *end;
	size_t n;

	if (name == NULL || name[0] == '\0' || name[0] == '/')
		return 0;
	for (seg = name; *seg; seg = *end ? end + 1 : end) {
		end = strchr(seg, '/');
		if (end == NULL)
			end = seg + strlen(seg);
		n = (size_t)(end - seg);
		if (n == 2 && seg[0] == '.' && seg[1] == '.')
			return 0;
	}
	return 1;
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
	struct archive *a = NULL;
	struct archive_entry *e;
	char parent[1024], cpath[2048], *data = NULL;
	const char *name, *slash;
	la_int64_t size;
	size_t plen;
	int rc = 0, r;

	slash = strrchr(dir, '/');
	plen = slash ? (size_t)(slash - dir) : 0;
	if (plen >= sizeof(parent))
		return -1;
	memcpy(parent, dir, plen);
	parent[plen] = '\0';
	if ((a = archive_read_new()) == NULL ||
	    archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, tar, len) != ARCHIVE_OK) {
		rc = -1;
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		name = archive_entry_pathname(e);
		if (!name_ok(name) || archive_entry_hardlink(e) != NULL ||
		    archive_entry_symlink(e) != NULL) {
			(*rejected)++;
			continue;
		}
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;	/* directories: nothing to keep */
		if (snprintf(cpath, sizeof(cpath), "%s/%s", parent, name) >=
		    (int)sizeof(cpath) || fnmatch(pattern, cpath,
		    FNM_PATHNAME | FNM_PERIOD) != 0)
			continue;
		size = archive_entry_size(e);
		if (size < 0 || (size_t)size > max - *used) {
			rc = -2;
			goto out;
		}
		if ((data = malloc((size_t)size + 1)) == NULL) {
			rc = -1;
			goto out;
		}
		if (size > 0 && archive_read_data(a, data, (size_t)size) !=
		    size) {
			rc = -1;
			goto out;
		}
		*used += (size_t)size;
		if ((rc = fn(cpath, data, (size_t)size, arg)) != 0)
			goto out;
		free(data);
		data = NULL;
	}
	if (r != ARCHIVE_EOF)
		rc = -1;
out:
	free(data);
	if (a != NULL)
		archive_read_free(a);
	return rc;
}
