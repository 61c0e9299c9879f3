/*
 * fuzz_jobspec.c: libFuzzer target for the job spec (job_from_request
 * in jobs/spec.c): a submission body becomes a stored job record or a
 * refusal naming its member.  A record's retry policy then drives
 * job_retry_delay, and its depends_on a dependency walk over a graph
 * where every job depends on that same list (so cycles abound).  The
 * input, taken as one line of a job's output, also feeds the PROGRESS
 * parser (job_progress_line).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi-app/cc.h"
#include "jobs/jobs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_object *
same_deps(const char *id, void *arg)
{
	/* ids ending in a-f name jobs that do not exist */
	return strchr("abcdef", id[strlen(id) - 1]) != NULL ? NULL : arg;
}

static void
check_job(json_object *job)
{
	json_object *rp, *deps;
	const char *bad = NULL;
	long d;
	int used, cycle;

	if (!json_object_object_get_ex(job, "retry_policy", &rp) ||
	    !json_object_object_get_ex(job, "depends_on", &deps) ||
	    jget_str(job, "image") == NULL)
		abort();
	for (used = 0; used < 102; used++) {
		d = job_retry_delay(rp, used);
		if (d < -1 || d > 86400 ||
		    (d == -1) != (used >= jget_int(rp, "max_attempts", 1)))
			abort();
	}
	if (job_deps_check("self", deps, same_deps, deps, &bad, &cycle) < 0 &&
	    bad == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	json_tokener *tok;
	json_object *body, *job;
	const char *field = NULL;
	char err[256];
	double p;

	if (!ready) {
		config_register_all();
		config_defaults(config_live());
		ready = 1;
	}
	if (job_progress_line((const char *)data, size, &p) == 0 &&
	    !(p >= 0 && p <= 100))
		abort();
	if (size > 1 << 20 || (tok = json_tokener_new()) == NULL)
		return 0;
	body = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	if (body != NULL) {
		err[0] = '\0';
		if ((job = job_from_request(body, err, sizeof(err), &field)) !=
		    NULL)
			check_job(job);
		else if (field == NULL || err[0] == '\0')
			abort();
		json_object_put(job);
	}
	json_object_put(body);
	json_tokener_free(tok);
	return 0;
}
