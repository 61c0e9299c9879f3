/* Unit tests: entity-tag lists, HTTP-dates, RFC 9110 precondition order,
 * If-Range and Range parsing with coalescing (handlers/ranges.c). */
#include "config.h"

#include "handlers/handlers.h"
#include "unit.h"

#define ET "\"abc\""
#define LM 784111777	/* Sun, 06 Nov 1994 08:49:37 GMT */

static enum range_result
rp(const char *h, long long size, size_t *n, struct byte_range *rg)
{
	return range_parse(h, size, 16, rg, n);
}

static enum cond_result
ce(const char *im, const char *ius, const char *inm, const char *ims,
    int get)
{
	struct cond_headers h = { im, inm, ims, ius };

	return cond_evaluate(&h, 1, ET, LM, get);
}

int
main(void)
{
	struct byte_range rg[16];
	char buf[32], many[512];
	size_t n, i;
	time_t t;

	/* entity-tag lists */
	CHECK(etag_list_match("*", ET, 0));
	CHECK(etag_list_match(" * ", ET, 0));
	CHECK(etag_list_match(ET, ET, 0));
	CHECK(etag_list_match("\"x\", " ET, ET, 0));
	CHECK(etag_list_match("\"x\" ,," ET ",", ET, 0));
	CHECK(!etag_list_match("W/" ET, ET, 0));
	CHECK(etag_list_match("W/" ET, ET, 1));
	CHECK(!etag_list_match("\"abcd\"", ET, 1));
	CHECK(!etag_list_match("abc", ET, 1));
	CHECK(!etag_list_match("\"abc", ET, 1));
	CHECK(!etag_list_match(ET " junk", ET, 1));
	CHECK(!etag_list_match("", ET, 1));
	CHECK(!etag_list_match("*, " ET, "\"zz\"", 1));

	/* HTTP-dates, all three forms */
	CHECK(http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", &t) == 0);
	CHECK_INT(t, LM);
	CHECK(http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT", &t) == 0);
	CHECK_INT(t, LM);
	CHECK(http_date_parse("Sun Nov  6 08:49:37 1994", &t) == 0);
	CHECK_INT(t, LM);
	CHECK(http_date_parse("yesterday", &t) < 0);
	CHECK(http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT x", &t) < 0);
	CHECK(http_date_parse("", &t) < 0);
	CHECK(http_date_parse(NULL, &t) < 0);
	http_date_format(buf, LM);
	CHECK_STR(buf, "Sun, 06 Nov 1994 08:49:37 GMT");

	/* preconditions in RFC 9110 13.2.2 order */
	CHECK_INT(ce(NULL, NULL, NULL, NULL, 1), COND_OK);
	CHECK_INT(ce(ET, NULL, NULL, NULL, 1), COND_OK);
	CHECK_INT(ce("\"no\"", NULL, NULL, NULL, 1), COND_FAILED);
	CHECK_INT(ce("W/" ET, NULL, NULL, NULL, 1), COND_FAILED);
	CHECK_INT(ce("*", NULL, NULL, NULL, 1), COND_OK);
	/* If-Match wins over If-Unmodified-Since */
	CHECK_INT(ce(ET, "Sat, 01 Jan 1994 00:00:00 GMT", NULL, NULL, 1),
	    COND_OK);
	CHECK_INT(ce(NULL, "Sat, 01 Jan 1994 00:00:00 GMT", NULL, NULL, 1),
	    COND_FAILED);
	CHECK_INT(ce(NULL, "Sun, 06 Nov 1994 08:49:37 GMT", NULL, NULL, 1),
	    COND_OK);
	CHECK_INT(ce(NULL, "garbage", NULL, NULL, 1), COND_OK);
	/* If-None-Match: 304 for GET, 412 otherwise */
	CHECK_INT(ce(NULL, NULL, ET, NULL, 1), COND_NOT_MODIFIED);
	CHECK_INT(ce(NULL, NULL, "W/" ET, NULL, 1), COND_NOT_MODIFIED);
	CHECK_INT(ce(NULL, NULL, "*", NULL, 1), COND_NOT_MODIFIED);
	CHECK_INT(ce(NULL, NULL, ET, NULL, 0), COND_FAILED);
	CHECK_INT(ce(NULL, NULL, "\"other\"", NULL, 1), COND_OK);
	/* If-None-Match present: If-Modified-Since is ignored */
	CHECK_INT(ce(NULL, NULL, "\"other\"", "Sun, 06 Nov 1994 08:49:37 GMT",
	    1), COND_OK);
	CHECK_INT(ce(NULL, NULL, ET, "Sat, 01 Jan 1994 00:00:00 GMT", 1),
	    COND_NOT_MODIFIED);
	/* If-Modified-Since */
	CHECK_INT(ce(NULL, NULL, NULL, "Sun, 06 Nov 1994 08:49:37 GMT", 1),
	    COND_NOT_MODIFIED);
	CHECK_INT(ce(NULL, NULL, NULL, "Mon, 07 Nov 1994 08:49:37 GMT", 1),
	    COND_NOT_MODIFIED);
	CHECK_INT(ce(NULL, NULL, NULL, "Sun, 06 Nov 1994 08:49:36 GMT", 1),
	    COND_OK);
	CHECK_INT(ce(NULL, NULL, NULL, "Sun, 06 Nov 1994 08:49:37 GMT", 0),
	    COND_OK);
	CHECK_INT(ce(NULL, NULL, NULL, "not a date", 1), COND_OK);
	/* 412 beats 304 */
	CHECK_INT(ce("\"no\"", NULL, ET, NULL, 1), COND_FAILED);
	/* no current representation: If-Match fails, If-None-Match passes */
	{
		struct cond_headers h = { "*", NULL, NULL, NULL };
		struct cond_headers h2 = { NULL, "*", NULL, NULL };

		CHECK_INT(cond_evaluate(&h, 0, "", 0, 0), COND_FAILED);
		CHECK_INT(cond_evaluate(&h2, 0, "", 0, 0), COND_OK);
		CHECK_INT(cond_evaluate(&h2, 1, ET, LM, 0), COND_FAILED);
	}

	/* If-Range */
	CHECK(cond_if_range(NULL, ET, LM));
	CHECK(cond_if_range(ET, ET, LM));
	CHECK(!cond_if_range("\"stale\"", ET, LM));
	CHECK(!cond_if_range("W/" ET, ET, LM));
	CHECK(cond_if_range("Sun, 06 Nov 1994 08:49:37 GMT", ET, LM));
	CHECK(!cond_if_range("Sun, 06 Nov 1994 08:49:38 GMT", ET, LM));
	CHECK(!cond_if_range("junk", ET, LM));

	/* Range: single, suffix, open */
	CHECK_INT(rp(NULL, 1000, &n, rg), RANGE_NONE);
	CHECK_INT(rp("bytes=0-99", 1000, &n, rg), RANGE_PARTIAL);
	CHECK_INT(n, 1);
	CHECK_INT(rg[0].start, 0);
	CHECK_INT(rg[0].end, 99);
	CHECK_INT(rp("bytes=-500", 1000, &n, rg), RANGE_PARTIAL);
	CHECK_INT(rg[0].start, 500);
	CHECK_INT(rg[0].end, 999);
	CHECK_INT(rp("bytes=-5000", 1000, &n, rg), RANGE_PARTIAL);
	CHECK_INT(rg[0].start, 0);
	CHECK_INT(rp("bytes=100-", 1000, &n, rg), RANGE_PARTIAL);
	CHECK_INT(rg[0].start, 100);
	CHECK_INT(rg[0].end, 999);
	CHECK_INT(rp("bytes=990-2000", 1000, &n, rg), RANGE_PARTIAL);
	CHECK_INT(rg[0].end, 999);
	CHECK_INT(rp("BYTES=1-1", 1000, &n, rg), RANGE_PARTIAL);
	CHECK_INT(rg[0].start, 1);
	CHECK_INT(rp("bytes= 5 - 9 ", 1000, &n, rg), RANGE_PARTIAL);
	CHECK_INT(rg[0].end, 9);

	/* unsatisfiable */
	CHECK_INT(rp("bytes=1000-", 1000, &n, rg), RANGE_UNSATISFIABLE);
	CHECK_INT(rp("bytes=1000-2000", 1000, &n, rg), RANGE_UNSATISFIABLE);
	CHECK_INT(rp("bytes=-0", 1000, &n, rg), RANGE_UNSATISFIABLE);
	CHECK_INT(rp("bytes=2000-3000,5000-", 1000, &n, rg),
	    RANGE_UNSATISFIABLE);
	/* one satisfiable among unsatisfiable ones is served */
	CHECK_INT(rp("bytes=2000-3000,5-6", 1000, &n, rg), RANGE_PARTIAL);
	CHECK_INT(n, 1);
	CHECK_INT(rg[0].start, 5);

	/* malformed: ignored */
	CHECK_INT(rp("bytes=abc", 1000, &n, rg), RANGE_NONE);
	CHECK_INT(rp("bytes=5-3", 1000, &n, rg), RANGE_NONE);
	CHECK_INT(rp("bytes=1-2;3-4", 1000, &n, rg), RANGE_NONE);
	CHECK_INT(rp("bytes=-", 1000, &n, rg), RANGE_NONE);
	CHECK_INT(rp("bytes=", 1000, &n, rg), RANGE_NONE);
	CHECK_INT(rp("bytes=,", 1000, &n, rg), RANGE_NONE);
	CHECK_INT(rp("items=0-1", 1000, &n, rg), RANGE_NONE);
	CHECK_INT(rp("bytes 0-1", 1000, &n, rg), RANGE_NONE);
	CHECK_INT(rp("bytes =0-1", 1000, &n, rg), RANGE_NONE);
	CHECK_INT(rp("bytes= 0-1", 1000, &n, rg), RANGE_PARTIAL);
	CHECK_INT(rp("bytes=0-1x", 1000, &n, rg), RANGE_NONE);
	CHECK_INT(rp("bytes=99999999999999999999-", 1000, &n, rg), RANGE_NONE);
	CHECK_INT(rp("bytes=--5", 1000, &n, rg), RANGE_NONE);

	/* multiple, coalesced when overlapping or adjacent, order kept */
	CHECK_INT(rp("bytes=0-9,20-29", 1000, &n, rg), RANGE_PARTIAL);
	CHECK_INT(n, 2);
	CHECK_INT(rp("bytes=20-29,0-9", 1000, &n, rg), RANGE_PARTIAL);
	CHECK_INT(n, 2);
	CHECK_INT(rg[0].start, 20);
	CHECK_INT(rg[1].start, 0);
	CHECK_INT(rp("bytes=0-99,50-149", 1000, &n, rg), RANGE_PARTIAL);
	CHECK_INT(n, 1);
	CHECK_INT(rg[0].end, 149);
	CHECK_INT(rp("bytes=0-9,10-19", 1000, &n, rg), RANGE_PARTIAL);
	CHECK_INT(n, 1);
	CHECK_INT(rg[0].end, 19);
	CHECK_INT(rp("bytes=0-9,11-19", 1000, &n, rg), RANGE_PARTIAL);
	CHECK_INT(n, 2);
	CHECK_INT(rp("bytes=50-60,0-9,5-55,100-110", 1000, &n, rg),
	    RANGE_PARTIAL);
	CHECK_INT(n, 2);
	CHECK_INT(rg[0].start, 0);
	CHECK_INT(rg[0].end, 60);
	CHECK_INT(rg[1].start, 100);
	CHECK_INT(rp("bytes=-100,900-", 1000, &n, rg), RANGE_PARTIAL);
	CHECK_INT(n, 1);
	CHECK_INT(rg[0].start, 900);

	/* more than the maximum: the whole file */
	many[0] = '\0';
	strcat(many, "bytes=");
	for (i = 0; i < 17; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
		    "%s%zu-%zu", i ? "," : "", i * 10, i * 10 + 1);
	CHECK_INT(rp(many, 1000, &n, rg), RANGE_NONE);
	*strrchr(many, ',') = '\0';
	CHECK_INT(rp(many, 1000, &n, rg), RANGE_PARTIAL);
	CHECK_INT(n, 16);

	/* zero-length: ranges from 0 and suffixes are ignored, others 416 */
	CHECK_INT(rp("bytes=0-", 0, &n, rg), RANGE_NONE);
	CHECK_INT(rp("bytes=0-0", 0, &n, rg), RANGE_NONE);
	CHECK_INT(rp("bytes=-5", 0, &n, rg), RANGE_NONE);
	CHECK_INT(rp("bytes=5-10", 0, &n, rg), RANGE_UNSATISFIABLE);
	return unit_done();
}
