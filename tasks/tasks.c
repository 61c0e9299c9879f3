/*
 * tasks.c: the task follower, a process kind of the pool.  A request
 * worker that starts a long engine task (a template download, which may
 * take minutes) records it in storage ("t/<id>", storage/pods.c) and
 * answers 202; this process polls every running one once a second
 * through its endpoint's driver (rt_pod_ops.task), and when the engine
 * says it stopped, writes the outcome into the record and appends an
 * image_prepare event in the same transaction.  A task whose endpoint is
 * gone, or that the engine no longer knows, fails with that reason; one
 * the engine cannot be asked about now is asked again next time, for up
 * to GIVE_UP_S after it started.
 *
 * Nothing here holds a worker, and a follower that dies loses nothing:
 * the master starts another, which reads the same records.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/base.h"
#include "../runtimes/runtime.h"
#include "../services/services.h"
#include "../storage/storage.h"
#include "tasks.h"

#define TICK_S		1
#define GIVE_UP_S	(6 * 3600)	/* an engine that cannot say for
					 * that long: the task failed */

int
tasks_count(void)
{
	return 1;
}

/* Ends a task: state, exitstatus and finished_at in its record, and
 * the image_prepare event, in one transaction. */
static void
finish(const char *id, json_object *rec, int ok, const char *exitstatus)
{
	static const char *const copied[] = { "endpoint", "node", "volume" };
	json_object *ev = json_object_new_object(), *v;
	const char *state = ok ? "completed" : "failed";
	char ts[32];
	size_t i;
	int rc;

	iso8601(ts, now_wall());
	json_object_object_add(rec, "state", json_object_new_string(state));
	json_object_object_add(rec, "exitstatus",
	    json_object_new_string(exitstatus));
	json_object_object_add(rec, "finished_at", json_object_new_string(ts));
	json_object_object_add(ev, "task", json_object_new_string(id));
	json_object_object_add(ev, "state", json_object_new_string(state));
	for (i = 0; i < sizeof(copied) / sizeof(copied[0]); i++)
		if (json_object_object_get_ex(rec, copied[i], &v))
			json_object_object_add(ev, copied[i],
			    json_object_get(v));
	json_object_object_add(ev, "exitstatus",
	    json_object_new_string(exitstatus));
	json_object_object_add(ev, "timestamp", json_object_new_string(ts));
	if ((rc = store_ptask_finish(id, rec, "image_prepare", ev)) != 0)
		log_msg(LOG_L_ERROR, "tasks: cannot record the end of %s: %s",
		    id, store_strerror(rc));
	else
		log_msg(LOG_L_INFO, "tasks: %s on endpoint %s %s: %s", id,
		    jget_str(rec, "endpoint"), state, exitstatus);
	json_object_put(ev);
}

/* One running task asked about, and ended when the engine says so. */
static void
follow_one(const char *id, json_object *rec)
{
	const char *upid = jget_str(rec, "upid");
	struct rt_endpoint ep;
	struct rt_task t;
	struct rt_err e;

	if (endpoints_get(jget_str(rec, "endpoint"), &ep, &e) < 0) {
		if (e.code == RT_E_NOT_FOUND || e.code == RT_E_INVALID)
			finish(id, rec, 0, e.msg);
		return;
	}
	if (!rt_can(&ep, RT_CAP_PODS) || upid == NULL) {
		finish(id, rec, 0, "the endpoint has no tasks to follow");
		return;
	}
	if (ep.driver->pods->task(&ep, upid, &t, &e) < 0) {
		if (e.code == RT_E_INVALID || e.code == RT_E_NOT_FOUND ||
		    now_wall() - jget_int(rec, "started", 0) > GIVE_UP_S)
			finish(id, rec, 0, e.msg);
		else
			log_msg(LOG_L_DEBUG, "tasks: %s: %s (asked again "
			    "later)", id, e.msg);
		return;
	}
	if (!t.running)
		finish(id, rec, t.ok, t.exitstatus);
}

#define BATCH 256

/* The ids of the running tasks (at most BATCH a tick), collected first:
 * a scan's read transaction must end before a task's end is written. */
struct batch {
	char	 id[BATCH][64];
	size_t	 n;
};

static int
collect(const char *id, json_object *rec, void *arg)
{
	struct batch *b = arg;
	const char *state = jget_str(rec, "state");

	if (state != NULL && strcmp(state, "running") == 0 &&
	    strlen(id) < sizeof(b->id[0]))
		snprintf(b->id[b->n++], sizeof(b->id[0]), "%s", id);
	return b->n == BATCH;
}

static void
tick(struct batch *b)
{
	json_object *rec;
	size_t i;
	int rc;

	b->n = 0;
	if ((rc = store_ptasks_each(collect, b)) < 0 &&
	    rc != STORE_E_NOTFOUND)
		log_msg(LOG_L_ERROR, "tasks: cannot read the tasks: %s",
		    store_strerror(rc));
	for (i = 0; i < b->n; i++) {
		if (store_ptask_get(b->id[i], &rec) != 0)
			continue;
		follow_one(b->id[i], rec);
		json_object_put(rec);
	}
}

void
tasks_main(int listen_fd)
{
	struct timespec one = { TICK_S, 0 };
	struct batch *b;
	sigset_t set;
	siginfo_t si;
	int rc, sig;

	if (listen_fd > 0)
		close(listen_fd);	/* serves no requests */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_SETMASK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if ((rc = store_open(store_cfg.data_dir, store_cfg.map_size)) != 0) {
		log_msg(LOG_L_ERROR, "task follower cannot open storage in %s: "
		    "%s", store_cfg.data_dir, store_strerror(rc));
		exit(3);
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		exit(3);
	sb_self->state = SB_IDLE;
	log_msg(LOG_L_INFO, "task follower %d", (int)getpid());
	for (;;) {
		tick(b);
		sig = sigtimedwait(&set, &si, &one);
		if (sig == SIGTERM || sig == SIGINT)
			break;
	}
	sb_self->state = SB_EXITING;
	free(b);
	rt_cleanup();
	store_close();
	exit(0);
}
