/*
 * container_io.c: what goes in and out of a running container: logs
 * (whole or followed as a stream), one-shot stats, exec and adding a
 * file (container_users.c adds users).  Commands run as argv through the engine's exec;
 * never through a shell unless the caller writes "sh -c" themselves.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "handlers.h"

/* ---- logs ---- */

/* "1700000000" or "2024-01-01T12:00:00Z" to unix seconds; -1 if bad. */
static long
parse_since(const char *s)
{
	struct tm tm;
	const char *end;
	long v;

	if (parse_long(s, 0, 0x7fffffffL, &v) == 0)
		return v;
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL ||
	    (*end != '\0' && strcmp(end, "Z") != 0))
		return -1;
	return (long)timegm(&tm);
}

struct logbuf {
	char	*all, *out, *err;
	size_t	 alen, olen, elen, max;
	int	 truncated, oom;
};

static int
logs_collect(void *arg, enum rt_stream s, const char *p, size_t n)
{
	struct logbuf *lb = arg;

	if (p == NULL || n == 0)
		return 0;
	if (lb->alen + n > lb->max) {
		lb->truncated = 1;
		return -1;	/* enough: stop reading */
	}
	if (buf_append(&lb->all, &lb->alen, p, n) < 0 ||
	    (s == RT_STDERR ? buf_append(&lb->err, &lb->elen, p, n) :
	    buf_append(&lb->out, &lb->olen, p, n)) < 0) {
		lb->oom = 1;
		return -1;
	}
	return 0;
}

/* A followed log: NDJSON lines {"stream", "line"}, flushed per chunk.
 * After FOLLOW_IDLE_S seconds of silence an empty line goes out: it
 * keeps proxies' read timeouts from cutting a quiet stream, and a write
 * is how a client that left is noticed. */
#define FOLLOW_IDLE_S 15

struct follow {
	struct request	*r;
	char		 part[2][8192];	/* an unfinished line per stream */
	size_t		 plen[2];
	uint64_t	 last_us;
	const char	*end;		/* why we stopped it (stream_check) */
};

static int
follow_line(struct follow *f, int which, const char *p, size_t n)
{
	json_object *o = json_object_new_object();
	const char *s;
	size_t len;
	int rc;

	json_object_object_add(o, "stream",
	    json_object_new_string(which ? "stderr" : "stdout"));
	json_object_object_add(o, "line", json_object_new_string_len(p,
	    (int)n));
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	rc = resp_write(f->r, s, len) < 0 || resp_write(f->r, "\n", 1) < 0 ?
	    -1 : 0;
	json_object_put(o);
	return rc;
}

static int
follow_sink(void *arg, enum rt_stream s, const char *p, size_t n)
{
	struct follow *f = arg;
	int w = s == RT_STDERR;
	const char *nl;
	size_t take;

	if (f->r->client_gone || (f->end = stream_check(f->r)) != NULL)
		return -1;
	if (p == NULL) {	/* a tick */
		if (now_us() - f->last_us < FOLLOW_IDLE_S * 1000000ULL)
			return 0;
		f->last_us = now_us();
		return resp_write(f->r, "\n", 1) < 0 ? -1 : resp_flush(f->r);
	}
	f->last_us = now_us();
	while (n > 0) {
		nl = memchr(p, '\n', n);
		take = nl ? (size_t)(nl - p) : n;
		if (f->plen[w] + take > sizeof(f->part[w]))
			take = sizeof(f->part[w]) - f->plen[w];
		memcpy(f->part[w] + f->plen[w], p, take);
		f->plen[w] += take;
		p += take;
		n -= take;
		if ((n > 0 && *p == '\n') ||
		    f->plen[w] == sizeof(f->part[w])) {
			if (follow_line(f, w, f->part[w], f->plen[w]) < 0)
				return -1;
			f->plen[w] = 0;
			if (n > 0 && *p == '\n')
				p++, n--;
		}
	}
	return resp_flush(f->r);
}

static int
logs_follow(struct request *r, const struct rt_endpoint *ep, const char *id,
    const struct rt_logs_spec *ls)
{
	struct follow *f;
	struct rt_err e;
	int w, rc;

	if ((f = req_alloc(r, sizeof(*f))) == NULL)
		return resp_error(r, CC_E_INTERNAL_ERROR, "out of memory");
	f->r = r;
	f->last_us = now_us();
	if (stream_begin(r) < 0)
		return r->status;
	resp_start(r, 200, "application/x-ndjson");
	resp_flush(r);
	rc = ep->driver->logs(ep, id, ls, follow_sink, f, &e);
	for (w = 0; w < 2 && !r->client_gone; w++)
		if (f->plen[w] > 0)
			follow_line(f, w, f->part[w], f->plen[w]);
	if (rc < 0 && f->end == NULL && !r->client_gone) {
		json_object *o = json_object_new_object();
		const char *s;

		json_object_object_add(o, "error", json_object_new_string(
		    e.msg));
		s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		resp_write(r, s, strlen(s));
		resp_write(r, "\n", 1);
		json_object_put(o);
	}
	stream_end_record(r, f->end != NULL ? f->end : rc < 0 ?
	    STREAM_END_ERROR : STREAM_END_EXITED);
	return r->status;
}

/*
 * GET /containers/{id}/logs: tail (default 100, "all", at most
 * logs_max_tail), since (unix seconds or ISO-8601 UTC), timestamps,
 * follow.  Without follow: {logs, stdout, stderr, truncated} with the
 * streams apart and together (capped at runtime_max_answer).  With
 * follow=true: a stream of NDJSON lines {"stream","line"} (429 past
 * stream_per_user) that ends with {"end": reason} when the container
 * stops, at stream_max_duration or when the pool stops, or without one
 * when the client leaves.
 */
int
h_container_logs(struct request *r)
{
	struct rt_logs_spec ls;
	struct rt_endpoint ep;
	struct logbuf lb;
	json_object *o;
	struct rt_err e;
	const char *id, *tail = req_query(r, "tail"), *since;
	int ts, follow, rc;

	memset(&ls, 0, sizeof(ls));
	ls.tail = 100;
	if (tail != NULL && strcmp(tail, "all") == 0)
		ls.tail = -1;
	else if (tail != NULL && parse_long(tail, 0, rt_cfg.logs_max_tail,
	    &ls.tail) < 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "tail must be "
		    "\"all\" or a number of lines from 0 to %ld",
		    rt_cfg.logs_max_tail);
	if ((since = req_query(r, "since")) != NULL &&
	    (ls.since = parse_since(since)) < 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "since must be unix "
		    "seconds or an ISO-8601 UTC time");
	if (req_query_bool(r, "timestamps", 0, &ts) < 0 ||
	    req_query_bool(r, "follow", 0, &follow) < 0 ||
	    ctr_endpoint(r, &ep) < 0 || ctr_lookup(r, &ep, &id, NULL) < 0)
		return r->status;
	ls.timestamps = ts;
	ls.follow = follow;
	if (!rt_can(&ep, RT_CAP_LOGS))
		return ctr_unsupported(r, &ep, "logs");
	if (follow)
		return logs_follow(r, &ep, id, &ls);
	memset(&lb, 0, sizeof(lb));
	lb.max = rt_cfg.runtime_max_answer;
	rc = ep.driver->logs(&ep, id, &ls, logs_collect, &lb, &e);
	if (rc < 0 || lb.oom) {
		free(lb.all), free(lb.out), free(lb.err);
		if (lb.oom)
			return resp_error(r, CC_E_INTERNAL_ERROR,
			    "out of memory");
		return ctr_rt_error(r, &ep, &e, id);
	}
	o = json_object_new_object();
	json_object_object_add(o, "container_id", json_object_new_string(id));
	json_object_object_add(o, "endpoint", json_object_new_string(ep.name));
	json_object_object_add(o, "logs", json_object_new_string_len(
	    lb.all ? lb.all : "", (int)lb.alen));
	json_object_object_add(o, "stdout", json_object_new_string_len(
	    lb.out ? lb.out : "", (int)lb.olen));
	json_object_object_add(o, "stderr", json_object_new_string_len(
	    lb.err ? lb.err : "", (int)lb.elen));
	json_object_object_add(o, "truncated",
	    json_object_new_boolean(lb.truncated));
	free(lb.all), free(lb.out), free(lb.err);
	return resp_ok(r, 200, NULL, o);
}

/* ---- stats ---- */

/* GET /containers/{id}/stats: one sample in container-codes-api.md's
 * shape, under "stats". */
int
h_container_stats(struct request *r)
{
	struct rt_endpoint ep;
	json_object *st;
	struct rt_err e;
	const char *id;

	if (ctr_endpoint(r, &ep) < 0 || ctr_lookup(r, &ep, &id, NULL) < 0)
		return r->status;
	if (!rt_can(&ep, RT_CAP_STATS))
		return ctr_unsupported(r, &ep, "stats");
	if (ep.driver->stats(&ep, id, &st, &e) < 0)
		return ctr_rt_error(r, &ep, &e, id);
	json_object_object_add(st, "container_id", json_object_new_string(id));
	json_object_object_add(st, "endpoint", json_object_new_string(ep.name));
	return resp_ok(r, 200, "stats", st);
}

/* ---- exec ---- */

/* Runs argv in the container; 0 or -1 with the error written. */
int
ctr_run(struct request *r, const struct rt_endpoint *ep, const char *id,
    struct rt_exec_spec *xs, struct rt_exec_result *x)
{
	struct rt_err e;

	if (!rt_can(ep, RT_CAP_EXEC)) {
		ctr_unsupported(r, ep, "exec");
		return -1;
	}
	if (ep->driver->exec(ep, id, xs, x, &e) < 0) {
		rt_exec_result_free(x);
		ctr_rt_error(r, ep, &e, id);
		return -1;
	}
	return 0;
}

/*
 * POST /containers/{id}/exec {command: string or argv, user,
 * environment, workdir}: runs it and answers execution {exit_code,
 * output, stdout, stderr, success, truncated}.  Output past
 * exec_max_output is dropped and truncated is true.  A string command
 * is split by argv_split()'s rules (400 for an unterminated quote).
 */
int
h_container_exec(struct request *r)
{
	struct rt_endpoint ep;
	struct rt_exec_spec xs;
	struct rt_exec_result x;
	struct cspec cs;
	json_object *o, *cmd, *argv, *v;
	char **split = NULL, msg[200];
	const char **av = NULL, *id, *key, *s;
	int bad = 0, status;
	size_t i, n;

	memset(&xs, 0, sizeof(xs));
	memset(&cs, 0, sizeof(cs));
	json_object_object_foreach(r->json, k, val) {
		(void)val;
		if (strcmp(k, "command") != 0 && strcmp(k, "cmd") != 0 &&
		    strcmp(k, "user") != 0 && strcmp(k, "environment") != 0 &&
		    strcmp(k, "env") != 0 && strcmp(k, "workdir") != 0 &&
		    strcmp(k, "working_dir") != 0 && strcmp(k, "endpoint") != 0)
			return resp_error(r, CC_E_INVALID_REQUEST, "unknown "
			    "field '%.64s'", k);
	}
	key = jget_has(r->json, "command") ? "command" : "cmd";
	if (!jget_has(r->json, key))
		return resp_error(r, CC_E_INVALID_REQUEST, "command is "
		    "required");
	if ((s = jget_str(r->json, key)) != NULL) {
		if (argv_split(s, &split, msg, sizeof(msg)) < 0)
			return resp_error(r, CC_E_INVALID_REQUEST, "command: %s",
			    msg);
		req_defer(r, (void (*)(void *))argv_free, split);
		xs.argv = (const char *const *)split;
	} else if ((cmd = jget_arr(r->json, key)) != NULL &&
	    (n = json_object_array_length(cmd)) > 0 && n <= 256) {
		av = req_alloc(r, (n + 1) * sizeof(*av));
		for (i = 0; av != NULL && i < n; i++) {
			v = json_object_array_get_idx(cmd, i);
			if (!json_object_is_type(v, json_type_string))
				return resp_error(r, CC_E_INVALID_REQUEST,
				    "command[%zu] must be a string", i);
			av[i] = json_object_get_string(v);
		}
		if (av == NULL)
			return resp_error(r, CC_E_INTERNAL_ERROR,
			    "out of memory");
		xs.argv = av;
	} else
		return resp_error(r, CC_E_INVALID_REQUEST, "command must be a "
		    "string or a non-empty array of at most 256 strings");
	xs.user = req_body_str(r, "user", &bad);
	xs.workdir = req_body_str(r, "workdir", &bad);
	if (xs.workdir == NULL)
		xs.workdir = req_body_str(r, "working_dir", &bad);
	if (bad || (xs.user != NULL && !ctr_name_ok(xs.user, 64) &&
	    strspn(xs.user, "0123456789:") != strlen(xs.user)) ||
	    (xs.workdir != NULL && *xs.workdir != '/'))
		return resp_error(r, CC_E_INVALID_REQUEST, "user must be a name "
		    "or uid[:gid], workdir an absolute path");
	key = jget_has(r->json, "environment") ? "environment" :
	    jget_has(r->json, "env") ? "env" : NULL;
	if (key != NULL) {
		/* Neither an object nor an array (NULL) is cspec_env's 400. */
		if ((v = jget_obj(r->json, key)) == NULL)
			v = jget_arr(r->json, key);
		if (cspec_env(&cs, v, &xs.env) < 0) {
			status = resp_error(r, cs.err_code, "%s", cs.err_msg);
			cspec_free(&cs);
			return status;
		}
	}
	if (ctr_endpoint(r, &ep) < 0 || ctr_lookup(r, &ep, &id, NULL) < 0) {
		cspec_free(&cs);
		return r->status;
	}
	xs.max_output = rt_cfg.exec_max_output;
	/* A command may run up to runtime_timeout, past request_timeout. */
	req_set_streaming(r);
	status = ctr_run(r, &ep, id, &xs, &x);
	cspec_free(&cs);
	if (status < 0)
		return r->status;
	ctr_event(r, &ep, id, "exec");
	o = json_object_new_object();
	argv = json_object_new_array();
	for (i = 0; xs.argv[i] != NULL; i++)
		json_object_array_add(argv, json_object_new_string(xs.argv[i]));
	json_object_object_add(o, "container_id", json_object_new_string(id));
	json_object_object_add(o, "command", argv);
	json_object_object_add(o, "exit_code", json_object_new_int(x.exit_code));
	json_object_object_add(o, "success",
	    json_object_new_boolean(x.exit_code == 0));
	json_object_object_add(o, "output", json_object_new_string_len(
	    x.output ? x.output : "", (int)x.output_len));
	json_object_object_add(o, "stdout", json_object_new_string_len(
	    x.out_stdout ? x.out_stdout : "", (int)x.stdout_len));
	json_object_object_add(o, "stderr", json_object_new_string_len(
	    x.out_stderr ? x.out_stderr : "", (int)x.stderr_len));
	json_object_object_add(o, "truncated",
	    json_object_new_boolean(x.truncated));
	rt_exec_result_free(&x);
	return resp_ok(r, 200, "execution", o);
}

/* ---- add a file ---- */

static int
parse_mode(json_object *v, unsigned *mode)
{
	const char *s;
	char *end;
	long m;

	if (v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		/* 644 written as a number means the octal digits. */
		char buf[16];

		snprintf(buf, sizeof(buf), "%lld",
		    (long long)json_object_get_int64(v));
		m = strtol(buf, &end, 8);
	} else if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		m = strtol(s, &end, 8);
		if (*s == '\0' || *end != '\0')
			return -1;
	} else
		return -1;
	if (*end != '\0' || m < 0 || m > 07777)
		return -1;
	*mode = (unsigned)m;
	return 0;
}

/*
 * POST /containers/{id}/files {dest_path, content, mode?, encoding?}:
 * writes the file through the engine's file or archive API
 * (ctr_files.c).  encoding is "utf-8" (default) or "base64".  201 file
 * {dest_path, size, mode}; 400 bad path or content, 404 NOT_FOUND when
 * the directory is missing.
 */
int
h_container_add_file(struct request *r)
{
	struct rt_endpoint ep;
	json_object *o, *mv = NULL;
	const char *id, *dest, *enc, *content, *slash;
	unsigned char *data = NULL;
	size_t dlen;
	unsigned mode = 0644;
	struct tar_ent ent = { NULL, NULL, 0, 0, 0, 0, 0, 0 };
	struct rt_err e;
	char *dir;
	int bad = 0;

	json_object_object_foreach(r->json, k, val) {
		(void)val;
		if (strcmp(k, "dest_path") != 0 && strcmp(k, "content") != 0 &&
		    strcmp(k, "mode") != 0 && strcmp(k, "encoding") != 0 &&
		    strcmp(k, "endpoint") != 0)
			return resp_error(r, CC_E_INVALID_REQUEST, "unknown "
			    "field '%.64s'", k);
	}
	dest = req_body_str(r, "dest_path", &bad);
	enc = req_body_str(r, "encoding", &bad);
	content = jget_str(r->json, "content");
	/* mode is a number or a string: parse_mode reads the value. */
	json_object_object_get_ex(r->json, "mode", &mv);
	if (bad || dest == NULL || *dest != '/' || strlen(dest) > 4096 ||
	    dest[strlen(dest) - 1] == '/' || strstr(dest, "/../") != NULL ||
	    strstr(dest, "/./") != NULL || strstr(dest, "//") != NULL ||
	    strcmp(strrchr(dest, '/'), "/..") == 0 ||
	    strcmp(strrchr(dest, '/'), "/.") == 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "dest_path must be "
		    "a clean absolute path to a file");
	if (content == NULL)
		return resp_error(r, CC_E_INVALID_REQUEST, "content must be a "
		    "string");
	if (parse_mode(mv, &mode) < 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "mode must be octal "
		    "permissions such as \"0644\"");
	/* Its length as sent: a JSON string may hold a \u0000. */
	dlen = (size_t)json_object_get_string_len(json_object_object_get(
	    r->json, "content"));
	if (enc != NULL && strcmp(enc, "base64") == 0) {
		if ((data = req_alloc(r, dlen + 1)) == NULL)
			return resp_error(r, CC_E_INTERNAL_ERROR,
			    "out of memory");
		if (sodium_base642bin(data, dlen + 1, content, dlen, " \r\n",
		    &dlen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
			return resp_error(r, CC_E_INVALID_REQUEST, "content is "
			    "not valid base64");
		content = (const char *)data;
	} else if (enc != NULL && strcmp(enc, "utf-8") != 0 &&
	    strcmp(enc, "utf8") != 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "encoding must be "
		    "utf-8 or base64");
	/* The container was found: a 404 below is the directory. */
	if (ctr_endpoint(r, &ep) < 0 || ctr_lookup(r, &ep, &id, NULL) < 0)
		return r->status;
	if (!ctr_can_files(&ep))
		return ctr_unsupported(r, &ep, "adding files");
	slash = strrchr(dest, '/');
	dir = req_printf(r, "%.*s", (int)(slash == dest ? 1 : slash - dest),
	    dest);
	ent.name = slash + 1;
	ent.data = content;
	ent.len = dlen;
	ent.mode = mode;
	if (dir == NULL)
		return resp_error(r, CC_E_INTERNAL_ERROR, "out of memory");
	if (ctr_files_put(&ep, id, dir, &ent, 1, &e) < 0) {
		/* The container was just found: a 404 is the directory. */
		if (e.code == RT_E_NOT_FOUND)
			return resp_error(r, CC_E_NOT_FOUND, "directory '%s' "
			    "does not exist in container '%s'", dir, id);
		return ctr_rt_error(r, &ep, &e, id);
	}
	ctr_event(r, &ep, id, "add_file");
	o = json_object_new_object();
	json_object_object_add(o, "dest_path", json_object_new_string(dest));
	json_object_object_add(o, "size", json_object_new_int64((int64_t)dlen));
	json_object_object_add(o, "mode", json_object_new_string(
	    req_printf(r, "%04o", mode)));
	json_object_object_add(o, "container_id", json_object_new_string(id));
	return resp_ok(r, 201, "file", o);
}
