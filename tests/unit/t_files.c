/* Unit tests: the file store (storage/files.c) against a real LMDB and
 * directory: path canonicalisation, atomic writes with preconditions,
 * what a failed or abandoned write leaves (nothing), delete, list, and
 * the orphan sweep. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fcgi-app/cc.h"
#include "storage/storage.h"
#include "unit.h"

static char canon[FILES_PATH_MAX + 2];

static const char *
cp(const char *in)
{
	return files_path_canon(in, canon) == NULL ? canon : "(refused)";
}

static int
entries(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

static int
refuse_all(const struct files_meta *cur, void *arg)
{
	(void)cur; (void)arg;
	return -1234;
}

static int
must_be_new(const struct files_meta *cur, void *arg)
{
	(void)arg;
	return cur != NULL ? -1235 : 0;
}

static int
count(const struct files_meta *m, void *arg)
{
	(void)m;
	(*(int *)arg)++;
	return 0;
}

static long
reader(void *arg, char *buf, size_t len)
{
	int *left = arg;

	if (*left == 0)
		return 0;
	if (*left < 0)
		return -77;	/* a reader's own error */
	memset(buf, 'r', len < 10 ? len : 10);
	(*left)--;
	return len < 10 ? (long)len : 10;
}

int
main(void)
{
	char dir[] = "/tmp/cc-t-files-XXXXXX", fdir[256], big[600], p[512];
	struct files_writer *w;
	struct files_meta m, m2;
	int n, fd, left;
	char buf[64];

	/* canonical paths */
	CHECK_STR(cp("a"), "/a");
	CHECK_STR(cp("/a/b.txt"), "/a/b.txt");
	CHECK_STR(cp("///a/b"), "/a/b");
	CHECK_STR(cp("a b/c%41"), "/a b/c%41");
	CHECK_STR(cp("..."), "/...");
	CHECK_STR(cp("a..b/..c"), "/a..b/..c");
	CHECK_STR(cp(""), "(refused)");
	CHECK_STR(cp("/"), "(refused)");
	CHECK_STR(cp(".."), "(refused)");
	CHECK_STR(cp("a/.."), "(refused)");
	CHECK_STR(cp("../a"), "(refused)");
	CHECK_STR(cp("a/./b"), "(refused)");
	CHECK_STR(cp("a//b"), "(refused)");
	CHECK_STR(cp("a/"), "(refused)");
	CHECK_STR(cp("a\\b"), "(refused)");
	CHECK_STR(cp("a\tb"), "(refused)");
	CHECK_STR(cp("a\x7f"), "(refused)");
	CHECK_STR(cp("a\nb"), "(refused)");
	CHECK_STR(cp("%2e%2e/x"), "(refused)");
	CHECK_STR(cp("x/%2E%2e"), "(refused)");
	CHECK_STR(cp("..%2fx"), "(refused)");
	CHECK_STR(cp("a%5cb"), "(refused)");
	CHECK_STR(cp("a%00"), "(refused)");
	CHECK_STR(cp("a%2"), "/a%2");
	/* names come back in JSON: UTF-8 only, no overlong or surrogate */
	CHECK_STR(cp("/u8/caf\xc3\xa9"), "/u8/caf\xc3\xa9");
	CHECK_STR(cp("/u8/\xc0\xae\xff\xfe"), "(refused)");
	CHECK_STR(cp("/u8/\xed\xa0\x80"), "(refused)");
	CHECK_STR(cp("/u8/x\xe2\x82"), "(refused)");
	memset(big, 'x', 255);
	big[255] = '\0';
	CHECK(files_path_canon(big, canon) == NULL);
	big[255] = 'x';
	big[256] = '\0';
	CHECK(files_path_canon(big, canon) != NULL);
	for (n = 0; n < 500; n++)
		big[n] = n % 100 == 99 ? '/' : 'y';
	big[399] = '\0';	/* 399 bytes + the leading '/' = 400 */
	CHECK(files_path_canon(big, canon) == NULL);
	CHECK_INT(strlen(canon), 400);
	big[399] = 'y';
	big[400] = '\0';
	CHECK(files_path_canon(big, canon) != NULL);

	/* a store in a temporary directory */
	config_register_all();
	config_defaults(config_live());
	CHECK(mkdtemp(dir) != NULL);
	snprintf(store_cfg.data_dir, sizeof(store_cfg.data_dir), "%s", dir);
	snprintf(fdir, sizeof(fdir), "%s/files", dir);
	CHECK(store_open(dir, 1 << 22) == 0);
	CHECK(files_init() == 0);

	/* a write, committed */
	CHECK(files_writer_open(100, &w) == 0);
	CHECK_INT(entries(fdir), 1);		/* the temporary file */
	CHECK(files_writer_write(w, "hello ", 6) == 0);
	CHECK(files_writer_write(w, "world\n", 6) == 0);
	CHECK(files_writer_commit(w, "/x/hello.txt", "alice", "640", NULL,
	    NULL, &m) == 0);
	files_writer_free(w);
	CHECK_INT(entries(fdir), 1);		/* the blob only */
	CHECK_INT(m.size, 12);
	CHECK_STR(m.mime, "text/plain");
	CHECK_STR(m.owner, "alice");
	CHECK_STR(m.perms, "640");
	CHECK_INT(strlen(m.etag), 32);
	CHECK(files_open("/x/hello.txt", &m2, &fd) == 0);
	CHECK_INT(read(fd, buf, sizeof(buf)), 12);
	close(fd);
	CHECK_STR(m2.etag, m.etag);
	{
		struct stat st;

		snprintf(p, sizeof(p), "%s/%s", fdir, m.blob);
		CHECK(stat(p, &st) == 0 && st.st_mtime == m.modified);
	}

	/* a write over the cap, or abandoned, or refused: nothing stays */
	CHECK(files_writer_open(5, &w) == 0);
	CHECK_INT(files_writer_write(w, "123456", 6), STORE_E_TOO_LARGE);
	files_writer_free(w);
	CHECK_INT(entries(fdir), 1);
	CHECK(files_writer_open(100, &w) == 0);
	CHECK(files_writer_write(w, "abc", 3) == 0);
	files_writer_free(w);
	CHECK_INT(entries(fdir), 1);
	CHECK(files_writer_open(100, &w) == 0);
	CHECK(files_writer_write(w, "other", 5) == 0);
	CHECK_INT(files_writer_commit(w, "/x/hello.txt", "bob", "644",
	    refuse_all, NULL, &m2), -1234);
	files_writer_free(w);
	CHECK_INT(entries(fdir), 1);
	CHECK(files_get("/x/hello.txt", &m2) == 0);
	CHECK_STR(m2.etag, m.etag);

	/* a replacement keeps created_at and owner; the old blob stays
	 * for the sweep */
	CHECK(files_writer_open(100, &w) == 0);
	CHECK(files_writer_write(w, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01"
	    "\0\0\0\x01\x08\x02\0\0\0", 29) == 0);
	CHECK(files_writer_commit(w, "/x/hello.txt", "bob", "600", NULL, NULL,
	    &m2) == 0);
	files_writer_free(w);
	CHECK_STR(m2.owner, "alice");
	CHECK_INT(m2.created, m.created);
	CHECK(strcmp(m2.etag, m.etag) != 0);
	CHECK_STR(m2.mime, "image/png");
	CHECK_INT(entries(fdir), 2);

	/* the reader-driven helper and a reader's error */
	left = 3;
	CHECK(files_store_stream("/y/r", "carol", "644", 1000, reader, &left,
	    must_be_new, NULL, &m) == 0);
	CHECK_INT(m.size, 30);
	left = 3;
	CHECK_INT(files_store_stream("/y/r", "carol", "644", 1000, reader,
	    &left, must_be_new, NULL, &m), -1235);
	left = -1;
	CHECK_INT(files_store_stream("/y/s", "carol", "644", 1000, reader,
	    &left, NULL, NULL, &m), -77);
	CHECK(files_get("/y/s", &m) == STORE_E_NOTFOUND);

	/* list */
	n = 0;
	CHECK(files_list("/x/", count, &n) == 0);
	CHECK_INT(n, 1);
	n = 0;
	CHECK(files_list("", count, &n) == 0);
	CHECK_INT(n, 2);

	/* delete: refused, then done; the blob goes */
	CHECK_INT(files_delete("/y/r", refuse_all, NULL), -1234);
	CHECK(files_get("/y/r", &m) == 0);
	n = entries(fdir);
	CHECK(files_delete("/y/r", NULL, NULL) == 0);
	CHECK_INT(entries(fdir), n - 1);
	CHECK(files_delete("/y/r", NULL, NULL) == STORE_E_NOTFOUND);

	/* the sweep: an unreferenced blob (the one replaced above) and an
	 * unlocked temporary file go; a referenced blob and the temporary
	 * file of a write in progress stay */
	snprintf(p, sizeof(p), "%s/.tmp-0123456789abcdef", fdir);
	CHECK((fd = open(p, O_CREAT | O_WRONLY, 0644)) >= 0);
	close(fd);
	CHECK(files_writer_open(100, &w) == 0);
	n = entries(fdir);	/* hello's two blobs, two temporary files */
	CHECK_INT(n, 4);
	files_sweep(0);
	CHECK_INT(entries(fdir), 2);
	CHECK(access(p, F_OK) < 0);
	CHECK(files_writer_write(w, "late", 4) == 0);
	CHECK(files_writer_commit(w, "/z", "dan", "644", NULL, NULL, &m) == 0);
	files_writer_free(w);
	CHECK_INT(entries(fdir), 2);
	CHECK(files_open("/x/hello.txt", &m2, &fd) == 0);
	close(fd);
	CHECK(files_open("/z", &m2, &fd) == 0);
	close(fd);
	store_close();
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	CHECK(system(p) == 0);
	return unit_done();
}
