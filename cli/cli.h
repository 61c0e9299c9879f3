/*
 * cli.h: the subcommands that work on the data directory directly
 * (user add, user passwd, key add, ...), run by main.c before any pool
 * starts.  They call the services, never a route handler.
 */
#ifndef CLI_H
#define CLI_H

#include <stdio.h>

/* cli.c: the commands that work on the data directory directly */
int	cli_run(int argc, char *argv[]);

void	cli_usage(FILE *);

#endif /* CLI_H */
