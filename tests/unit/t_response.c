/* Unit tests: the error table, the error envelope and the one mapping of
 * storage errors (response.c). */
#include "config.h"

#include "fcgi-app/cc.h"
#include "unit.h"

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
	return unit_done();
}
