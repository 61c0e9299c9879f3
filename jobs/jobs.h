/*
 * jobs.h: batch jobs.  The one internal header of jobs/.
 *
 *   handlers/jobs.c   the HTTP API (submit, list, get, cancel, retry,
 *                     logs, output); validation comes from spec.c
 *   storage/jobs.c    the durable queue in LMDB: job records (STORE_JOBS,
 *                     key job_<hex>), the queue index (STORE_JOBQ: "q"
 *                     keys ordered by priority then submission, "r" keys
 *                     for running jobs), claim, finish, cancel, cascade
 *   jobs/spec.c       pure parsing and checks: priority, backoff, globs,
 *                     durations, dependency cycles
 *   jobs/runner.c     the runner process (a pool kind): recovery at
 *                     start-up, scheduling, one child per running job
 *   jobs/execute.c    one attempt: create, inputs in, start, wait with
 *                     timeout, outputs out, logs, remove
 *   jobs/archive.c    tars with libarchive: build the inputs' tar,
 *                     extract outputs safely
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
#include <lmdb.h>

#define JOB_IDLEN	24	/* "job_" + 16 hex + NUL, with room */
#define JOB_MAX_DEPS	64
#define JOB_MAX_FILES	64
#define JOB_MAX_PATTERNS 32

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
int		 job_id_ok(const char *);
/*
 * Dependency graph check.  deps_of(id, arg) gives a job's dependencies
 * (a json array, borrowed) or NULL if the job does not exist.  Walks from
 * the new job `self` with its deps; returns 0, or -1 with *bad set to the
 * id that is unknown (*cycle 0) or closes a cycle (*cycle 1).
 */
typedef json_object *(*job_deps_fn)(const char *id, void *arg);
int		 job_deps_check(const char *self, json_object *deps,
		    job_deps_fn, void *arg, const char **bad, int *cycle);
/*
 * Turns a submission body into a stored job record (a new object the
 * caller puts) or returns NULL with a message in err and *field naming
 * the member at fault.  Checks everything that needs no storage.
 */
json_object	*job_from_request(json_object *body, char *err, size_t errlen,
		    const char **field);
/* "PROGRESS <0-100>" at the start of a line: 0 and the value, or -1. */
int		 job_progress_line(const char *line, size_t len, double *out);

/* ---- storage/jobs.c: the queue ---- */

/* Besides LMDB's codes: */
#define JOBQ_E_STATE	(-1)	/* not in a state that allows it: 409 */
#define JOBQ_E_GONE	(-2)	/* the attempt is no longer live */
#define JOBQ_E_DEPS	(-3)	/* unknown dependency or a cycle: 400 */

/* The parts of a claimed job the executor needs. */
struct job_claim {
	char		 id[JOB_IDLEN];
	int		 attempt;
};

int	 jobq_submit(json_object *job, const char *owner, char *id_out,
	    json_object **created);
int	 jobq_get(const char *id, json_object **out);
/* Claims the first eligible queued job; MDB_NOTFOUND if none. */
int	 jobq_claim(pid_t pid, long long pid_start, struct job_claim *);
int	 jobq_set_container(const char *id, int attempt, const char *cid);
int	 jobq_set_progress(const char *id, int attempt, double progress);
int	 jobq_set_usage(const char *id, int attempt, json_object *usage);
int	 jobq_set_pid(const char *id, int attempt, pid_t pid,
	    long long pid_start);
/* Is the attempt still the live one (not cancelled, not replaced)? */
int	 jobq_attempt_live(const char *id, int attempt);

/* How an attempt ended. */
enum job_outcome { JOB_OK, JOB_EXIT, JOB_TIMEOUT, JOB_ERROR,
	JOB_INTERRUPTED };

struct job_result {
	enum job_outcome	 outcome;
	int			 exit_code;	/* -1 if none */
	char			 reason[256];
	json_object		*outputs;	/* array, borrowed */
	json_object		*usage;		/* borrowed, or NULL */
};
int	 jobq_finish(const char *id, int attempt, const struct job_result *);
int	 jobq_cancel(const char *id, const char *reason, json_object **job);
int	 jobq_retry(const char *id, json_object **job);
/* Running jobs: calls fn for each (id, attempt, pid, pid start). */
typedef int (*jobq_running_fn)(const char *id, int attempt, pid_t pid,
	    long long pid_start, const char *container, const char *endpoint,
	    void *arg);
int	 jobq_running(jobq_running_fn, void *arg);
int	 jobq_put_log(const char *id, int attempt, const void *, size_t);
int	 jobq_get_log(const char *id, int attempt, char **buf, size_t *len);

struct jobq_filter {
	const char	*status;
	const char	*user;	/* owner, or NULL for all */
	const char	*name;
	time_t		 created_since;
	long		 limit, offset;
};
int	 jobq_list(const struct jobq_filter *, json_object **rows,
	    long *total);
/* The public view of a stored record (a new object). */
json_object *job_public(json_object *job);
int	 jobq_deps_exist(json_object *deps, const char **bad, int *cycle);

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
 * names, "..", links and devices are skipped and counted in *rejected;
 * a total over max bytes stops with -2.
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
struct config;
int	 runner_count(const struct config *);
void	 job_execute(const struct job_claim *);
/* Whether ep can run job (wait; archives for files in or out): 0, or -1
 * with why naming the endpoint and what it lacks (execute.c). */
struct rt_endpoint;
int	 job_endpoint_check(json_object *job, const struct rt_endpoint *,
	    char *why, size_t whylen);
long long proc_start_time(pid_t);

#endif /* JOBS_H */
