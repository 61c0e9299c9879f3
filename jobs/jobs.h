/*
 * jobs.h: batch jobs.  The one internal header of jobs/.
 *
 *   handlers/jobs.c   the HTTP API (submit, list, get, cancel, retry,
 *                     logs, output); validation comes from spec.c
 *   storage/jobs.c    the durable queue in LMDB (its API is in
 *                     storage/storage.h): job records (STORE_JOBS, key
 *                     job_<hex>), the queue index (STORE_JOBQ: "q" keys
 *                     ordered by priority then submission, "r" keys for
 *                     running jobs), claim, finish, cancel, cascade
 *   jobs/spec.c       pure parsing and checks: priority, backoff, globs,
 *                     durations, dependency cycles; and the queue's
 *                     policy (job_policy), which storage is handed
 *   jobs/runner.c     the runner process (a pool kind): recovery at
 *                     start-up, scheduling, one child per running job
 *   jobs/execute.c    one attempt: create, inputs in, start, wait with
 *                     timeout, outputs out, logs, remove
 *   jobs/archive.c    the inputs' tar and the outputs' safe extraction,
 *                     on services/tar.c
 *   jobs/filestore.c  the bridge to the file store (inputs, outputs)
 *
 * A job's life: queued -> running -> completed | failed | cancelled.  A
 * failed attempt with attempts left goes back to queued with a not-before
 * time (backoff).  Every status change appends a job_status event in the
 * same transaction.
 */
#ifndef JOBS_H
#define JOBS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <json-c/json.h>

#include "../base/base.h"
#include "../storage/storage.h"

#define JOB_MAX_DEPS	64
#define JOB_MAX_FILES	64
#define JOB_MAX_PATTERNS 32

/* ---- settings (jobs_config.c) ---- */

struct jobs_config {
	int	 jobs_enabled;		/* run the jobs runner */
	int	 jobs_concurrency;	/* jobs running at once */
	int	 jobs_max_timeout;	/* seconds */
	int	 jobs_default_timeout;	/* seconds */
	char	 jobs_network_mode[CFG_STRLEN];
	size_t	 jobs_max_output;	/* bytes collected per attempt */
	size_t	 jobs_max_log;		/* bytes of log kept per attempt */
	int	 jobs_poll_ms;
	int	 jobs_max_attempts;	/* retry_policy defaults */
	int	 jobs_retry_delay;	/* seconds */
	int	 jobs_retry_max_delay;	/* seconds */
};

extern struct jobs_config	 jobs_cfg;
extern const struct cfg_table	 jobs_cfg_table;

/* ---- spec.c: parsing and validation, no I/O ---- */

enum job_backoff { JOB_BACKOFF_FIXED, JOB_BACKOFF_LINEAR,
	JOB_BACKOFF_EXPONENTIAL };

int		 job_priority_parse(json_object *, int *out);
int		 job_backoff_parse(const char *, enum job_backoff *);
const char	*job_backoff_name(enum job_backoff);
/* Seconds to wait before attempt number `next` (2, 3, ...). */
long		 job_backoff_delay(enum job_backoff, long initial, long max,
		    int next);
/* A glob accepted in output_patterns: absolute, clean, wildcards only in
 * the last segment, valid bracket syntax.  0 or -1 with why. */
int		 job_glob_ok(const char *, const char **why);
/* A container path for an input destination: absolute, no "..". */
int		 job_path_ok(const char *);
/*
 * Dependency graph check.  deps_of(id, arg) gives a job's dependencies
 * (a json array, borrowed) or NULL if the job does not exist.  Walks from
 * the new job `self` with its deps; returns 0, or -1 with *bad set to the
 * id that is unknown (*cycle 0) or closes a cycle (*cycle 1).
 */
int		 job_deps_check(const char *self, json_object *deps,
		    jobq_deps_fn, void *arg, const char **bad, int *cycle);
/*
 * Seconds before another attempt of a job with this retry_policy (as
 * job_from_request stores it; NULL: the defaults) that has used `used`
 * attempts, or -1 when max_attempts says no.
 */
long		 job_retry_delay(json_object *retry_policy, int used);
/* The queue's policy, for every jobq_* call that takes one: the two
 * functions above and jobs_concurrency. */
const struct jobq_policy *job_policy(void);
/*
 * Turns a submission body into a stored job record (a new object the
 * caller puts) or returns NULL with a message in err and *field naming
 * the member at fault.  Checks everything that needs no storage.
 */
json_object	*job_from_request(json_object *body, char *err, size_t errlen,
		    const char **field);
/* "PROGRESS <0-100>" at the start of a line: 0 and the value, or -1. */
int		 job_progress_line(const char *line, size_t len, double *out);

/* ---- archive.c ---- */

struct job_input {
	const char	*dest;		/* absolute container path */
	const void	*data;
	size_t		 len;
};
int	 job_tar_build(const struct job_input *, size_t n, void **out,
	    size_t *outlen);
/*
 * Reads a tar from memory that the engine produced for the directory
 * `dir` (its entries are named by dir's last segment), and calls fn for
 * each regular file whose container path matches pattern.  Absolute
 * names, ".." and links are skipped and counted in *rejected; other
 * members that are not regular files (directories, devices) are passed
 * over; a total over max bytes stops with -2.
 */
typedef int (*job_file_fn)(const char *cpath, const void *data,
	    size_t len, void *arg);
int	 job_tar_extract(const void *tar, size_t len, const char *dir,
	    const char *pattern, size_t max, size_t *used, job_file_fn,
	    void *arg, int *rejected);

/* ---- filestore.c ---- */

int	 job_fs_stat(const char *path, char *owner, size_t ownerlen);
int	 job_fs_read(const char *path, void **data, size_t *len);
int	 job_fs_write(const char *owner, const char *path, const void *data,
	    size_t len, json_object **meta);

/* ---- runner.c and execute.c ---- */

void	 runner_main(int listen_fd);
int	 runner_count(void);
void	 job_execute(const struct job_claim *);
/* Whether ep can run job (wait; archives for files in or out): 0, or -1
 * with why naming the endpoint and what it lacks (execute.c). */
struct rt_endpoint;
int	 job_endpoint_check(json_object *job, const struct rt_endpoint *,
	    char *why, size_t whylen);
long long proc_start_time(pid_t);

#endif /* JOBS_H */
