/*
 * fuzz_multipart.c: libFuzzer target for the streaming multipart parser
 * (handlers/multipart.c).  The first byte picks where the input is cut in
 * two; the parse must give the same parts and the same verdict whole and
 * cut, and a part's data must never exceed the input.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/handlers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct rec {
	unsigned char	 h[32];		/* a checksum of what was seen */
	size_t		 bytes, parts;
};

static int
on_begin(void *arg, const struct mp_part *p)
{
	struct rec *r = arg;

	r->parts++;
	r->h[r->parts % 32] ^= (unsigned char)strlen(p->name);
	return 0;
}

static int
on_data(void *arg, const char *s, size_t n)
{
	struct rec *r = arg;
	size_t i;

	for (i = 0; i < n; i++)
		r->h[(r->bytes + i) % 32] += (unsigned char)s[i];
	r->bytes += n;
	return 0;
}

static int
on_end(void *arg)
{
	((struct rec *)arg)->h[0] ^= 0x5a;
	return 0;
}

static int
parse(const char *b, const char *in, size_t len, size_t cut, struct rec *r)
{
	static const struct mp_callbacks cbs = { on_begin, on_data, on_end };
	static const struct mp_limits lim = { 16, 512 };
	struct mp_parser *mp = mp_new(b, &lim, &cbs, r);
	int rc;

	if (mp == NULL)
		return 1;
	if ((rc = mp_feed(mp, in, cut)) == 0 &&
	    (rc = mp_feed(mp, in + cut, len - cut)) == 0)
		rc = mp_finish(mp);
	mp_free(mp);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec a, b;
	size_t cut;
	int ra, rb;

	if (size < 1)
		return 0;
	cut = (size - 1) * data[0] / 255;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ra = parse("xB", (const char *)data + 1, size - 1, 0, &a);
	rb = parse("xB", (const char *)data + 1, size - 1, cut, &b);
	if (ra != rb || memcmp(&a, &b, sizeof(a)) != 0 || a.bytes > size)
		abort();
	return 0;
}
