/*
 * handlers.h: every route handler, one .c file per resource.  Handlers
 * share one signature: they take the request, write exactly one response
 * through response.c and return its status.  The router has already
 * checked the path, method, caller, role and body.
 */
#ifndef HANDLERS_H
#define HANDLERS_H

#include "../fcgi-app/cc.h"

/* system.c */
int	h_health(struct request *);
int	h_system_info(struct request *);
int	h_metrics(struct request *);
int	h_config_get(struct request *);
int	h_config_reload(struct request *);
int	h_config_validate(struct request *);
int	h_index(struct request *);
int	h_echo(struct request *);

/* cli.c: the commands that work on the data directory directly */
int	cli_run(int argc, char *argv[]);

#endif /* HANDLERS_H */
