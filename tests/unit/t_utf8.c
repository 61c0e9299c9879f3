/* Unit tests: UTF-8 checking, cutting and repair (base/utf8.c), the
 * check of a parsed JSON body, the log's escaping (base/log.c) and how
 * doubles are written (json_out_init). */
#include "config.h"

#include "base/base.h"
#include "unit.h"

/* utf8_check over a literal (NULs inside count). */
#define VALID(lit) (utf8_check((lit), sizeof(lit) - 1, NULL) == 0)

static size_t
bad_at(const char *s, size_t len)
{
	size_t bad = (size_t)-1;

	return utf8_check(s, len, &bad) < 0 ? bad : (size_t)-1;
}

/* utf8_repair into a NUL-ended static buffer. */
static const char *
repaired(const char *s, size_t len)
{
	static char out[256];
	size_t n = utf8_repair(out, sizeof(out) - 1, s, len, NULL);

	out[n] = '\0';
	return out;
}

/* The reason utf8_json_check gives for a JSON text, "" when none;
 * *where gets the member named. */
static const char *
json_why(const char *text, char *where, size_t wlen)
{
	json_object *o = json_tokener_parse(text);
	const char *why;

	if (o == NULL)
		return "(unparsed)";
	why = utf8_json_check(o, where, wlen);
	json_object_put(o);
	return why != NULL ? why : "";
}

static const char *
dbl(double d)
{
	static char out[64];
	json_object *o = json_object_new_double(d);

	snprintf(out, sizeof(out), "%s", json_object_to_json_string(o));
	json_object_put(o);
	return out;
}

static void
t_check(void)
{
	/* well formed: each length, the edges of each range */
	CHECK(VALID(""));
	CHECK(VALID("plain ascii, long enough for the 8-byte path"));
	CHECK(VALID("caf\xc3\xa9"));			/* U+00E9 */
	CHECK(VALID("\xc2\x80"));			/* U+0080 */
	CHECK(VALID("\xdf\xbf"));			/* U+07FF */
	CHECK(VALID("\xe0\xa0\x80"));			/* U+0800 */
	CHECK(VALID("\xe2\x82\xac"));			/* U+20AC */
	CHECK(VALID("\xed\x9f\xbf"));			/* U+D7FF */
	CHECK(VALID("\xee\x80\x80"));			/* U+E000 */
	CHECK(VALID("\xef\xbf\xbd"));			/* U+FFFD */
	CHECK(VALID("\xf0\x90\x80\x80"));		/* U+10000 */
	CHECK(VALID("\xf0\x9f\x98\x80"));		/* U+1F600 */
	CHECK(VALID("\xf4\x8f\xbf\xbf"));		/* U+10FFFF */
	CHECK(VALID("a\0b"));				/* NUL is a char */

	/* overlong forms */
	CHECK(!VALID("\xc0\xae"));			/* '.' in two */
	CHECK(!VALID("\xc1\xbf"));
	CHECK(!VALID("\xe0\x80\xae"));			/* '.' in three */
	CHECK(!VALID("\xe0\x9f\xbf"));			/* U+07FF in three */
	CHECK(!VALID("\xf0\x80\x80\xae"));		/* '.' in four */
	CHECK(!VALID("\xf0\x8f\xbf\xbf"));		/* U+FFFF in four */
	/* surrogates, past U+10FFFF, bytes that never occur */
	CHECK(!VALID("\xed\xa0\x80"));			/* U+D800 */
	CHECK(!VALID("\xed\xbf\xbf"));			/* U+DFFF */
	CHECK(!VALID("\xed\xa0\xbd\xed\xb8\x80"));	/* a CESU-8 pair */
	CHECK(!VALID("\xf4\x90\x80\x80"));		/* U+110000 */
	CHECK(!VALID("\xf5\x80\x80\x80"));
	CHECK(!VALID("\xf8\x88\x80\x80\x80"));		/* five bytes */
	CHECK(!VALID("\xfe"));
	CHECK(!VALID("\xff"));
	CHECK(!VALID("\xff\xfe"));
	/* lone continuations and truncated sequences */
	CHECK(!VALID("\x80"));
	CHECK(!VALID("a\xbf"));
	CHECK(!VALID("\xc3"));
	CHECK(!VALID("\xe2\x82"));
	CHECK(!VALID("\xf0\x9f\x98"));
	CHECK(!VALID("\xe2\x82x"));
	CHECK(!VALID("\xc3\xa9\xa9"));

	/* where: the first ill-formed byte, on both sides of the fast path */
	CHECK_INT(bad_at("ab\xff" "cd", 5), 2);
	CHECK_INT(bad_at("aaaaaaaa\xff", 9), 8);
	CHECK_INT(bad_at("aaaaaaaaaaaaaaa\xc3", 16), 15);
	CHECK_INT(bad_at("\xe2\x82\xac\xe2\x82", 5), 3);
	CHECK_INT(bad_at("fine", 4), (size_t)-1);
}

static void
t_next(void)
{
	size_t n = 0;

	CHECK_INT(utf8_next("A", 1, &n), 'A');
	CHECK_INT(n, 1);
	CHECK_INT(utf8_next("\xe2\x82\xac", 3, &n), 0x20ac);
	CHECK_INT(n, 3);
	CHECK_INT(utf8_next("\xf4\x8f\xbf\xbf", 4, &n), 0x10ffff);
	CHECK_INT(n, 4);
	/* the maximal subpart: what began well, never the byte after */
	CHECK_INT(utf8_next("\xe2\x82\"", 3, &n), -1);
	CHECK_INT(n, 2);
	CHECK_INT(utf8_next("\xf0\x9f\x98", 3, &n), -1);
	CHECK_INT(n, 3);
	CHECK_INT(utf8_next("\xc0\xae", 2, &n), -1);
	CHECK_INT(n, 1);
	CHECK_INT(utf8_next("\xed\xa0\x80", 3, &n), -1);
	CHECK_INT(n, 1);
	CHECK_INT(utf8_next("\xbf", 1, &n), -1);
	CHECK_INT(n, 1);
}

static void
t_repair_cut(void)
{
	char out[8];
	size_t used = 0, n;

	CHECK_STR(repaired("caf\xc3\xa9", 5), "caf\xc3\xa9");
	CHECK_STR(repaired("a\xff" "b", 3), "a\xef\xbf\xbd" "b");
	/* the quote after a cut sequence stays a quote */
	CHECK_STR(repaired("\"\xe2\x82\"", 4), "\"\xef\xbf\xbd\"");
	CHECK_STR(repaired("\xf0\x9f\x98", 3), "\xef\xbf\xbd");
	CHECK_STR(repaired("\xc0\xae", 2), "\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_STR(repaired("\xed\xa0\x80", 3),
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK(VALID("\xef\xbf\xbd"));
	CHECK_INT(utf8_repaired_len("a\xff" "b", 3), 5);
	CHECK_INT(utf8_repaired_len("\xc0\xae", 2), 6);
	CHECK_INT(utf8_repaired_len("\xe2\x82\xac", 3), 3);
	/* a small buffer takes whole characters and says how far it got */
	n = utf8_repair(out, 4, "\xe2\x82\xac\xe2\x82\xac", 6, &used);
	CHECK_INT(n, 3);
	CHECK_INT(used, 3);
	n = utf8_repair(out, 2, "\xff", 1, &used);
	CHECK_INT(n, 0);
	CHECK_INT(used, 0);

	CHECK_INT(utf8_cut("abc", 3), 3);
	CHECK_INT(utf8_cut("ab\xe2\x82", 4), 2);
	CHECK_INT(utf8_cut("ab\xe2\x82\xac", 5), 5);
	CHECK_INT(utf8_cut("ab\xc3", 3), 2);
	CHECK_INT(utf8_cut("ab\xf0\x9f\x98", 5), 2);
	CHECK_INT(utf8_cut("\xf0\x9f\x98\x80", 4), 4);
	/* ill formed before the cut: kept, for utf8_repair */
	CHECK_INT(utf8_cut("ab\x80", 3), 3);
	CHECK_INT(utf8_cut("ab\xe0\x80", 4), 4);
	CHECK_INT(utf8_cut("", 0), 0);
}

static void
t_json(void)
{
	static const struct {
		const char	*text, *why, *where;
	} cases[] = {
		{ "{\"a\": \"ok\", \"b\": [1, \"\xc3\xa9\", {}]}", "", "" },
		{ "{\"a\": \"ok\", \"b\": [1, \"x\", {\"c\": \"\xff\"}]}",
		    "is not valid UTF-8", "b[2].c" },
		{ "{\"name\": \"\xc0\xae\"}", "is not valid UTF-8", "name" },
		{ "{\"\xff\": 1}", "has a member name that is not valid UTF-8",
		    "" },
		{ "{\"spec\": {\"\xed\xa0\x80\": 1}}",
		    "has a member name that is not valid UTF-8", "spec" },
		{ "{\"n\": \"a\\u0000b\"}", "contains a NUL character", "n" },
		{ "{\"x\": [1e999]}", "is not a finite number", "x[0]" },
		{ "{\"x\": NaN}", "is not a finite number", "x" },
		/* a lone surrogate escape: json-c makes it U+FFFD, fine */
		{ "{\"x\": \"\\ud800\"}", "", "" },
	};
	char where[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_STR(json_why(cases[i].text, where, sizeof(where)),
		    cases[i].why);
		if (*cases[i].why != '\0')
			CHECK_STR(where, cases[i].where);
	}
	/* a long member name is cut on a character, never inside one */
	CHECK_STR(json_why("{\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\": "
	    "\"\xff\"}", where, 8), "is not valid UTF-8");
	CHECK_STR(where, "\xc3\xa9\xc3\xa9\xc3\xa9");
}

static void
t_log_escape(void)
{
	char out[64];

	json_escape(out, sizeof(out), "a\"b\\c\n");
	CHECK_STR(out, "a\\\"b\\\\c\\u000a");
	json_escape(out, sizeof(out), "caf\xc3\xa9");
	CHECK_STR(out, "caf\xc3\xa9");
	json_escape(out, sizeof(out), "/u8/\xc0\xae\xff\xfe");
	CHECK_STR(out, "/u8/\\ufffd\\ufffd\\ufffd\\ufffd");
	json_escape(out, sizeof(out), "\xe2\x82");
	CHECK_STR(out, "\\ufffd");
	/* a character that does not fit whole is left out */
	json_escape(out, 10, "ab\xf0\x9f\x98\x80\xf0\x9f\x98\x80");
	CHECK(VALID(out) && strlen(out) <= 9);
}

static void
t_doubles(void)
{
	double cpu_pct = 0.0712;

	json_out_init();
	CHECK_STR(dbl(0.07), "0.07");
	/* the engine's cpu_usage, rounded to hundredths as the driver does */
	CHECK_STR(dbl((double)(int64_t)(cpu_pct * 100) / 100), "0.07");
	CHECK_STR(dbl(0.1 + 0.2), "0.3");
	CHECK_STR(dbl(45.5), "45.5");
	CHECK_STR(dbl(100), "100.0");
	CHECK_STR(dbl(0), "0.0");
	CHECK_STR(dbl(-2.5), "-2.5");
	CHECK_STR(dbl(123456.789012), "123456.789012");
	CHECK_STR(dbl(1e-7), "1e-07");
	CHECK_STR(dbl(100.0 / 3), "33.3333333333333");
}

int
main(void)
{
	t_check();
	t_next();
	t_repair_cut();
	t_json();
	t_log_escape();
	t_doubles();
	return unit_done();
}
