/*
 * docs_util.h: what the tests that hold the docs against the code share
 * (tests/unit/t_docs, tests/e2e/t_openapi): reading a file of the source
 * tree, and a route pattern as an OpenAPI path.
 */
#ifndef CC_TESTS_DOCS_UTIL_H
#define CC_TESTS_DOCS_UTIL_H

#include <stdio.h>
#include <stdlib.h>

/* The file at rel below $CC_SRCDIR (else .), NUL-terminated, with its
 * length in *lenp (may be NULL); NULL if unreadable.  Free it. */
static inline char *
docs_slurp(const char *rel, size_t *lenp)
{
	const char *src = getenv("CC_SRCDIR");
	char path[4096];
	char *buf = NULL;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", src ? src : ".", rel);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = calloc(1, (size_t)n + 1)) != NULL &&
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	} else if (buf != NULL && lenp != NULL)
		*lenp = (size_t)n;
	fclose(f);
	return buf;
}

/* "/files/download/{path*}" is "/files/download/{path}" in OpenAPI. */
static inline void
docs_openapi_path(const char *pattern, char *out, size_t len)
{
	size_t o = 0;

	for (; *pattern && o + 1 < len; pattern++)
		if (*pattern != '*')
			out[o++] = *pattern;
	out[o] = '\0';
}

#endif
