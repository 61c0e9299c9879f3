/*
 * files.c: the file store.  Bytes live in DATA_DIR/files under names the
 * server makes up (32 random hex digits); the user's path is only the key
 * of a metadata record in STORE_FILES, so no user path ever becomes a
 * filesystem path.
 *
 * A write goes: temporary file ".tmp-<random>" in the same directory
 * (O_EXCL, flock'd while it is written), fsync, rename to a fresh blob
 * name, fsync the directory, then one LMDB transaction that checks the
 * caller's preconditions against the current record and replaces it.  A reader therefore sees the
 * old record and blob or the new ones, never a mix, and a failed write
 * leaves neither a file nor a record.  A replaced blob is left for the
 * sweep below rather than unlinked at once.
 *
 * Orphans (a worker killed mid-upload, or between rename and commit) and
 * replaced blobs are swept by each worker on its first write and then at
 * most once a minute: unlocked temporary files and blobs no record names,
 * both only when their ctime is over a minute old, so an upload in flight
 * in another worker, and a replaced blob a web server was just told to
 * send (X-Accel-Redirect), are never touched.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <magic.h>
#include <sodium.h>

#include "../base/base.h"
#include "storage.h"

#define ORPHAN_AGE	60		/* seconds */
#define MAGIC_HEAD	(64 * 1024)	/* bytes libmagic looks at */

struct files_writer {
	int			 fd;
	char			 tmp[64];
	long long		 size;
	long long		 max;
	crypto_generichash_state hash;
	char			*head;		/* first bytes, for libmagic */
	size_t			 head_len;
	int			 err_no;
};

static char	 dir[4096];
static int	 ready;
static magic_t	 magic;

const char *
files_dir(void)
{
	return dir;
}

static int
io_err(int e)
{
	return e == ENOSPC || e == EDQUOT ? STORE_E_NOSPACE : STORE_E_IO;
}

static void
random_hex(char *out, size_t nbytes)
{
	unsigned char b[32];

	randombytes_buf(b, nbytes);
	sodium_bin2hex(out, nbytes * 2 + 1, b, nbytes);
}

static int
is_blob_name(const char *n)
{
	return strlen(n) == 32 && strspn(n, "0123456789abcdef") == 32;
}

/* store_scan callback: adds each record's blob name to the set. */
static int
collect_blob(const char *k, size_t kl, const void *v, size_t vl, void *arg)
{
	json_object *o = store_parse_json(v, vl), *set = arg;
	const char *b = jget_str(o, "blob");

	(void)k; (void)kl;
	if (b != NULL)
		json_object_object_add(set, b, NULL);
	json_object_put(o);
	return 0;
}

/*
 * Removes orphans (see the top of this file) whose ctime is at least
 * min_age seconds old: unlocked temporary files and blobs no record
 * names.  Workers pass ORPHAN_AGE; the unit test passes 0.
 */
void
files_sweep(long min_age)
{
	json_object *known = json_object_new_object();
	struct dirent *de;
	struct stat st;
	time_t now = time(NULL);
	DIR *d = NULL;
	int fd;

	if (known == NULL || store_scan(STORE_FILES, NULL, collect_blob,
	    known) != 0 || (d = opendir(dir)) == NULL)
		goto out;
	while ((de = readdir(d)) != NULL) {
		int tmp = strncmp(de->d_name, ".tmp-", 5) == 0;

		if (!tmp && (!is_blob_name(de->d_name) ||
		    json_object_object_get_ex(known, de->d_name, NULL)))
			continue;
		/* ctime: a temporary file's last write, a blob's rename into
		 * place or replacement (see files_writer_commit). */
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
		    !S_ISREG(st.st_mode) || now - st.st_ctime < min_age)
			continue;
		if (tmp) {
			/* A writer holds its lock until it is done. */
			if ((fd = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_CLOEXEC)) < 0)
				continue;
			if (flock(fd, LOCK_EX | LOCK_NB) == 0 &&
			    unlinkat(dirfd(d), de->d_name, 0) == 0)
				log_msg(LOG_L_INFO, "files: removed orphan %s",
				    de->d_name);
			close(fd);
		} else if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			log_msg(LOG_L_INFO, "files: removed unreferenced blob "
			    "%s", de->d_name);
	}
out:
	if (d != NULL)
		closedir(d);
	json_object_put(known);
}

/*
 * Makes the store usable in this process: the directory and libmagic
 * (once per worker).  Returns 0 or STORE_E_IO.
 */
int
files_init(void)
{
	if (ready)
		return 0;
	if (snprintf(dir, sizeof(dir), "%s/files", store_cfg.data_dir) >=
	    (int)sizeof(dir))
		return STORE_E_IO;
	/* The web server reads blobs for X-Accel-Redirect/X-Sendfile: the
	 * directory's mode (group: the web server's) is what guards them,
	 * the blobs themselves are 0644. */
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		log_msg(LOG_L_ERROR, "files: cannot create %s: %s", dir,
		    strerror(errno));
		return STORE_E_IO;
	}
	if (magic == NULL && (magic = magic_open(MAGIC_MIME_TYPE)) != NULL &&
	    magic_load(magic, NULL) != 0) {
		log_msg(LOG_L_WARN, "files: libmagic: %s", magic_error(magic));
		magic_close(magic);
		magic = NULL;
	}
	ready = 1;
	return 0;
}

/* Sweeps on a process's first write and then at most every ORPHAN_AGE. */
static void
sweep_due(void)
{
	static time_t last;
	time_t now = time(NULL);

	if (last != 0 && now - last < ORPHAN_AGE)
		return;
	last = now;
	files_sweep(ORPHAN_AGE);
}

/*
 * Checks a user's path and writes its canonical form ("/a/b": one leading
 * slash, no empty, "." or ".." segments, well-formed UTF-8) to out
 * (FILES_PATH_MAX + 2 bytes).  Returns NULL, or why the path is refused
 * (a 400).
 */
const char *
files_path_canon(const char *in, char *out)
{
	const char *p = in, *seg;
	size_t o = 0, n;

	/* Paths come back in listings: one that is not UTF-8 could not be
	 * shown in JSON as it was stored. */
	if (utf8_check(in, strlen(in), NULL) < 0)
		return "the path is not valid UTF-8 (overlong forms, "
		    "surrogates and truncated sequences are refused)";
	while (*p == '/')
		p++;
	if (*p == '\0')
		return "the path is empty";
	while (*p != '\0') {
		seg = p;
		n = strcspn(p, "/");
		if (n == 0)
			return "the path has an empty segment ('//' or a "
			    "trailing '/')";
		if ((n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return "'.' and '..' segments are not allowed";
		if (n > FILES_NAME_MAX)
			return "a path segment is longer than 255 bytes";
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)seg[i];

			if (c < 0x20 || c == 0x7f)
				return "control characters are not allowed "
				    "in a path";
			if (c == '\\')
				return "backslashes are not allowed in a path";
			/* Encoded traversal left after the one decoding
			 * the request path gets: %2e, %2f, %5c, %00. */
			if (c == '%' && i + 3 <= n && (
			    strncasecmp(seg + i, "%2e", 3) == 0 ||
			    strncasecmp(seg + i, "%2f", 3) == 0 ||
			    strncasecmp(seg + i, "%5c", 3) == 0 ||
			    strncasecmp(seg + i, "%00", 3) == 0))
				return "percent-encoded '.', '/', '\\' or NUL "
				    "is not allowed in a path";
		}
		if (o + 1 + n > FILES_PATH_MAX)
			return "the path is longer than 400 bytes";
		out[o++] = '/';
		memcpy(out + o, seg, n);
		o += n;
		p += n;
		if (*p == '/' && *++p == '\0')
			return "the path has an empty segment ('//' or a "
			    "trailing '/')";
	}
	out[o] = '\0';
	return NULL;
}

/* Decodes a stored record into out, a struct files_meta. */
static void
meta_decode(json_object *o, void *out)
{
	struct files_meta *m = out;

	store_copy_str(m->path, sizeof(m->path), jget_str(o, "path"));
	store_copy_str(m->mime, sizeof(m->mime), jget_str(o, "mime_type"));
	store_copy_str(m->owner, sizeof(m->owner), jget_str(o, "owner"));
	store_copy_str(m->etag, sizeof(m->etag), jget_str(o, "etag"));
	store_copy_str(m->blob, sizeof(m->blob), jget_str(o, "blob"));
	store_copy_str(m->perms, sizeof(m->perms), jget_str(o, "permissions"));
	m->size = jget_int(o, "size", 0);
	m->created = (time_t)jget_int(o, "created_at", 0);
	m->modified = (time_t)jget_int(o, "modified_at", 0);
}

static json_object *
meta_to_record(const struct files_meta *m)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "path", json_object_new_string(m->path));
	json_object_object_add(o, "size", json_object_new_int64(m->size));
	json_object_object_add(o, "mime_type",
	    json_object_new_string(m->mime));
	json_object_object_add(o, "created_at",
	    json_object_new_int64(m->created));
	json_object_object_add(o, "modified_at",
	    json_object_new_int64(m->modified));
	json_object_object_add(o, "permissions",
	    json_object_new_string(m->perms));
	json_object_object_add(o, "owner", json_object_new_string(m->owner));
	json_object_object_add(o, "etag", json_object_new_string(m->etag));
	json_object_object_add(o, "blob", json_object_new_string(m->blob));
	return o;
}

/* The API shape of a file (container-codes-api.md, File Information). */
json_object *
files_meta_json(const struct files_meta *m)
{
	json_object *o = json_object_new_object();
	char ts[32];

	json_object_object_add(o, "path", json_object_new_string(m->path));
	json_object_object_add(o, "size", json_object_new_int64(m->size));
	json_object_object_add(o, "mime_type",
	    json_object_new_string(m->mime));
	iso8601(ts, m->created);
	json_object_object_add(o, "created_at", json_object_new_string(ts));
	iso8601(ts, m->modified);
	json_object_object_add(o, "modified_at", json_object_new_string(ts));
	json_object_object_add(o, "etag", json_object_new_string(m->etag));
	json_object_object_add(o, "permissions",
	    json_object_new_string(m->perms));
	json_object_object_add(o, "owner", json_object_new_string(m->owner));
	return o;
}

/* Reads the record of a canonical path.  0, STORE_E_NOTFOUND or an
 * error. */
static int
tget(struct store_txn *txn, const char *path, struct files_meta *m)
{
	return store_tget_decoded(txn, STORE_FILES, path, meta_decode, m,
	    sizeof(*m));
}

int
files_get(const char *path, struct files_meta *m)
{
	struct store_txn *txn = NULL;
	int rc;

	if ((rc = files_init()) != 0)
		return rc;
	if ((rc = store_begin(0, &txn)) != 0)
		return rc;
	rc = tget(txn, path, m);
	store_abort(txn);
	return rc;
}

/*
 * Opens the blob of a record read before.  0 with *fd open (the caller
 * closes it), STORE_E_GONE when a concurrent overwrite or delete has
 * unlinked it since (read the record again), or STORE_E_IO.
 */
int
files_open_blob(const struct files_meta *m, int *fd)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s/%s", dir, m->blob);
	if ((*fd = open(p, O_RDONLY | O_CLOEXEC)) >= 0)
		return 0;
	if (errno == ENOENT)
		return STORE_E_GONE;
	log_msg(LOG_L_ERROR, "files: cannot open the blob of %s: %s",
	    m->path, strerror(errno));
	return STORE_E_IO;
}

/*
 * Looks up a path and opens its blob for reading, reading the record
 * again when a concurrent overwrite replaced the blob in between.
 * Returns 0 with *fd open (the caller closes it), STORE_E_NOTFOUND, or
 * another error.
 */
int
files_open(const char *path, struct files_meta *m, int *fd)
{
	int rc, tries;

	*fd = -1;
	for (tries = 0; tries < 5; tries++) {
		if ((rc = files_get(path, m)) != 0)
			return rc;
		if ((rc = files_open_blob(m, fd)) != STORE_E_GONE)
			return rc;
	}
	log_msg(LOG_L_ERROR, "files: the blob of %s keeps vanishing", path);
	return STORE_E_IO;
}

/*
 * Starts a write: a locked temporary file in the store's directory.
 * max caps the size (STORE_E_TOO_LARGE from files_writer_write).
 * Returns 0 and *out (free with files_writer_free), or an error.
 */
int
files_writer_open(long long max, struct files_writer **out)
{
	struct files_writer *w = NULL;
	char hex[17], p[4200];
	int rc;

	*out = NULL;
	if ((rc = files_init()) != 0)
		return rc;
	sweep_due();
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->head = malloc(MAGIC_HEAD)) == NULL)
		goto nomem;
	w->fd = -1;
	w->max = max;
	random_hex(hex, 8);
	snprintf(w->tmp, sizeof(w->tmp), ".tmp-%s", hex);
	snprintf(p, sizeof(p), "%s/%s", dir, w->tmp);
	if ((w->fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) < 0) {
		rc = io_err(errno);
		log_msg(LOG_L_ERROR, "files: cannot create %s: %s", p,
		    strerror(errno));
		w->tmp[0] = '\0';
		goto err;
	}
	flock(w->fd, LOCK_EX);
	crypto_generichash_init(&w->hash, NULL, 0, FILES_ETAG_BYTES);
	*out = w;
	return 0;
nomem:
	rc = STORE_E_IO;
err:
	files_writer_free(w);
	return rc;
}

/* Appends bytes.  Returns 0, STORE_E_TOO_LARGE, or an I/O error. */
int
files_writer_write(struct files_writer *w, const void *buf, size_t len)
{
	const char *p = buf;
	size_t left = len;
	ssize_t n;

	if (w->size + (long long)len > w->max)
		return STORE_E_TOO_LARGE;
	if (w->head_len < MAGIC_HEAD) {
		size_t k = MAGIC_HEAD - w->head_len < len ?
		    MAGIC_HEAD - w->head_len : len;

		memcpy(w->head + w->head_len, buf, k);
		w->head_len += k;
	}
	crypto_generichash_update(&w->hash, buf, len);
	while (left > 0) {
		if ((n = write(w->fd, p, left)) < 0) {
			if (errno == EINTR)
				continue;
			w->err_no = errno;
			log_msg(LOG_L_ERROR, "files: write %s: %s", w->tmp,
			    strerror(errno));
			return io_err(errno);
		}
		p += n;
		left -= (size_t)n;
	}
	w->size += (long long)len;
	return 0;
}

long long
files_writer_size(const struct files_writer *w)
{
	return w->size;
}

/* Removes the temporary file (if still there) and frees w. */
void
files_writer_free(struct files_writer *w)
{
	char p[4200];

	if (w == NULL)
		return;
	if (w->tmp[0] != '\0') {
		snprintf(p, sizeof(p), "%s/%s", dir, w->tmp);
		unlink(p);
	}
	if (w->fd >= 0)
		close(w->fd);
	free(w->head);
	free(w);
}

static int
fsync_dir(void)
{
	int fd, rc = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	if (fsync(fd) < 0)
		rc = -1;
	close(fd);
	return rc;
}

/*
 * Finishes a write as the file at path (canonical).  check, when given,
 * sees the current record (NULL if none) inside the write transaction and
 * returns 0 to go on or an error that is returned as is.  created_at and
 * the owner of an existing file are kept.  On success *m describes the
 * new file.  On any error nothing is stored: no blob, no record.  w is
 * spent either way (still free it).
 */
int
files_writer_commit(struct files_writer *w, const char *path,
    const char *owner, const char *perms, files_check_fn check, void *arg,
    struct files_meta *m)
{
	unsigned char h[FILES_ETAG_BYTES];
	struct files_meta cur;
	struct timespec ts[2];
	char tmp[4200], blob[4200], old[4200] = "";
	const char *mime = NULL;
	struct store_txn *txn = NULL;
	json_object *rec = NULL;
	int rc, exists;

	memset(m, 0, sizeof(*m));
	snprintf(m->path, sizeof(m->path), "%s", path);
	snprintf(m->owner, sizeof(m->owner), "%s", owner);
	snprintf(m->perms, sizeof(m->perms), "%s", perms);
	m->size = w->size;
	m->modified = m->created = time(NULL);
	crypto_generichash_final(&w->hash, h, sizeof(h));
	sodium_bin2hex(m->etag, sizeof(m->etag), h, sizeof(h));
	if (magic != NULL)
		mime = magic_buffer(magic, w->head, w->head_len);
	snprintf(m->mime, sizeof(m->mime), "%s",
	    mime ? mime : "application/octet-stream");

	/* The blob's mtime is the file's modified_at to the second, so a
	 * web server sending it (offload) gives the same Last-Modified. */
	ts[0].tv_sec = ts[1].tv_sec = m->modified;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (fsync(w->fd) < 0 || futimens(w->fd, ts) < 0) {
		rc = io_err(errno);
		log_msg(LOG_L_ERROR, "files: fsync %s: %s", w->tmp,
		    strerror(errno));
		return rc;
	}
	random_hex(m->blob, 16);
	snprintf(tmp, sizeof(tmp), "%s/%s", dir, w->tmp);
	snprintf(blob, sizeof(blob), "%s/%s", dir, m->blob);
	if (rename(tmp, blob) < 0) {
		rc = io_err(errno);
		log_msg(LOG_L_ERROR, "files: rename %s: %s", w->tmp,
		    strerror(errno));
		return rc;
	}
	w->tmp[0] = '\0';
	if (fsync_dir() < 0) {
		rc = io_err(errno);
		goto err;
	}

	if ((rc = store_begin(1, &txn)) != 0)
		goto err;
	rc = tget(txn, path, &cur);
	if (rc != 0 && rc != STORE_E_NOTFOUND)
		goto err;
	exists = rc == 0;
	if (check != NULL && (rc = check(exists ? &cur : NULL, arg)) != 0)
		goto err;
	if (exists) {
		m->created = cur.created;
		snprintf(m->owner, sizeof(m->owner), "%s", cur.owner);
		snprintf(old, sizeof(old), "%s/%s", dir, cur.blob);
	}
	if ((rec = meta_to_record(m)) == NULL) {
		rc = STORE_E_NOMEM;
		goto err;
	}
	if ((rc = store_tput_json(txn, STORE_FILES, path, rec, 0)) != 0)
		goto err;
	rc = store_commit(txn);
	txn = NULL;
	if (rc != 0)
		goto err;
	json_object_put(rec);
	/* The old blob stays for ORPHAN_AGE: a web server handed its name
	 * by X-Accel-Redirect a moment ago may still be about to open it.
	 * chmod marks the time (ctime) from which the sweep counts. */
	if (old[0] != '\0' && strcmp(old, blob) != 0)
		chmod(old, 0644);
	return 0;
err:
	store_abort(txn);
	json_object_put(rec);
	unlink(blob);
	return rc;
}

/*
 * Stores a whole file from a reader (read(arg, buf, len) returns the
 * count, 0 at the end, or < 0 on error: that error is returned).  For
 * other modules (job outputs): one call does open, write, commit.
 */
int
files_store_stream(const char *path, const char *owner, const char *perms,
    long long max, files_read_fn rd, void *rarg, files_check_fn check,
    void *carg, struct files_meta *m)
{
	struct files_writer *w = NULL;
	char *buf = NULL;
	long n;
	int rc;

	if ((rc = files_writer_open(max, &w)) != 0)
		return rc;
	if ((buf = malloc(FILES_IO_CHUNK)) == NULL) {
		rc = STORE_E_IO;
		goto out;
	}
	while ((n = rd(rarg, buf, FILES_IO_CHUNK)) > 0)
		if ((rc = files_writer_write(w, buf, (size_t)n)) != 0)
			goto out;
	if (n < 0) {
		rc = (int)n;
		goto out;
	}
	rc = files_writer_commit(w, path, owner, perms, check, carg, m);
out:
	free(buf);
	files_writer_free(w);
	return rc;
}

/*
 * Deletes the file at path; check as for files_writer_commit.  The blob
 * goes after the record's removal is committed.  Returns 0,
 * STORE_E_NOTFOUND, the check's error, or another error.
 */
int
files_delete(const char *path, files_check_fn check, void *arg)
{
	struct files_meta cur;
	struct store_txn *txn = NULL;
	char p[4200];
	int rc;

	if ((rc = files_init()) != 0)
		return rc;
	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = tget(txn, path, &cur)) != 0 ||
	    (check != NULL && (rc = check(&cur, arg)) != 0) ||
	    (rc = store_tdel(txn, STORE_FILES, path)) != 0) {
		store_abort(txn);
		return rc;
	}
	if ((rc = store_commit(txn)) != 0)
		return rc;
	snprintf(p, sizeof(p), "%s/%s", dir, cur.blob);
	unlink(p);
	return 0;
}

struct list_ctx {
	files_list_fn	 fn;
	void		*arg;
};

static int
list_cb(const char *k, size_t kl, const void *v, size_t vl, void *arg)
{
	struct list_ctx *c = arg;
	struct files_meta m;

	(void)k; (void)kl;
	if (store_decode(v, vl, meta_decode, &m, sizeof(m)) != 0)
		return 0;
	return c->fn(&m, c->arg);
}

/* Calls fn for each file whose path starts with prefix, in path order;
 * fn returns non-zero to stop.  Returns 0 or an error. */
int
files_list(const char *prefix, files_list_fn fn, void *arg)
{
	struct list_ctx c = { fn, arg };
	int rc;

	if ((rc = files_init()) != 0)
		return rc;
	return store_scan(STORE_FILES, prefix, list_cb, &c);
}
