/* Unit tests: the error table, the error envelope, the one mapping of
 * storage errors, and that every JSON body written is valid JSON
 * whatever bytes it was given (response.c, and req_parse_json's check
 * of a body in request.c). */
#include "config.h"

#include "fcgi-app/cc.h"
#include "unit.h"

/* ---- a request whose output lands in out[] ---- */

static char out[1 << 16];
static FCGX_Stream out_stream;
static FCGX_Request out_req;

/* libfcgi calls this when the buffer is full: the tests write less. */
static void
out_full(FCGX_Stream *s, int doClose)
{
	(void)doClose;
	s->isClosed = 1;
}

static void
out_req_init(struct request *r)
{
	memset(r, 0, sizeof(*r));
	memset(&out_stream, 0, sizeof(out_stream));
	memset(out, 0, sizeof(out));
	out_stream.wrNext = (unsigned char *)out;
	out_stream.stop = (unsigned char *)out + sizeof(out) - 1;
	out_stream.emptyBuffProc = out_full;
	out_req.out = &out_stream;
	r->fcgx = &out_req;
	r->method = "GET";
	snprintf(r->id, sizeof(r->id), "req_test");
}

/* The body written (after the blank line ending the head). */
static const char *
out_body(void)
{
	const char *b = strstr(out, "\r\n\r\n");

	return b != NULL ? b + 4 : "";
}

/* Whether the body is one JSON text a strict reader accepts, all of it
 * UTF-8, and as long as its Content-Length says. */
static int
out_strict(void)
{
	const char *b = out_body(), *cl = strstr(out, "Content-Length: ");
	json_tokener *tok = json_tokener_new();
	json_object *o;
	int good;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, b, (int)strlen(b));
	good = o != NULL && utf8_check(b, strlen(b), NULL) == 0 &&
	    (size_t)json_tokener_get_parse_end(tok) == strlen(b) &&
	    (cl == NULL || strtoul(cl + 16, NULL, 10) == strlen(b));
	json_object_put(o);
	json_tokener_free(tok);
	return good;
}

static void
t_bodies(void)
{
	struct request r;
	json_object *o, *arr;
	char big[1200];
	size_t i;

	json_out_init();
	/* a stored name that is not UTF-8, under a kind */
	out_req_init(&r);
	o = json_object_new_object();
	json_object_object_add(o, "path",
	    json_object_new_string("/u8/\xc0\xae\xff\xfe"));
	json_object_object_add(o, "cpu_usage", json_object_new_double(0.07));
	CHECK_INT(resp_ok(&r, 200, "file", o), 200);
	CHECK(out_strict());
	CHECK(strstr(out_body(), "/u8/\xef\xbf\xbd\xef\xbf\xbd") != NULL);
	CHECK(strstr(out_body(), "\"cpu_usage\":0.07") != NULL);
	request_free(&r);

	/* merged members (no kind), a list, an error quoting the bytes */
	out_req_init(&r);
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string("\xe2\x82"));
	resp_ok(&r, 200, NULL, o);
	CHECK(out_strict());
	request_free(&r);
	out_req_init(&r);
	arr = json_object_new_array();
	json_object_array_add(arr, json_object_new_string("ok\xed\xa0\x80"));
	resp_list(&r, "names", arr, 1, 10, 0);
	CHECK(out_strict());
	request_free(&r);
	out_req_init(&r);
	CHECK_INT(resp_error(&r, CC_E_FILE_NOT_FOUND, "File '%s' not found",
	    "/u8/\xf4\x90\x80\x80"), 404);
	CHECK(out_strict());
	request_free(&r);

	/* a message cut to its buffer is cut on a character */
	for (i = 0; i < 3; i++) {
		size_t n;

		memset(big, 'a', sizeof(big));
		for (n = 1000 + i; n + 3 < sizeof(big); n += 3)
			memcpy(big + n, "\xe2\x82\xac", 3);
		big[n] = '\0';
		out_req_init(&r);
		resp_error(&r, CC_E_NOT_FOUND, "no route for GET %s", big);
		CHECK(out_strict());
		CHECK(strstr(out_body(), "\xef\xbf\xbd") == NULL);
		request_free(&r);
	}

	/* a JSON stream is repaired a write at a time; other types and
	 * a file's bytes go out as they are */
	out_req_init(&r);
	resp_start(&r, 200, "application/x-ndjson");
	resp_write(&r, "{\"line\":\"\xff\"}\n", 13);
	CHECK(strstr(out_body(), "{\"line\":\"\xef\xbf\xbd\"}\n") != NULL);
	request_free(&r);
	out_req_init(&r);
	resp_start(&r, 200, "text/plain; charset=utf-8");
	resp_write(&r, "\xff\n", 2);
	CHECK(strcmp(out_body(), "\xff\n") == 0);
	request_free(&r);
	out_req_init(&r);
	resp_head(&r, 200, "application/json", 3);
	resp_write(&r, "\xff\xfe\xfd", 3);
	CHECK(strcmp(out_body(), "\xff\xfe\xfd") == 0);
	request_free(&r);
	out_req_init(&r);
	resp_send(&r, 200, "application/octet-stream", "\xc0\xae", 2);
	CHECK(strcmp(out_body(), "\xc0\xae") == 0);
	request_free(&r);
}

/* req_parse_json refuses what json-c lets through, naming the member. */
static void
t_json_body(void)
{
	static const struct {
		const char	*body;
		const char	*says;
	} cases[] = {
		{ "{\"a\": {\"b\": \"\xff\"}}", "'a.b' is not valid UTF-8" },
		{ "{\"l\": [\"x\", \"\xc0\xae\"]}", "'l[1]' is not valid UTF-8" },
		{ "{\"\xed\xa0\x80\": 1}", "the JSON body has a member name" },
		{ "{\"n\": \"a\\u0000\"}", "'n' contains a NUL" },
		{ "{\"x\": 1e999}", "'x' is not a finite number" },
	};
	struct request r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out_req_init(&r);
		r.body = (char *)cases[i].body;
		r.body_len = strlen(cases[i].body);
		CHECK(req_parse_json(&r) < 0);
		CHECK_INT(r.status, 400);
		CHECK(out_strict());
		CHECK(strstr(out_body(), cases[i].says) != NULL);
		r.body = NULL;
		request_free(&r);
	}
	out_req_init(&r);
	r.body = (char *)"{\"name\": \"caf\xc3\xa9\", \"n\": [1.5]}";
	r.body_len = strlen(r.body);
	CHECK(req_parse_json(&r) == 0);
	CHECK(!r.headers_sent);
	r.body = NULL;
	request_free(&r);
}

int
main(void)
{
	json_object *e, *err, *v;
	int i;

	CHECK_INT(cc_err_status(CC_E_INVALID_REQUEST), 400);
	CHECK_INT(cc_err_status(CC_E_UNAUTHORIZED), 401);
	CHECK_INT(cc_err_status(CC_E_CONTAINER_NOT_FOUND), 404);
	CHECK_INT(cc_err_status(CC_E_METHOD_NOT_ALLOWED), 405);
	CHECK_INT(cc_err_status(CC_E_PAYLOAD_TOO_LARGE), 413);
	CHECK_INT(cc_err_status(CC_E_UNSUPPORTED_MEDIA_TYPE), 415);
	CHECK_INT(cc_err_status(CC_E_RANGE_NOT_SATISFIABLE), 416);
	CHECK_INT(cc_err_status(CC_E_RATE_LIMITED), 429);
	CHECK_INT(cc_err_status(CC_E_RUNTIME_ERROR), 502);
	CHECK_INT(cc_err_status(CC_E_SERVICE_UNAVAILABLE), 503);
	CHECK_INT(cc_err_status(CC_E_TIMEOUT), 504);
	CHECK_STR(cc_strerror(CC_E_REQUEST_TIMEOUT), "TIMEOUT");
	CHECK_INT(cc_err_status(CC_E__MAX), 500);
	for (i = 0; i < CC_E__MAX; i++)
		CHECK(cc_err_status(i) >= 400 && cc_err_status(i) < 600);

	/* storage errors: the statuses clients have always seen */
#define STORE_STATUS(rc) cc_err_status(resp_store_code(rc))
	CHECK_INT(STORE_STATUS(STORE_E_NOTFOUND), 404);
	CHECK_INT(STORE_STATUS(STORE_E_EXISTS), 409);
	CHECK_INT(STORE_STATUS(STORE_E_STATE), 409);
	CHECK_INT(STORE_STATUS(STORE_E_FULL), 507);
	CHECK_INT(STORE_STATUS(STORE_E_NOSPACE), 507);
	CHECK_INT(STORE_STATUS(STORE_E_BUSY), 503);
	CHECK_INT(STORE_STATUS(STORE_E_TOO_LARGE), 413);
	CHECK_INT(STORE_STATUS(STORE_E_DEPS), 400);
	CHECK_INT(STORE_STATUS(STORE_E_CORRUPT), 500);
	CHECK_INT(STORE_STATUS(STORE_E_IO), 500);
	CHECK_INT(STORE_STATUS(STORE_E_GONE), 500);
	CHECK_INT(STORE_STATUS(STORE_E_INVALID), 500);
	CHECK_INT(STORE_STATUS(STORE_E_NOMEM), 500);
	CHECK_INT(STORE_STATUS(STORE_E_INTERNAL), 500);
	CHECK_INT(STORE_STATUS(-1), 500);	/* not a storage error */
	CHECK(resp_store_code(STORE_E_NOTFOUND) == CC_E_NOT_FOUND);
#undef STORE_STATUS

	e = envelope_error(CC_E_CONTAINER_NOT_FOUND, "Container with ID 'c1' "
	    "not found", NULL, "req_1");
	CHECK(json_object_object_get_ex(e, "success", &v) &&
	    !json_object_get_boolean(v));
	CHECK(json_object_object_get_ex(e, "timestamp", &v));
	CHECK(json_object_object_get_ex(e, "error", &err));
	CHECK(json_object_object_get_ex(err, "code", &v));
	CHECK_STR(json_object_get_string(v), "CONTAINER_NOT_FOUND");
	CHECK(json_object_object_get_ex(err, "status", &v) &&
	    json_object_get_int(v) == 404);
	CHECK(json_object_object_get_ex(err, "type", &v));
	CHECK_STR(json_object_get_string(v), "NotFound");
	CHECK(json_object_object_get_ex(err, "request_id", &v));
	CHECK_STR(json_object_get_string(v), "req_1");
	CHECK(json_object_object_get_ex(err, "details", &v) &&
	    json_object_is_type(v, json_type_object));
	json_object_put(e);

	t_bodies();
	t_json_body();
	return unit_done();
}
