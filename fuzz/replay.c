/*
 * replay.c: runs a fuzz target over every file of its corpus directory
 * (CORPUS_DIR, or the directories named on the command line), so each
 * corpus entry, and each crash once added to the corpus, is a regression
 * test in "make check" without clang's libFuzzer.  Prints TAP.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n, failed;

static void
replay_file(const char *path)
{
	unsigned char *buf = NULL;
	FILE *f = NULL;
	long len;

	if ((f = fopen(path, "rb")) == NULL || fseek(f, 0, SEEK_END) < 0 ||
	    (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0 ||
	    (buf = malloc((size_t)len + 1)) == NULL ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len) {
		printf("not ok %d - cannot read %s\n", ++n, path);
		failed++;
		goto out;
	}
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	printf("ok %d - %s\n", ++n, path);
out:
	if (f != NULL)
		fclose(f);
	free(buf);
}

static void
replay_dir(const char *dir)
{
	struct dirent *e;
	char path[4096];
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		printf("not ok %d - cannot open %s\n", ++n, dir);
		failed++;
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		replay_file(path);
	}
	closedir(d);
}

int
main(int argc, char *argv[])
{
	int i;

	if (argc < 2)
		replay_dir(CORPUS_DIR);
	for (i = 1; i < argc; i++)
		replay_dir(argv[i]);
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
