/*
 * tar.c: every in-memory tar of the program, written and read with
 * libarchive.  Written (pax restricted, no padding past the last
 * block): the files a handler puts into a container, a build context
 * packed from a directory, a job's inputs with the directories above
 * them.  Read: the tars an engine sends back, through a reader that,
 * when strict, skips and counts the members an untrusted archive must
 * not bring (absolute names, "..", hard and symbolic links).
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

#include "services.h"

/* ---- writing ---- */

/* Where a tar is written: a growing buffer, at most max bytes (0: no
 * cap); over says the cap stopped it. */
struct sink {
	char	*p;
	size_t	 len, cap, max;
	int	 over;
};

static la_ssize_t
sink_write(struct archive *a, void *arg, const void *buf, size_t n)
{
	struct sink *s = arg;
	size_t cap;
	char *np;

	if (s->max > 0 && s->len + n > s->max) {
		s->over = 1;
		archive_set_error(a, EFBIG, "larger than %zu bytes", s->max);
		return -1;
	}
	if (s->len + n > s->cap) {
		cap = s->cap ? s->cap * 2 : 16384;
		if (cap < s->len + n)
			cap = s->len + n;
		if ((np = realloc(s->p, cap)) == NULL) {
			archive_set_error(a, ENOMEM, "out of memory");
			return -1;
		}
		s->p = np;
		s->cap = cap;
	}
	memcpy(s->p + s->len, buf, n);
	s->len += n;
	return (la_ssize_t)n;
}

static struct archive *
writer_open(struct sink *s)
{
	struct archive *w;

	if ((w = archive_write_new()) == NULL)
		return NULL;
	if (archive_write_set_format_pax_restricted(w) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w, 1) != ARCHIVE_OK ||
	    archive_write_open(w, s, NULL, sink_write, NULL) != ARCHIVE_OK) {
		archive_write_free(w);
		return NULL;
	}
	return w;
}

/* Finishes the tar in w and hands it over: 0 with *out malloc'd (the
 * caller frees it, and w still), or SVC_E_TOO_LARGE / SVC_E_TAR. */
static int
writer_close(struct archive *w, struct sink *s, void **out, size_t *outlen)
{
	if (archive_write_close(w) != ARCHIVE_OK)
		return s->over ? SVC_E_TOO_LARGE : SVC_E_TAR;
	*out = s->p;
	*outlen = s->len;
	s->p = NULL;
	return 0;
}

/* Writes one header (and data) of type, mode and owner. */
static int
put_entry(struct archive *w, const char *name, int dir, unsigned mode,
    long uid, long gid, const void *data, size_t len)
{
	struct archive_entry *e;
	int ok;

	if ((e = archive_entry_new()) == NULL)
		return -1;
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_size(e, dir ? 0 : (la_int64_t)len);
	archive_entry_set_perm(e, mode);
	archive_entry_set_uid(e, uid);
	archive_entry_set_gid(e, gid);
	archive_entry_set_mtime(e, now_wall(), 0);
	ok = archive_write_header(w, e) == ARCHIVE_OK && (dir || len == 0 ||
	    archive_write_data(w, data, len) == (la_ssize_t)len);
	archive_entry_free(e);
	return ok ? 0 : -1;
}

/* The directories written so far, so parents go in once. */
struct dirs {
	char	**v;
	size_t	 n, cap;
};

static int
dirs_add(struct dirs *d, const char *name, size_t len)
{
	char **nv;
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strlen(d->v[i]) == len && memcmp(d->v[i], name, len) == 0)
			return 0;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		if ((nv = realloc(d->v, d->cap * sizeof(*nv))) == NULL)
			return -1;
		d->v = nv;
	}
	if ((d->v[d->n] = strndup(name, len)) == NULL)
		return -1;
	d->n++;
	return 1;
}

static void
dirs_free(struct dirs *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->v[i]);
	free(d->v);
}

/* Writes the directories above e's name (0755, e's owner) not yet in. */
static int
put_parents(struct archive *w, const struct tar_ent *e, struct dirs *d)
{
	const char *p;
	int added;

	for (p = strchr(e->name, '/'); p != NULL; p = strchr(p + 1, '/')) {
		if (p == e->name)
			continue;
		if ((added = dirs_add(d, e->name, (size_t)(p - e->name))) < 0)
			return -1;
		if (added && put_entry(w, d->v[d->n - 1], 1, 0755, e->uid,
		    e->gid, NULL, 0) < 0)
			return -1;
	}
	return 0;
}

/*
 * A tar of n entries (regular files, or directories when dir is set),
 * owned by their uid/gid; an entry with parents set is preceded by the
 * directories above it, once each.  At most max bytes (0: no cap).
 * 0 with *out malloc'd (the caller frees it); SVC_E_TOO_LARGE past max;
 * SVC_E_TAR otherwise.
 */
int
tar_write(const struct tar_ent *ents, size_t n, size_t max, void **out,
    size_t *outlen)
{
	struct sink s = { NULL, 0, 0, max, 0 };
	struct dirs d = { NULL, 0, 0 };
	struct archive *w;
	size_t i;
	int rc = SVC_E_TAR;

	*out = NULL;
	if ((w = writer_open(&s)) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if ((ents[i].parents && put_parents(w, &ents[i], &d) < 0) ||
		    put_entry(w, ents[i].name, ents[i].dir, ents[i].mode,
		    ents[i].uid, ents[i].gid, ents[i].data, ents[i].len) < 0)
			break;
	if (i == n)
		rc = writer_close(w, &s, out, outlen);
	else if (s.over)
		rc = SVC_E_TOO_LARGE;
out:
	if (w != NULL)
		archive_write_free(w);
	free(s.p);
	dirs_free(&d);
	return rc;
}

/*
 * A tar of the tree under dir (read with libarchive's disk reader, names
 * relative to dir, symlinks kept as links), at most max bytes.  0 with
 * *out malloc'd (the caller frees it); SVC_E_TOO_LARGE past max; or
 * SVC_E_TAR with err saying what failed ("cannot pack 'dir': ...").
 */
int
tar_write_dir(const char *dir, size_t max, void **out, size_t *outlen,
    char *err, size_t errlen)
{
	struct sink s = { NULL, 0, 0, max, 0 };
	struct archive *rd = NULL, *w = NULL;
	struct archive_entry *e = NULL;
	char buf[16384];
	const char *path;
	la_ssize_t n;
	int fd = -1, rc = SVC_E_TAR, r;
	size_t dlen = strlen(dir);

	*out = NULL;
	if ((rd = archive_read_disk_new()) == NULL ||
	    (w = writer_open(&s)) == NULL)
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
	rc = writer_close(w, &s, out, outlen);
out:
	if (rc == SVC_E_TAR)
		snprintf(err, errlen, "cannot pack '%s': %s", dir,
		    w && archive_error_string(w) ? archive_error_string(w) :
		    rd && archive_error_string(rd) ? archive_error_string(rd) :
		    strerror(errno));
	if (s.over)
		rc = SVC_E_TOO_LARGE;
	if (fd >= 0)
		close(fd);
	if (e != NULL)
		archive_entry_free(e);
	if (rd != NULL)
		archive_read_free(rd);
	if (w != NULL)
		archive_write_free(w);
	free(s.p);
	return rc;
}

/* ---- reading ---- */

struct tar_reader {
	struct archive	*a;
	int		 strict;
	int		 refused;
};

/* A member name an untrusted tar may bring: relative, no ".." segment. */
static int
name_ok(const char *name)
{
	const char *seg, *end;

	if (name == NULL || name[0] == '\0' || name[0] == '/')
		return 0;
	for (seg = name; *seg; seg = *end ? end + 1 : end) {
		if ((end = strchr(seg, '/')) == NULL)
			end = seg + strlen(seg);
		if (end - seg == 2 && seg[0] == '.' && seg[1] == '.')
			return 0;
	}
	return 1;
}

/*
 * Opens a reader over tar[0..len) (borrowed until tar_reader_close).
 * A strict reader skips, and counts, the members with an absolute or
 * ".." name and every link.  0 with *out; SVC_E_TAR when it cannot be
 * read as a tar; SVC_E_INTERNAL out of memory.
 */
int
tar_reader_open(const void *tar, size_t len, int strict,
    struct tar_reader **out)
{
	struct tar_reader *t;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return SVC_E_INTERNAL;
	t->strict = strict;
	if ((t->a = archive_read_new()) == NULL ||
	    archive_read_support_format_tar(t->a) != ARCHIVE_OK ||
	    archive_read_open_memory(t->a, tar, len) != ARCHIVE_OK) {
		tar_reader_close(t);
		return SVC_E_TAR;
	}
	*out = t;
	return 0;
}

/*
 * Moves to the next regular file: 1 with its *name (valid until the next
 * call) and *size; 0 at the end; SVC_E_TAR for a damaged tar.  Other
 * members (directories, devices, ...) are passed over.
 */
int
tar_reader_next(struct tar_reader *t, const char **name, long long *size)
{
	struct archive_entry *e;
	int r;

	while ((r = archive_read_next_header(t->a, &e)) == ARCHIVE_OK) {
		*name = archive_entry_pathname(e);
		if (t->strict && (!name_ok(*name) ||
		    archive_entry_hardlink(e) != NULL ||
		    archive_entry_symlink(e) != NULL)) {
			t->refused++;
			continue;
		}
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		*size = (long long)archive_entry_size(e);
		return 1;
	}
	return r == ARCHIVE_EOF ? 0 : SVC_E_TAR;
}

/* Reads the current file's size bytes into buf: 0 or SVC_E_TAR. */
int
tar_reader_data(struct tar_reader *t, void *buf, size_t size)
{
	if (size > 0 && archive_read_data(t->a, buf, size) !=
	    (la_ssize_t)size)
		return SVC_E_TAR;
	return 0;
}

/* How many members a strict reader has refused so far. */
int
tar_reader_refused(const struct tar_reader *t)
{
	return t->refused;
}

void
tar_reader_close(struct tar_reader *t)
{
	if (t == NULL)
		return;
	if (t->a != NULL)
		archive_read_free(t->a);
	free(t);
}

/*
 * The first regular file of a tar, at most max bytes.  0 with *data
 * malloc'd and NUL-terminated (the caller frees it); SVC_E_TAR when
 * there is none or the tar is bad, SVC_E_TOO_LARGE past max,
 * SVC_E_INTERNAL out of memory.
 */
int
tar_first_file(const void *tar, size_t len, size_t max, char **data,
    size_t *dlen)
{
	struct tar_reader *t;
	const char *name;
	long long size;
	char *buf = NULL;
	int rc;

	*data = NULL;
	if ((rc = tar_reader_open(tar, len, 0, &t)) != 0)
		return rc;
	if ((rc = tar_reader_next(t, &name, &size)) <= 0)
		rc = SVC_E_TAR;
	else if (size < 0 || (unsigned long long)size > max)
		rc = SVC_E_TOO_LARGE;
	else if ((buf = malloc((size_t)size + 1)) == NULL)
		rc = SVC_E_INTERNAL;
	else if ((rc = tar_reader_data(t, buf, (size_t)size)) == 0) {
		buf[size] = '\0';
		*data = buf;
		*dlen = (size_t)size;
		buf = NULL;
	}
	free(buf);
	tar_reader_close(t);
	return rc;
}
