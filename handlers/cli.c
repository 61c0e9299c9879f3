/*
 * cli.c: "container-codes COMMAND ..." subcommands that act on the data
 * directory without the pool running.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "handlers.h"

int
cli_run(int argc, char *argv[])
{
	(void)argc;
	fprintf(stderr, "container-codes: unknown command '%s'\n", argv[0]);
	return 2;
}
