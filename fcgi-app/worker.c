/*
 * worker.c: one worker process.  It opens its own LMDB environment (after
 * fork), then accepts FastCGI requests one at a time with FCGX_Accept_r
 * until it is told to stop, reaches max_requests, or the listener fails.
 * SIGTERM lets the request in hand finish; an idle worker leaves at once
 * because accept fails on EINTR (FCGI_FAIL_ACCEPT_ON_INTR).
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

static void
on_term(int sig)
{
	(void)sig;
	worker_stop = 1;
	FCGX_ShutdownPending();
}

static void
worker_signals(void)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;	/* no SA_RESTART: accept must fail */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

void
worker_main(int listen_fd)
{
	FCGX_Request fr;
	struct request r;
	long served = 0;
	int rc, status = EXIT_SUCCESS;

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
		sb_self->state = SB_IDLE;
		served++;
	}
	sb_self->state = SB_EXITING;
	FCGX_Free(&fr, 1);
	rt_cleanup();
	store_close();
	exit(status);
}
