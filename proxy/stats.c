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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy.h"

#define WINDOW		60
#define READ_MAX	(1u << 20)	/* bytes read at a time */
#define TAIL_MS		300		/* per call at most */

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
};

struct px_stats *
px_stats_new(void)
{
	return calloc(1, sizeof(struct px_stats));
}

void
px_stats_free(struct px_stats *st)
{
	if (st == NULL)
		return;
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
	snprintf(u->name, sizeof(u->name), "%.*s", PX_NAME_MAX, name);
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

/* The members of a log line, copied out. */
struct line {
	char	 t[32], rt[24], rtms[24], s[8], ua[512], urt[256], u[96];
};

static char *
member(struct line *l, const char *k, size_t kl, size_t *cap)
{
	static const struct { const char *name; size_t off, size; } m[] = {
#define M(f) { #f, offsetof(struct line, f), sizeof(((struct line *)0)->f) }
		M(t), M(rt), M(rtms), M(s), M(ua), M(urt), M(u),
#undef M
	};
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strlen(m[i].name) == kl && memcmp(m[i].name, k, kl) == 0) {
			*cap = m[i].size;
			return (char *)l + m[i].off;
		}
	return NULL;
}

/*
 * A flat scan of one line: the format is ours ({"key":"value",...},
 * escape=json, so no raw quote or control byte inside a value), and a
 * JSON parser per request would cost the proxy process more than nginx
 * spends on the request.  -1 for anything else.
 */
static int
scan(const char *p, const char *end, struct line *l)
{
	const char *k, *v;
	size_t kl, vl, cap;
	char *dst;

	memset(l, 0, sizeof(*l));
	if (p >= end || *p++ != '{')
		return -1;
	while (p < end && *p != '}') {
		if (*p == ',')
			p++;
		if (p >= end || *p++ != '"')
			return -1;
		for (k = p; p < end && *p != '"'; p++)
			;
		kl = (size_t)(p - k);
		if (p + 2 >= end || p[1] != ':' || p[2] != '"')
			return -1;
		for (p += 3, v = p; p < end && *p != '"'; p++)
			if (*p == '\\')
				p++;
		if (p >= end)
			return -1;
		vl = (size_t)(p - v);
		p++;
		if ((dst = member(l, k, kl, &cap)) != NULL) {
			if (vl >= cap)
				vl = cap - 1;	/* a long server list: cut */
			memcpy(dst, v, vl);
			dst[vl] = '\0';
		}
	}
	return l->t[0] != '\0' && l->s[0] != '\0' ? 0 : -1;
}

/* Counts one request of the log in its second's slot and its upstream. */
int
px_stats_line(struct px_stats *st, const char *line, size_t len)
{
	struct line l;
	const char *ua, *urt, *u, *a, *x;
	struct slot *sl;
	struct up *up = NULL;
	struct srv *sv;
	double ms;
	size_t alen, xlen;
	char name[PX_NAME_MAX + 2];
	long status;
	int64_t sec;

	if (scan(line, line + len, &l) < 0 ||
	    parse_long(l.s, 0, 999, &status) < 0)
		return -1;
	sec = (int64_t)strtod(l.t, NULL);
	if (l.rt[0] != '\0')
		ms = strtod(l.rt, NULL) * 1000.0;
	else if (l.rtms[0] != '\0')
		ms = strtod(l.rtms, NULL);
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
	/* Apache's balancer for a route's timeout and retries is
	 * "cc_up_<name>.t<n>.r<n>": the upstream's all the same */
	u = strip(strip(l.u, "balancer://"), "cc_up_");
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(u, "."), u);
	if (*name != '\0' && px_name_ok(name) &&
	    (up = up_get(st, name)) != NULL) {
		up->total++;
		px_sketch_add(&up->sk, ms);
	}
	ua = l.ua;
	urt = l.urt[0] != '\0' ? l.urt : NULL;
	if (up != NULL) {
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
			} else if (l.urt[0] == '\0') {
				sv->rt_sum += ms;	/* Apache: the whole */
				sv->timed++;
			}
		}
	}
	return 0;
}

/*
 * Reads the lines the log gained since the last call, READ_MAX bytes at
 * a time for up to TAIL_MS, so a busy log is caught up with but the
 * loop is not held.  A log with another inode (rotated) or shorter than
 * the position (truncated) is read from its start.  A partial last line
 * waits for the next call.
 */
int
px_stats_tail(struct px_stats *st, const char *path)
{
	struct stat fst;
	char *buf = NULL, *p, *nl;
	size_t want, got;
	uint64_t t0 = now_us();
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &fst) < 0 || (buf = malloc(READ_MAX + 1)) == NULL)
		goto out;
	if ((uint64_t)fst.st_ino != st->inode || (uint64_t)fst.st_size <
	    st->off) {
		st->inode = (uint64_t)fst.st_ino;
		st->off = 0;
	}
	while ((uint64_t)fst.st_size > st->off &&
	    now_us() - t0 < TAIL_MS * 1000) {
		want = (size_t)((uint64_t)fst.st_size - st->off);
		if (want > READ_MAX)
			want = READ_MAX;
		for (got = 0; got < want && (n = pread(fd, buf + got,
		    want - got, (off_t)(st->off + got))) > 0;)
			got += (size_t)n;
		buf[got] = '\0';
		for (p = buf; (nl = memchr(p, '\n', got - (size_t)(p - buf))) !=
		    NULL; p = nl + 1)
			if (nl > p)
				px_stats_line(st, p, (size_t)(nl - p));
		if (p == buf)
			break;	/* one line longer than READ_MAX: wait */
		st->off += (uint64_t)(p - buf);
	}
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

/* A number with places decimals, written as such ("0.10", not
 * json-c's 0.10000000000000001). */
static json_object *
numd(double v, int places)
{
	char b[48];

	snprintf(b, sizeof(b), "%.*f", places, v);
	return json_object_new_double_s(strtod(b, NULL), b);
}

static json_object *
num2(double v)
{
	return numd(v, 2);
}

static json_object *
times_json(const struct px_sketch *sk)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "avg", num2(sk->count ?
	    sk->sum / (double)sk->count : 0));
	json_object_object_add(o, "p50", num2(px_sketch_quantile(sk,
	    0.50)));
	json_object_object_add(o, "p95", num2(px_sketch_quantile(sk,
	    0.95)));
	json_object_object_add(o, "p99", num2(px_sketch_quantile(sk,
	    0.99)));
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
	json_object_object_add(o, "response_time", num2(sv && sv->timed ?
	    sv->rt_sum / (double)sv->timed : 0));
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
	    num2((double)n / WINDOW));
	json_object_object_add(o, "window_seconds", json_object_new_int(WINDOW));
	if (all != NULL)
		json_object_object_add(o, "response_times", times_json(all));
	json_object_object_add(o, "error_rate",
	    numd(n ? (double)errors / (double)n : 0, 4));
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
