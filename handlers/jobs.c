/*
 * jobs.c: the job API (container-codes-api.md, Job Management).  The
 * queue is storage/jobs.c; the runner (jobs/) executes what is queued.
 * Everything a submission says is checked before anything is stored:
 * jobs/spec.c for the shape (400), the file store for inputs (404), the
 * queue for dependencies (400).  A caller who is not an admin sees and
 * acts on their own jobs only; someone else's job is a 404.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handlers.h"
#include "../jobs/jobs.h"
#include "../runtimes/runtime.h"
#include "../storage/storage.h"

static int
not_found(struct request *r, const char *id)
{
	return resp_error(r, CC_E_JOB_NOT_FOUND, "Job with ID '%s' not found",
	    id);
}

/*
 * Loads the job named by the {id} parameter for the caller: 0 with *job
 * (the caller puts it), or the status of the 404/500 already sent.
 */
static int
load_job(struct request *r, json_object **job)
{
	const char *id = req_param(r, "id");
	int rc;

	*job = NULL;
	if ((rc = jobq_get(id, job)) == STORE_E_NOTFOUND)
		return not_found(r, id);
	if (rc != 0)
		return resp_store_error(r, rc, "job");
	if (!auth_may_access(r, jget_str(*job, "owner"))) {
		json_object_put(*job);
		*job = NULL;
		return not_found(r, id);
	}
	return 0;
}

static int
bad_field(struct request *r, const char *field, const char *msg)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "field", json_object_new_string(field));
	return resp_error_d(r, CC_E_INVALID_REQUEST, d, "%s", msg);
}

/* Inputs must exist and be the caller's to read: 404 otherwise. */
static int
check_inputs(struct request *r, json_object *job)
{
	json_object *in, *row;
	const char *src;
	char owner[80];
	size_t i;
	int rc;

	in = jget_arr(job, "input_files");
	for (i = 0; in != NULL && i < json_object_array_length(in); i++) {
		row = json_object_array_get_idx(in, i);
		src = jget_str(row, "source");
		rc = job_fs_stat(src, owner, sizeof(owner));
		if (rc == STORE_E_INVALID)
			return bad_field(r, "input_files", req_printf(r,
			    "input_files[%zu].source '%s' is not a valid file "
			    "store path", i, src));
		if (rc == STORE_E_NOTFOUND || (rc == 0 &&
		    !auth_may_access(r, owner)))
			return resp_error(r, CC_E_FILE_NOT_FOUND, "input file "
			    "'%s' not found in the file store", src);
		if (rc != 0)
			return resp_store_error(r, rc, "input file");
	}
	return 0;
}

/* Dependencies the caller cannot see are as unknown as missing ones. */
static int
check_deps(struct request *r, json_object *job)
{
	json_object *deps, *d = NULL;
	const char *id;
	size_t i;
	int ok;

	deps = jget_arr(job, "depends_on");
	for (i = 0; deps != NULL && i < json_object_array_length(deps); i++) {
		id = json_object_get_string(json_object_array_get_idx(deps, i));
		ok = jobq_get(id, &d) == 0 && auth_may_access(r, jget_str(d,
		    "owner"));
		json_object_put(d);
		d = NULL;
		if (!ok)
			return bad_field(r, "depends_on", req_printf(r,
			    "depends_on names an unknown job '%s'", id));
	}
	return 0;
}

/*
 * POST /jobs: validates and queues a job.  201 {job_id, status,
 * created_at, estimated_start} (also as "job"); 400 for any bad member,
 * a bad glob, a timeout over jobs_max_timeout, an unknown dependency or
 * a cycle, or an endpoint that cannot run it (no wait, or no archives
 * for a job with files in or out); 404 for an input file that is not
 * there; 404 for an unknown endpoint.
 */
int
h_job_submit(struct request *r)
{
	json_object *job = NULL, *created = NULL;
	struct rt_endpoint ep;
	struct rt_err rerr;
	const char *field = NULL, *ep_name;
	char err[512], id[JOB_IDLEN];
	int found;
	int rc;

	if ((job = job_from_request(r->json, err, sizeof(err), &field)) ==
	    NULL)
		return bad_field(r, field ? field : "", err);
	req_defer_json(r, job);
	if ((rc = check_inputs(r, job)) != 0 || (rc = check_deps(r, job)) != 0)
		return rc;
	/* A named endpoint must exist; the default's problems are the
	 * attempt's to report.  Either must be able to run the job. */
	ep_name = jget_str(job, "endpoint");
	found = endpoints_get(ep_name, &ep, &rerr) == 0;
	if (!found && ep_name != NULL)
		return ctr_ep_error(r, &rerr);
	if (found && job_endpoint_check(job, &ep, err, sizeof(err)) < 0)
		return bad_field(r, "endpoint", err);
	rc = jobq_submit(job_policy(), job, r->who.user, id, &created);
	if (rc == STORE_E_DEPS) {
		const char *bad = jget_str(created, "bad");
		int cycle = jget_bool(created, "cycle", 0);

		json_object_object_add(created, "field",
		    json_object_new_string("depends_on"));
		return resp_error_d(r, CC_E_INVALID_REQUEST, created,
		    cycle ? "depends_on makes a cycle through '%s'" :
		    "depends_on names an unknown job '%s'", bad ? bad : "");
	}
	if (rc != 0)
		return resp_store_error(r, rc, "job");
	{
		json_object *copy = NULL;

		if (json_object_deep_copy(created, &copy, NULL) == 0)
			json_object_object_add(created, "job", copy);
	}
	resp_header(r, "Location", "/api/v1/jobs/%s", id);
	return resp_ok(r, 201, NULL, created);
}

static const char *const statuses[] = {
	"queued", "running", "completed", "failed", "cancelled", NULL
};

/* created_since: unix seconds or ISO 8601 UTC ("2024-01-01T12:00:00Z"). */
static int
parse_since(const char *s, time_t *out)
{
	struct tm tm;
	const char *end;
	long l;

	if (parse_long(s, 0, 253402300799L, &l) == 0) {
		*out = (time_t)l;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL &&
	    (end = strptime(s, "%Y-%m-%d", &tm)) == NULL)
		return -1;
	if (*end == '.')
		while (*++end >= '0' && *end <= '9')
			;
	if (*end == 'Z')
		end++;
	if (*end != '\0')
		return -1;
	*out = timegm(&tm);
	return 0;
}

/*
 * GET /jobs: newest first.  Filters status, user, created_since, name;
 * limit (1..1000, default 50) and offset.  A non-admin lists their own
 * jobs (asking for another user's is 403).
 */
int
h_job_list(struct request *r)
{
	struct jobq_filter f;
	json_object *rows = NULL;
	const char *since;
	long total = 0;
	size_t i;
	int rc;

	memset(&f, 0, sizeof(f));
	if (req_query_long(r, "limit", 50, 1, 1000, &f.limit) < 0 ||
	    req_query_long(r, "offset", 0, 0, 100000000, &f.offset) < 0)
		return r->status;
	if ((f.status = req_query(r, "status")) != NULL) {
		for (i = 0; statuses[i] != NULL; i++)
			if (strcmp(statuses[i], f.status) == 0)
				break;
		if (statuses[i] == NULL)
			return resp_error(r, CC_E_INVALID_REQUEST, "status must "
			    "be queued, running, completed, failed or "
			    "cancelled");
	}
	if ((since = req_query(r, "created_since")) != NULL &&
	    parse_since(since, &f.created_since) < 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "created_since must "
		    "be unix seconds or an ISO 8601 time such as "
		    "2024-01-01T12:00:00Z");
	f.name = req_query(r, "name");
	f.user = req_query(r, "user");
	if (r->who.role < ACCESS_ADMIN) {
		if (f.user != NULL && strcmp(f.user, r->who.user) != 0)
			return resp_error(r, CC_E_FORBIDDEN, "only an admin "
			    "may list another user's jobs");
		f.user = r->who.user;
	}
	if ((rc = jobq_list(&f, &rows, &total)) != 0)
		return resp_store_error(r, rc, "jobs");
	return resp_list(r, "jobs", rows, total, f.limit, f.offset);
}

/* GET /jobs/{id}: the job in the shape of container-codes-api.md. */
int
h_job_get(struct request *r)
{
	json_object *job;
	int rc;

	if ((rc = load_job(r, &job)) != 0)
		return rc;
	req_defer_json(r, job);
	return resp_ok(r, 200, "job", jobq_public(job));
}

/* Stops and removes a cancelled job's container (best effort: the
 * executing process also removes it when it sees the cancel). */
static void
drop_container(json_object *job)
{
	struct rt_endpoint ep;
	struct rt_err err;
	const char *cid = jget_str(job, "container_id");

	if (cid == NULL || endpoints_get(jget_str(job, "endpoint"), &ep,
	    &err) < 0)
		return;
	if (ep.driver->remove(&ep, cid, 1, &err) < 0 &&
	    err.code != RT_E_NOT_FOUND)
		log_msg(LOG_L_WARN, "cancel: cannot remove container %s: %s",
		    cid, err.msg);
}

/*
 * POST /jobs/{id}/cancel: a queued job is cancelled; a running one is
 * cancelled and its container killed and removed before the answer.
 * Jobs waiting on it are cancelled too.  409 for a job that has ended.
 */
int
h_job_cancel(struct request *r)
{
	json_object *job, *after = NULL;
	const char *was;
	int rc;

	if ((rc = load_job(r, &job)) != 0)
		return rc;
	req_defer_json(r, job);
	rc = jobq_cancel(jget_str(job, "job_id"), req_printf(r,
	    "cancelled by %s", r->who.user[0] ? r->who.user : "request"),
	    &after);
	if (after != NULL)
		req_defer_json(r, after);
	if (rc == STORE_E_STATE)
		return resp_error(r, CC_E_CONFLICT, "job '%s' is %s: only a "
		    "queued or running job can be cancelled",
		    jget_str(job, "job_id"), jget_str(after, "status"));
	if (rc != 0)
		return resp_store_error(r, rc, "job");
	was = jget_str(job, "status");
	if (was != NULL && strcmp(was, "running") == 0)
		drop_container(after);
	return resp_ok(r, 200, "job", jobq_public(after));
}

/* POST /jobs/{id}/retry: a failed or cancelled job queued again as a new
 * attempt, with its retry budget renewed.  409 otherwise. */
int
h_job_retry(struct request *r)
{
	json_object *job, *after = NULL;
	int rc;

	if ((rc = load_job(r, &job)) != 0)
		return rc;
	req_defer_json(r, job);
	rc = jobq_retry(jget_str(job, "job_id"), &after);
	if (after != NULL)
		req_defer_json(r, after);
	if (rc == STORE_E_STATE)
		return resp_error(r, CC_E_CONFLICT, "job '%s' is %s: only a "
		    "failed or cancelled job can be retried",
		    jget_str(job, "job_id"), jget_str(after, "status"));
	if (rc != 0)
		return resp_store_error(r, rc, "job");
	return resp_ok(r, 202, "job", jobq_public(after));
}

static int
log_sink(void *arg, enum rt_stream s, const char *buf, size_t len)
{
	struct request *r = arg;

	(void)s;
	if (r->client_gone || stream_check(r) != NULL)
		return -1;
	if (buf == NULL)
		return 0;
	if (resp_write(r, buf, len) < 0 || resp_flush(r) < 0)
		return -1;
	return 0;
}

/* The last `tail` lines of buf (all if tail < 0). */
static const char *
tail_of(const char *buf, size_t len, long tail)
{
	const char *p = buf + len;
	long n = 0;

	if (tail < 0)
		return buf;
	if (p > buf && p[-1] == '\n')
		p--;
	while (p > buf) {
		if (p[-1] == '\n' && ++n == tail)
			return p;
		p--;
	}
	return tail == 0 ? buf + len : buf;
}

/*
 * GET /jobs/{id}/logs?tail=N&follow=bool&attempt=N: the output of an
 * attempt (the latest by default) as text.  A running attempt's logs come
 * from the engine (follow streams until the job's container stops, at
 * stream_max_duration or when the pool stops; 429 past stream_per_user);
 * an ended attempt's from what was kept when it ended.
 */
int
h_job_logs(struct request *r)
{
	struct rt_logs_spec ls;
	struct rt_endpoint ep;
	struct rt_err err;
	json_object *job;
	const char *cid, *st;
	char *buf = NULL;
	size_t len = 0;
	long tail, attempt, cur;
	int rc, follow;

	if ((rc = load_job(r, &job)) != 0)
		return rc;
	req_defer_json(r, job);
	cur = (long)jget_int(job, "attempt", 0);
	if (req_query_long(r, "tail", -1, -1, 10000000, &tail) < 0 ||
	    req_query_bool(r, "follow", 0, &follow) < 0 ||
	    req_query_long(r, "attempt", cur, 1, 1000000, &attempt) < 0)
		return r->status;
	if (cur == 0)
		return resp_send(r, 200, "text/plain; charset=utf-8", "", 0);
	st = jget_str(job, "status");
	cid = jget_str(job, "container_id");
	if (attempt == cur && st != NULL && strcmp(st, "running") == 0 &&
	    cid != NULL && endpoints_get(jget_str(job, "endpoint"), &ep,
	    &err) == 0 && rt_can(&ep, RT_CAP_LOGS)) {
		memset(&ls, 0, sizeof(ls));
		ls.tail = tail;
		ls.follow = follow;
		if (follow && stream_begin(r) < 0)
			return r->status;
		resp_start(r, 200, "text/plain; charset=utf-8");
		if (ep.driver->logs(&ep, cid, &ls, log_sink, r, &err) == 0 ||
		    r->headers_sent)
			return 200;
	}
	rc = jobq_get_log(jget_str(job, "job_id"), (int)attempt, &buf, &len);
	if (rc == STORE_E_NOTFOUND) {
		if (r->headers_sent)
			return 200;
		return resp_send(r, 200, "text/plain; charset=utf-8", "", 0);
	}
	if (rc != 0)
		return resp_store_error(r, rc, "job logs");
	req_defer(r, free, buf);
	{
		const char *from = tail_of(buf, len, tail);

		if (r->headers_sent) {
			resp_write(r, from, len - (size_t)(from - buf));
			return 200;
		}
		return resp_send(r, 200, "text/plain; charset=utf-8", from,
		    len - (size_t)(from - buf));
	}
}

/* GET /jobs/{id}/output: the files collected from the job. */
int
h_job_output(struct request *r)
{
	json_object *job, *files;
	int rc;
	long n;

	if ((rc = load_job(r, &job)) != 0)
		return rc;
	req_defer_json(r, job);
	files = jget_arr(job, "output_files");
	files = files ? json_object_get(files) : json_object_new_array();
	n = (long)json_object_array_length(files);
	return resp_list(r, "files", files, n, n, 0);
}

/* GET /jobs/{id}/output/{file}: one collected file, served by the file
 * store (Range, ETag, conditional requests). */
int
h_job_output_file(struct request *r)
{
	json_object *job, *files;
	const char *name = req_param(r, "file");
	size_t i;
	int rc;

	if ((rc = load_job(r, &job)) != 0)
		return rc;
	req_defer_json(r, job);
	files = jget_arr(job, "output_files");
	for (i = 0; files != NULL && i < json_object_array_length(files); i++)
		if (strcmp(jget_str(json_object_array_get_idx(files, i),
		    "name"), name) == 0)
			return files_serve(r, jget_str(
			    json_object_array_get_idx(files, i), "path"));
	return resp_error(r, CC_E_FILE_NOT_FOUND, "job '%s' has no output "
	    "file '%s'", jget_str(job, "job_id"), name);
}
