/*
 * fuzz_request.c: libFuzzer target for the request-line parsers: path
 * percent-decoding, the ".." check via the router's prefix stripping and
 * pattern matching, and query-string parsing.  Input: "path?query".
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi-app/cc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request r;
	char *in, *path = NULL, *q;
	const char *stripped;
	int api;

	if ((in = malloc(size + 1)) == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	memset(&r, 0, sizeof(r));
	q = strchr(in, '?');
	if (path_decode(in, q ? (size_t)(q - in) : strlen(in), &path) == 0) {
		stripped = route_strip_prefix(path, &api);
		route_match("/containers/{id}/logs", stripped, &r);
		route_match("/files/download/{path*}", stripped, &r);
		free(path);
	}
	if (q != NULL)
		query_parse(&r, q + 1);
	request_free(&r);
	free(in);
	return 0;
}
