/*
 * jobs.c: the durable job queue in LMDB.
 *
 * STORE_JOBS  "job_<16 hex>"          the job record (JSON)
 *             "log/<id>/<attempt>"    the logs of one attempt (bytes)
 * STORE_JOBQ  "c<seq>"                every job by submission (listing)
 *             "q<255-prio><seq>"      queued jobs: a cursor's first entry
 *                                     is the highest priority, oldest job
 *             "r<id>"                 running jobs (recovery, cancel)
 * STORE_META  "jobs_seq", "jobs_count", "jobs_avg_ms", "jobs_run_seq" (the
 *             order in which attempts started: a job's run_seq)
 * <seq> and <255-prio> are fixed-width lowercase hex, so the byte order of
 * the keys is the order we want.
 *
 * Every change is one write transaction, and every status change appends
 * a job_status event inside it: a claim takes the first eligible entry,
 * marks the job running with the executing pid and deletes the entry, so
 * two claims can never take the same job (LMDB has one writer at a time).
 * Functions return 0 or a STORE_E_*: STORE_E_STATE when the job is not
 * in a state that allows the change (the handler's 409).
 *
 * What a submission may say and how a failed attempt is retried are not
 * the queue's to decide: the caller hands in a struct jobq_policy (the
 * backoff, the dependency walk, the runner's concurrency), and the
 * retry_policy member of a record is read by that policy only.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ctype.h>

#include <lmdb.h>
#include <sodium.h>

#include "../base/base.h"
#include "storage.h"

/* ---- small record helpers ---- */

static void
jset_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

static void
jset_int(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void
jset_now(json_object *o, const char *k)
{
	char ts[32];

	iso8601(ts, now_wall());
	jset_str(o, k, ts);
}

static uint64_t
meta_get(struct store_txn *txn, const char *key)
{
	struct store_val v;
	uint64_t n = 0;

	if (store_tget(txn, STORE_META, key, &v) == 0 && v.len == 8)
		memcpy(&n, v.data, 8);
	return n;
}

static int
meta_put(struct store_txn *txn, const char *key, uint64_t n)
{
	return store_tput(txn, STORE_META, key, &n, 8, 0);
}

static void
qkey_of(char out[32], int prio, uint64_t seq)
{
	snprintf(out, 32, "q%02x%016llx", 255 - prio, (unsigned long long)seq);
}

static void
rkey_of(char out[40], const char *id)
{
	snprintf(out, 40, "r%s", id);
}

/* "job_" and 16 lowercase hex digits. */
int
jobq_id_ok(const char *id)
{
	size_t i;

	if (id == NULL || strncmp(id, "job_", 4) != 0 || strlen(id) != 20)
		return -1;
	for (i = 4; i < 20; i++)
		if (!isxdigit((unsigned char)id[i]) ||
		    isupper((unsigned char)id[i]))
			return -1;
	return 0;
}

static int
load(struct store_txn *txn, const char *id, json_object **out)
{
	if (jobq_id_ok(id) < 0)
		return STORE_E_NOTFOUND;
	return store_tget_json(txn, STORE_JOBS, id, out);
}

/* A cursor on the queue index at the first key >= from (one byte). */
static int
index_seek(struct store_txn *txn, const char *from, MDB_cursor **cur,
    MDB_val *k, MDB_val *v)
{
	int rc;

	if ((rc = mdb_cursor_open(store_mdb_txn(txn), store_dbi(STORE_JOBQ),
	    cur)) != 0) {
		*cur = NULL;
		return rc;
	}
	k->mv_size = 1;
	k->mv_data = (void *)from;
	return mdb_cursor_get(*cur, k, v, MDB_SET_RANGE);
}

/* Sets the status and appends its event in the same transaction. */
static int
set_status(struct store_txn *txn, json_object *job, const char *status)
{
	json_object *ev;
	int rc;

	jset_str(job, "status", status);
	ev = json_object_new_object();
	jset_str(ev, "job_id", jget_str(job, "job_id"));
	jset_str(ev, "status", status);
	/* as stored, whatever its type (a number, or null when missing) */
	json_object_object_add(ev, "progress", json_object_get(
	    json_object_object_get(job, "progress")));
	rc = store_event_append_owned(txn, "job_status",
	    jget_str(job, "owner"), ev, NULL);
	json_object_put(ev);
	return rc;
}

static int
save(struct store_txn *txn, json_object *job)
{
	return store_tput_json(txn, STORE_JOBS, jget_str(job, "job_id"), job,
	    0);
}

/* The attempts[] row of attempt n, or NULL. */
static json_object *
attempt_row(json_object *job, int n)
{
	json_object *a = jget_arr(job, "attempts"), *row;
	size_t i;

	for (i = 0; a != NULL && i < json_object_array_length(a); i++) {
		row = json_object_array_get_idx(a, i);
		if (jget_int(row, "attempt", 0) == n)
			return row;
	}
	return NULL;
}

/* ---- dependency checks at submission ---- */

struct deps_ctx {
	struct store_txn *txn;
	json_object	*held[512];
	size_t		 nheld;
};

/* The policy's deps_of: the stored dependencies of job id. */
static json_object *
deps_of(const char *id, void *arg)
{
	struct deps_ctx *c = arg;
	json_object *job = NULL, *d;

	if (c->nheld >= sizeof(c->held) / sizeof(c->held[0]) ||
	    load(c->txn, id, &job) != 0)
		return NULL;
	c->held[c->nheld++] = job;
	if ((d = jget_arr(job, "depends_on")) == NULL) {
		/* an old record without the member: no dependencies */
		d = json_object_new_array();
		json_object_object_add(job, "depends_on", d);
	}
	return d;
}

/* The policy's walk over the stored graph: 0, STORE_E_DEPS with *bad
 * and *cycle, or STORE_E_NOMEM. */
static int
deps_check(const struct jobq_policy *pol, struct store_txn *txn,
    json_object *deps, const char **bad, int *cycle)
{
	struct deps_ctx *c;
	static char badbuf[64];
	size_t i;
	int rc;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return STORE_E_NOMEM;
	c->txn = txn;
	rc = pol->deps_check("(new job)", deps, deps_of, c, bad, cycle);
	if (rc < 0) {
		/* *bad may point into a held record: copy it out first */
		snprintf(badbuf, sizeof(badbuf), "%s", *bad);
		*bad = badbuf;
	}
	for (i = 0; i < c->nheld; i++)
		json_object_put(c->held[i]);
	free(c);
	return rc < 0 ? STORE_E_DEPS : 0;
}

/* How many queued jobs start before key (capped: it is an estimate). */
static long
ahead_of(struct store_txn *txn, const char *key)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	long n = 0;
	int rc;

	for (rc = index_seek(txn, "q", &cur, &k, &v); rc == 0 && n < 1000;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (((char *)k.mv_data)[0] != 'q' || (k.mv_size == strlen(key) &&
		    memcmp(k.mv_data, key, k.mv_size) >= 0))
			break;
		n++;
	}
	if (cur != NULL)
		mdb_cursor_close(cur);
	return n;
}

/*
 * Queues a validated job record (from job_from_request) for owner.  The
 * record is completed (id, owner, status, times) and stored with its
 * index entries and a job_status event in one transaction.  *created is
 * the 201 answer {job_id, status, created_at, estimated_start}, a new
 * object.  Dependencies must exist and not form a cycle by pol's walk:
 * STORE_E_DEPS (with the job named in *created as {"bad", "cycle"}).
 */
int
jobq_submit(const struct jobq_policy *pol, json_object *job,
    const char *owner, char *id_out, json_object **created)
{
	struct store_txn *txn = NULL;
	json_object *deps, *ans;
	unsigned char rnd[8];
	char id[JOB_IDLEN], qk[32], ck[32], ts[32];
	const char *bad = NULL;
	uint64_t seq, avg;
	long ahead;
	time_t now = now_wall(), start;
	int rc, cycle = 0, conc;

	*created = NULL;
	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	deps = jget_arr(job, "depends_on");
	if (deps != NULL && json_object_array_length(deps) > 0 &&
	    (rc = deps_check(pol, txn, deps, &bad, &cycle)) != 0) {
		if (rc == STORE_E_DEPS) {
			ans = json_object_new_object();
			jset_str(ans, "bad", bad);
			json_object_object_add(ans, "cycle",
			    json_object_new_boolean(cycle));
			*created = ans;
		}
		goto err;
	}
	randombytes_buf(rnd, sizeof(rnd));
	snprintf(id, sizeof(id), "job_%02x%02x%02x%02x%02x%02x%02x%02x",
	    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	seq = meta_get(txn, "jobs_seq") + 1;
	qkey_of(qk, (int)jget_int(job, "priority", 50), seq);
	snprintf(ck, sizeof(ck), "c%016llx", (unsigned long long)seq);
	iso8601(ts, now);
	jset_str(job, "job_id", id);
	jset_str(job, "owner", owner);
	jset_int(job, "seq", (int64_t)seq);
	jset_str(job, "qkey", qk);
	jset_str(job, "created_at", ts);
	jset_int(job, "created_epoch", now);
	jset_int(job, "attempt", 0);
	jset_int(job, "retry_base", 0);
	json_object_object_add(job, "progress", json_object_new_double(0));
	json_object_object_add(job, "attempts", json_object_new_array());
	json_object_object_add(job, "output_files", json_object_new_array());
	if ((rc = meta_put(txn, "jobs_seq", seq)) != 0 ||
	    (rc = meta_put(txn, "jobs_count",
	    meta_get(txn, "jobs_count") + 1)) != 0 ||
	    (rc = store_tput(txn, STORE_JOBQ, qk, id, strlen(id), 0)) != 0 ||
	    (rc = store_tput(txn, STORE_JOBQ, ck, id, strlen(id), 0)) != 0 ||
	    (rc = set_status(txn, job, "queued")) != 0 ||
	    (rc = store_tput_json(txn, STORE_JOBS, id, job,
	    STORE_NOOVERWRITE)) != 0)
		goto err;
	if ((rc = store_commit(txn)) != 0)
		return rc;
	/* estimate: the jobs ahead, run `concurrency` at a time, each
	 * taking the mean run time seen so far (10 s before any); counted
	 * in a read transaction, so the writer is not held for it */
	ahead = 0;
	avg = 0;
	if (store_begin(0, &txn) == 0) {
		ahead = ahead_of(txn, qk);
		avg = meta_get(txn, "jobs_avg_ms");
		store_abort(txn);
	}
	if (avg == 0)
		avg = 10000;
	conc = pol->concurrency > 0 ? pol->concurrency : 1;
	start = now + (time_t)((uint64_t)(ahead / conc) * avg / 1000);
	ans = json_object_new_object();
	jset_str(ans, "job_id", id);
	jset_str(ans, "status", "queued");
	jset_str(ans, "created_at", ts);
	iso8601(ts, start);
	jset_str(ans, "estimated_start", ts);
	*created = ans;
	snprintf(id_out, JOB_IDLEN, "%s", id);
	return 0;
err:
	store_abort(txn);
	return rc;
}

int
jobq_get(const char *id, json_object **out)
{
	if (jobq_id_ok(id) < 0)
		return STORE_E_NOTFOUND;
	return store_get_json(STORE_JOBS, id, out);
}

/* ---- ending jobs: cancel and the cascade to dependents ---- */

static int end_job(struct store_txn *, json_object *, const char *status,
    const char *reason);

/* Whether the job record lists id among its dependencies. */
static int
depends_on(json_object *job, const char *id)
{
	json_object *deps = jget_arr(job, "depends_on");
	size_t j;

	for (j = 0; deps != NULL && j < json_object_array_length(deps); j++)
		if (strcmp(json_object_get_string(
		    json_object_array_get_idx(deps, j)), id) == 0)
			return 1;
	return 0;
}

/*
 * Cancels every queued job that depends on `id` (which just failed or
 * was cancelled), and theirs in turn.  Queued jobs only: a dependent
 * cannot have started before its dependency completed.
 */
static int
cascade(struct store_txn *txn, const char *id, const char *status)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	json_object *job = NULL;
	char (*ids)[JOB_IDLEN] = NULL, (*more)[JOB_IDLEN], reason[128];
	size_t n = 0, cap = 0, i;
	int rc;

	for (rc = index_seek(txn, "q", &cur, &k, &v); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		char qid[JOB_IDLEN];

		if (((char *)k.mv_data)[0] != 'q')
			break;
		if (v.mv_size >= sizeof(qid))
			continue;
		memcpy(qid, v.mv_data, v.mv_size);
		qid[v.mv_size] = '\0';
		if (load(txn, qid, &job) != 0)
			continue;
		if (depends_on(job, id)) {
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				if ((more = realloc(ids, cap *
				    sizeof(*ids))) == NULL) {
					rc = STORE_E_NOMEM;
					json_object_put(job);
					goto out;
				}
				ids = more;
			}
			memcpy(ids[n++], qid, JOB_IDLEN);
		}
		json_object_put(job);
		job = NULL;
	}
	if (cur == NULL) {
		rc = store_err(rc);	/* the cursor did not open */
		goto out;
	}
	mdb_cursor_close(cur);
	cur = NULL;
	rc = 0;
	snprintf(reason, sizeof(reason), "dependency %s %s", id, status);
	for (i = 0; i < n && rc == 0; i++) {
		if ((rc = load(txn, ids[i], &job)) != 0)
			break;
		rc = end_job(txn, job, "cancelled", reason);
		json_object_put(job);
		job = NULL;
	}
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	free(ids);
	return rc;
}

/* Moves a job to a final status, out of the indexes, and cascades. */
static int
end_job(struct store_txn *txn, json_object *job, const char *status,
    const char *reason)
{
	char key[40];
	const char *qk = jget_str(job, "qkey"), *was = jget_str(job,
	    "status");
	int rc;

	if (was != NULL && strcmp(was, "queued") == 0 && qk != NULL)
		store_tdel(txn, STORE_JOBQ, qk);
	rkey_of(key, jget_str(job, "job_id"));
	store_tdel(txn, STORE_JOBQ, key);
	if (reason != NULL)
		jset_str(job, "error", reason);
	jset_now(job, "finished_at");
	if ((rc = set_status(txn, job, status)) != 0 ||
	    (rc = save(txn, job)) != 0)
		return rc;
	if (strcmp(status, "completed") != 0)
		return cascade(txn, jget_str(job, "job_id"), status);
	return 0;
}

/*
 * Cancels a queued or running job (STORE_E_STATE for one that has ended).
 * *out is the record after the change (a new object): for a job that was
 * running, its container_id names the container the caller stops and
 * removes; the executing process sees the attempt is no longer live.
 */
int
jobq_cancel(const char *id, const char *reason, json_object **out)
{
	struct store_txn *txn = NULL;
	json_object *job = NULL;
	const char *st;
	int rc;

	*out = NULL;
	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = load(txn, id, &job)) != 0)
		goto err;
	st = jget_str(job, "status");
	if (st == NULL || (strcmp(st, "queued") != 0 &&
	    strcmp(st, "running") != 0)) {
		rc = STORE_E_STATE;
		*out = job;
		job = NULL;
		goto err;
	}
	if ((rc = end_job(txn, job, "cancelled", reason)) != 0)
		goto err;
	rc = store_commit(txn);
	txn = NULL;
	if (rc != 0)
		goto err;
	*out = job;
	return 0;
err:
	store_abort(txn);
	json_object_put(job);
	return rc;
}

/*
 * Queues a failed or cancelled job again as a new attempt with a fresh
 * retry budget.  STORE_E_STATE for other states.
 */
int
jobq_retry(const char *id, json_object **out)
{
	struct store_txn *txn = NULL;
	json_object *job = NULL;
	const char *st, *qk;
	int rc;

	*out = NULL;
	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = load(txn, id, &job)) != 0)
		goto err;
	st = jget_str(job, "status");
	qk = jget_str(job, "qkey");
	if (st == NULL || qk == NULL || (strcmp(st, "failed") != 0 &&
	    strcmp(st, "cancelled") != 0)) {
		rc = STORE_E_STATE;
		*out = job;
		job = NULL;
		goto err;
	}
	jset_int(job, "retry_base", jget_int(job, "attempt", 0));
	jset_int(job, "not_before", 0);
	json_object_object_add(job, "progress", json_object_new_double(0));
	json_object_object_del(job, "finished_at");
	json_object_object_del(job, "next_attempt_at");
	if ((rc = store_tput(txn, STORE_JOBQ, qk, id, strlen(id), 0)) != 0 ||
	    (rc = set_status(txn, job, "queued")) != 0 ||
	    (rc = save(txn, job)) != 0)
		goto err;
	rc = store_commit(txn);
	txn = NULL;
	if (rc != 0)
		goto err;
	*out = job;
	return 0;
err:
	store_abort(txn);
	json_object_put(job);
	return rc;
}

/* ---- the runner's side: claim, report, finish ---- */

/* 1 all completed, 0 some still pending, -1 one failed or cancelled
 * (named in why). */
static int
deps_state(struct store_txn *txn, json_object *job, char *why, size_t whylen)
{
	json_object *deps = jget_arr(job, "depends_on"), *d = NULL;
	const char *st;
	size_t i;
	int ready = 1;

	for (i = 0; deps != NULL && i < json_object_array_length(deps); i++) {
		const char *id = json_object_get_string(
		    json_object_array_get_idx(deps, i));

		if (load(txn, id, &d) != 0) {
			snprintf(why, whylen, "dependency %s missing", id);
			return -1;
		}
		st = jget_str(d, "status");
		if (st != NULL && (strcmp(st, "failed") == 0 ||
		    strcmp(st, "cancelled") == 0)) {
			snprintf(why, whylen, "dependency %s %s", id, st);
			json_object_put(d);
			return -1;
		}
		if (st == NULL || strcmp(st, "completed") != 0)
			ready = 0;
		json_object_put(d);
		d = NULL;
	}
	return ready;
}

/* What a scan of the queue found: the first job that may start, and
 * queued jobs whose dependency failed or was cancelled. */
struct pick {
	char	 id[JOB_IDLEN];
	int	 found;
	char	 doomed[16][JOB_IDLEN];
	char	 why[16][128];
	size_t	 ndoomed;
};

static int
pick_scan(struct store_txn *txn, time_t now, struct pick *p)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	json_object *job = NULL;
	char why[128];
	int rc, ds;

	memset(p, 0, sizeof(*p));
	for (rc = index_seek(txn, "q", &cur, &k, &v); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (((char *)k.mv_data)[0] != 'q')
			break;
		if (v.mv_size >= sizeof(p->id))
			continue;
		memcpy(p->id, v.mv_data, v.mv_size);
		p->id[v.mv_size] = '\0';
		if (load(txn, p->id, &job) != 0)
			continue;
		ds = jget_int(job, "not_before", 0) > now ? 0 :
		    deps_state(txn, job, why, sizeof(why));
		json_object_put(job);
		job = NULL;
		if (ds < 0 && p->ndoomed < 16) {
			memcpy(p->doomed[p->ndoomed], p->id, JOB_IDLEN);
			snprintf(p->why[p->ndoomed++], 128, "%s", why);
		}
		if (ds == 1) {
			p->found = 1;
			break;
		}
	}
	if (cur != NULL)
		mdb_cursor_close(cur);
	return rc == 0 || (cur != NULL && rc == MDB_NOTFOUND) ? 0 :
	    store_err(rc);
}

/*
 * In a write transaction: cancels the doomed jobs that are still queued
 * with a failed dependency, and claims the picked job if it still may
 * start.  0 claimed, STORE_E_NOTFOUND nothing to claim, STORE_E_GONE
 * the pick went stale (another writer came between), or an error.
 */
static int
pick_take(const struct pick *p, time_t now, pid_t pid, long long pid_start,
    struct job_claim *cl)
{
	struct store_txn *txn = NULL;
	json_object *job = NULL, *att, *row;
	char rk[40], ts[32], why[128];
	const char *st;
	uint64_t run_seq;
	size_t i;
	int rc, attempt;

	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	for (i = 0; i < p->ndoomed; i++) {
		if (load(txn, p->doomed[i], &job) != 0)
			continue;
		st = jget_str(job, "status");
		rc = st && strcmp(st, "queued") == 0 && deps_state(txn, job, why,
		    sizeof(why)) < 0 ? end_job(txn, job, "cancelled", why) : 0;
		json_object_put(job);
		job = NULL;
		if (rc != 0)
			goto err;
	}
	if (!p->found) {
		rc = store_commit(txn);
		return rc != 0 ? rc : STORE_E_NOTFOUND;
	}
	if ((rc = load(txn, p->id, &job)) != 0 ||
	    (st = jget_str(job, "status")) == NULL ||
	    strcmp(st, "queued") != 0 ||
	    jget_int(job, "not_before", 0) > now ||
	    deps_state(txn, job, why, sizeof(why)) != 1) {
		json_object_put(job);
		rc = store_commit(txn);
		return rc != 0 ? rc : STORE_E_GONE;
	}
	attempt = (int)jget_int(job, "attempt", 0) + 1;
	run_seq = meta_get(txn, "jobs_run_seq") + 1;
	if ((rc = meta_put(txn, "jobs_run_seq", run_seq)) != 0)
		goto err;
	jset_int(job, "run_seq", (int64_t)run_seq);
	rkey_of(rk, p->id);
	iso8601(ts, now);
	jset_int(job, "attempt", attempt);
	jset_int(job, "runner_pid", pid);
	jset_int(job, "pid_start", pid_start);
	jset_str(job, "started_at", ts);
	jset_int(job, "started_epoch", now);
	json_object_object_add(job, "progress", json_object_new_double(0));
	json_object_object_del(job, "container_id");
	json_object_object_del(job, "next_attempt_at");
	att = jget_arr(job, "attempts");
	row = json_object_new_object();
	jset_int(row, "attempt", attempt);
	jset_str(row, "started_at", ts);
	jset_str(row, "status", "running");
	json_object_array_add(att, row);
	if ((rc = store_tdel(txn, STORE_JOBQ, jget_str(job, "qkey"))) != 0 ||
	    (rc = store_tput(txn, STORE_JOBQ, rk, "", 0, 0)) != 0 ||
	    (rc = set_status(txn, job, "running")) != 0 ||
	    (rc = save(txn, job)) != 0)
		goto err;
	rc = store_commit(txn);
	txn = NULL;
	if (rc != 0)
		goto err;
	snprintf(cl->id, sizeof(cl->id), "%s", p->id);
	cl->attempt = attempt;
	json_object_put(job);
	return 0;
err:
	store_abort(txn);
	json_object_put(job);
	return rc;
}

/*
 * Takes the first queued job that may start now (its not-before time has
 * passed and its dependencies completed): the queue entry goes, the
 * running entry comes, the record says running with the executing pid
 * and a new attempt.  A queued job whose dependency failed or was
 * cancelled is cancelled on the way.  STORE_E_NOTFOUND if no job may
 * start.
 *
 * The scan runs in a read transaction, so a long queue of waiting jobs
 * never holds the writer (submissions go on meanwhile); the claim itself
 * is one write transaction that checks the pick again, so no job is ever
 * claimed twice.
 */
int
jobq_claim(pid_t pid, long long pid_start, struct job_claim *cl)
{
	struct store_txn *txn = NULL;
	struct pick *p;
	time_t now = now_wall();
	int rc = STORE_E_NOTFOUND, tries;

	if ((p = malloc(sizeof(*p))) == NULL)
		return STORE_E_NOMEM;
	for (tries = 0; tries < 3; tries++) {
		if ((rc = store_begin(0, &txn)) != 0)
			break;
		rc = pick_scan(txn, now, p);
		store_abort(txn);
		if (rc != 0)
			break;
		if (!p->found && p->ndoomed == 0) {
			rc = STORE_E_NOTFOUND;
			break;
		}
		rc = pick_take(p, now, pid, pid_start, cl);
		if (rc != STORE_E_GONE)
			break;
		rc = STORE_E_NOTFOUND;
	}
	free(p);
	return rc;
}

/*
 * Opens a write transaction on a job whose attempt `attempt` is the live
 * one (status running).  STORE_E_GONE if it was cancelled or replaced.
 */
static int
live_begin(const char *id, int attempt, struct store_txn **txn,
    json_object **job)
{
	const char *st;
	int rc;

	*job = NULL;
	if ((rc = store_begin(1, txn)) != 0)
		return rc;
	if ((rc = load(*txn, id, job)) != 0)
		goto err;
	st = jget_str(*job, "status");
	if (st == NULL || strcmp(st, "running") != 0 ||
	    jget_int(*job, "attempt", 0) != attempt) {
		rc = STORE_E_GONE;
		goto err;
	}
	return 0;
err:
	store_abort(*txn);
	*txn = NULL;
	json_object_put(*job);
	*job = NULL;
	return rc;
}

static int
live_commit(struct store_txn *txn, json_object *job)
{
	int rc;

	if ((rc = save(txn, job)) != 0) {
		store_abort(txn);
		json_object_put(job);
		return rc;
	}
	rc = store_commit(txn);
	json_object_put(job);
	return rc;
}

int
jobq_attempt_live(const char *id, int attempt)
{
	struct store_txn *txn;
	json_object *job;
	int rc;

	if ((rc = live_begin(id, attempt, &txn, &job)) != 0)
		return rc;
	store_abort(txn);
	json_object_put(job);
	return 0;
}

/* Records the container of the live attempt; STORE_E_GONE if the job was
 * cancelled meanwhile (the caller removes the container). */
int
jobq_set_container(const char *id, int attempt, const char *cid)
{
	struct store_txn *txn;
	json_object *job;
	int rc;

	if ((rc = live_begin(id, attempt, &txn, &job)) != 0)
		return rc;
	jset_str(job, "container_id", cid);
	if (attempt_row(job, attempt) != NULL)
		jset_str(attempt_row(job, attempt), "container_id", cid);
	return live_commit(txn, job);
}

int
jobq_set_pid(const char *id, int attempt, pid_t pid, long long pid_start)
{
	struct store_txn *txn;
	json_object *job;
	int rc;

	if ((rc = live_begin(id, attempt, &txn, &job)) != 0)
		return rc;
	jset_int(job, "runner_pid", pid);
	jset_int(job, "pid_start", pid_start);
	return live_commit(txn, job);
}

/* A new progress value; the event carries it.  estimated_completion
 * extrapolates the time so far. */
int
jobq_set_progress(const char *id, int attempt, double progress)
{
	struct store_txn *txn;
	json_object *job;
	time_t now = now_wall(), started;
	char ts[32];
	int rc;

	if ((rc = live_begin(id, attempt, &txn, &job)) != 0)
		return rc;
	json_object_object_add(job, "progress",
	    json_object_new_double(progress));
	started = (time_t)jget_int(job, "started_epoch", now);
	if (progress > 0) {
		iso8601(ts, started + (time_t)((double)(now - started) *
		    100.0 / progress));
		jset_str(job, "estimated_completion", ts);
	}
	if ((rc = set_status(txn, job, "running")) != 0) {
		store_abort(txn);
		json_object_put(job);
		return rc;
	}
	return live_commit(txn, job);
}

int
jobq_set_usage(const char *id, int attempt, json_object *usage)
{
	struct store_txn *txn;
	json_object *job;
	int rc;

	if ((rc = live_begin(id, attempt, &txn, &job)) != 0)
		return rc;
	json_object_object_add(job, "resource_usage", json_object_get(usage));
	return live_commit(txn, job);
}

static const char *
outcome_word(enum job_outcome o)
{
	switch (o) {
	case JOB_OK: return "completed";
	case JOB_EXIT: return "exit";
	case JOB_TIMEOUT: return "timeout";
	case JOB_INTERRUPTED: return "interrupted";
	default: return "error";
	}
}

/*
 * Ends attempt `attempt`: records its row (time, exit code, reason), the
 * outputs and usage, then completes the job, queues it again after the
 * delay pol's retry_delay gives for its retry_policy, or fails it (when
 * that says no: cascading to its dependents).  If the job was cancelled
 * meanwhile only the attempt row is written.
 */
int
jobq_finish(const struct jobq_policy *pol, const char *id, int attempt,
    const struct job_result *res)
{
	struct store_txn *txn = NULL;
	json_object *job = NULL, *row;
	const char *st;
	char ts[32], rk[40];
	time_t now = now_wall();
	long delay;
	int rc;
	uint64_t avg, took;

	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = load(txn, id, &job)) != 0)
		goto err;
	iso8601(ts, now);
	if ((row = attempt_row(job, attempt)) != NULL) {
		jset_str(row, "finished_at", ts);
		if (res->exit_code >= 0)
			jset_int(row, "exit_code", res->exit_code);
		jset_str(row, "status", outcome_word(res->outcome));
		if (res->reason[0] != '\0')
			jset_str(row, "reason", res->reason);
	}
	st = jget_str(job, "status");
	if (st == NULL || strcmp(st, "running") != 0 ||
	    jget_int(job, "attempt", 0) != attempt) {
		/* cancelled (or replaced) meanwhile: keep its status */
		if (row != NULL && strcmp(st ? st : "", "cancelled") == 0)
			jset_str(row, "status", "cancelled");
		goto commit;
	}
	if (res->exit_code >= 0)
		jset_int(job, "exit_code", res->exit_code);
	if (res->outputs != NULL)
		json_object_object_add(job, "output_files",
		    json_object_get(res->outputs));
	if (res->usage != NULL)
		json_object_object_add(job, "resource_usage",
		    json_object_get(res->usage));
	if (res->outcome == JOB_OK) {
		json_object_object_add(job, "progress",
		    json_object_new_double(100));
		json_object_object_del(job, "error");
		took = (uint64_t)(now - jget_int(job, "started_epoch", now)) *
		    1000;
		avg = meta_get(txn, "jobs_avg_ms");
		avg = avg == 0 ? took : (avg * 7 + took) / 8;
		if ((rc = meta_put(txn, "jobs_avg_ms", avg ? avg : 1)) != 0 ||
		    (rc = end_job(txn, job, "completed", NULL)) != 0)
			goto err;
		goto commit_saved;
	}
	/* attempts used since the last retry: the policy's budget */
	delay = pol->retry_delay(jget_obj(job, "retry_policy"), attempt -
	    (int)jget_int(job, "retry_base", 0));
	if (delay >= 0) {
		rkey_of(rk, id);
		jset_int(job, "not_before", now + delay);
		iso8601(ts, now + delay);
		jset_str(job, "next_attempt_at", ts);
		if (row != NULL)
			jset_int(row, "retry_delay", delay);
		jset_str(job, "error", res->reason);
		if ((rc = store_tdel(txn, STORE_JOBQ, rk)) != 0 ||
		    (rc = store_tput(txn, STORE_JOBQ, jget_str(job, "qkey"), id,
		    strlen(id), 0)) != 0 ||
		    (rc = set_status(txn, job, "queued")) != 0)
			goto err;
		goto commit;
	}
	if ((rc = end_job(txn, job, "failed", res->reason)) != 0)
		goto err;
	goto commit_saved;
commit:
	if ((rc = save(txn, job)) != 0)
		goto err;
commit_saved:
	rc = store_commit(txn);
	json_object_put(job);
	return rc;
err:
	store_abort(txn);
	json_object_put(job);
	return rc;
}

/* Calls fn for each running job (from the "r" index). */
int
jobq_running(jobq_running_fn fn, void *arg)
{
	struct store_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	json_object *job;
	char (*ids)[JOB_IDLEN] = NULL, (*more)[JOB_IDLEN];
	size_t n = 0, cap = 0, i;
	int rc;

	/* collect first: fn may write (recovery), and we hold a read txn */
	if ((rc = store_begin(0, &txn)) != 0)
		return rc;
	for (rc = index_seek(txn, "r", &cur, &k, &v); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (((char *)k.mv_data)[0] != 'r' || k.mv_size - 1 >= JOB_IDLEN)
			break;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((more = realloc(ids, cap * sizeof(*ids))) == NULL) {
				rc = STORE_E_NOMEM;
				goto out;
			}
			ids = more;
		}
		memcpy(ids[n], (char *)k.mv_data + 1, k.mv_size - 1);
		ids[n++][k.mv_size - 1] = '\0';
	}
	if (cur == NULL) {
		rc = store_err(rc);	/* the cursor did not open */
		goto out;
	}
	rc = 0;
	mdb_cursor_close(cur);
	cur = NULL;
	store_abort(txn);
	txn = NULL;
	for (i = 0; i < n && rc == 0; i++) {
		if (jobq_get(ids[i], &job) != 0)
			continue;
		rc = fn(ids[i], (int)jget_int(job, "attempt", 0),
		    (pid_t)jget_int(job, "runner_pid", 0),
		    (long long)jget_int(job, "pid_start", 0),
		    jget_str(job, "container_id"), jget_str(job, "endpoint"),
		    arg);
		json_object_put(job);
	}
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	store_abort(txn);
	free(ids);
	return rc;	/* fn's own, or a STORE_E_* */
}

/* ---- logs of each attempt ---- */

int
jobq_put_log(const char *id, int attempt, const void *buf, size_t len)
{
	struct store_txn *txn = NULL;
	char key[64];
	int rc;

	snprintf(key, sizeof(key), "log/%s/%d", id, attempt);
	if ((rc = store_begin(1, &txn)) != 0)
		return rc;
	if ((rc = store_tput(txn, STORE_JOBS, key, buf, len, 0)) != 0) {
		store_abort(txn);
		return rc;
	}
	return store_commit(txn);
}

/* The stored logs of an attempt: *buf is malloc'd (caller frees). */
int
jobq_get_log(const char *id, int attempt, char **buf, size_t *len)
{
	struct store_txn *txn = NULL;
	struct store_val v;
	char key[64];
	int rc;

	*buf = NULL;
	*len = 0;
	snprintf(key, sizeof(key), "log/%s/%d", id, attempt);
	if ((rc = store_begin(0, &txn)) != 0)
		return rc;
	if ((rc = store_tget(txn, STORE_JOBS, key, &v)) == 0) {
		if ((*buf = malloc(v.len + 1)) == NULL)
			rc = STORE_E_NOMEM;
		else {
			memcpy(*buf, v.data, v.len);
			(*buf)[v.len] = '\0';
			*len = v.len;
		}
	}
	store_abort(txn);
	return rc;
}

/* ---- listing ---- */

static const char *const internal[] = {
	"seq", "qkey", "created_epoch", "not_before", "pid_start",
	"started_epoch", "retry_base", NULL
};

/* The public shape of a record (container-codes-api.md), a new object:
 * the queue's own bookkeeping left out, absent members as null. */
json_object *
jobq_public(json_object *job)
{
	json_object *o = NULL, *v;
	size_t i;
	int prio;

	if (json_object_deep_copy(job, &o, NULL) != 0)
		return json_object_new_object();
	for (i = 0; internal[i] != NULL; i++)
		json_object_object_del(o, internal[i]);
	prio = (int)jget_int(job, "priority", 50);
	jset_str(o, "user", jget_str(job, "owner"));
	jset_str(o, "priority_name", prio >= 100 ? "critical" : prio >= 75 ?
	    "high" : prio >= 50 ? "normal" : "low");
	if (!jget_has(o, "resource_usage")) {
		v = json_object_new_object();
		jset_int(v, "cpu_time", 0);
		jset_int(v, "memory_peak", 0);
		jset_int(v, "network_io", 0);
		json_object_object_add(o, "resource_usage", v);
	}
	for (i = 0; i < 5; i++) {
		static const char *const opt[] = { "started_at", "finished_at",
		    "estimated_completion", "container_id", "exit_code" };

		if (!jget_has(o, opt[i]))
			json_object_object_add(o, opt[i], NULL);
	}
	if (!jget_has(o, "error"))
		json_object_object_add(o, "error", NULL);
	return o;
}

static int
matches(json_object *job, const struct jobq_filter *f)
{
	const char *s;

	if (f->status != NULL && ((s = jget_str(job, "status")) == NULL ||
	    strcmp(s, f->status) != 0))
		return 0;
	if (f->user != NULL && ((s = jget_str(job, "owner")) == NULL ||
	    strcmp(s, f->user) != 0))
		return 0;
	if (f->name != NULL && ((s = jget_str(job, "name")) == NULL ||
	    strcmp(s, f->name) != 0))
		return 0;
	if (f->created_since > 0 && jget_int(job, "created_epoch", 0) <
	    f->created_since)
		return 0;
	return 1;
}

/*
 * Jobs newest first, filtered, one page.  Without filters the total is a
 * counter and the walk stops after the page, so a page costs the same
 * whatever the number of jobs; with filters every job is looked at.
 */
int
jobq_list(const struct jobq_filter *f, json_object **rows, long *total)
{
	struct store_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	json_object *job = NULL, *arr = json_object_new_array();
	char id[JOB_IDLEN];
	int filtered = f->status || f->user || f->name || f->created_since > 0;
	long seen = 0;
	int rc;

	*rows = NULL;
	if ((rc = store_begin(0, &txn)) != 0)
		goto out;
	/* the last "c" key is the one before the first key >= "d" */
	rc = index_seek(txn, "d", &cur, &k, &v);
	if (cur == NULL)
		goto out;
	rc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV) :
	    mdb_cursor_get(cur, &k, &v, MDB_LAST);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
		if (((char *)k.mv_data)[0] != 'c')
			break;
		if (!filtered && seen >= f->offset + f->limit)
			break;
		if (!filtered && seen < f->offset) {
			seen++;
			continue;
		}
		if (v.mv_size >= sizeof(id))
			continue;
		memcpy(id, v.mv_data, v.mv_size);
		id[v.mv_size] = '\0';
		if (load(txn, id, &job) != 0)
			continue;
		if (matches(job, f)) {
			if (seen >= f->offset && seen < f->offset + f->limit)
				json_object_array_add(arr, jobq_public(job));
			seen++;
		}
		json_object_put(job);
		job = NULL;
	}
	rc = 0;
	*total = filtered ? seen : (long)meta_get(txn, "jobs_count");
	*rows = arr;
	arr = NULL;
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	store_abort(txn);
	json_object_put(arr);
	return store_err(rc);
}
