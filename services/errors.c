/*
 * errors.c: the services' one error space, SVC_E_* (services.h), in the
 * -3000 range so that it never meets storage's (-1000) or the engine
 * layer's (-2000).  A service returns 0, an SVC_E_*, or a storage code
 * it passes through unchanged; svc_strerror names all of them.  The
 * front turns them into answers in one place (resp_svc_error).
 */
#include "config.h"

#include "services.h"

static const char *const texts[] = {
	[-SVC_E_INVALID - 3001] = "malformed, wrong or not matching",
	[-SVC_E_BUSY - 3001] = "every password hashing slot is busy; retry "
	    "shortly",
	[-SVC_E_INTERNAL - 3001] = "internal failure (out of memory or the "
	    "server secrets)",
	[-SVC_E_EXPIRED - 3001] = "expired",
	[-SVC_E_ALG - 3001] = "algorithm refused: only HS256 is accepted",
	[-SVC_E_NAME - 3001] = "bad username",
	[-SVC_E_EMAIL - 3001] = "bad email",
	[-SVC_E_PASSWORD - 3001] = "bad password",
	[-SVC_E_TAR - 3001] = "the tar cannot be written or read",
	[-SVC_E_TOO_LARGE - 3001] = "larger than allowed",
};

/* True if rc is one of the services' own codes (not storage's). */
int
svc_is_error(int rc)
{
	return rc <= SVC_E_INVALID && rc > SVC_E_INVALID -
	    (int)(sizeof(texts) / sizeof(texts[0]));
}

/* What rc means: an SVC_E_* text, or storage's words for its codes. */
const char *
svc_strerror(int rc)
{
	if (svc_is_error(rc))
		return texts[-rc - 3001];
	return store_strerror(rc);
}
