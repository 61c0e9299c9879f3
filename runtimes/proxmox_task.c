/*
 * proxmox_task.c: Proxmox VE tasks.  A call that takes time (create,
 * start, stop, destroy, resize, a download) answers a UPID at once and
 * runs on as a task of the node the UPID names.  Its status is GET
 * /nodes/{node}/tasks/{upid}/status: "running", then "stopped" with an
 * exitstatus that is "OK" (or "WARNINGS: n") or the error's text.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "proxmox.h"

int
pve_exit_ok(const char *s)
{
	return s != NULL && (strcmp(s, "OK") == 0 ||
	    strncmp(s, "WARNINGS:", 9) == 0);
}

int
pve_task_of(json_object *d, const struct pve_upid *u, struct rt_task *t)
{
	const char *status = jget_str(d, "status"), *exit;

	memset(t, 0, sizeof(*t));
	if (status == NULL || (strcmp(status, "running") != 0 &&
	    strcmp(status, "stopped") != 0))
		return -1;
	t->running = strcmp(status, "running") == 0;
	exit = jget_str(d, "exitstatus");
	snprintf(t->exitstatus, sizeof(t->exitstatus), "%s",
	    t->running ? "" : exit ? exit : "unknown");
	t->ok = !t->running && pve_exit_ok(exit);
	snprintf(t->type, sizeof(t->type), "%s", u->type);
	t->started = (time_t)pve_num(d, "starttime", u->starttime);
	t->ended = (time_t)pve_num(d, "endtime", 0);
	return 0;
}

int
pve_task(const struct rt_endpoint *ep, const char *upid, struct rt_task *t,
    struct rt_err *err)
{
	struct pve_upid u;
	json_object *d = NULL;
	char path[512], where[128], *esc;
	int rc;

	memset(t, 0, sizeof(*t));
	if (pve_upid_parse(upid, &u) != 0) {
		rt_err_set(err, RT_E_INVALID, "%s: '%.80s' is not a task id "
		    "(UPID)", pve_where(ep, where, sizeof(where)),
		    upid ? upid : "");
		return -1;
	}
	if ((esc = pve_esc(upid)) == NULL) {
		rt_err_set(err, RT_E_INTERNAL, "out of memory");
		return -1;
	}
	snprintf(path, sizeof(path), "/nodes/%s/tasks/%s/status", u.node, esc);
	curl_free(esc);
	if ((rc = pve_call(ep, "GET", path, NULL, RT_K_NONE, &d, err)) < 0)
		return -1;
	rc = pve_task_of(d, &u, t);
	json_object_put(d);
	if (rc < 0)
		rt_err_set(err, RT_E_PROTO, "%s: task %s has no status",
		    pve_where(ep, where, sizeof(where)), upid);
	return rc;
}

/* Sleeps ms milliseconds. */
static void
nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/*
 * Polls every 100 ms at first, then less often (up to 1 s): most tasks
 * of a create or a start end within a second, and a long one should
 * not cost a request a second.
 */
int
pve_task_wait(const struct rt_endpoint *ep, const char *upid, long wait_s,
    struct rt_err *err)
{
	uint64_t deadline = now_us() + (uint64_t)(wait_s > 0 ? wait_s :
	    rt_cfg.runtime_timeout) * 1000000ULL;
	struct rt_task t;
	char where[128];
	long ms = 100;

	for (;;) {
		if (pve_task(ep, upid, &t, err) < 0)
			return -1;
		if (!t.running)
			break;
		if (now_us() + (uint64_t)ms * 1000 > deadline) {
			rt_err_set(err, RT_E_TIMEOUT, "%s: task %s still runs "
			    "after %lds", pve_where(ep, where, sizeof(where)),
			    upid, wait_s > 0 ? wait_s :
			    (long)rt_cfg.runtime_timeout);
			return -1;
		}
		nap(ms);
		ms = ms < 1000 ? ms * 2 : 1000;
	}
	if (!t.ok) {
		rt_err_set(err, RT_E_ENGINE, "%s: task %s failed: %s",
		    pve_where(ep, where, sizeof(where)), t.type, t.exitstatus);
		return -1;
	}
	return 0;
}
