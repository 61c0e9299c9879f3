/*
 * tarutil.c: small in-memory tars for the engine's archive endpoint,
 * built and read with libarchive.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "services.h"

struct grow {
	char	*p;
	size_t	 len;
};

static la_ssize_t
grow_write(struct archive *a, void *arg, const void *buf, size_t n)
{
	struct grow *g = arg;
	char *np;

	if ((np = realloc(g->p, g->len + n)) == NULL) {
		archive_set_error(a, ENOMEM, "out of memory");
		return -1;
	}
	memcpy(np + g->len, buf, n);
	g->p = np;
	g->len += n;
	return (la_ssize_t)n;
}

/*
 * A tar of n entries (regular files, or directories when dir is set),
 * owned by their uid/gid.  0 with *out malloc'd (caller frees), or -1.
 */
int
ctr_tar(const struct tar_ent *ents, size_t n, void **out, size_t *outlen)
{
	struct grow g = { NULL, 0 };
	struct archive *a = NULL;
	struct archive_entry *e = NULL;
	size_t i;
	int rc = -1;

	*out = NULL;
	if ((a = archive_write_new()) == NULL ||
	    archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open(a, &g, NULL, grow_write, NULL) != ARCHIVE_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if ((e = archive_entry_new()) == NULL)
			goto out;
		archive_entry_set_pathname(e, ents[i].name);
		archive_entry_set_filetype(e, ents[i].dir ? AE_IFDIR : AE_IFREG);
		archive_entry_set_size(e, ents[i].dir ? 0 :
		    (la_int64_t)ents[i].len);
		archive_entry_set_perm(e, ents[i].mode);
		archive_entry_set_uid(e, ents[i].uid);
		archive_entry_set_gid(e, ents[i].gid);
		archive_entry_set_mtime(e, now_wall(), 0);
		if (archive_write_header(a, e) != ARCHIVE_OK)
			goto out;
		if (!ents[i].dir && ents[i].len > 0 &&
		    archive_write_data(a, ents[i].data, ents[i].len) !=
		    (la_ssize_t)ents[i].len)
			goto out;
		archive_entry_free(e);
		e = NULL;
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		goto out;
	*out = g.p;
	*outlen = g.len;
	g.p = NULL;
	rc = 0;
out:
	if (e != NULL)
		archive_entry_free(e);
	if (a != NULL)
		archive_write_free(a);
	free(g.p);
	return rc;
}

/*
 * The first regular file of a tar, at most max bytes.  0 with *data
 * malloc'd and NUL-terminated (caller frees), -1 if there is none, it
 * is larger, or the tar is bad.
 */
int
ctr_untar_first(const void *tar, size_t len, size_t max, char **data,
    size_t *dlen)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	char *buf = NULL;
	la_int64_t size;
	int rc = -1;

	*data = NULL;
	if ((a = archive_read_new()) == NULL ||
	    archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, tar, len) != ARCHIVE_OK)
		goto out;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		size = archive_entry_size(e);
		if (size < 0 || (size_t)size > max ||
		    (buf = malloc((size_t)size + 1)) == NULL)
			goto out;
		if (size > 0 && archive_read_data(a, buf, (size_t)size) !=
		    (la_ssize_t)size)
			goto out;
		buf[size] = '\0';
		*data = buf;
		*dlen = (size_t)size;
		buf = NULL;
		rc = 0;
		break;
	}
out:
	free(buf);
	if (a != NULL)
		archive_read_free(a);
	return rc;
}
