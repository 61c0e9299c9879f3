/*
 * floor.c: the FastCGI floor of the benchmark.  A prefork libfcgi
 * responder that answers every request with one fixed health JSON and
 * does nothing else: no parsing, no allocation, no logging.  No FastCGI
 * application can beat it by much, so bench/run reports Container Codes
 * as a fraction of it.
 *
 * usage: floor -l unix:/path|host:port [-w workers] [-b backlog] [-f body]
 *
 * The master binds, forks the workers and waits; SIGTERM or SIGINT to the
 * master stops the workers and removes a unix socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

#define FLOOR_MAX_WORKERS 256

static volatile sig_atomic_t floor_stop;

static void
floor_on_term(int sig)
{
	(void)sig;
	floor_stop = 1;
}

/* One worker: accept, write the prebuilt response, repeat until killed. */
static void
floor_worker(int fd, const char *resp, size_t len)
{
	FCGX_Request r;
	sigset_t none;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, fd, 0) != 0)
		_exit(3);
	while (FCGX_Accept_r(&r) >= 0) {
		FCGX_PutStr(resp, (int)len, r.out);
		FCGX_Finish_r(&r);
	}
	_exit(0);
}

/* Reads the body from a file, so every peer can answer the same bytes. */
static char *
floor_read_body(const char *path, size_t *len)
{
	char *buf = NULL;
	ssize_t n;
	int fd = -1;

	if ((fd = open(path, O_RDONLY)) < 0 ||
	    (buf = malloc(65536)) == NULL ||
	    (n = read(fd, buf, 65536)) < 0)
		goto err;
	/* A trailing newline from an editor or echo is not part of it. */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	close(fd);
	*len = (size_t)n;
	return buf;
err:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

int
main(int argc, char *argv[])
{
	static const char def[] = "{\"success\":true,\"status\":\"healthy\"}";
	const char *listen_addr = NULL, *body = def;
	char *owned = NULL, *resp = NULL;
	size_t len = sizeof(def) - 1;
	int rlen;
	pid_t pids[FLOOR_MAX_WORKERS];
	int ch, i, fd, workers = 2, backlog = 1024;
	struct sigaction sa;
	sigset_t block, old;

	while ((ch = getopt(argc, argv, "l:w:b:f:")) != -1) {
		switch (ch) {
		case 'l': listen_addr = optarg; break;
		case 'w': workers = atoi(optarg); break;
		case 'b': backlog = atoi(optarg); break;
		case 'f':
			if ((owned = floor_read_body(optarg, &len)) == NULL) {
				fprintf(stderr, "floor: cannot read %s: %s\n",
				    optarg, strerror(errno));
				return 1;
			}
			body = owned;
			break;
		default:
			goto usage;
		}
	}
	if (listen_addr == NULL || workers < 1 ||
	    workers > FLOOR_MAX_WORKERS || backlog < 1)
		goto usage;
	/* Headers and body built once: the workers only copy bytes out. */
	if ((resp = malloc(len + 128)) == NULL)
		return 1;
	rlen = snprintf(resp, len + 128, "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n%.*s", len, (int)len, body);
	if (rlen < 0 || (size_t)rlen >= len + 128)
		return 1;
	if (strncmp(listen_addr, "unix:", 5) == 0) {
		listen_addr += 5;
		unlink(listen_addr);
	}
	if ((fd = FCGX_OpenSocket(listen_addr, backlog)) < 0) {
		fprintf(stderr, "floor: cannot listen on %s\n", listen_addr);
		return 1;
	}
	if (listen_addr[0] == '/')
		chmod(listen_addr, 0666);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = floor_on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* Blocked until sigsuspend, so a signal cannot slip in between the
	 * test of floor_stop and the wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (i = 0; i < workers; i++) {
		if ((pids[i] = fork()) == 0)
			floor_worker(fd, resp, (size_t)rlen);
		if (pids[i] < 0) {
			fprintf(stderr, "floor: fork: %s\n", strerror(errno));
			workers = i;
			floor_stop = 1;
			break;
		}
	}
	while (!floor_stop)
		sigsuspend(&old);
	for (i = 0; i < workers; i++)
		kill(pids[i], SIGTERM);
	for (i = 0; i < workers; i++)
		waitpid(pids[i], NULL, 0);
	if (listen_addr[0] == '/')
		unlink(listen_addr);
	free(owned);
	free(resp);
	return 0;
usage:
	fprintf(stderr, "usage: floor -l unix:/path|host:port [-w workers] "
	    "[-b backlog] [-f body_file]\n");
	return 2;
}
