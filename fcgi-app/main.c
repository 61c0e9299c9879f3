/*
 * main.c: command-line entry.  With no command it runs the pool (pool.c);
 * "container-codes user ..." and "container-codes key ..." work directly
 * on the data directory (cli/cli.c).  Flags override the config file
 * and the environment.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cc.h"
#include "../cli/cli.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: container-codes [-c file] [-l listen] [-w workers] "
	    "[-d data_dir] [-D] [-t] [-V]\n");
	cli_usage(f);
	fprintf(f,
	    "  -c file      configuration file (key = value lines)\n"
	    "  -l listen    unix:/path or host:port (default: stdin if it is "
	    "a FastCGI\n"
	    "               listener, else unix:/run/container-codes/"
	    "pool.sock)\n"
	    "  -w workers   worker processes (default: number of cores)\n"
	    "  -d data_dir  where LMDB and files live\n"
	    "  -D           debug (also enables the /_echo route)\n"
	    "  -t           check the configuration and exit\n"
	    "  -V, --version  print the version\n"
	    "  -h, --help   print this\n");
}

int
main(int argc, char *argv[])
{
	struct cfg_override ov[16];
	struct cfg_set *set;
	const char *config_path = NULL;
	char err[1024];
	size_t nov = 0;
	int ch, test_only = 0;

	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};

	json_out_init();	/* every process kind forks from here */
	while ((ch = getopt_long(argc, argv, "+c:l:w:d:DtVh", longopts,
	    NULL)) != -1) {
		if (nov == sizeof(ov) / sizeof(ov[0]))
			break;
		switch (ch) {
		case 'c': config_path = optarg; break;
		case 'l': ov[nov++] = (struct cfg_override){ "listen", optarg };
			break;
		case 'w': ov[nov++] = (struct cfg_override){ "workers",
			optarg }; break;
		case 'd': ov[nov++] = (struct cfg_override){ "data_dir",
			optarg }; break;
		case 'D': ov[nov++] = (struct cfg_override){ "debug", "true" };
			break;
		case 't': test_only = 1; break;
		case 'V': printf("container-codes %s\n", PACKAGE_VERSION);
			return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	config_register_all();
	if ((set = config_new()) == NULL ||
	    config_load(set, config_path, ov, nov, err, sizeof(err)) < 0) {
		fprintf(stderr, "container-codes: %s\n",
		    set == NULL ? "out of memory" : err);
		config_free(set);
		return 1;
	}
	config_apply(set);
	config_free(set);
	if (test_only) {
		printf("configuration ok\n");
		return 0;
	}
	if (sodium_init() < 0 || rt_init() != 0) {
		fprintf(stderr, "container-codes: cannot initialise "
		    "libsodium or libcurl\n");
		return 1;
	}
	log_init();
	if (optind < argc)
		return cli_run(argc - optind, argv + optind);
	return pool_run(config_path, ov, nov);
}
