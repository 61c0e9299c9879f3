/* Unit tests: the one tar unit (services/tar.c): writing entries with
 * their parent directories, a cap, packing a directory, the first file,
 * and the strict reader's refusals. */
#include "config.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "services/services.h"
#include "unit.h"

/* Every member of a tar as "d:name" or "f:name" joined by spaces. */
static const char *
members(const void *tar, size_t len)
{
	static char out[1024];
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t n = 0;

	out[0] = '\0';
	archive_read_support_format_tar(a);
	if (archive_read_open_memory(a, tar, len) != ARCHIVE_OK)
		snprintf(out, sizeof(out), "(bad)");
	else
		while (archive_read_next_header(a, &e) == ARCHIVE_OK)
			n += (size_t)snprintf(out + n, sizeof(out) - n,
			    "%s%c:%s", n ? " " : "",
			    archive_entry_filetype(e) == AE_IFDIR ? 'd' : 'f',
			    archive_entry_pathname(e));
	archive_read_free(a);
	return out;
}

static void
test_write(void)
{
	struct tar_ent ents[] = {
		{ "a/b/c.txt", "hello", 5, 0644, 0, 0, 0, 1 },
		{ "a/d.txt", "", 0, 0600, 0, 0, 0, 1 },
		{ "top", "t", 1, 0644, 0, 0, 0, 0 },
	};
	void *tar = NULL;
	size_t len = 0, dlen = 0;
	char *data = NULL;

	CHECK_INT(tar_write(ents, 3, 0, &tar, &len), 0);
	CHECK_STR(members(tar, len), "d:a/ d:a/b/ f:a/b/c.txt f:a/d.txt f:top");
	CHECK_INT(tar_first_file(tar, len, 100, &data, &dlen), 0);
	CHECK_STR(data, "hello");
	CHECK_INT(dlen, 5);
	free(data);
	CHECK_INT(tar_first_file(tar, len, 4, &data, &dlen), SVC_E_TOO_LARGE);
	CHECK(data == NULL);
	CHECK_INT(tar_first_file("not a tar at all", 16, 100, &data, &dlen),
	    SVC_E_TAR);
	free(tar);
	CHECK_INT(tar_write(ents, 3, 512, &tar, &len), SVC_E_TOO_LARGE);
	CHECK(tar == NULL);
}

static void
test_strict(void)
{
	struct tar_ent ents[] = {
		{ "/abs", "x", 1, 0644, 0, 0, 0, 0 },
		{ "out/../../evil", "x", 1, 0644, 0, 0, 0, 0 },
		{ "out/ok", "ok", 2, 0644, 0, 0, 0, 0 },
		{ "out/sub", NULL, 0, 0755, 0, 0, 1, 0 },
	};
	struct tar_reader *t;
	const char *name;
	long long size;
	void *tar;
	size_t len;
	char buf[8];

	CHECK_INT(tar_write(ents, 4, 0, &tar, &len), 0);
	CHECK_INT(tar_reader_open(tar, len, 1, &t), 0);
	CHECK_INT(tar_reader_next(t, &name, &size), 1);
	CHECK_STR(name, "out/ok");
	CHECK_INT(size, 2);
	CHECK_INT(tar_reader_data(t, buf, 2), 0);
	CHECK(memcmp(buf, "ok", 2) == 0);
	CHECK_INT(tar_reader_next(t, &name, &size), 0);
	CHECK_INT(tar_reader_refused(t), 2);
	tar_reader_close(t);
	/* Not strict: every regular file, whatever its name. */
	CHECK_INT(tar_reader_open(tar, len, 0, &t), 0);
	CHECK_INT(tar_reader_next(t, &name, &size), 1);
	CHECK_STR(name, "/abs");
	tar_reader_close(t);
	free(tar);
}

static void
test_dir(void)
{
	char dir[] = "/tmp/cc-t-tar-XXXXXX", path[300], err[512];
	void *tar = NULL;
	size_t len = 0;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/sub", dir);
	CHECK(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/sub/f.txt", dir);
	CHECK((f = fopen(path, "w")) != NULL && fputs("data", f) >= 0 &&
	    fclose(f) == 0);
	CHECK_INT(tar_write_dir(dir, 0, &tar, &len, err, sizeof(err)), 0);
	CHECK_STR(members(tar, len), "d:sub/ f:sub/f.txt");
	free(tar);
	CHECK_INT(tar_write_dir(dir, 100, &tar, &len, err, sizeof(err)),
	    SVC_E_TOO_LARGE);
	CHECK(tar == NULL);
	CHECK_INT(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/sub", dir);
	CHECK_INT(rmdir(path), 0);
	CHECK_INT(rmdir(dir), 0);
	CHECK_INT(tar_write_dir(dir, 0, &tar, &len, err, sizeof(err)),
	    SVC_E_TAR);
	CHECK(strncmp(err, "cannot pack '", 13) == 0);
}

int
main(void)
{
	test_write();
	test_strict();
	test_dir();
	return unit_done();
}
