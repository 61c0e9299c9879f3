/*
 * svc_config.c: the services' settings (struct svc_config in
 * services.h): what a container spec may ask for, and the limits of
 * passwords, sessions, tokens and sign-up.
 */
#include "config.h"

#include <stddef.h>

#include "services.h"

struct svc_config svc_cfg;

#define O(f) offsetof(struct svc_config, f)

static const struct cfg_row svc_rows[] = {
	{ "bind_roots", CFG_STR, O(bind_roots), "", 0, 0, NULL, 0, NULL },
	{ "build_roots", CFG_STR, O(build_roots), "", 0, 0, NULL, 0, NULL },
	{ "allow_privileged", CFG_BOOL, O(allow_privileged), "false", 0, 1,
	    NULL, 0, NULL },
	{ "pwhash", CFG_STR, O(pwhash), "interactive", 0, 0, NULL, 0,
	    "interactive|moderate|sensitive" },
	{ "pwhash_wait_ms", CFG_INT, O(pwhash_wait_ms), "2000", 0, 60000, NULL,
	    0, NULL },
	{ "session_idle_timeout", CFG_SECS, O(session_idle_timeout), "2h", 60,
	    31536000, NULL, 0, NULL },
	{ "session_max_age", CFG_SECS, O(session_max_age), "24h", 60,
	    31536000, NULL, 0, NULL },
	{ "jwt_ttl", CFG_SECS, O(jwt_ttl), "1h", 1, 31536000, NULL, 0, NULL },
	{ "allow_signup", CFG_BOOL, O(allow_signup), "false", 0, 1, NULL, 0,
	    NULL },
};

const struct cfg_table svc_cfg_table = CFG_TABLE(svc_rows, svc_cfg, NULL);
