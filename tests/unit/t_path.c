/* Unit tests: path decoding, query parsing and header lookup (request.c). */
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

	/* Booleans in parse_bool's forms; absent or empty is the default. */
	memset(&r, 0, sizeof(r));
	CHECK(query_parse(&r, "f=True&g=NO&h=1&i=off&e=") == 0);
	{
		int b = -1;

		CHECK(req_query_bool(&r, "f", 0, &b) == 0 && b == 1);
		CHECK(req_query_bool(&r, "g", 1, &b) == 0 && b == 0);
		CHECK(req_query_bool(&r, "h", 0, &b) == 0 && b == 1);
		CHECK(req_query_bool(&r, "i", 1, &b) == 0 && b == 0);
		CHECK(req_query_bool(&r, "e", 1, &b) == 0 && b == 1);
		CHECK(req_query_bool(&r, "zz", 0, &b) == 0 && b == 0);
	}
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
	/* not UTF-8: a value names its parameter, a name is refused */
	memset(&r, 0, sizeof(r));
	CHECK(query_parse(&r, "ok=%c3%a9&path=%c0%ae") < 0);
	CHECK(r.reject != NULL && strstr(r.reject, "'path'") != NULL);
	request_free(&r);
	memset(&r, 0, sizeof(r));
	CHECK(query_parse(&r, "%ff=1") < 0);
	CHECK(r.reject != NULL && strstr(r.reject, "name") != NULL);
	request_free(&r);
	memset(&r, 0, sizeof(r));
	CHECK(query_parse(&r, "a=%ed%a0%80") < 0);
	request_free(&r);
	memset(&r, 0, sizeof(r));
	CHECK(query_parse(&r, "a=%f0%9f%98%80") == 0);
	CHECK_STR(req_query(&r, "a"), "\xf0\x9f\x98\x80");
	request_free(&r);

	/* Headers: looked up among the HTTP_* parameters, any spelling. */
	{
		static char *env[80] = { "REQUEST_METHOD=GET",
		    "HTTP_X_API_KEY=k1", "CONTENT_TYPE=text/plain",
		    "HTTP_IF_NONE_MATCH=\"e\"", "HTTP_X=short", NULL };
		static char many[60][24];
		int i;

		memset(&r, 0, sizeof(r));
		req_use_env(&r, env);
		CHECK_STR(req_header(&r, "X-API-Key"), "k1");
		CHECK_STR(req_header(&r, "x-api-key"), "k1");
		CHECK_STR(req_header(&r, "If-None-Match"), "\"e\"");
		CHECK_STR(req_header(&r, "Content-Type"), "text/plain");
		CHECK_STR(req_header(&r, "X"), "short");
		CHECK(req_header(&r, "X-API") == NULL);
		CHECK(req_header(&r, "If-Match") == NULL);
		CHECK(req_header(&r, "REQUEST-METHOD") == NULL);
		/* More than REQ_MAX_HDRS: every parameter is scanned. */
		for (i = 0; i < 60; i++) {
			snprintf(many[i], sizeof(many[i]), "HTTP_H%d=%d", i, i);
			env[5 + i] = many[i];
		}
		env[65] = NULL;
		req_use_env(&r, env);
		CHECK_STR(req_header(&r, "H59"), "59");
		CHECK_STR(req_header(&r, "X-API-Key"), "k1");
		CHECK(req_header(&r, "H60") == NULL);
	}

	CHECK(content_type_is("application/json", "application/json"));
	CHECK(content_type_is("application/json; charset=utf-8",
	    "application/json"));
	CHECK(content_type_is("APPLICATION/JSON", "application/json"));
	CHECK(!content_type_is("application/jsonx", "application/json"));
	CHECK(!content_type_is(NULL, "application/json"));
	dec("/");
	return unit_done();
}
