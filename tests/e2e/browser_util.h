/*
 * browser_util.h: what the end-to-end tests that drive headless Chromium
 * share (t_csrf, t_ui): the source tree's paths, running a node script in
 * a process group of its own with a time limit, and tests/browser's
 * node_modules, installed by `npm ci` on first use (one test at a time:
 * a lock file beside package.json).
 */
#ifndef CC_E2E_BROWSER_UTIL_H
#define CC_E2E_BROWSER_UTIL_H

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define NPM_LIMIT_S	300

/* srcdir/rel into out. */
static void
src_path(const char *rel, char *out, size_t n)
{
	const char *s = getenv("CC_SRCDIR");
	char exe[PATH_MAX], *p;
	ssize_t k;
	int i;

	if (s != NULL && *s != '\0') {
		if (snprintf(out, n, "%s/%s", s, rel) >= (int)n)
			bail_out("CC_SRCDIR is too long");
		return;
	}
	/* tests/e2e/t_x in the source tree: three levels up */
	if ((k = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		bail_out("readlink /proc/self/exe: %s", strerror(errno));
	exe[k] = '\0';
	for (i = 0; i < 3 && (p = strrchr(exe, '/')) != NULL; i++)
		*p = '\0';
	if (snprintf(out, n, "%s/%s", exe, rel) >= (int)n)
		bail_out("the source path is too long");
}

/* Prints a file's lines as diagnostics. */
static void
diag_file(const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		diag("%s", line);
	}
	fclose(f);
}

/* Whether every package tests/browser/package.json pins is installed. */
static int
npm_installed(const char *bdir)
{
	static const char *const mods[] = { "puppeteer-core", "axe-core",
	    "lighthouse" };
	char mod[PATH_MAX + 64];
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		snprintf(mod, sizeof(mod), "%s/node_modules/%s/package.json",
		    bdir, mods[i]);
		if (stat(mod, &st) != 0)
			return 0;
	}
	return 1;
}

/* tests/browser/node_modules, by npm ci when a package is missing, under
 * an exclusive lock (two tests may start at once).  0 or -1. */
static int
npm_ready(const char *bdir)
{
	char log[PATH_MAX + 16], lock[PATH_MAX + 16];
	char *argv[] = { "npm", "ci", "--no-audit", "--no-fund", NULL };
	int fd, rc = 0;

	snprintf(lock, sizeof(lock), "%s/.npm-ci.lock", bdir);
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 ||
	    flock(fd, LOCK_EX) != 0) {
		diag("%s: %s", lock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!npm_installed(bdir)) {
		snprintf(log, sizeof(log), "%s/npm-ci.log", bdir);
		diag("installing tests/browser's packages in %s (npm ci)", bdir);
		if (harness_run_in(bdir, argv, log, log, NPM_LIMIT_S) != 0) {
			diag("npm ci failed; its log:");
			diag_file(log);
			rc = -1;
		}
	}
	close(fd);
	return rc;
}

#endif
