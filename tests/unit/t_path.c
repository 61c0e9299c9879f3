/* Unit tests: path decoding and query parsing (request.c). */
#include "config.h"

#include "fcgi-app/cc.h"
#include "unit.h"

static const char *
dec(const char *in)
{
	static char *last;
	free(last);
	last = NULL;
	if (path_decode(in, strlen(in), &last) < 0)
		return "(bad)";
	return last;
}

int
main(void)
{
	struct request r;

	CHECK_STR(dec("/api/v1/x"), "/api/v1/x");
	CHECK_STR(dec("/a%20b"), "/a b");
	CHECK_STR(dec("/a%2Fb"), "/a/b");
	CHECK_STR(dec("/%2e%2e/x"), "/../x");	/* decoded once... */
	CHECK_STR(dec("/a%252e"), "/a%2e");	/* ...and only once */
	CHECK_STR(dec("/a%"), "(bad)");
	CHECK_STR(dec("/a%4"), "(bad)");
	CHECK_STR(dec("/a%zz"), "(bad)");
	CHECK_STR(dec("/a%00b"), "(bad)");
	CHECK_STR(dec("/a%0d"), "(bad)");
	CHECK_STR(dec("/a%0A"), "(bad)");
	CHECK_STR(dec("/caf%C3%A9"), "/caf\xc3\xa9");

	memset(&r, 0, sizeof(r));
	CHECK(query_parse(&r, "a=1&b=x%20y&c=&d&e=p+q&a=2") == 0);
	CHECK_INT(r.nquery, 5 + 1);
	CHECK_STR(req_query(&r, "a"), "2");
	CHECK_STR(req_query(&r, "b"), "x y");
	CHECK_STR(req_query(&r, "c"), "");
	CHECK_STR(req_query(&r, "d"), "");
	CHECK_STR(req_query(&r, "e"), "p q");
	CHECK(req_query(&r, "zz") == NULL);
	request_free(&r);

	memset(&r, 0, sizeof(r));
	CHECK(query_parse(&r, "a=%zz") < 0);
	request_free(&r);
	memset(&r, 0, sizeof(r));
	CHECK(query_parse(&r, "a=%00") < 0);
	request_free(&r);
	memset(&r, 0, sizeof(r));
	CHECK(query_parse(&r, "") == 0 && r.nquery == 0);
	request_free(&r);

	CHECK(content_type_is("application/json", "application/json"));
	CHECK(content_type_is("application/json; charset=utf-8",
	    "application/json"));
	CHECK(content_type_is("APPLICATION/JSON", "application/json"));
	CHECK(!content_type_is("application/jsonx", "application/json"));
	CHECK(!content_type_is(NULL, "application/json"));
	dec("/");
	return unit_done();
}
