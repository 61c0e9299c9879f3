/*
 * fuzz_cspec.c: libFuzzer target for the container spec
 * (cspec_parse in services/container_spec.c): a create body, parsed as
 * an operator, as an admin, and as an admin with allow_privileged; a
 * spec that parses gets its owner label and becomes the engine's create
 * body (dk_create_body).  An operator must never get an option
 * that reaches outside the container, and a refusal must carry a
 * message and a 400/403/500 error (its field may be "": an unknown
 * member of that name).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi-app/cc.h"
#include "services/services.h"
#include "runtimes/docker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
parse_as(json_object *body, int admin, int privileged)
{
	struct cspec cs;
	size_t i;

	svc_cfg.allow_privileged = privileged;
	if (cspec_parse(body, admin, &cs) < 0) {
		if (cs.err_msg[0] == '\0' ||
		    (cc_err_status(cs.err_code) != 400 &&
		    cc_err_status(cs.err_code) != 403 &&
		    cc_err_status(cs.err_code) != 500))
			abort();
		cspec_free(&cs);
		return;
	}
	if (cs.s.image == NULL)
		abort();
	if (!(admin && privileged)) {
		if (cs.s.privileged || cs.s.pid_host || cs.s.cap_add != NULL ||
		    cs.s.devices != NULL || (cs.s.network_mode != NULL &&
		    (strcmp(cs.s.network_mode, "host") == 0 ||
		    strncmp(cs.s.network_mode, "container:", 10) == 0)))
			abort();
		for (i = 0; i < cs.s.nmounts; i++)
			if (cs.s.mounts[i].bind && !ctr_path_under(
			    cs.s.mounts[i].source, svc_cfg.bind_roots))
				abort();
	}
	for (i = 0; i < cs.s.nlabels; i++)
		if (strcmp(cs.s.labels[i].key, CTR_OWNER_LABEL) == 0)
			abort();	/* only the server sets it */
	if (cspec_set_owner(&cs, "fuzz") < 0)
		abort();
	json_object_put(dk_create_body(&cs.s));
	cspec_free(&cs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	json_tokener *tok;
	json_object *body;

	if (!ready) {
		config_register_all();
		config_defaults(config_live());
		snprintf(svc_cfg.bind_roots, sizeof(svc_cfg.bind_roots),
		    "/srv/data:/tmp");
		ready = 1;
	}
	if (size > 1 << 20 || (tok = json_tokener_new()) == NULL)
		return 0;
	body = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	if (body != NULL && json_object_is_type(body, json_type_object)) {
		parse_as(body, 0, 0);
		parse_as(body, 1, 0);
		parse_as(body, 1, 1);
	}
	json_object_put(body);
	json_tokener_free(tok);
	return 0;
}
