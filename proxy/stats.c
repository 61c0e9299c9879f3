/*
 * stats.c: GET /proxy/stats, from the web server's own access log.  The
 * proxied locations log one JSON line per request (nginx's cc_proxy
 * log_format, Apache's of the same name); the proxy process reads what
 * the log gained and keeps counters and sketches only: nothing is
 * stored per request.
 *
 * A line: {"t": "$msec", "rt": "$request_time" (seconds; Apache gives
 * "rtms", milliseconds), "s": "$status", "ua": "$upstream_addr", "us":
 * "$upstream_status", "urt": "$upstream_response_time", "u":
 * "$proxy_host"}.  When a request tried several servers, ua, us and urt
 * hold lists: ", " between the servers of one upstream, " : " between
 * upstreams (an internal redirect); both are read.
 *
 * The last 60 seconds are kept as one sketch per second (requests per
 * second, percentiles, error rate over that window); each upstream has a
 * sketch since the process started, and each server its count and mean.
 */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy.h"

#define WINDOW		60
#define READ_MAX	(4u << 20)	/* bytes read per call */

struct slot {
	int64_t			 sec;
	uint64_t		 n, errors;
	struct px_sketch	 sk;
};

struct up {
	char			 name[PX_NAME_MAX + 1];
	uint64_t		 total;
	struct px_sketch	 sk;
};

struct srv {
	char			 up[PX_NAME_MAX + 1];
	char			 addr[128];
	uint64_t		 requests, timed;
	double			 rt_sum;	/* ms */
};

struct px_stats {
	uint64_t	 total;
	struct slot	 win[WINDOW];
	struct up	*ups;
	size_t		 nups, capups;
	struct srv	*srv;
	size_t		 nsrv, capsrv;
	uint64_t	 inode, off;
	json_tokener	*tok;
};

struct px_stats *
px_stats_new(void)
{
	struct px_stats *st = calloc(1, sizeof(*st));

	if (st != NULL && (st->tok = json_tokener_new()) == NULL) {
		free(st);
		st = NULL;
	}
	return st;
}

void
px_stats_free(struct px_stats *st)
{
	if (st == NULL)
		return;
	json_tokener_free(st->tok);
	free(st->ups);
	free(st->srv);
	free(st);
}

static struct up *
up_get(struct px_stats *st, const char *name)
{
	struct up *u;
	size_t i;

	for (i = 0; i < st->nups; i++)
		if (strcmp(st->ups[i].name, name) == 0)
			return &st->ups[i];
	if (st->nups == st->capups) {
		size_t cap = st->capups ? st->capups * 2 : 16;

		if ((u = realloc(st->ups, cap * sizeof(*u))) == NULL)
			return NULL;
		st->ups = u;
		st->capups = cap;
	}
	u = &st->ups[st->nups++];
	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	return u;
}

static struct srv *
srv_get(struct px_stats *st, const char *up, const char *addr, size_t alen)
{
	struct srv *s;
	size_t i;

	if (alen >= sizeof(s->addr))
		return NULL;
	for (i = 0; i < st->nsrv; i++)
		if (strcmp(st->srv[i].up, up) == 0 &&
		    strlen(st->srv[i].addr) == alen &&
		    memcmp(st->srv[i].addr, addr, alen) == 0)
			return &st->srv[i];
	if (st->nsrv == st->capsrv) {
		size_t cap = st->capsrv ? st->capsrv * 2 : 32;

		if ((s = realloc(st->srv, cap * sizeof(*s))) == NULL)
			return NULL;
		st->srv = s;
		st->capsrv = cap;
	}
	s = &st->srv[st->nsrv++];
	memset(s, 0, sizeof(*s));
	snprintf(s->up, sizeof(s->up), "%s", up);
	memcpy(s->addr, addr, alen);
	s->addr[alen] = '\0';
	return s;
}

/* The next item of an nginx list ("a, b : c"): its bytes, or NULL. */
static const char *
next_item(const char **p, size_t *len)
{
	const char *s = *p, *e;

	while (*s == ' ' || *s == ',' || (*s == ':' && (s[1] == ' ' ||
	    s[1] == '\0')))
		s++;
	if (*s == '\0')
		return NULL;
	for (e = s; *e && *e != ' ' && *e != ','; e++)
		;
	*len = (size_t)(e - s);
	*p = e;
	return s;
}

static const char *
strip(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return s != NULL && strncmp(s, prefix, n) == 0 ? s + n : s;
}

/* Counts one request of the log in its second's slot and its upstream. */
int
px_stats_line(struct px_stats *st, const char *line, size_t len)
{
	json_object *o;
	const char *t, *rt, *s, *ua, *urt, *u, *a, *x;
	struct slot *sl;
	struct up *up = NULL;
	struct srv *sv;
	double ms, secs;
	size_t alen, xlen;
	long status;
	int64_t sec;

	if (len > 8192)
		return -1;
	json_tokener_reset(st->tok);
	o = json_tokener_parse_ex(st->tok, line, (int)len);
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -1;
	}
	t = jget_str(o, "t");
	s = jget_str(o, "s");
	if (t == NULL || s == NULL || parse_long(s, 0, 999, &status) < 0) {
		json_object_put(o);
		return -1;
	}
	secs = strtod(t, NULL);
	sec = (int64_t)secs;
	if ((rt = jget_str(o, "rt")) != NULL && *rt != '\0')
		ms = strtod(rt, NULL) * 1000.0;
	else if ((rt = jget_str(o, "rtms")) != NULL && *rt != '\0')
		ms = strtod(rt, NULL);
	else
		ms = 0;
	st->total++;
	sl = &st->win[(uint64_t)sec % WINDOW];
	if (sl->sec != sec) {
		memset(sl, 0, sizeof(*sl));
		sl->sec = sec;
	}
	sl->n++;
	if (status >= 500)
		sl->errors++;
	px_sketch_add(&sl->sk, ms);
	u = strip(strip(jget_str(o, "u"), "balancer://"), "cc_up_");
	if (u != NULL && *u != '\0' && px_name_ok(u) &&
	    (up = up_get(st, u)) != NULL) {
		up->total++;
		px_sketch_add(&up->sk, ms);
	}
	ua = jget_str(o, "ua");
	urt = jget_str(o, "urt");
	if (up != NULL && ua != NULL) {
		while ((a = next_item(&ua, &alen)) != NULL) {
			x = urt ? next_item(&urt, &xlen) : NULL;
			if (alen > 7 && strncmp(a, "http://", 7) == 0) {
				a += 7;
				alen -= 7;
			}
			if (memchr(a, ':', alen) == NULL ||
			    (sv = srv_get(st, up->name, a, alen)) == NULL)
				continue;	/* "cc_up_x": none was live */
			sv->requests++;
			if (x != NULL && *x != '-') {
				sv->rt_sum += strtod(x, NULL) * 1000.0;
				sv->timed++;
			} else if (urt == NULL) {
				sv->rt_sum += ms;	/* Apache: the whole */
				sv->timed++;
			}
		}
	}
	json_object_put(o);
	return 0;
}

/*
 * Reads the lines the log gained since the last call.  A log with
 * another inode (rotated) or shorter than the position (truncated) is
 * read from its start.  A partial last line waits for the next call.
 */
int
px_stats_tail(struct px_stats *st, const char *path)
{
	struct stat fst;
	char *buf = NULL, *p, *nl;
	size_t want, got = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &fst) < 0)
		goto out;
	if ((uint64_t)fst.st_ino != st->inode || (uint64_t)fst.st_size <
	    st->off) {
		st->inode = (uint64_t)fst.st_ino;
		st->off = 0;
	}
	if ((uint64_t)fst.st_size <= st->off)
		goto out;
	want = (size_t)((uint64_t)fst.st_size - st->off);
	if (want > READ_MAX)
		want = READ_MAX;
	if ((buf = malloc(want + 1)) == NULL)
		goto out;
	while (got < want && (n = pread(fd, buf + got, want - got,
	    (off_t)(st->off + got))) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	for (p = buf; (nl = memchr(p, '\n', got - (size_t)(p - buf))) != NULL;
	    p = nl + 1) {
		*nl = '\0';
		if (nl > p)
			px_stats_line(st, p, (size_t)(nl - p));
	}
	st->off += (uint64_t)(p - buf);
out:
	free(buf);
	close(fd);
	return 0;
}

void
px_stats_pos(const struct px_stats *st, uint64_t *inode, uint64_t *off,
    uint64_t *total)
{
	*inode = st->inode;
	*off = st->off;
	*total = st->total;
}

void
px_stats_resume(struct px_stats *st, uint64_t inode, uint64_t off,
    uint64_t total)
{
	st->inode = inode;
	st->off = off;
	st->total = total;
}

static double
round2(double v)
{
	return (double)(long long)(v * 100.0 + 0.5) / 100.0;
}

static json_object *
times_json(const struct px_sketch *sk)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "avg", json_object_new_double(round2(
	    sk->count ? sk->sum / (double)sk->count : 0)));
	json_object_object_add(o, "p50", json_object_new_double(round2(
	    px_sketch_quantile(sk, 0.50))));
	json_object_object_add(o, "p95", json_object_new_double(round2(
	    px_sketch_quantile(sk, 0.95))));
	json_object_object_add(o, "p99", json_object_new_double(round2(
	    px_sketch_quantile(sk, 0.99))));
	return o;
}

static json_object *
server_json(struct px_stats *st, const char *up, json_object *s,
    json_object *health)
{
	const char *addr = jget_str(s, "address");
	json_object *o = json_object_new_object(), *h = NULL, *hc;
	struct srv *sv = NULL;
	char key[400];
	size_t i;

	for (i = 0; i < st->nsrv; i++)
		if (strcmp(st->srv[i].up, up) == 0 &&
		    strcmp(st->srv[i].addr, addr) == 0)
			sv = &st->srv[i];
	snprintf(key, sizeof(key), "%s|%s", up, addr);
	if (health != NULL)
		h = jget_obj(health, key);
	json_object_object_add(o, "address", json_object_new_string(addr));
	json_object_object_add(o, "status", json_object_new_string(
	    jget_bool(s, "down", 0) ? "down" : h != NULL &&
	    jget_str(h, "status") ? jget_str(h, "status") : "unknown"));
	json_object_object_add(o, "requests",
	    json_object_new_int64(sv ? (int64_t)sv->requests : 0));
	json_object_object_add(o, "response_time", json_object_new_double(
	    sv && sv->timed ? round2(sv->rt_sum / (double)sv->timed) : 0));
	hc = json_object_new_object();
	json_object_object_add(hc, "checks",
	    json_object_new_int64(jget_int(h, "checks", 0)));
	json_object_object_add(hc, "fails",
	    json_object_new_int64(jget_int(h, "fails", 0)));
	json_object_object_add(hc, "last_passed",
	    jget_has(h, "last_passed") ? json_object_new_boolean(
	    jget_bool(h, "last_passed", 0)) : NULL);
	json_object_object_add(hc, "last_check_at", jget_str(h,
	    "last_check_at") ? json_object_new_string(jget_str(h,
	    "last_check_at")) : NULL);
	json_object_object_add(o, "health_checks", hc);
	return o;
}

/*
 * The stats document: requests_total (every line read), the last 60
 * seconds' requests_per_second, response_times (ms) and error_rate (5xx
 * share), and per upstream of the model its totals and servers.
 */
json_object *
px_stats_json(struct px_stats *st, json_object *model, json_object *health,
    time_t now)
{
	json_object *o = json_object_new_object(), *ups, *list, *u, *uo, *sv;
	struct px_sketch *all = calloc(1, sizeof(*all));
	uint64_t n = 0, errors = 0;
	size_t i, j, ns, k;
	struct up *up;

	for (i = 0; i < WINDOW; i++)
		if (st->win[i].n > 0 && st->win[i].sec > (int64_t)now - WINDOW &&
		    st->win[i].sec <= (int64_t)now) {
			n += st->win[i].n;
			errors += st->win[i].errors;
			if (all != NULL)
				px_sketch_merge(all, &st->win[i].sk);
		}
	json_object_object_add(o, "requests_total",
	    json_object_new_int64((int64_t)st->total));
	json_object_object_add(o, "requests_per_second",
	    json_object_new_double(round2((double)n / WINDOW)));
	json_object_object_add(o, "window_seconds", json_object_new_int(WINDOW));
	if (all != NULL)
		json_object_object_add(o, "response_times", times_json(all));
	json_object_object_add(o, "error_rate", json_object_new_double(
	    n ? (double)(long long)((double)errors / (double)n * 10000 + 0.5) /
	    10000 : 0));
	free(all);
	ups = json_object_new_object();
	list = jget_arr(model, "upstreams");
	for (i = 0; list != NULL && i < json_object_array_length(list); i++) {
		u = json_object_array_get_idx(list, i);
		up = NULL;
		for (k = 0; k < st->nups; k++)
			if (strcmp(st->ups[k].name, jget_str(u, "name")) == 0)
				up = &st->ups[k];
		uo = json_object_new_object();
		json_object_object_add(uo, "total_requests",
		    json_object_new_int64(up ? (int64_t)up->total : 0));
		/* open-source nginx does not tell connections per upstream */
		json_object_object_add(uo, "active_connections", NULL);
		if (up != NULL)
			json_object_object_add(uo, "response_times",
			    times_json(&up->sk));
		sv = json_object_new_array();
		ns = json_object_array_length(jget_arr(u, "servers"));
		for (j = 0; j < ns; j++)
			json_object_array_add(sv, server_json(st, jget_str(u,
			    "name"), json_object_array_get_idx(jget_arr(u,
			    "servers"), j), health));
		json_object_object_add(uo, "servers", sv);
		json_object_object_add(ups, jget_str(u, "name"), uo);
	}
	json_object_object_add(o, "upstreams", ups);
	return o;
}
