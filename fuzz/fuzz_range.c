/*
 * fuzz_range.c: libFuzzer target for the Range and conditional header
 * parsers (handlers/ranges.c).  Every range handed back must lie inside
 * the file, and coalesced ranges must neither overlap nor touch.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/handlers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long long sizes[] = { 0, 1, 1000, 1LL << 40 };
	struct byte_range rg[16];
	struct cond_headers h;
	char *s;
	size_t n, i, j, k;
	time_t t;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (k = 0; k < 4; k++) {
		if (range_parse(s, sizes[k], 16, rg, &n) != RANGE_PARTIAL)
			continue;
		if (n == 0 || n > 16)
			abort();
		for (i = 0; i < n; i++) {
			if (rg[i].start < 0 || rg[i].start > rg[i].end ||
			    rg[i].end >= sizes[k])
				abort();
			for (j = 0; j < i; j++)
				if (rg[j].start <= rg[i].end + 1 &&
				    rg[i].start <= rg[j].end + 1)
					abort();
		}
	}
	h.if_match = h.if_none_match = s;
	h.if_modified_since = h.if_unmodified_since = s;
	cond_evaluate(&h, 1, "\"abc\"", 1000, 1);
	cond_if_range(s, "\"abc\"", 1000);
	etag_list_match(s, "\"abc\"", 1);
	http_date_parse(s, &t);
	free(s);
	return 0;
}
