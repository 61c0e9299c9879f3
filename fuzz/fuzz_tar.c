/*
 * fuzz_tar.c: libFuzzer target for job tar extraction (job_tar_extract
 * in jobs/archive.c, over the strict reader of services/tar.c), and the
 * lenient first-file reader (tar_first_file).  The input is the archive
 * an engine hands back for a job's "/output" directory: untrusted, so
 * no file it yields may be named with an absolute or ".." path, no
 * link may come through, and the size cap must hold.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/jobs.h"
#include "services/services.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	size_t		 files, bytes;
	unsigned char	 sum;
};

/* A path the extraction may hand out: under "/", no "." or ".."
 * segment. */
static int
path_safe(const char *p)
{
	const char *seg, *end;

	if (p[0] != '/')
		return 0;
	for (seg = p + 1; ; seg = end + 1) {
		end = strchr(seg, '/');
		if (end == NULL)
			end = seg + strlen(seg);
		if (end - seg == 2 && seg[0] == '.' && seg[1] == '.')
			return 0;
		if (*end == '\0')
			return 1;
	}
}

static int
on_file(const char *cpath, const void *data, size_t len, void *arg)
{
	struct seen *s = arg;
	const unsigned char *d = data;
	size_t i;

	if (!path_safe(cpath))
		abort();
	for (i = 0; i < len; i++)	/* every byte must be readable */
		s->sum += d[i];
	s->files++;
	s->bytes += len;
	return 0;
}

static void
extract(const uint8_t *data, size_t size, const char *pattern, size_t max)
{
	struct seen s = { 0, 0, 0 };
	size_t used = 0;
	int rc, rejected = 0;

	rc = job_tar_extract(data, size, "/output", pattern, max, &used,
	    on_file, &s, &rejected);
	if ((rc != 0 && rc != -1 && rc != -2) || used > max ||
	    used != s.bytes || rejected < 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *first = NULL;
	size_t flen = 0;

	extract(data, size, "/output/*", 1 << 20);
	extract(data, size, "/output/*/*.json", 1 << 20);
	extract(data, size, "/output/[a-m]*", 64);
	if (tar_first_file(data, size, 1 << 16, &first, &flen) == 0) {
		if (first == NULL || flen > (1 << 16) || first[flen] != '\0')
			abort();
		free(first);
	}
	return 0;
}
