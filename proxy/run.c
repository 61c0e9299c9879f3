/*
 * run.c: child processes of the proxy process (the web server's check,
 * an exec: reload), started from an argv array with execvp: never a
 * shell, so no word of a setting is ever interpreted.
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy.h"

/*
 * Splits text on blanks into argv (at most max-1 words and a NULL),
 * copying it into buf.  No quoting: a word is what lies between blanks.
 * The number of words, or -1 when they do not fit.
 */
int
px_argv(const char *text, char *buf, size_t buflen, char **argv, size_t max)
{
	char *p, *save = NULL;
	size_t n = 0;

	if (strlen(text) >= buflen || max == 0)
		return -1;
	memcpy(buf, text, strlen(text) + 1);
	for (p = strtok_r(buf, " \t", &save); p != NULL;
	    p = strtok_r(NULL, " \t", &save)) {
		if (n + 1 >= max)
			return -1;
		argv[n++] = p;
	}
	argv[n] = NULL;
	return (int)n;
}

/* In the child: a clean signal state and only stdin/out/err open. */
static void
child(char *const argv[], int out)
{
	struct sigaction sa;
	sigset_t none;
	int fd, i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (i = 1; i < NSIG; i++)
		sigaction(i, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if ((fd = open("/dev/null", O_RDONLY)) >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	dup2(out, 1);
	dup2(out, 2);
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	execvp(argv[0], argv);
	dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/*
 * Runs argv with stdout and stderr into out (cut at outlen, always
 * NUL-terminated).  Waits at most timeout_ms, then kills it.  Returns
 * its exit status, or -1 when it could not start or was killed (out
 * says so).
 */
int
px_run(char *const argv[], char *out, size_t outlen, long timeout_ms)
{
	struct pollfd pfd;
	uint64_t deadline = now_us() + (uint64_t)timeout_ms * 1000;
	size_t used = 0;
	int pipefd[2], st = 0, killed = 0;
	ssize_t n;
	pid_t pid;
	char sink[512];

	if (outlen > 0)
		out[0] = '\0';
	if (argv == NULL || argv[0] == NULL) {
		snprintf(out, outlen, "nothing to run");
		return -1;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		snprintf(out, outlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		snprintf(out, outlen, "fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0)
		child(argv, pipefd[1]);
	close(pipefd[1]);
	pfd.fd = pipefd[0];
	pfd.events = POLLIN;
	for (;;) {
		uint64_t now = now_us();
		int wait_ms = now >= deadline ? 0 :
		    (int)((deadline - now) / 1000) + 1;

		if (now >= deadline) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		if (poll(&pfd, 1, wait_ms) < 0 && errno != EINTR)
			break;
		if (!(pfd.revents & (POLLIN | POLLHUP)))
			continue;
		if (used + 1 < outlen)
			n = read(pipefd[0], out + used, outlen - used - 1);
		else
			n = read(pipefd[0], sink, sizeof(sink));
		if (n <= 0)
			break;
		if (used + 1 < outlen) {
			used += (size_t)n;
			out[used] = '\0';
		}
	}
	close(pipefd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (killed) {
		snprintf(out + used, outlen - used, "%s%s killed after %ld ms",
		    used ? "\n" : "", argv[0], timeout_ms);
		return -1;
	}
	if (WIFSIGNALED(st)) {
		snprintf(out + used, outlen - used, "%s%s died of signal %d",
		    used ? "\n" : "", argv[0], WTERMSIG(st));
		return -1;
	}
	return WEXITSTATUS(st);
}
