/* Unit tests: job submissions (priority, backoff, globs, paths, the body),
 * the dependency walk, the queue in a temporary LMDB (order, claim,
 * backoff, cancel cascade, retry, list paging) and the tar reader's
 * refusals, with malicious tars built here by libarchive. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <string.h>
#include <unistd.h>

#include "fcgi-app/cc.h"
#include "jobs/jobs.h"
#include "storage/storage.h"
#include "unit.h"

static json_object *
J(const char *s)
{
	return json_tokener_parse(s);
}

static int
prio(const char *s)
{
	json_object *o = J(s);
	int p = -1;

	if (job_priority_parse(o, &p) < 0)
		p = -1;
	json_object_put(o);
	return p;
}

/* a tiny graph for the cycle walk: a->b, b->c, c->a; d->b; e: none */
static json_object *graph;

static json_object *
deps_of(const char *id, void *arg)
{
	json_object *v;

	(void)arg;
	return json_object_object_get_ex(graph, id, &v) ? v : NULL;
}

static int
check_body(const char *body, const char *want_field)
{
	json_object *b = J(body), *job;
	const char *field = NULL;
	char err[512];
	int ok;

	job = job_from_request(b, err, sizeof(err), &field);
	if (want_field == NULL)
		ok = job != NULL;
	else
		ok = job == NULL && field != NULL &&
		    strcmp(field, want_field) == 0;
	if (!ok)
		printf("# body %s: field %s, err %s\n", body,
		    field ? field : "-", job ? "(accepted)" : err);
	json_object_put(job);
	json_object_put(b);
	return ok;
}

/* ---- tar building for the extractor ---- */

struct tarw {
	char	 buf[65536];
	size_t	 used;
	struct archive *a;
};

static void
tar_begin(struct tarw *t)
{
	t->a = archive_write_new();
	archive_write_set_format_pax_restricted(t->a);
	archive_write_set_bytes_in_last_block(t->a, 1);
	archive_write_open_memory(t->a, t->buf, sizeof(t->buf), &t->used);
}

static void
tar_add(struct tarw *t, const char *name, int type, const char *data,
    const char *link)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, (unsigned)type);
	archive_entry_set_perm(e, 0644);
	if (link != NULL && type == AE_IFLNK)
		archive_entry_set_symlink(e, link);
	else if (link != NULL)
		archive_entry_set_hardlink(e, link);
	archive_entry_set_size(e, data ? (la_int64_t)strlen(data) : 0);
	archive_write_header(t->a, e);
	if (data != NULL)
		archive_write_data(t->a, data, strlen(data));
	archive_entry_free(e);
}

static void
tar_end(struct tarw *t)
{
	archive_write_close(t->a);
	archive_write_free(t->a);
}

struct got {
	char	 names[8][128];
	int	 n;
};

static int
got_file(const char *cpath, const void *data, size_t len, void *arg)
{
	struct got *g = arg;

	(void)data;
	(void)len;
	if (g->n < 8)
		snprintf(g->names[g->n++], 128, "%s", cpath);
	return 0;
}

static void
test_tar(void)
{
	struct tarw t;
	struct got g;
	struct job_input in[2] = { { "/input/a.txt", "alpha", 5 },
	    { "/input/sub/b.csv", "x,y\n", 4 } };
	void *tar = NULL;
	size_t len = 0, used = 0;
	int rejected = 0;

	/* what we build reads back, directories and all */
	CHECK(job_tar_build(in, 2, &tar, &len) == 0);
	memset(&g, 0, sizeof(g));
	CHECK(job_tar_extract(tar, len, "/input", "/input/*.txt", 1 << 20,
	    &used, got_file, &g, &rejected) == 0);
	/* the tar names "input/a.txt": dir "/input" gives parent "" */
	CHECK_INT(g.n, 1);
	CHECK_STR(g.names[0], "/input/a.txt");
	free(tar);
	CHECK(job_tar_build((struct job_input[]){ { "/../x", "", 0 } }, 1,
	    &tar, &len) < 0);

	/* an engine tar of /output with hostile members */
	memset(&t, 0, sizeof(t));
	tar_begin(&t);
	tar_add(&t, "output/", AE_IFDIR, NULL, NULL);
	tar_add(&t, "output/a.json", AE_IFREG, "{}", NULL);
	tar_add(&t, "output/b.json", AE_IFREG, "[1]", NULL);
	tar_add(&t, "output/c.txt", AE_IFREG, "no", NULL);
	tar_add(&t, "/etc/evil.json", AE_IFREG, "abs", NULL);
	tar_add(&t, "output/../../evil.json", AE_IFREG, "dots", NULL);
	tar_add(&t, "output/link.json", AE_IFLNK, NULL, "/etc/passwd");
	tar_add(&t, "output/hard.json", AE_IFREG, NULL, "output/a.json");
	tar_add(&t, "output/.hidden.json", AE_IFREG, "h", NULL);
	tar_add(&t, "output/sub/deep.json", AE_IFREG, "d", NULL);
	tar_end(&t);
	memset(&g, 0, sizeof(g));
	used = 0;
	rejected = 0;
	CHECK(job_tar_extract(t.buf, t.used, "/output", "/output/*.json",
	    1 << 20, &used, got_file, &g, &rejected) == 0);
	CHECK_INT(g.n, 2);
	CHECK_STR(g.names[0], "/output/a.json");
	CHECK_STR(g.names[1], "/output/b.json");
	CHECK_INT(rejected, 4);
	CHECK_INT(used, 5);
	/* the size cap stops it */
	memset(&g, 0, sizeof(g));
	used = 0;
	CHECK(job_tar_extract(t.buf, t.used, "/output", "/output/*.json", 3,
	    &used, got_file, &g, &rejected) == -2);
	/* garbage is not a tar */
	CHECK(job_tar_extract("garbage, not a tar at all", 25, "/output",
	    "/output/*", 1 << 20, &used, got_file, &g, &rejected) == -1);
}

/* ---- the queue ---- */

static json_object *
mkjob(const char *body)
{
	json_object *b = J(body), *job;
	const char *field;
	char err[256];

	job = job_from_request(b, err, sizeof(err), &field);
	json_object_put(b);
	return job;
}

static char ids[8][JOB_IDLEN];

static int
submit(int i, const char *body)
{
	json_object *job = mkjob(body), *created = NULL;
	int rc;

	rc = jobq_submit(job_policy(), job, "alice", ids[i], &created);
	json_object_put(job);
	json_object_put(created);
	return rc;
}

static const char *
status_of(const char *id, char *buf)
{
	json_object *job = NULL, *v;

	buf[0] = '\0';
	if (jobq_get(id, &job) == 0 && json_object_object_get_ex(job,
	    "status", &v))
		snprintf(buf, 32, "%s", json_object_get_string(v));
	json_object_put(job);
	return buf;
}

static int
count_running(const char *id, int attempt, pid_t pid, long long start,
    const char *cid, const char *ep, void *arg)
{
	(void)id; (void)attempt; (void)pid; (void)start; (void)cid; (void)ep;
	(*(int *)arg)++;
	return 0;
}

static void
test_queue(void)
{
	char dir[] = "/tmp/cc-t-jobs-XXXXXX", cmd[300], st[32], body[512];
	struct job_claim cl;
	struct job_result res;
	json_object *out = NULL, *rows = NULL, *created = NULL, *job;
	struct jobq_filter f;
	long total = 0;
	int n = 0;

	CHECK(mkdtemp(dir) != NULL);
	CHECK(store_open(dir, 8 << 20) == 0);

	/* order: priority first, then submission */
	CHECK(submit(0, "{\"image\":\"i\",\"priority\":\"low\"}") == 0);
	CHECK(submit(1, "{\"image\":\"i\"}") == 0);
	CHECK(submit(2, "{\"image\":\"i\",\"priority\":\"critical\"}") == 0);
	CHECK(submit(3, "{\"image\":\"i\"}") == 0);
	CHECK(jobq_claim(getpid(), 1, &cl) == 0);
	CHECK_STR(cl.id, ids[2]);
	CHECK_INT(cl.attempt, 1);
	CHECK(jobq_claim(getpid(), 1, &cl) == 0);
	CHECK_STR(cl.id, ids[1]);
	CHECK(jobq_claim(getpid(), 1, &cl) == 0);
	CHECK_STR(cl.id, ids[3]);
	CHECK(jobq_claim(getpid(), 1, &cl) == 0);
	CHECK_STR(cl.id, ids[0]);
	CHECK(jobq_claim(getpid(), 1, &cl) == STORE_E_NOTFOUND);
	CHECK_STR(status_of(ids[0], st), "running");
	jobq_running(count_running, &n);
	CHECK_INT(n, 4);

	/* finishing: a success completes; a failure with attempts left is
	 * queued with a not-before time, so it is not claimed at once */
	memset(&res, 0, sizeof(res));
	res.outcome = JOB_OK;
	CHECK(jobq_finish(job_policy(), ids[2], 1, &res) == 0);
	CHECK_STR(status_of(ids[2], st), "completed");
	CHECK(jobq_set_progress(ids[2], 1, 50) == STORE_E_GONE);
	CHECK(jobq_set_progress(ids[1], 1, 50) == 0);
	CHECK(jobq_set_container(ids[1], 2, "c") == STORE_E_GONE);

	/* a job with retries fails twice then for good */
	CHECK(submit(4, "{\"image\":\"i\",\"priority\":100,\"retry_policy\":"
	    "{\"max_attempts\":2,\"backoff\":\"fixed\",\"initial_delay\":0}}")
	    == 0);
	CHECK(jobq_claim(getpid(), 1, &cl) == 0);
	CHECK_STR(cl.id, ids[4]);
	res.outcome = JOB_EXIT;
	res.exit_code = 3;
	snprintf(res.reason, sizeof(res.reason), "exit code 3");
	CHECK(jobq_finish(job_policy(), ids[4], 1, &res) == 0);
	CHECK_STR(status_of(ids[4], st), "queued");
	CHECK(jobq_claim(getpid(), 1, &cl) == 0);
	CHECK_STR(cl.id, ids[4]);
	CHECK_INT(cl.attempt, 2);
	CHECK(jobq_finish(job_policy(), ids[4], 2, &res) == 0);
	CHECK_STR(status_of(ids[4], st), "failed");
	CHECK(jobq_get(ids[4], &job) == 0);
	CHECK_INT(json_object_array_length(json_object_object_get(job,
	    "attempts")), 2);
	json_object_put(job);

	/* a backoff delay keeps a failed attempt out of the next claim */
	CHECK(submit(5, "{\"image\":\"i\",\"priority\":100,\"retry_policy\":"
	    "{\"max_attempts\":3,\"initial_delay\":\"1h\"}}") == 0);
	CHECK(jobq_claim(getpid(), 1, &cl) == 0);
	CHECK_STR(cl.id, ids[5]);
	CHECK(jobq_finish(job_policy(), ids[5], 1, &res) == 0);
	CHECK_STR(status_of(ids[5], st), "queued");
	CHECK(jobq_claim(getpid(), 1, &cl) == STORE_E_NOTFOUND);

	/* dependencies: B waits for A; A failing cancels B and C (C->B) */
	CHECK(submit(6, "{\"image\":\"a\"}") == 0);
	snprintf(body, sizeof(body), "{\"image\":\"b\",\"priority\":\"high\","
	    "\"depends_on\":[\"%s\"]}", ids[6]);
	CHECK(submit(7, body) == 0);
	snprintf(body, sizeof(body), "{\"image\":\"c\",\"priority\":"
	    "\"critical\",\"depends_on\":[\"%s\"]}", ids[7]);
	job = mkjob(body);
	CHECK(jobq_submit(job_policy(), job, "alice", ids[3], &created) == 0);
	json_object_put(created);
	json_object_put(job);
	CHECK(jobq_claim(getpid(), 1, &cl) == 0);
	CHECK_STR(cl.id, ids[6]);	/* B and C wait although higher */
	CHECK(jobq_claim(getpid(), 1, &cl) == STORE_E_NOTFOUND);
	memset(&res, 0, sizeof(res));
	res.outcome = JOB_EXIT;
	res.exit_code = 1;
	snprintf(res.reason, sizeof(res.reason), "exit code 1");
	CHECK(jobq_finish(job_policy(), ids[6], 1, &res) == 0);
	CHECK_STR(status_of(ids[6], st), "failed");
	CHECK_STR(status_of(ids[7], st), "cancelled");
	CHECK_STR(status_of(ids[3], st), "cancelled");
	CHECK(jobq_get(ids[3], &job) == 0);
	CHECK(strstr(json_object_get_string(json_object_object_get(job,
	    "error")), ids[7]) != NULL);
	json_object_put(job);

	/* unknown dependency at submission */
	job = mkjob("{\"image\":\"x\",\"depends_on\":"
	    "[\"job_0000000000000000\"]}");
	CHECK(jobq_submit(job_policy(), job, "alice", ids[3], &created) ==
	    STORE_E_DEPS);
	json_object_put(created);
	json_object_put(job);

	/* cancel and retry */
	CHECK(jobq_cancel(ids[5], "test", &out) == 0);
	CHECK_STR(status_of(ids[5], st), "cancelled");
	json_object_put(out);
	CHECK(jobq_cancel(ids[5], "test", &out) == STORE_E_STATE);
	json_object_put(out);
	CHECK(jobq_retry(ids[5], &out) == 0);
	json_object_put(out);
	CHECK_STR(status_of(ids[5], st), "queued");
	CHECK(jobq_retry(ids[2], &out) == STORE_E_STATE);	/* completed */
	json_object_put(out);
	CHECK(jobq_claim(getpid(), 1, &cl) == 0);
	CHECK_STR(cl.id, ids[5]);
	CHECK_INT(cl.attempt, 2);

	/* listing: newest first, paged, filtered */
	memset(&f, 0, sizeof(f));
	f.limit = 2;
	CHECK(jobq_list(&f, &rows, &total) == 0);
	CHECK_INT(total, 9);
	CHECK_INT(json_object_array_length(rows), 2);
	json_object_put(rows);
	f.status = "cancelled";
	f.limit = 50;
	CHECK(jobq_list(&f, &rows, &total) == 0);
	CHECK_INT(total, 2);
	json_object_put(rows);
	f.status = NULL;
	f.user = "bob";
	CHECK(jobq_list(&f, &rows, &total) == 0);
	CHECK_INT(total, 0);
	json_object_put(rows);

	/* logs of an attempt */
	{
		char *buf = NULL;
		size_t len = 0;

		CHECK(jobq_put_log(ids[0], 1, "hello\n", 6) == 0);
		CHECK(jobq_get_log(ids[0], 1, &buf, &len) == 0);
		CHECK_INT(len, 6);
		free(buf);
		CHECK(jobq_get_log(ids[0], 2, &buf, &len) == STORE_E_NOTFOUND);
	}

	/* events: every status change appended one */
	CHECK(store_events_last() > 20);
	store_close();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

/* ---- the policy is the caller's: storage asks, never decides ---- */

static int policy_calls, policy_used;

static long
never_again(json_object *rp, int used)
{
	policy_calls++;
	policy_used = used;
	return rp != NULL ? -1 : -2;
}

static int
refuse_deps(const char *self, json_object *deps, jobq_deps_fn fn,
    void *arg, const char **bad, int *cycle)
{
	(void)self; (void)deps; (void)fn; (void)arg;
	*bad = "job_from_the_policy";
	*cycle = 1;
	return -1;
}

static void
test_policy(void)
{
	const struct jobq_policy strict = { never_again, job_deps_check, 1 },
	    picky = { never_again, refuse_deps, 1 };
	char dir[] = "/tmp/cc-t-jobs-XXXXXX", cmd[300], st[32], body[256];
	char id[JOB_IDLEN], other[JOB_IDLEN];
	json_object *job, *created = NULL, *rp;
	struct job_result res;
	struct job_claim cl;

	/* job_policy()'s retry_delay reads the stored retry_policy */
	rp = J("{\"max_attempts\":3,\"backoff\":\"linear\","
	    "\"initial_delay\":2,\"max_delay\":300}");
	CHECK_INT(job_retry_delay(rp, 1), 2);
	CHECK_INT(job_retry_delay(rp, 2), 4);
	CHECK_INT(job_retry_delay(rp, 3), -1);
	json_object_put(rp);
	CHECK_INT(job_retry_delay(NULL, 1), -1);	/* one attempt */
	CHECK(job_policy()->retry_delay == job_retry_delay &&
	    job_policy()->deps_check == job_deps_check &&
	    job_policy()->concurrency >= 1);

	CHECK(mkdtemp(dir) != NULL);
	CHECK(store_open(dir, 8 << 20) == 0);
	/* five attempts allowed by the record, none by this policy */
	job = mkjob("{\"image\":\"i\",\"retry_policy\":"
	    "{\"max_attempts\":5}}");
	CHECK(jobq_submit(&strict, job, "alice", id, &created) == 0);
	json_object_put(created);
	json_object_put(job);
	CHECK(jobq_claim(getpid(), 1, &cl) == 0);
	CHECK_STR(cl.id, id);
	memset(&res, 0, sizeof(res));
	res.outcome = JOB_EXIT;
	res.exit_code = 2;
	CHECK(jobq_finish(&strict, id, 1, &res) == 0);
	CHECK_INT(policy_calls, 1);
	CHECK_INT(policy_used, 1);
	CHECK_STR(status_of(id, st), "failed");
	/* the dependency verdict is the policy's too */
	job = mkjob("{\"image\":\"i\"}");
	CHECK(jobq_submit(&strict, job, "alice", other, &created) == 0);
	json_object_put(created);
	json_object_put(job);
	snprintf(body, sizeof(body), "{\"image\":\"i\",\"depends_on\":"
	    "[\"%s\"]}", other);
	job = mkjob(body);
	CHECK(jobq_submit(&picky, job, "alice", id, &created) ==
	    STORE_E_DEPS);
	CHECK_STR(json_object_get_string(json_object_object_get(created,
	    "bad")), "job_from_the_policy");
	CHECK(json_object_get_boolean(json_object_object_get(created,
	    "cycle")));
	json_object_put(created);
	created = NULL;
	CHECK(jobq_submit(&strict, job, "alice", id, &created) == 0);
	json_object_put(created);
	json_object_put(job);
	CHECK(jobq_id_ok(id) == 0);
	store_close();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

int
main(void)
{
	const char *why, *bad;
	double p;
	int cycle;

	config_register_all();
	config_defaults(config_live());

	/* priorities */
	CHECK_INT(prio("\"low\""), 25);
	CHECK_INT(prio("\"normal\""), 50);
	CHECK_INT(prio("\"high\""), 75);
	CHECK_INT(prio("\"critical\""), 100);
	CHECK_INT(prio("1"), 1);
	CHECK_INT(prio("100"), 100);
	CHECK_INT(prio("\"42\""), 42);
	CHECK_INT(prio("0"), -1);
	CHECK_INT(prio("101"), -1);
	CHECK_INT(prio("\"urgent\""), -1);
	CHECK_INT(prio("1.5"), -1);
	CHECK_INT(prio("true"), -1);

	/* backoff */
	CHECK_INT(job_backoff_delay(JOB_BACKOFF_EXPONENTIAL, 2, 300, 2), 2);
	CHECK_INT(job_backoff_delay(JOB_BACKOFF_EXPONENTIAL, 2, 300, 3), 4);
	CHECK_INT(job_backoff_delay(JOB_BACKOFF_EXPONENTIAL, 2, 300, 4), 8);
	CHECK_INT(job_backoff_delay(JOB_BACKOFF_EXPONENTIAL, 2, 10, 9), 10);
	CHECK_INT(job_backoff_delay(JOB_BACKOFF_EXPONENTIAL, 2, 300, 60),
	    300);
	CHECK_INT(job_backoff_delay(JOB_BACKOFF_LINEAR, 3, 300, 2), 3);
	CHECK_INT(job_backoff_delay(JOB_BACKOFF_LINEAR, 3, 300, 4), 9);
	CHECK_INT(job_backoff_delay(JOB_BACKOFF_FIXED, 5, 300, 7), 5);

	/* globs and paths */
	CHECK(job_glob_ok("/output/*.json", &why) == 0);
	CHECK(job_glob_ok("/output/report.pdf", &why) == 0);
	CHECK(job_glob_ok("/out/put/[a-c]?.txt", &why) == 0);
	CHECK(job_glob_ok("output/*.json", &why) < 0);
	CHECK(job_glob_ok("/out*/x.json", &why) < 0);
	CHECK(job_glob_ok("/output/[a-c.txt", &why) < 0);
	CHECK(job_glob_ok("/output/x\\", &why) < 0);
	CHECK(job_glob_ok("/output/../etc/*", &why) < 0);
	CHECK(job_glob_ok("/output//*.json", &why) < 0);
	CHECK(job_glob_ok("/", &why) < 0);
	CHECK(job_path_ok("/input/data.csv") == 0);
	CHECK(job_path_ok("/input/../etc/passwd") < 0);
	CHECK(job_path_ok("relative") < 0);
	CHECK(jobq_id_ok("job_0123456789abcdef") == 0);
	CHECK(jobq_id_ok("job_0123456789ABCDEF") < 0);
	CHECK(jobq_id_ok("job_123") < 0);

	/* progress lines */
	CHECK(job_progress_line("PROGRESS 45.5\n", 14, &p) == 0 && p == 45.5);
	CHECK(job_progress_line("PROGRESS 100", 12, &p) == 0 && p == 100);
	CHECK(job_progress_line("PROGRESS 101", 12, &p) < 0);
	CHECK(job_progress_line("PROGRESS x", 10, &p) < 0);
	CHECK(job_progress_line("progress 5", 10, &p) < 0);

	/* the dependency walk */
	graph = J("{\"a\":[\"b\"],\"b\":[\"c\"],\"c\":[\"a\"],\"d\":[\"b\"],"
	    "\"e\":[],\"f\":[\"e\"]}");
	{
		json_object *d1 = J("[\"e\",\"f\"]"), *d2 = J("[\"d\"]"),
		    *d3 = J("[\"e\",\"zz\"]"), *d4 = J("[\"f\"]");

		CHECK(job_deps_check("new", d1, deps_of, NULL, &bad,
		    &cycle) == 0);
		CHECK(job_deps_check("new", d2, deps_of, NULL, &bad,
		    &cycle) < 0 && cycle == 1);
		CHECK(job_deps_check("new", d3, deps_of, NULL, &bad,
		    &cycle) < 0 && cycle == 0 && strcmp(bad, "zz") == 0);
		CHECK(job_deps_check("e", d4, deps_of, NULL, &bad,
		    &cycle) < 0 && cycle == 1);
		json_object_put(d1);
		json_object_put(d2);
		json_object_put(d3);
		json_object_put(d4);
	}
	json_object_put(graph);

	/* submissions */
	CHECK(check_body("{\"image\":\"busybox\"}", NULL));
	CHECK(check_body("{\"name\":\"x\",\"image\":\"b\",\"command\":\"echo "
	    "hi\",\"environment\":{\"A\":\"1\",\"B\":2},\"input_files\":"
	    "[{\"source\":\"/u/d.csv\",\"destination\":\"/in/d.csv\"}],"
	    "\"output_patterns\":[\"/out/*.json\"],\"resources\":"
	    "{\"cpu_limit\":\"0.5\",\"memory_limit\":\"64m\",\"timeout\":"
	    "\"60s\"},\"priority\":\"high\",\"retry_policy\":{\"max_attempts\":"
	    "3,\"backoff\":\"linear\",\"initial_delay\":\"1s\",\"max_delay\":"
	    "\"10s\"}}", NULL));
	CHECK(check_body("{}", "image"));
	CHECK(check_body("{\"image\":\"\"}", "image"));
	CHECK(check_body("{\"image\":\"b\",\"bogus\":1}", "bogus"));
	CHECK(check_body("{\"image\":\"b\",\"command\":[]}", "command"));
	CHECK(check_body("{\"image\":\"b\",\"command\":[1]}", "command"));
	CHECK(check_body("{\"image\":\"b\",\"environment\":{\"1A\":\"x\"}}",
	    "environment"));
	CHECK(check_body("{\"image\":\"b\",\"input_files\":[{\"source\":"
	    "\"/a\"}]}", "input_files"));
	CHECK(check_body("{\"image\":\"b\",\"input_files\":[{\"source\":"
	    "\"/a\",\"destination\":\"../x\"}]}", "input_files"));
	CHECK(check_body("{\"image\":\"b\",\"output_patterns\":"
	    "[\"/o/[x\"]}", "output_patterns"));
	CHECK(check_body("{\"image\":\"b\",\"resources\":{\"timeout\":"
	    "\"999d\"}}", "resources.timeout"));
	CHECK(check_body("{\"image\":\"b\",\"resources\":{\"timeout\":"
	    "\"soon\"}}", "resources.timeout"));
	CHECK(check_body("{\"image\":\"b\",\"resources\":{\"memory_limit\":"
	    "\"lots\"}}", "resources.memory_limit"));
	CHECK(check_body("{\"image\":\"b\",\"resources\":{\"cpu_limit\":"
	    "\"-1\"}}", "resources.cpu_limit"));
	CHECK(check_body("{\"image\":\"b\",\"priority\":\"urgent\"}",
	    "priority"));
	CHECK(check_body("{\"image\":\"b\",\"retry_policy\":{\"max_attempts\":"
	    "0}}", "retry_policy.max_attempts"));
	CHECK(check_body("{\"image\":\"b\",\"retry_policy\":{\"backoff\":"
	    "\"random\"}}", "retry_policy.backoff"));
	CHECK(check_body("{\"image\":\"b\",\"depends_on\":[\"x\"]}",
	    "depends_on"));
	CHECK(check_body("{\"image\":\"b\",\"depends_on\":[\"job_0123456789"
	    "abcdef\",\"job_0123456789abcdef\"]}", "depends_on"));

	test_tar();
	test_queue();
	test_policy();
	return unit_done();
}
