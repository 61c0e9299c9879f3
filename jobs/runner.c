/*
 * runner.c: the jobs runner, a process kind of the pool (pool.c kinds[]).
 * The master restarts it like a worker when it dies.
 *
 * It keeps up to jobs_concurrency jobs running, each in a child process
 * of its own (execute.c): a tick reaps children, looks at the running
 * jobs, and claims queued ones into free slots.  Why processes: an
 * attempt blocks for minutes in engine calls, LMDB environments and CURL
 * handles are per process, and a child that dies takes only its job.
 *
 * Who runs a job is written in it: the executing pid and that process's
 * start time (so a reused pid is not mistaken for it).  The runner counts
 * every running job whose process lives against the limit, its own
 * children or not.  Children outlive the runner on purpose: when it is
 * killed or replaced (SIGHUP), they finish their attempts and the next
 * runner sees them alive.  A running job whose process is gone was
 * interrupted (the machine stopped, a child crashed): the next tick
 * removes its container and ends the attempt, and the retry policy says
 * whether it runs again.  Since a claim is one LMDB write transaction
 * and a job's pid is only ever replaced by a claim of a new attempt, no
 * job runs twice at once.
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/base.h"
#include "../runtimes/runtime.h"
#include "../services/services.h"
#include "../storage/storage.h"
#include "jobs.h"

int
runner_count(void)
{
	return jobs_cfg.jobs_enabled ? 1 : 0;
}

/* A process's start time in clock ticks since boot (/proc/<pid>/stat
 * field 22), or -1 if there is no such process or it is a zombie (dead,
 * not yet reaped). */
long long
proc_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	long long start = -1;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL) {
		/* after "pid (comm)" come fields 3...; start is field 22 */
		if (p[1] != ' ' || p[2] == 'Z' || p[2] == 'X') {
			fclose(f);
			return -1;
		}
		for (i = 3, p += 2; i < 22 && p != NULL; i++) {
			p = strchr(p, ' ');
			if (p != NULL)
				p++;
		}
		if (p != NULL)
			start = strtoll(p, NULL, 10);
	}
	fclose(f);
	return start;
}

static int
alive(pid_t pid, long long start)
{
	long long s;

	if (pid <= 0)
		return 0;
	s = proc_start_time(pid);
	return s >= 0 && s == start;
}

static void
remove_container(const char *endpoint, const char *cid)
{
	struct rt_endpoint ep;
	struct rt_err err;

	if (cid == NULL || *cid == '\0' ||
	    endpoints_get(endpoint, &ep, &err) < 0)
		return;
	if (ep.driver->remove(&ep, cid, 1, &err) < 0 &&
	    err.code != RT_E_NOT_FOUND)
		log_msg(LOG_L_WARN, "cannot remove container %s of an "
		    "interrupted job: %s", cid, err.msg);
}

struct scan {
	int	busy;
};

/* This runner's own children and the attempt each was forked for. */
static struct kid {
	pid_t			 pid;
	struct job_claim	 cl;
} kids[128];

/*
 * Reaps children.  A child that died before writing its pid into the job
 * left the runner's pid there, which stays alive: end that attempt here,
 * as the scan would for any other dead process.
 */
static void
reap_kids(void)
{
	struct job_result res;
	json_object *job = NULL;
	pid_t pid;
	size_t i;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
		for (i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
			if (kids[i].pid == pid)
				break;
		if (i == sizeof(kids) / sizeof(kids[0]))
			continue;
		kids[i].pid = 0;
		if (jobq_get(kids[i].cl.id, &job) != 0)
			continue;
		if (jobq_attempt_live(kids[i].cl.id, kids[i].cl.attempt) == 0 &&
		    jget_int(job, "runner_pid", 0) == getpid()) {
			memset(&res, 0, sizeof(res));
			res.outcome = JOB_INTERRUPTED;
			res.exit_code = -1;
			snprintf(res.reason, sizeof(res.reason), "interrupted: "
			    "the job's process could not start");
			jobq_finish(job_policy(), kids[i].cl.id,
			    kids[i].cl.attempt, &res);
		}
		json_object_put(job);
		job = NULL;
	}
}

/* One running job: busy if its process lives, else interrupted. */
static int
scan_one(const char *id, int attempt, pid_t pid, long long start,
    const char *cid, const char *endpoint, void *arg)
{
	struct scan *s = arg;
	struct job_result res;

	if (alive(pid, start)) {
		s->busy++;
		return 0;
	}
	log_msg(LOG_L_WARN, "job %s attempt %d: its process %d is gone; "
	    "ending the attempt as interrupted", id, attempt, (int)pid);
	remove_container(endpoint, cid);
	memset(&res, 0, sizeof(res));
	res.outcome = JOB_INTERRUPTED;
	res.exit_code = -1;
	snprintf(res.reason, sizeof(res.reason), "interrupted: the process "
	    "running the job died");
	if (jobq_finish(job_policy(), id, attempt, &res) != 0)
		log_msg(LOG_L_ERROR, "job %s: cannot record the interruption",
		    id);
	return 0;
}

/*
 * The child that runs one claimed attempt.  It first writes its own pid
 * into the job; if that fails the attempt was taken from it (the runner
 * died between claim and fork and a new one ended the attempt), and it
 * leaves without touching anything.
 */
static void
child_run(const struct job_claim *cl)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sb_self = NULL;		/* the master's slot is the runner's */
	if (store_open(store_cfg.data_dir, store_cfg.map_size) != 0)
		_exit(3);
	if (jobq_set_pid(cl->id, cl->attempt, getpid(),
	    proc_start_time(getpid())) != 0)
		_exit(0);
	job_execute(cl);
	rt_cleanup();
	store_close();
	_exit(0);
}

/* Claims one job and forks its child.  0 started, 1 nothing to do, -1
 * error. */
static int
start_one(void)
{
	struct job_claim cl;
	pid_t pid;
	size_t i;
	int rc;

	rc = jobq_claim(getpid(), proc_start_time(getpid()), &cl);
	if (rc == STORE_E_NOTFOUND)
		return 1;
	if (rc != 0) {
		log_msg(LOG_L_ERROR, "runner: claim failed: %s",
		    store_strerror(rc));
		return -1;
	}
	/* Neither the LMDB environment nor a CURL connection may cross
	 * fork: close both, reopen after. */
	store_close();
	rt_cleanup();
	pid = fork();
	if (pid == 0)
		child_run(&cl);
	if ((rc = store_open(store_cfg.data_dir, store_cfg.map_size)) != 0) {
		log_msg(LOG_L_ERROR, "runner: cannot reopen storage: %s",
		    store_strerror(rc));
		exit(3);
	}
	if (pid < 0) {
		/* the claim stands with our pid; the next tick of a new
		 * runner would see it interrupted: say so now instead */
		struct job_result res = { .outcome = JOB_INTERRUPTED,
		    .exit_code = -1 };

		snprintf(res.reason, sizeof(res.reason), "fork: %s",
		    strerror(errno));
		jobq_finish(job_policy(), cl.id, cl.attempt, &res);
		return -1;
	}
	for (i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
		if (kids[i].pid == 0) {
			kids[i].pid = pid;
			kids[i].cl = cl;
			break;
		}
	log_msg(LOG_L_DEBUG, "runner: job %s attempt %d in process %d",
	    cl.id, cl.attempt, (int)pid);
	return 0;
}

void
runner_main(int listen_fd)
{
	struct timespec tick;
	struct scan s;
	sigset_t set;
	siginfo_t si;
	int rc, sig, stop = 0;

	if (listen_fd > 0)
		close(listen_fd);	/* the runner serves no requests */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_SETMASK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if ((rc = store_open(store_cfg.data_dir, store_cfg.map_size)) != 0) {
		log_msg(LOG_L_ERROR, "runner cannot open storage in %s: %s",
		    store_cfg.data_dir, store_strerror(rc));
		exit(3);
	}
	sb_self->state = SB_IDLE;
	log_msg(LOG_L_INFO, "jobs runner %d: up to %d jobs at once",
	    (int)getpid(), jobs_cfg.jobs_concurrency);
	tick.tv_sec = jobs_cfg.jobs_poll_ms / 1000;
	tick.tv_nsec = (long)(jobs_cfg.jobs_poll_ms % 1000) * 1000000;
	while (!stop) {
		reap_kids();
		memset(&s, 0, sizeof(s));
		if ((rc = jobq_running(scan_one, &s)) != 0)
			log_msg(LOG_L_ERROR, "runner: cannot read running "
			    "jobs: %s", store_strerror(rc));
		while (s.busy < jobs_cfg.jobs_concurrency && start_one() == 0)
			s.busy++;
		sig = sigtimedwait(&set, &si, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			stop = 1;
	}
	/* running children go on alone; the next runner adopts them */
	sb_self->state = SB_EXITING;
	rt_cleanup();
	store_close();
	exit(0);
}
