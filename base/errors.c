/*
 * errors.c: the application's error space.  CC_ERRORS in base.h is the
 * one table; this file answers its code and type columns.  The status
 * column is read only by the response module (fcgi-app/response.c).
 */
#include "config.h"

#include "base.h"

static const struct {
	const char	*code;
	const char	*type;
} errtab[] = {
#define CC_X(e, code, status, type) { code, type },
	CC_ERRORS(CC_X)
#undef CC_X
};

const char *
cc_strerror(enum cc_err e)
{
	return (unsigned)e < CC_E__MAX ? errtab[e].code : "INTERNAL_ERROR";
}

const char *
cc_err_type(enum cc_err e)
{
	return (unsigned)e < CC_E__MAX ? errtab[e].type : "InternalError";
}
