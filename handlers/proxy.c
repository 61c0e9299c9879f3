/*
 * proxy.c: the Reverse Proxy API (container-codes-api.md), admin only.
 * The model is checked here (proxy/model.c, and a rendering for the
 * configured web server so that what it cannot do is refused before
 * anything is stored) and written in one transaction with its version
 * bumped (storage/proxy.c).  The proxy process does the rest: this file
 * never writes web-server configuration nor signals a web server; it
 * wakes the proxy process and waits for the apply record it made.
 *
 * Every answer about the model carries ETag "proxy-<version>"; a write
 * with If-Match that does not match is 412, one with ?version=N that
 * does not match 409.  ?dry_run=true answers with the rendered files
 * and their diff against what is live, and changes nothing.  A write
 * waits for its apply (200 or 201 with the generation, 422 with the web
 * server's own words when it refused it); ?async=true answers 202 with
 * an apply_id to follow at GET /proxy/applies/{id}.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "handlers.h"
#include "../proxy/proxy.h"
#include "../storage/storage.h"

typedef int (*parse_fn)(json_object *, const char *, json_object **,
    struct px_error *);

static const struct pkind {
	const char	*list;		/* the model's member */
	const char	*key;		/* the element's name member */
	const char	*one;		/* the answer's kind */
	parse_fn	 parse;
} pkinds[] = {
	[PXK_UPSTREAM] = { "upstreams", "name", "upstream",
	    px_upstream_parse },
	[PXK_ROUTE] = { "routes", "id", "route", px_route_parse },
	[PXK_STREAM] = { "streams", "name", "stream", px_stream_parse },
};

static const struct pkind *
kind_of(const struct request *r)
{
	int a = r->route->arg;

	return a > 0 && a < PXK__MAX ? &pkinds[a] : &pkinds[PXK_UPSTREAM];
}

/* ---- answers ---- */

static void
etag(struct request *r, int64_t version)
{
	resp_header(r, "ETag", "\"proxy-%lld\"", (long long)version);
}

/* The one place PX_E_* become HTTP: 400 naming the field, 409, 404,
 * 422 with the web server's text, 500. */
enum cc_err
proxy_code(int px)
{
	switch (px) {
	case PX_E_INVALID:
	case PX_E_UNSUPPORTED:
		return CC_E_INVALID_REQUEST;
	case PX_E_CONFLICT:
		return CC_E_CONFLICT;
	case PX_E_NOTFOUND:
		return CC_E_NOT_FOUND;
	case PX_E_REJECTED:
		return CC_E_PROXY_REJECTED;
	default:
		return CC_E_INTERNAL_ERROR;
	}
}

static int
px_error(struct request *r, const struct px_error *e)
{
	json_object *d = json_object_new_object();
	enum cc_err code = proxy_code(e->code);

	if (e->field[0] != '\0')
		json_object_object_add(d, "field",
		    json_object_new_string(e->field));
	if (e->field[0] != '\0')
		return resp_error_d(r, code, d, "%s: %s", e->field, e->msg);
	return resp_error_d(r, code, d, "%s", e->msg);
}

/* ---- the edit made inside the write transaction ---- */

enum edit_op { OP_CREATE, OP_REPLACE, OP_DELETE, OP_ALL };

struct edit {
	enum edit_op		 op;
	const struct pkind	*k;
	const char		*name;		/* the element's, or NULL */
	json_object		*item;		/* canonical, for create and
						 * replace */
	json_object		*all;		/* the lists, for OP_ALL */
	char			 pool[CFG_STRLEN + 8];
	struct px_error		 err;
	json_object		*users;		/* a delete refused: who */
};

/* Whether the configured web server can render the model at all. */
static int
render_check(json_object *model, struct edit *ed)
{
	struct px_files fs;
	struct px_ctx ctx = { .server = px_server(), .generation = 1,
	    .dir = px_dir(), .pool = ed->pool,
	    .verify_url = proxy_cfg.proxy_verify_url,
	    .listen = proxy_cfg.proxy_listen, .stats = proxy_cfg.proxy_stats };
	int rc;

	if ((rc = px_render(model, &ctx, &fs, &ed->err)) == 0)
		px_files_free(&fs);
	return rc;
}

static int
edit_fn(json_object *model, void *arg)
{
	struct edit *ed = arg;
	json_object *list = ed->k ? jget_arr(model, ed->k->list) : NULL;
	static const char *const lists[] = { "upstreams", "routes",
		"streams" };
	size_t idx, i;
	int rc;

	switch (ed->op) {
	case OP_CREATE:
		if (px_find(list, ed->k->key, ed->name, NULL) != NULL)
			return px_fail(&ed->err, PX_E_CONFLICT, ed->k->key,
			    "%s '%s' exists already", ed->k->one, ed->name);
		json_object_array_add(list, json_object_get(ed->item));
		break;
	case OP_REPLACE:
		if (px_find(list, ed->k->key, ed->name, &idx) == NULL)
			return px_fail(&ed->err, PX_E_NOTFOUND, "", "no %s "
			    "'%s'", ed->k->one, ed->name);
		json_object_array_put_idx(list, idx, json_object_get(ed->item));
		break;
	case OP_DELETE:
		if (px_find(list, ed->k->key, ed->name, &idx) == NULL)
			return px_fail(&ed->err, PX_E_NOTFOUND, "", "no %s "
			    "'%s'", ed->k->one, ed->name);
		if (ed->k == &pkinds[PXK_UPSTREAM]) {
			ed->users = px_users_of(model, ed->name);
			if (json_object_array_length(ed->users) > 0)
				return px_fail(&ed->err, PX_E_CONFLICT, "",
				    "upstream '%s' is used by %s",
				    ed->name, json_object_to_json_string_ext(
				    ed->users, JSON_C_TO_STRING_PLAIN));
		}
		json_object_array_del_idx(list, idx, 1);
		break;
	case OP_ALL:
		for (i = 0; i < 3; i++)
			json_object_object_add(model, lists[i],
			    json_object_get(jget_arr(ed->all, lists[i])));
		break;
	}
	if ((rc = px_model_check(model, &ed->err)) < 0)
		return rc;
	return render_check(model, ed);
}

/* ---- preconditions, the proxy process, waiting ---- */

/*
 * The version a write must find: If-Match ("proxy-<n>", or "*") or
 * ?version=N; -1 for none.  *strong 1 when it came from If-Match (a
 * mismatch is then 412, else 409).  -2 after an answer (400 or 412).
 */
static int64_t
expected(struct request *r, int *strong)
{
	const char *im = req_header(r, "If-Match");
	long long v;
	long q;

	*strong = 0;
	if (im != NULL) {
		*strong = 1;
		if (strcmp(im, "*") == 0)
			return -1;
		if (sscanf(im, "\"proxy-%lld\"", &v) == 1 ||
		    sscanf(im, "W/\"proxy-%lld\"", &v) == 1)
			return v;
		resp_error(r, CC_E_PRECONDITION_FAILED, "If-Match does not "
		    "name a version of the proxy config (\"proxy-<n>\")");
		return -2;
	}
	if (req_query_long(r, "version", -1, 0, 0x7fffffffffffffffL, &q) < 0)
		return -2;
	return q;
}

/* Wakes the proxy process (its slot in the scoreboard). */
static void
wake_proxy(void)
{
	int i;

	for (i = 0; i < SB_MAX_SLOTS; i++)
		if (sb->slots[i].pid > 0 &&
		    strcmp(pool_kind_name(sb->slots[i].kind), "proxy") == 0)
			kill(sb->slots[i].pid, SIGUSR1);
}

/* The apply record once it is no longer pending, or the last one read
 * when proxy_apply_timeout passed (NULL: none). */
static json_object *
wait_apply(const char *id)
{
	uint64_t deadline = now_us() +
	    (uint64_t)proxy_cfg.proxy_apply_timeout * 1000000;
	struct timespec ts = { 0, 5 * 1000000 };
	json_object *rec = NULL;
	char key[64];

	snprintf(key, sizeof(key), "apply/%s", id);
	for (;;) {
		json_object_put(rec);
		rec = NULL;
		if (store_get_json(STORE_PROXY, key, &rec) == 0 &&
		    strcmp(jget_str(rec, "status") ? jget_str(rec, "status") :
		    "", "pending") != 0)
			return rec;
		if (now_us() >= deadline)
			return rec;
		nanosleep(&ts, NULL);
	}
}

static json_object *
apply_public(json_object *rec)
{
	json_object *o = json_object_new_object();

	json_object_object_foreach(rec, k, v)
		if (strcmp(k, "epoch") != 0)
			json_object_object_add(o, k, json_object_get(v));
	return o;
}

/* The pool's address the auth middleware's location will use. */
static void
pool_of(const struct request *r, char *out, size_t len)
{
	if (px_pool_addr(r->fcgx ? r->fcgx->listen_sock : -1, out, len) < 0)
		out[0] = '\0';
}

/* ---- dry runs ---- */

/*
 * The answer of a dry run: the model the write would make, the files it
 * renders to (for the next generation) and their diff against the live
 * ones.  Nothing is stored.
 */
static int
dry_run(struct request *r, struct edit *ed, int64_t expect, int strong)
{
	json_object *model = NULL, *o, *files, *diffs;
	struct px_files fs, cur;
	struct px_ctx ctx;
	int64_t v;
	size_t i, j;
	int rc;

	if ((rc = store_proxy_model(&model, &v)) != 0)
		return resp_store_error(r, rc, "the proxy config");
	req_defer_json(r, model);
	if (expect >= 0 && expect != v)
		return resp_error(r, strong ? CC_E_PRECONDITION_FAILED :
		    CC_E_CONFLICT, "the proxy config is at version %lld, not "
		    "%lld", (long long)v, (long long)expect);
	if ((rc = edit_fn(model, ed)) < 0)
		return px_error(r, &ed->err);
	memset(&ctx, 0, sizeof(ctx));
	ctx.server = px_server();
	ctx.generation = px_current_generation() + 1;
	ctx.dir = px_dir();
	ctx.pool = ed->pool;
	ctx.verify_url = proxy_cfg.proxy_verify_url;
	ctx.listen = proxy_cfg.proxy_listen;
	ctx.stats = proxy_cfg.proxy_stats;
	if ((rc = px_render(model, &ctx, &fs, &ed->err)) < 0)
		return px_error(r, &ed->err);
	px_read_generation(0, &cur);
	files = json_object_new_object();
	diffs = json_object_new_object();
	for (i = 0; i < fs.n; i++) {
		const char *old = NULL;
		char *d;

		for (j = 0; j < cur.n; j++)
			if (strcmp(cur.f[j].name, fs.f[i].name) == 0)
				old = cur.f[j].text;
		json_object_object_add(files, fs.f[i].name,
		    json_object_new_string_len(fs.f[i].text, (int)fs.f[i].len));
		d = px_diff(fs.f[i].name, old, fs.f[i].text);
		json_object_object_add(diffs, fs.f[i].name,
		    json_object_new_string(d ? d : ""));
		free(d);
	}
	px_files_free(&fs);
	px_files_free(&cur);
	o = json_object_new_object();
	json_object_object_add(o, "dry_run", json_object_new_boolean(1));
	json_object_object_add(o, "version", json_object_new_int64(v));
	json_object_object_add(o, "generation",
	    json_object_new_int64(ctx.generation));
	json_object_object_add(o, "files", files);
	json_object_object_add(o, "diff", diffs);
	etag(r, v);
	return resp_ok(r, 200, NULL, o);
}

/* ---- the write ---- */

/*
 * Stores the edit and answers once it is applied: status and the
 * members of answer (taken) plus version, generation and apply_id; 422
 * when the web server refused it; 202 with ?async=true or when
 * proxy_apply_timeout passes first.
 */
static int
commit_edit(struct request *r, struct edit *ed, int status,
    json_object *answer)
{
	char id[STORE_PROXY_IDLEN];
	json_object *rec, *o;
	int64_t expect, v = 0;
	int strong, dry, async, rc;

	pool_of(r, ed->pool, sizeof(ed->pool));
	if (req_query_bool(r, "dry_run", 0, &dry) < 0 ||
	    req_query_bool(r, "async", 0, &async) < 0 ||
	    (expect = expected(r, &strong)) == -2) {
		json_object_put(answer);
		return r->status;
	}
	if (dry) {
		json_object_put(answer);
		return dry_run(r, ed, expect, strong);
	}
	if (px_server() == PX_NONE) {
		json_object_put(answer);
		return resp_error(r, CC_E_SERVICE_UNAVAILABLE, "the reverse "
		    "proxy is off (proxy_server = none): nothing would apply "
		    "this; ?dry_run=true shows what it would render");
	}
	rc = store_proxy_edit(expect, edit_fn, ed, &v, id);
	if (rc == PX_E_CONFLICT && ed->users != NULL &&
	    json_object_array_length(ed->users) > 0) {
		json_object *d = json_object_new_object();

		json_object_put(answer);
		json_object_object_add(d, "used_by", ed->users);
		return resp_error_d(r, CC_E_CONFLICT, d, "%s", ed->err.msg);
	}
	json_object_put(ed->users);
	if (rc != 0) {
		json_object_put(answer);
		if (rc == STORE_E_GONE)
			return resp_error(r, strong ? CC_E_PRECONDITION_FAILED :
			    CC_E_CONFLICT, "the proxy config changed meanwhile "
			    "(it is no longer version %lld): read it again",
			    (long long)expect);
		if (rc <= PX_E_INVALID && rc >= PX_E_INTERNAL)
			return px_error(r, &ed->err);
		return resp_store_error(r, rc, "the proxy config");
	}
	wake_proxy();
	o = answer ? answer : json_object_new_object();
	json_object_object_add(o, "version", json_object_new_int64(v));
	json_object_object_add(o, "apply_id", json_object_new_string(id));
	etag(r, v);
	rec = async ? NULL : wait_apply(id);
	if (rec == NULL || strcmp(jget_str(rec, "status") ?
	    jget_str(rec, "status") : "", "pending") == 0) {
		json_object_put(rec);
		json_object_object_add(o, "status",
		    json_object_new_string("pending"));
		resp_header(r, "Location", "/api/v1/proxy/applies/%s", id);
		return resp_ok(r, 202, NULL, o);
	}
	req_defer_json(r, rec);
	if (strcmp(jget_str(rec, "status"), "failed") == 0) {
		json_object *d = json_object_new_object();

		json_object_put(o);
		json_object_object_add(d, "apply_id", json_object_new_string(id));
		json_object_object_add(d, "generation", json_object_new_int64(
		    jget_int(rec, "generation", 0)));
		json_object_object_add(d, "error", json_object_new_string(
		    jget_str(rec, "error") ? jget_str(rec, "error") : ""));
		resp_clear_headers(r);
		return resp_error_d(r, CC_E_PROXY_REJECTED, d, "the web server "
		    "refused the new configuration; the previous one stays "
		    "live: %s", jget_str(rec, "error") ? jget_str(rec,
		    "error") : "");
	}
	json_object_object_add(o, "generation",
	    json_object_new_int64(jget_int(rec, "generation", 0)));
	json_object_object_add(o, "status", json_object_new_string("applied"));
	return resp_ok(r, status, NULL, o);
}

/* ---- streams: the listen address must be free ---- */

/*
 * Tries to bind the stream's listen address (SO_REUSEADDR, no listen):
 * PX_E_CONFLICT (409) when it is taken, PX_E_INVALID (400) when this
 * process may not bind it, naming listen.  The web server binds it for
 * real on reload; a failure then is a 422.
 */
static int
listen_check(json_object *stream, struct px_error *e)
{
	char host[64];
	int port, fd, one = 1, rc = 0, udp, err;
	struct sockaddr_storage ss;
	socklen_t sl;

	if (px_split_addr(jget_str(stream, "listen"), host, sizeof(host),
	    &port) < 0)
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr)
	    == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, host,
	    &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in6);
	} else
		return 0;
	udp = strcmp(jget_str(stream, "protocol"), "udp") == 0;
	if ((fd = socket(ss.ss_family, udp ? SOCK_DGRAM : SOCK_STREAM, 0)) < 0)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		err = errno;
		rc = err == EADDRINUSE ? px_fail(e, PX_E_CONFLICT, "listen",
		    "%s is taken by another process",
		    jget_str(stream, "listen")) : px_fail(e, PX_E_INVALID,
		    "listen", "%s cannot be bound here: %s",
		    jget_str(stream, "listen"), strerror(err));
	}
	close(fd);
	return rc;
}

/* ---- the streams other resources own (a pod's port forwards) ---- */

struct owned {
	struct edit	 ed;		/* its pool and err */
	json_object	*add;		/* canonical, or NULL */
	json_object	*drop;		/* the names to delete */
};

/* Each stream of drop deleted, then add created, each an edit_fn. */
static int
owned_fn(json_object *model, void *arg)
{
	struct owned *o = arg;
	size_t i, n = json_object_array_length(o->drop);
	int rc = 0;

	o->ed.k = &pkinds[PXK_STREAM];
	for (i = 0; rc == 0 && i < n; i++) {
		o->ed.op = OP_DELETE;
		o->ed.name = json_object_get_string(
		    json_object_array_get_idx(o->drop, i));
		if (px_find(jget_arr(model, "streams"), "name", o->ed.name,
		    NULL) != NULL)
			rc = edit_fn(model, &o->ed);
	}
	if (rc == 0 && o->add != NULL) {
		o->ed.op = OP_CREATE;
		o->ed.item = o->add;
		o->ed.name = jget_str(o->add, "name");
		rc = edit_fn(model, &o->ed);
	}
	return rc;
}

/*
 * The TCP/UDP streams another resource owns (a pod's port forwards,
 * pods_config.c), written the way POST and DELETE /proxy/streams write
 * theirs: the streams named in drop (an array of names, or NULL; those
 * not in the model are passed over) deleted and in (a body as POST
 * /proxy/streams takes it, or NULL) created, in one stored edit checked
 * and rendered for the configured web server (in's listen must be free
 * too), then applied by the proxy process and waited for up to
 * proxy_apply_timeout.  0 once live (or nothing to do); 1 when the
 * timeout passed first (stored: it applies on its own); or a PX_E_*
 * with *e (proxy_code() gives its HTTP code): a bad value, what the web
 * server cannot do (Apache has no streams; proxy_server none forwards
 * nothing), a listen another stream or process holds, a generation the
 * web server refused (the model is back to what is live).  With
 * proxy_server none a drop is stored and not waited for.
 */
int
proxy_streams_write(struct request *r, json_object *in, json_object *drop,
    struct px_error *e)
{
	char id[STORE_PROXY_IDLEN];
	json_object *model = NULL, *rec = NULL, *name;
	const char *st;
	struct owned o;
	size_t i, n = drop ? json_object_array_length(drop) : 0;
	int rc;

	memset(&o, 0, sizeof(o));
	o.drop = json_object_new_array();
	if (in != NULL && px_server() == PX_NONE) {
		rc = px_fail(e, PX_E_UNSUPPORTED, "", "the reverse proxy is "
		    "off (proxy_server = none): nothing would forward it");
		goto out;
	}
	if (in != NULL && ((rc = px_stream_parse(in, "", &o.add, e)) < 0 ||
	    (rc = listen_check(o.add, e)) < 0))
		goto out;
	if ((rc = store_proxy_model(&model, NULL)) != 0) {
		rc = px_fail(e, PX_E_INTERNAL, "", "the proxy config: %s",
		    store_strerror(rc));
		goto out;
	}
	for (i = 0; i < n; i++) {
		name = json_object_array_get_idx(drop, i);
		if (px_find(jget_arr(model, "streams"), "name",
		    json_object_get_string(name), NULL) != NULL)
			json_object_array_add(o.drop, json_object_get(name));
	}
	rc = 0;
	if (o.add == NULL && json_object_array_length(o.drop) == 0)
		goto out;
	pool_of(r, o.ed.pool, sizeof(o.ed.pool));
	if ((rc = store_proxy_edit(-1, owned_fn, &o, NULL, id)) != 0) {
		if (rc <= PX_E_INVALID && rc >= PX_E_INTERNAL)
			*e = o.ed.err;
		else
			rc = px_fail(e, PX_E_INTERNAL, "", "the proxy config: "
			    "%s", store_strerror(rc));
		goto out;
	}
	if (px_server() == PX_NONE)
		goto out;
	wake_proxy();
	rec = wait_apply(id);
	if ((st = jget_str(rec, "status")) == NULL ||
	    strcmp(st, "pending") == 0)
		rc = 1;
	else if (strcmp(st, "failed") == 0)
		rc = px_fail(e, PX_E_REJECTED, "", "the web server refused the "
		    "new configuration; the previous one stays live: %s",
		    jget_str(rec, "error") ? jget_str(rec, "error") : "");
out:
	json_object_put(model);
	json_object_put(rec);
	json_object_put(o.add);
	json_object_put(o.drop);
	json_object_put(o.ed.users);
	return rc;
}

/* ---- routes ---- */

/* GET /proxy/config: the whole model, with version and ETag. */
int
h_proxy_config_get(struct request *r)
{
	json_object *model = NULL;
	int64_t v;
	int rc;

	if ((rc = store_proxy_model(&model, &v)) != 0)
		return resp_store_error(r, rc, "the proxy config");
	etag(r, v);
	return resp_ok(r, 200, "config", model);
}

/* PUT /proxy/config: replaces the whole model. */
int
h_proxy_config_put(struct request *r)
{
	struct edit ed;
	int rc;

	memset(&ed, 0, sizeof(ed));
	ed.op = OP_ALL;
	if ((rc = px_config_parse(r->json, &ed.all, &ed.err)) < 0)
		return px_error(r, &ed.err);
	req_defer_json(r, ed.all);
	return commit_edit(r, &ed, 200, NULL);
}

struct history {
	json_object	*rows;
	int64_t		 live;		/* the generation the web server runs */
};

static int
history_row(const char *key, size_t klen, const void *val, size_t vlen,
    void *arg)
{
	struct history *h = arg;
	json_object *rec = store_parse_json(val, vlen), *o;

	(void)key;
	(void)klen;
	if (rec == NULL)
		return 0;
	o = json_object_new_object();
	json_object_object_foreach(rec, k, v)
		if (strcmp(k, "model") != 0)
			json_object_object_add(o, k, json_object_get(v));
	json_object_object_add(o, "live", json_object_new_boolean(h->live > 0 &&
	    jget_int(rec, "generation", 0) == h->live));
	json_object_put(rec);
	json_object_array_add(h->rows, o);
	return 0;
}

/* GET /proxy/config/history: the generations kept, newest first; live
 * marks the one the web server runs now, as the proxy process recorded
 * it with its outcome (the state's "live"; read first, so a generation
 * settled meanwhile is listed, not yet live). */
int
h_proxy_history(struct request *r)
{
	struct history h = { json_object_new_array(), 0 };
	json_object *rows = h.rows, *out, *state = NULL;
	size_t i, n;
	int rc;

	if (store_get_json(STORE_PROXY, "state", &state) == 0)
		h.live = jget_int(state, "live", 0);
	json_object_put(state);
	if ((rc = store_scan(STORE_PROXY, "gen/", history_row, &h)) != 0) {
		json_object_put(rows);
		return resp_store_error(r, rc, "the proxy history");
	}
	n = json_object_array_length(rows);
	out = json_object_new_array();
	for (i = n; i > 0; i--)
		json_object_array_add(out,
		    json_object_get(json_object_array_get_idx(rows, i - 1)));
	json_object_put(rows);
	return resp_list(r, "generations", out, (long)n, (long)n, 0);
}

/* POST /proxy/config/rollback/{generation}: the model of a generation
 * that was live becomes the model again (a new version). */
int
h_proxy_rollback(struct request *r)
{
	json_object *rec = NULL;
	struct edit ed;
	char key[48];
	long g;
	int rc;

	if (parse_long(req_param(r, "generation"), 1, 0x7fffffffffffffffL,
	    &g) < 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "a generation is a "
		    "positive number");
	snprintf(key, sizeof(key), "gen/%012ld", g);
	if ((rc = store_get_json(STORE_PROXY, key, &rec)) != 0)
		return rc == STORE_E_NOTFOUND ? resp_error(r, CC_E_NOT_FOUND,
		    "generation %ld is not in the history", g) :
		    resp_store_error(r, rc, "the proxy history");
	req_defer_json(r, rec);
	if (jget_obj(rec, "model") == NULL ||
	    strcmp(jget_str(rec, "status"), "applied") != 0)
		return resp_error(r, CC_E_CONFLICT, "generation %ld was never "
		    "live: only a live one can be rolled back to", g);
	memset(&ed, 0, sizeof(ed));
	ed.op = OP_ALL;
	ed.all = jget_obj(rec, "model");
	return commit_edit(r, &ed, 200, NULL);
}

/* GET /proxy/{upstreams,routes,streams} */
int
h_proxy_list(struct request *r)
{
	const struct pkind *k = kind_of(r);
	json_object *model = NULL, *list;
	int64_t v;
	long n;
	int rc;

	if ((rc = store_proxy_model(&model, &v)) != 0)
		return resp_store_error(r, rc, "the proxy config");
	req_defer_json(r, model);
	list = json_object_get(jget_arr(model, k->list));
	n = (long)json_object_array_length(list);
	etag(r, v);
	return resp_list(r, k->list, list, n, n, 0);
}

/* GET /proxy/{upstreams,routes,streams}/{name} */
int
h_proxy_get(struct request *r)
{
	const struct pkind *k = kind_of(r);
	const char *name = req_param(r, k->key);
	json_object *model = NULL, *el;
	int64_t v;
	int rc;

	if ((rc = store_proxy_model(&model, &v)) != 0)
		return resp_store_error(r, rc, "the proxy config");
	req_defer_json(r, model);
	if ((el = px_find(jget_arr(model, k->list), k->key, name, NULL)) ==
	    NULL)
		return resp_error(r, CC_E_NOT_FOUND, "no %s '%s'", k->one,
		    px_name_ok(name) ? name : "?");
	etag(r, v);
	return resp_ok(r, 200, k->one, json_object_get(el));
}

static int
answer_one(struct request *r, struct edit *ed, int status)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, ed->k->one, json_object_get(ed->item));
	return commit_edit(r, ed, status, o);
}

/* POST /proxy/{upstreams,routes,streams}: 201 once applied; 409 for a
 * name that exists. */
int
h_proxy_create(struct request *r)
{
	const struct pkind *k = kind_of(r);
	struct edit ed;
	int rc;

	memset(&ed, 0, sizeof(ed));
	ed.op = OP_CREATE;
	ed.k = k;
	if ((rc = k->parse(r->json, "", &ed.item, &ed.err)) < 0)
		return px_error(r, &ed.err);
	req_defer_json(r, ed.item);
	ed.name = jget_str(ed.item, k->key);
	if (k == &pkinds[PXK_STREAM] && listen_check(ed.item, &ed.err) < 0)
		return px_error(r, &ed.err);
	return answer_one(r, &ed, 201);
}

/* PUT /proxy/{upstreams,routes}/{name}: replaces one; its name is the
 * path's (a different one in the body is 400). */
int
h_proxy_put(struct request *r)
{
	const struct pkind *k = kind_of(r);
	const char *name = req_param(r, k->key), *sent;
	struct edit ed;
	int rc;

	memset(&ed, 0, sizeof(ed));
	if ((sent = jget_str(r->json, k->key)) != NULL &&
	    strcmp(sent, name) != 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "%s: the body names "
		    "another %s than the path", k->key, k->one);
	if (sent == NULL)
		json_object_object_add(r->json, k->key,
		    json_object_new_string(name));
	ed.op = OP_REPLACE;
	ed.k = k;
	if ((rc = k->parse(r->json, "", &ed.item, &ed.err)) < 0)
		return px_error(r, &ed.err);
	req_defer_json(r, ed.item);
	ed.name = jget_str(ed.item, k->key);
	return answer_one(r, &ed, 200);
}

/* DELETE /proxy/{upstreams,routes,streams}/{name}: an upstream a route
 * or stream uses is 409, naming them. */
int
h_proxy_delete(struct request *r)
{
	const struct pkind *k = kind_of(r);
	json_object *o = json_object_new_object();
	struct edit ed;

	memset(&ed, 0, sizeof(ed));
	ed.op = OP_DELETE;
	ed.k = k;
	ed.name = req_param(r, k->key);
	json_object_object_add(o, "deleted", json_object_new_string(ed.name));
	return commit_edit(r, &ed, 200, o);
}

/* GET /proxy/applies/{id}: pending, applied or failed (with the text). */
int
h_proxy_apply_get(struct request *r)
{
	const char *id = req_param(r, "id");
	json_object *rec = NULL;
	char key[64];
	int rc;

	if (strncmp(id, "apl_", 4) != 0 || strlen(id) != 20 ||
	    strspn(id + 4, "0123456789abcdef") != 16)
		return resp_error(r, CC_E_NOT_FOUND, "no apply with that id");
	snprintf(key, sizeof(key), "apply/%s", id);
	if ((rc = store_get_json(STORE_PROXY, key, &rec)) != 0)
		return rc == STORE_E_NOTFOUND ? resp_error(r, CC_E_NOT_FOUND,
		    "no apply %s (finished ones are kept an hour)", id) :
		    resp_store_error(r, rc, "the apply");
	req_defer_json(r, rec);
	return resp_ok(r, 200, "apply", apply_public(rec));
}

/* GET /proxy/stats: what the proxy process last stored (once a second),
 * or zeros before it has. */
int
h_proxy_stats(struct request *r)
{
	json_object *doc = NULL, *model = NULL;
	struct px_stats *st;
	int rc;

	if ((rc = store_get_json(STORE_PROXY, "stats", &doc)) == 0) {
		json_object_object_del(doc, "log");
		return resp_ok(r, 200, "stats", doc);
	}
	if (rc != STORE_E_NOTFOUND)
		return resp_store_error(r, rc, "the proxy stats");
	if ((rc = store_proxy_model(&model, NULL)) != 0)
		return resp_store_error(r, rc, "the proxy config");
	req_defer_json(r, model);
	if ((st = px_stats_new()) == NULL)
		return resp_error(r, CC_E_INTERNAL_ERROR, "out of memory");
	doc = px_stats_json(st, model, NULL, now_wall());
	px_stats_free(st);
	return resp_ok(r, 200, "stats", doc);
}

/*
 * GET /proxy/auth?role=R: the auth middleware's subrequest (nginx
 * auth_request).  The router has authenticated the caller (401
 * without a credential); below role R is 403.  The caller's user and
 * role go back in X-CC-User and X-CC-Role, which the route passes on.
 */
int
h_proxy_auth(struct request *r)
{
	const char *want = req_query(r, "role");
	enum access need = ACCESS_VIEWER;
	json_object *o;

	if (want != NULL && access_parse(want, &need) < 0)
		return resp_error(r, CC_E_INVALID_REQUEST, "role must be "
		    "viewer, operator or admin");
	if (r->who.role < need)
		return resp_error(r, CC_E_FORBIDDEN, "this service needs the "
		    "%s role", access_name(need));
	resp_header(r, "X-CC-User", "%s", r->who.user);
	resp_header(r, "X-CC-Role", "%s", access_name(r->who.role));
	o = json_object_new_object();
	json_object_object_add(o, "user", json_object_new_string(r->who.user));
	json_object_object_add(o, "role",
	    json_object_new_string(access_name(r->who.role)));
	return resp_ok(r, 200, "auth", o);
}
