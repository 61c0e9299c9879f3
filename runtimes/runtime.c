/*
 * runtime.c: what every driver shares: the error helpers and the mapping
 * of an engine's state word to ours.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

void
rt_err_set(struct rt_err *e, enum cc_err code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

/*
 * Docker and Podman states: created, running, paused, restarting,
 * removing, exited, dead (Podman adds configured, stopped, stopping).
 * Ours: running | paused | stopped.  restarting counts as running: the
 * engine is bringing it up.
 */
const char *
rt_status_of(const char *s)
{
	if (s == NULL)
		return "stopped";
	if (strcmp(s, "running") == 0 || strcmp(s, "restarting") == 0)
		return "running";
	if (strcmp(s, "paused") == 0)
		return "paused";
	return "stopped";
}

/* A transport failure on ep: unreachable 503, timeout 504, else 502. */
void
rt_err_transport(struct rt_err *e, int rc, const struct rt_endpoint *ep,
    const char *msg)
{
	enum cc_err code;

	switch (rc) {
	case RT_E_CONNECT:
		code = CC_E_SERVICE_UNAVAILABLE;
		break;
	case RT_E_TIMEOUT:
		code = CC_E_TIMEOUT;
		break;
	default:
		code = CC_E_RUNTIME_ERROR;
		break;
	}
	e->status = 0;
	rt_err_set(e, code, "endpoint '%s': %s", ep->name, msg);
}

void
rt_exec_result_free(struct rt_exec_result *x)
{
	free(x->output);
	free(x->out_stdout);
	free(x->out_stderr);
	memset(x, 0, sizeof(*x));
}
