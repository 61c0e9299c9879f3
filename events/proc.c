/*
 * proc.c: what every process kind of events/ does first and last, as
 * the jobs runner does: it serves no requests (the listening socket it
 * is given is closed), takes its signals synchronously (sigtimedwait on
 * set), ignores SIGPIPE and SIGHUP (a reload replaces it with SIGTERM),
 * opens its own LMDB environment after fork, and says it is up in its
 * scoreboard slot.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "../runtimes/runtime.h"
#include "events.h"

/* SIGTERM and SIGINT into set (and SIGCHLD with chld), blocked.  Exits
 * 3 when storage cannot be opened. */
void
ev_proc_begin(const char *name, int listen_fd, sigset_t *set, int chld)
{
	int rc;

	if (listen_fd > 0)
		close(listen_fd);
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	if (chld)
		sigaddset(set, SIGCHLD);
	sigprocmask(SIG_SETMASK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if ((rc = store_open(store_cfg.data_dir, store_cfg.map_size)) != 0) {
		log_msg(LOG_L_ERROR, "%s cannot open storage in %s: %s", name,
		    store_cfg.data_dir, store_strerror(rc));
		exit(3);
	}
	sb_self->state = SB_IDLE;
}

/* Leaves: the slot says so, the transport and storage are closed. */
void
ev_proc_end(void)
{
	sb_self->state = SB_EXITING;
	rt_cleanup();
	store_close();
	exit(0);
}

/* Waits for a signal of set at most tick; whether it was one to stop. */
int
ev_proc_wait(sigset_t *set, const struct timespec *tick)
{
	siginfo_t si;
	int sig = sigtimedwait(set, &si, tick);

	return sig == SIGTERM || sig == SIGINT;
}
