/*
 * proc_util.h: child processes for the end-to-end tests that drive real
 * clients (curl, node, Chromium): the source tree's path, a bounded run,
 * a child left running and stopped by its pid, files read back, and the
 * npm packages a folder pins, installed with `npm ci` on first use.
 * Every wait is bounded; a child is only ever signalled by its own pid
 * (or the process group it leads).
 */
#ifndef CC_E2E_PROC_UTIL_H
#define CC_E2E_PROC_UTIL_H

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

/* srcdir/rel into out: CC_SRCDIR, else three levels above the program
 * (tests/e2e/t_x in the tree). */
static inline void
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
	if ((k = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		bail_out("readlink /proc/self/exe: %s", strerror(errno));
	exe[k] = '\0';
	for (i = 0; i < 3 && (p = strrchr(exe, '/')) != NULL; i++)
		*p = '\0';
	if (snprintf(out, n, "%s/%s", exe, rel) >= (int)n)
		bail_out("the source path is too long");
}

/* Starts argv in dir (NULL: here) in a process group of its own, stdout
 * to out_path and stderr to err_path.  Its pid, or -1. */
static inline pid_t
proc_start(const char *dir, char *const argv[], const char *out_path,
    const char *err_path)
{
	pid_t pid;

	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int in = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		if (o < 0 || e < 0 || in < 0 || (dir != NULL &&
		    chdir(dir) != 0))
			_exit(126);
		dup2(in, 0);
		dup2(o, 1);
		dup2(e, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

/* Waits at most limit_ms for pid; then kills its group.  The exit
 * status, -1 for an end that is not a normal exit, -2 when it was
 * killed for its time. */
static inline int
proc_wait(pid_t pid, long limit_ms)
{
	long i;
	int st;

	for (i = 0; i < limit_ms / 50; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		harness_msleep(50);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -2;
}

/* Ends a child left running: SIGTERM to its group, a bounded wait, then
 * SIGKILL. */
static inline void
proc_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(-pid, SIGTERM);
	proc_wait(pid, 3000);
}

/* Runs argv to its end, at most limit_s.  The exit status, or -1. */
static inline int
run_in(const char *dir, char *const argv[], const char *out_path,
    const char *err_path, int limit_s)
{
	pid_t pid = proc_start(dir, argv, out_path, err_path);
	int rc;

	if (pid < 0)
		return -1;
	if ((rc = proc_wait(pid, (long)limit_s * 1000)) == -2) {
		diag("%s did not finish in %d s: killed its process group",
		    argv[0], limit_s);
		rc = -1;
	}
	return rc;
}

/* A whole file, NUL-ended, malloc'd (the caller frees); NULL if none. */
static inline char *
file_read(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = (cap ? cap * 2 : 8192));

			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* Prints a file's lines as diagnostics. */
static inline void
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

/* dir/node_modules, by npm ci when module (one of them) is missing.
 * 0 or -1. */
static inline int
npm_ready(const char *dir, const char *module, int limit_s)
{
	char mod[PATH_MAX + 64], log[PATH_MAX + 16];
	char *argv[] = { "npm", "ci", "--no-audit", "--no-fund", NULL };
	struct stat st;

	snprintf(mod, sizeof(mod), "%s/node_modules/%s/package.json", dir,
	    module);
	if (stat(mod, &st) == 0)
		return 0;
	snprintf(log, sizeof(log), "%s/npm-ci.log", dir);
	diag("installing %s's packages (npm ci)", dir);
	if (run_in(dir, argv, log, log, limit_s) != 0) {
		diag("npm ci failed; its log:");
		diag_file(log);
		return -1;
	}
	return 0;
}

#endif
