/*
 * config_tables.c: the process registers every module's settings, lowest
 * floor first; that is also the order of GET /config.  base/config.c
 * walks these tables and names none of them.
 */
#include "config.h"

#include <stdlib.h>

#include "../events/events.h"
#include "../jobs/jobs.h"
#include "../proxy/proxy.h"
#include "cc.h"

static const struct cfg_table *const all[] = {
	&base_cfg_table,	/* log, debug */
	&store_cfg_table,	/* storage/store_config.c */
	&rt_cfg_table,		/* runtimes/rt_config.c */
	&svc_cfg_table,		/* services/svc_config.c */
	&jobs_cfg_table,	/* jobs/jobs_config.c */
	&proxy_cfg_table,	/* proxy/proxy_config.c */
	&events_cfg_table,	/* events/events_config.c */
	&front_cfg_table,	/* front_config.c */
};

/*
 * Registers every table; main, the unit tests and the fuzz targets call
 * it before their first config_* call.  Calling it again does nothing.
 * Two tables naming one setting is a programming error: abort.
 */
void
config_register_all(void)
{
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (config_register(all[i]) < 0)
			abort();
}
