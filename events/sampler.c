/*
 * sampler.c: the metrics sampler, a process kind of the pool (pool.c
 * kinds[]), run when metrics_interval is not 0.  Every metrics_interval
 * it appends a system_metric event everyone signed in may see:
 *   cpu_usage          the host's CPU use since the last sample, percent
 *   memory_usage       the host's memory in use (total - available), bytes
 *   memory_total
 *   pool_cpu_usage     the pool's processes' CPU since the last sample,
 *                      percent of one CPU
 *   pool_memory_usage  their resident memory, bytes
 *   endpoints          {name: {total, running, paused, stopped}} or
 *                      {name: {error}} for each endpoint
 *   timestamp
 */
#include "config.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../runtimes/runtime.h"
#include "../services/services.h"
#include "events.h"

#define INFO_TIMEOUT_S	3

int
sampler_count(void)
{
	return ev_cfg.metrics_interval > 0 ? 1 : 0;
}

/* The host's busy and total jiffies (/proc/stat's first line). */
static int
host_cpu(unsigned long long *busy, unsigned long long *total)
{
	unsigned long long v[8] = { 0 };
	FILE *f;
	int n;

	if ((f = fopen("/proc/stat", "r")) == NULL)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 4)
		return -1;
	*total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
	*busy = *total - v[3] - v[4];		/* idle, iowait */
	return 0;
}

/* MemTotal and MemAvailable, in bytes. */
static int
host_mem(long long *total, long long *avail)
{
	char line[256];
	long long kb;
	FILE *f;

	*total = *avail = -1;
	if ((f = fopen("/proc/meminfo", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "MemTotal: %lld kB", &kb) == 1)
			*total = kb * 1024;
		else if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1)
			*avail = kb * 1024;
	}
	fclose(f);
	return *total >= 0 && *avail >= 0 ? 0 : -1;
}

/* A process's utime + stime (jiffies) and resident bytes. */
static int
proc_usage(pid_t pid, unsigned long long *cpu, long long *rss)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	long long pages = 0;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL)
		return -1;
	/* after "pid (comm)": field 3 on; utime 14, stime 15, rss 24 */
	for (i = 3, p += 2; p != NULL && i < 24; i++) {
		if (i == 14)
			ut = strtoull(p, NULL, 10);
		else if (i == 15)
			st = strtoull(p, NULL, 10);
		if ((p = strchr(p, ' ')) != NULL)
			p++;
	}
	if (p != NULL)
		pages = strtoll(p, NULL, 10);
	*cpu = ut + st;
	*rss = pages * sysconf(_SC_PAGESIZE);
	return 0;
}

/* The pool's processes: the master and every slot of the scoreboard. */
static void
pool_usage(unsigned long long *cpu, long long *rss)
{
	unsigned long long c;
	long long r;
	int i;

	*cpu = 0;
	*rss = 0;
	if (sb == NULL)
		return;
	if (proc_usage(sb->master_pid, &c, &r) == 0) {
		*cpu += c;
		*rss += r;
	}
	for (i = 0; i < SB_MAX_SLOTS; i++)
		if (sb->slots[i].pid > 0 &&
		    proc_usage(sb->slots[i].pid, &c, &r) == 0) {
			*cpu += c;
			*rss += r;
		}
}

static json_object *
endpoint_counts(void)
{
	struct rt_endpoint *eps = NULL;
	struct rt_info info;
	struct rt_err err;
	json_object *all = json_object_new_object(), *o;
	size_t i, n = 0;

	if (endpoints_all(&eps, &n, &err) < 0)
		return all;
	for (i = 0; i < n; i++) {
		memset(&info, 0, sizeof(info));
		if (eps[i].driver->info(&eps[i], INFO_TIMEOUT_S, &info,
		    &err) == 0) {
			o = rt_info_counts(&info);
			rt_info_free(&info);
		} else {
			o = json_object_new_object();
			json_object_object_add(o, "error",
			    json_object_new_string(err.msg));
		}
		json_object_object_add(all, eps[i].name, o);
	}
	free(eps);
	return all;
}

struct prev {
	unsigned long long	 busy, total, pool;
	int			 have;
};

/* One decimal, of a percentage (clamped to 0..100 per CPU first). */
static double
round1(double v)
{
	if (!(v >= 0))
		v = 0;
	if (v > 100.0 * 4096)
		v = 100.0 * 4096;
	return (double)(long long)(v * 10 + 0.5) / 10;
}

/* One sample, appended as a system_metric. */
static void
sample(struct prev *pv)
{
	unsigned long long busy = 0, total = 0, pool = 0;
	long long mt = 0, ma = 0, rss = 0;
	json_object *d = json_object_new_object();
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char ts[32];
	double cpu = 0, pcpu = 0;

	host_cpu(&busy, &total);
	host_mem(&mt, &ma);
	pool_usage(&pool, &rss);
	if (pv->have && total > pv->total) {
		if (busy >= pv->busy)
			cpu = 100.0 * (double)(busy - pv->busy) /
			    (double)(total - pv->total);
		/* jiffies of all CPUs in the interval, per CPU.  The pool's
		 * sum drops when a process ends (its time goes with it):
		 * that interval says nothing. */
		if (pool >= pv->pool)
			pcpu = 100.0 * (double)(pool - pv->pool) /
			    ((double)(total - pv->total) / (double)(ncpu > 0 ?
			    ncpu : 1));
	}
	pv->busy = busy;
	pv->total = total;
	pv->pool = pool;
	pv->have = 1;
	iso8601(ts, now_wall());
	json_object_object_add(d, "cpu_usage", json_object_new_double(
	    round1(cpu)));
	json_object_object_add(d, "memory_usage", json_object_new_int64(
	    mt >= 0 && ma >= 0 ? mt - ma : 0));
	json_object_object_add(d, "memory_total", json_object_new_int64(mt));
	json_object_object_add(d, "pool_cpu_usage", json_object_new_double(
	    round1(pcpu)));
	json_object_object_add(d, "pool_memory_usage",
	    json_object_new_int64(rss));
	json_object_object_add(d, "endpoints", endpoint_counts());
	json_object_object_add(d, "timestamp", json_object_new_string(ts));
	if (store_event_append_owned(NULL, "system_metric", STORE_EV_ALL, d,
	    NULL) != 0)
		log_msg(LOG_L_WARN, "sampler: system_metric not recorded");
	json_object_put(d);
}

/* The counters the first sample's usage is measured from. */
static void
start_counters(struct prev *pv)
{
	long long rss;

	if (host_cpu(&pv->busy, &pv->total) == 0) {
		pool_usage(&pv->pool, &rss);
		pv->have = 1;
	}
}

void
sampler_main(int listen_fd)
{
	struct prev pv = { 0, 0, 0, 0 };
	struct timespec tick;
	sigset_t set;

	ev_proc_begin("sampler", listen_fd, &set, 0);
	start_counters(&pv);
	tick.tv_sec = ev_cfg.metrics_interval;
	tick.tv_nsec = 0;
	while (!ev_proc_wait(&set, &tick))
		sample(&pv);
	ev_proc_end();
}
