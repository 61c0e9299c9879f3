/* Unit tests: the strict number, size, duration and boolean parsers. */
#include "config.h"

#include "fcgi-app/cc.h"
#include "unit.h"

int
main(void)
{
	long l;
	size_t sz;
	char ts[32];

	CHECK(parse_long("42", 0, 100, &l) == 0 && l == 42);
	CHECK(parse_long("-1", 0, 100, &l) < 0);
	CHECK(parse_long("101", 0, 100, &l) < 0);
	CHECK(parse_long("", 0, 100, &l) < 0);
	CHECK(parse_long(" 4", 0, 100, &l) < 0);
	CHECK(parse_long("4x", 0, 100, &l) < 0);
	CHECK(parse_long("99999999999999999999", 0, 100, &l) < 0);
	CHECK(parse_size("1m", &sz) == 0 && sz == 1048576);
	CHECK(parse_size("2G", &sz) == 0 && sz == 2147483648UL);
	CHECK(parse_size("512", &sz) == 0 && sz == 512);
	CHECK(parse_size("10kb", &sz) == 0 && sz == 10240);
	CHECK(parse_size("1x", &sz) < 0);
	CHECK(parse_size("-1", &sz) < 0);
	CHECK(parse_size("99999999999t", &sz) < 0);
	CHECK(parse_duration("3600s", &l) == 0 && l == 3600);
	CHECK(parse_duration("15m", &l) == 0 && l == 900);
	CHECK(parse_duration("2h", &l) == 0 && l == 7200);
	CHECK(parse_duration("1d", &l) == 0 && l == 86400);
	CHECK(parse_duration("30", &l) == 0 && l == 30);
	CHECK(parse_duration("s", &l) < 0);
	CHECK(parse_duration("5w", &l) < 0);
	{
		/* Every spelling of issue 18's "?force=True", any case. */
		static const char *const yes[] = { "true", "True", "TRUE",
		    "1", "yes", "Yes", "on", "ON" };
		static const char *const no[] = { "false", "False", "0", "no",
		    "NO", "off", "Off" };
		static const char *const bad[] = { "", "2", "tru", "truex",
		    " true", "true ", "y", "n", "-1", "none" };
		size_t i;
		int b;

		for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
			CHECK(parse_bool(yes[i], &b) == 0 && b == 1);
		for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
			CHECK(parse_bool(no[i], &b) == 0 && b == 0);
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			b = 7;
			CHECK(parse_bool(bad[i], &b) < 0 && b == 7);
		}
		CHECK(parse_bool(NULL, &b) < 0);
	}
	iso8601(ts, 0);
	CHECK_STR(ts, "1970-01-01T00:00:00Z");
	{
		char *b = NULL;
		size_t n = 0;

		CHECK(buf_append(&b, &n, "ab", 2) == 0);
		CHECK(buf_append(&b, &n, "cdef", 3) == 0);
		CHECK(buf_append(&b, &n, "", 0) == 0);
		CHECK_INT(n, 5);
		CHECK_STR(b, "abcde");
		free(b);
	}
	return unit_done();
}
