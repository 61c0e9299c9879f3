/*
 * worker.c: one request-serving process, of either kind: an API worker
 * (worker_main, the pool's socket) or a stream worker (stream_main, the
 * stream socket; stream.c has its limits).  It opens its own LMDB
 * environment (after fork), then accepts FastCGI requests one at a time
 * with FCGX_Accept_r until it is told to stop, reaches max_requests, or
 * the listener fails.
 *
 * Signals close the process's copy of the listener at once, so that once
 * the master has closed its own a stopping pool refuses new connections
 * instead of queueing them behind the requests in hand:
 *   SIGTERM, SIGINT  the pool is stopping: finish the request in hand,
 *                    but end a stream now (stream_check says
 *                    "shutdown");
 *   SIGHUP           this generation retires (a reload): finish the
 *                    request in hand, a stream included, up to its
 *                    stream_max_duration.
 * An idle worker leaves at once because accept fails on EINTR
 * (FCGI_FAIL_ACCEPT_ON_INTR).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cc.h"
#include "../runtimes/runtime.h"
#include "../storage/storage.h"

volatile sig_atomic_t worker_stop;
volatile sig_atomic_t worker_shutdown;
int worker_streams;

static volatile sig_atomic_t listener = -1;	/* our copy, until a signal */

static void
on_signal(int sig)
{
	int fd = listener;

	worker_stop = 1;
	if (sig != SIGHUP)
		worker_shutdown = 1;
	if (fd >= 0) {
		listener = -1;
		close(fd);	/* async-signal-safe */
	}
	FCGX_ShutdownPending();
}

static void
worker_signals(void)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: accept must fail */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The accept loop of both kinds; streams: the stream socket's. */
static void
serve(int listen_fd, int streams)
{
	FCGX_Request fr;
	struct request r;
	long served = 0;
	int rc, status = EXIT_SUCCESS;

	worker_streams = streams;
	listener = listen_fd;
	worker_signals();
	if ((rc = store_open(store_cfg.data_dir, store_cfg.map_size)) != 0) {
		log_msg(LOG_L_ERROR, "worker cannot open storage in %s: %s",
		    store_cfg.data_dir, store_strerror(rc));
		exit(3);
	}
	if (FCGX_Init() != 0 ||
	    FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_msg(LOG_L_ERROR, "worker cannot initialise libfcgi");
		exit(3);
	}
	sb_self->state = SB_IDLE;
	while (!worker_stop &&
	    (front_cfg.max_requests == 0 || served < front_cfg.max_requests)) {
		if (FCGX_Accept_r(&fr) < 0) {
			if (worker_stop)
				break;
			if (errno == EINTR)
				continue;
			log_msg(LOG_L_ERROR, "accept failed: %s",
			    strerror(errno));
			status = 2;
			break;
		}
		sb_self->busy_since_us = now_us();
		sb_self->state = SB_BUSY;
		request_init(&r, &fr);
		/* The spare stream worker refuses at once: no request waits
		 * in the backlog for a stream to end. */
		if (streams && stream_pool_full())
			stream_refuse(&r);
		else
			router_dispatch(&r);
		/* Detached: closed without libfcgi's graceful wait (see
		 * req_drained); reset per request, as a kept connection
		 * (fastcgi_keep_conn) carries the flag to its next one. */
		if (req_drained(&r))
			FCGX_Detach(&fr);
		else
			FCGX_Attach(&fr);
		FCGX_Finish_r(&fr);
		if (front_cfg.access_log) {
			struct log_access a = { r.id, r.method, r.path,
			    r.error_code, (unsigned)r.status,
			    now_us() - r.start_us, r.bytes_out };

			log_access(&a);
		}
		sb_self->requests++;
		if (r.status >= 500)
			sb_self->errors++;
		request_free(&r);
		stream_release();
		sb_self->state = SB_IDLE;
		served++;
	}
	sb_self->state = SB_EXITING;
	FCGX_Free(&fr, 1);
	rt_cleanup();
	store_close();
	exit(status);
}

/* An API worker: the pool's socket. */
void
worker_main(int listen_fd)
{
	serve(listen_fd, 0);
}

/* A stream worker: the stream socket (stream_listen). */
void
stream_main(int listen_fd)
{
	serve(listen_fd, 1);
}
