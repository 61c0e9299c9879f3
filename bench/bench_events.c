/*
 * bench_events.c: real-time events measured on a private stack
 * (tests/stack/stack through the e2e harness):
 *   fanout N   N SSE subscribers through nginx and nchan on one channel;
 *              events appended to the log (each carrying its monotonic
 *              append time) at 20/s: publish-to-receive latency p50 and
 *              p99 over every (event, subscriber), and the resident
 *              memory of nginx and of the publisher
 *   idle N     N idle SSE subscribers: nginx's memory per subscriber
 *   publisher K  K events appended at once: how many the publisher takes
 *              from the log to nchan per second (one subscribed channel)
 *   list S     GET /containers from the engine follower's cache against
 *              the direct engine call (fresh=true) and the API-key GET
 *              (/users/me), with wrk, S seconds each, in one run
 * Results are printed as Markdown.  Loopback only; everything started is
 * stopped by pid (the harness stops the stack).
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../tests/e2e/harness.h"
#include "../fcgi-app/cc.h"
#include "../storage/storage.h"
#include "../events/events.h"

#define MAXSUB	12000

struct sub {
	int	 fd;
	char	 buf[8192];
	size_t	 len;
	int	 open;		/* the stream has begun */
};

static struct sub	*subs;
static int		 nsubs, ep_fd = -1;
static uint64_t		*lat;		/* microseconds */
static size_t		 nlat, caplat;
#define MAXEV	4096
static uint64_t		 first[MAXEV];	/* per event: the first delivery */

static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
nginx_port(void)
{
	const char *u = harness_env("NGINX_URL"), *c;

	return u && (c = strrchr(u, ':')) ? atoi(c + 1) : 0;
}

/* Opens one SSE subscriber on the "bench" channel (admin, type=bench). */
static int
sub_open(struct sub *s, int port, const char *key)
{
	struct sockaddr_in a;
	struct epoll_event ev;
	char req[512];
	int n;

	memset(s, 0, sizeof(*s));
	if ((s->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(s->fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		goto err;
	n = snprintf(req, sizeof(req), "GET /api/v1/events/stream?type=bench "
	    "HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: %s\r\nAccept: "
	    "text/event-stream\r\n\r\n", key);
	if (write(s->fd, req, (size_t)n) != n)
		goto err;
	fcntl(s->fd, F_SETFL, O_NONBLOCK);
	ev.events = EPOLLIN;
	ev.data.ptr = s;
	if (epoll_ctl(ep_fd, EPOLL_CTL_ADD, s->fd, &ev) < 0)
		goto err;
	return 0;
err:
	close(s->fd);
	s->fd = -1;
	return -1;
}

/* Reads what came on s; records the latency of every event in it. */
static void
sub_read(struct sub *s)
{
	char *line, *nl;
	ssize_t n;

	while ((n = read(s->fd, s->buf + s->len, sizeof(s->buf) - 1 -
	    s->len)) > 0) {
		s->len += (size_t)n;
		s->buf[s->len] = '\0';
		if (!s->open && strstr(s->buf, ": hi") != NULL)
			s->open = 1;
		line = s->buf;
		while ((nl = strchr(line, '\n')) != NULL) {
			char *t;

			*nl = '\0';
			if (strncmp(line, "data: ", 6) == 0 &&
			    (t = strstr(line, "\"t0_us\":")) != NULL) {
				uint64_t t0 = strtoull(t + 8, NULL, 10), now =
				    mono_us();

				if (nlat == caplat) {
					caplat = caplat ? caplat * 2 : 65536;
					lat = realloc(lat, caplat *
					    sizeof(*lat));
				}
				if (lat != NULL && now >= t0)
					lat[nlat++] = now - t0;
				if ((t = strstr(line, "\"seq\":")) != NULL) {
					long q = strtol(t + 6, NULL, 10);

					if (q >= 0 && q < MAXEV && now >= t0 &&
					    (first[q] == 0 || now - t0 <
					    first[q]))
						first[q] = now - t0;
				}
			}
			line = nl + 1;
		}
		memmove(s->buf, line, s->len - (size_t)(line - s->buf));
		s->len -= (size_t)(line - s->buf);
		if (s->len >= sizeof(s->buf) - 1)
			s->len = 0;
	}
	if (n == 0) {
		epoll_ctl(ep_fd, EPOLL_CTL_DEL, s->fd, NULL);
		close(s->fd);
		s->fd = -1;
	}
}

/* Reads for ms milliseconds. */
static void
pump(long ms)
{
	struct epoll_event evs[256];
	uint64_t end = mono_us() + (uint64_t)ms * 1000;
	int n, i;

	while (mono_us() < end) {
		n = epoll_wait(ep_fd, evs, 256, 10);
		for (i = 0; i < n; i++)
			sub_read(evs[i].data.ptr);
	}
}

static int
opened(void)
{
	int i, n = 0;

	for (i = 0; i < nsubs; i++)
		n += subs[i].fd >= 0 && subs[i].open;
	return n;
}

/* n subscribers, opened 50 at a time; how many are streaming. */
static int
subscribe(int n)
{
	const char *key = harness_admin_header() + strlen("X-API-Key: ");
	int port = nginx_port(), i, k;

	subs = calloc((size_t)n, sizeof(*subs));
	nsubs = n;
	for (i = 0; i < n; i += 50) {
		for (k = i; k < n && k < i + 50; k++)
			sub_open(&subs[k], port, key);
		pump(20);
	}
	for (i = 0; i < 200 + n / 10 && opened() < n; i++)
		pump(50);
	return opened();
}

static void
unsubscribe(void)
{
	int i;

	for (i = 0; i < nsubs; i++)
		if (subs[i].fd >= 0)
			close(subs[i].fd);
	free(subs);
	subs = NULL;
	nsubs = 0;
}

/* VmRSS of pid, bytes. */
static long long
rss_of(pid_t pid)
{
	char path[64], line[256];
	long long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* The parent pid of pid. */
static pid_t
ppid_of(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	int pp = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) != NULL && (p = strrchr(buf, ')')))
		sscanf(p + 2, "%*c %d", &pp);
	fclose(f);
	return (pid_t)pp;
}

/* nginx's master and workers, bytes resident. */
static long long
nginx_rss(void)
{
	char path[600], buf[32];
	struct dirent *de;
	long long sum;
	pid_t master = 0;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof(path), "%s/nginx/nginx.pid", harness_dir());
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL)
			master = (pid_t)atoi(buf);
		fclose(f);
	}
	if (master <= 0)
		return 0;
	sum = rss_of(master);
	if ((d = opendir("/proc")) == NULL)
		return sum;
	while ((de = readdir(d)) != NULL) {
		pid_t p = (pid_t)atoi(de->d_name);

		if (p > 0 && ppid_of(p) == master)
			sum += rss_of(p);
	}
	closedir(d);
	return sum;
}

/* The pool process of a kind (GET /system/info), its pid and rss. */
static pid_t
pool_proc(const char *kind, long long *rss)
{
	struct http_resp r;
	json_object *a;
	pid_t pid = 0;
	size_t i;

	http_do(&r, "GET", harness_url("NGINX_URL", "/api/v1/system/info"),
	    (const char *[]){ harness_admin_header(), NULL }, NULL, 0);
	a = json_at(r.json, "system.pool.processes");
	for (i = 0; a && i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);

		if (json_str_at(o, "kind") && strcmp(json_str_at(o, "kind"),
		    kind) == 0) {
			pid = (pid_t)json_object_get_int(json_at(o, "pid"));
			if (rss != NULL)
				*rss = rss_of(pid);
		}
	}
	http_resp_free(&r);
	return pid;
}

/* Appends one "bench" event everyone may see, stamped now. */
static uint64_t
append_stamped(int seq)
{
	json_object *d = json_object_new_object();
	uint64_t id = 0;

	json_object_object_add(d, "seq", json_object_new_int(seq));
	json_object_object_add(d, "t0_us", json_object_new_int64(
	    (int64_t)mono_us()));
	store_event_append_owned(NULL, "bench", STORE_EV_ALL, d, &id);
	json_object_put(d);
	return id;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct(double p)
{
	size_t i;

	if (nlat == 0)
		return 0;
	i = (size_t)(p * (double)(nlat - 1));
	return (double)lat[i] / 1000.0;
}

static void
open_store(void)
{
	config_register_all();
	config_defaults(config_live());
	if (store_open(harness_env("DATA_DIR"), store_cfg.map_size) != 0)
		bail_out("cannot open the stack's event log");
}

static void
bench_fanout(int n)
{
	long long rss_ng0 = nginx_rss(), rss_pub = 0, rss_ng;
	int got, i, events = 200;

	got = subscribe(n);
	printf("## Fan-out: %d SSE subscribers through nchan\n\n", n);
	printf("%d of %d subscribers streaming.\n\n", got, n);
	pump(2500);	/* the channel's seed heartbeat, settling */
	nlat = 0;
	for (i = 0; i < events; i++) {
		append_stamped(i);
		pump(50);
	}
	pump(3000);
	qsort(lat, nlat, sizeof(*lat), cmp_u64);
	qsort(first, (size_t)events, sizeof(first[0]), cmp_u64);
	rss_ng = nginx_rss();
	pool_proc("publisher", &rss_pub);
	printf("| events | deliveries | expected | p50 ms | p99 ms | max ms | "
	    "nginx RSS before | nginx RSS with subscribers | publisher RSS "
	    "|\n|---|---|---|---|---|---|---|---|---|\n");
	printf("| %d | %zu | %d | %.1f | %.1f | %.1f | %.1f MiB | %.1f MiB | "
	    "%.1f MiB |\n\n", events, nlat, events * got, pct(0.50),
	    pct(0.99), nlat ? (double)lat[nlat - 1] / 1000.0 : 0,
	    (double)rss_ng0 / 1048576, (double)rss_ng / 1048576,
	    (double)rss_pub / 1048576);
	printf("The first delivery of each event (the log, the publisher and "
	    "nchan, before the fan-out): p50 %.1f ms, p99 %.1f ms.  Load "
	    "average at the end: ", (double)first[events / 2] / 1000.0,
	    (double)first[events * 99 / 100] / 1000.0);
	{
		FILE *f = fopen("/proc/loadavg", "r");
		char buf[64] = "?";

		if (f != NULL) {
			if (fgets(buf, sizeof(buf), f) == NULL)
				buf[0] = '\0';
			fclose(f);
		}
		buf[strcspn(buf, " ")] = '\0';
		printf("%s on %ld cores.\n\n", buf,
		    sysconf(_SC_NPROCESSORS_ONLN));
	}
	unsubscribe();
}

static void
bench_idle(int n)
{
	long long before, after;
	int got;

	pump(1000);
	before = nginx_rss();
	got = subscribe(n);
	pump(3000);
	after = nginx_rss();
	printf("## Idle subscribers: %d SSE subscribers through nchan\n\n", n);
	printf("| streaming | nginx RSS before | after | per subscriber |\n"
	    "|---|---|---|---|\n| %d | %.1f MiB | %.1f MiB | %.1f KiB |\n\n",
	    got, (double)before / 1048576, (double)after / 1048576,
	    got ? (double)(after - before) / got / 1024 : 0);
	unsubscribe();
}

static void
bench_publisher(int k)
{
	struct store_txn *txn;
	json_object *d;
	uint64_t last = 0, t0, t1;
	int i, got;

	got = subscribe(1);	/* one live channel */
	pump(2000);
	t0 = mono_us();
	for (i = 0; i < k; i += 1000) {
		int j;

		if (store_begin(1, &txn) != 0)
			break;
		for (j = i; j < k && j < i + 1000; j++) {
			d = json_object_new_object();
			json_object_object_add(d, "seq", json_object_new_int(j));
			store_event_append_owned(txn, "bench", STORE_EV_ALL, d,
			    &last);
			json_object_put(d);
		}
		store_commit(txn);
	}
	t1 = mono_us();
	while (ev_pub_cursor() < last && mono_us() - t1 < 120000000ULL)
		pump(20);
	t1 = mono_us();
	printf("## Publisher: %d events from the log to nchan (%d "
	    "subscriber)\n\n| events | seconds | events/s |\n|---|---|---|\n"
	    "| %d | %.2f | %.0f |\n\n", k, got, k, (double)(t1 - t0) / 1e6,
	    (double)k / ((double)(t1 - t0) / 1e6));
	unsubscribe();
}

/* wrk on path for secs seconds with 4 connections: req/s. */
static double
wrk(const char *path, int secs)
{
	char url[512], hdr[256], d[16], out[600], *buf;
	char *argv[] = { "wrk", "-t2", "-c4", "-d", d, "-H", hdr, url, NULL };
	double rps = 0;
	pid_t pid;
	FILE *f;
	int st;

	snprintf(url, sizeof(url), "%s", harness_url("NGINX_URL", path));
	snprintf(hdr, sizeof(hdr), "%s", harness_admin_header());
	snprintf(d, sizeof(d), "%ds", secs);
	snprintf(out, sizeof(out), "%s/wrk.out", harness_dir());
	if ((pid = fork()) == 0) {
		freopen(out, "w", stdout);
		execvp("wrk", argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	if ((f = fopen(out, "r")) == NULL)
		return 0;
	buf = calloc(1, 65536);
	if (buf != NULL && fread(buf, 1, 65535, f) > 0) {
		char *p = strstr(buf, "Requests/sec:");

		if (p != NULL)
			rps = atof(p + 13);
	}
	free(buf);
	fclose(f);
	return rps;
}

static void
bench_list(int secs)
{
	struct http_resp r;
	double hit[3], miss[3], key[3];
	int i;

	/* a few containers to list, and the cache warm */
	for (i = 0; i < 5; i++) {
		char body[256];

		snprintf(body, sizeof(body), "{\"name\":\"bench-%d\",\"image\":"
		    "\"localhost/busybox:test\",\"command\":[\"sleep\","
		    "\"600\"],\"network_mode\":\"none\",\"labels\":"
		    "{\"cc.test\":\"1\"}}", i);
		http_do(&r, "POST", harness_url("NGINX_URL",
		    "/api/v1/containers"), (const char *[]){
		    harness_admin_header(), "Content-Type: application/json",
		    NULL }, body, strlen(body));
		http_resp_free(&r);
	}
	for (i = 0; i < 50; i++) {
		http_do(&r, "GET", harness_url("NGINX_URL",
		    "/api/v1/containers"), (const char *[]){
		    harness_admin_header(), NULL }, NULL, 0);
		if (http_header(&r, "X-Cache") &&
		    strcmp(http_header(&r, "X-Cache"), "hit") == 0) {
			http_resp_free(&r);
			break;
		}
		http_resp_free(&r);
		harness_msleep(200);
	}
	for (i = 0; i < 3; i++) {	/* interleaved rounds */
		hit[i] = wrk("/api/v1/containers", secs);
		miss[i] = wrk("/api/v1/containers?fresh=true", secs);
		key[i] = wrk("/api/v1/users/me", secs);
	}
	printf("## The cached list: GET /containers (5 containers), wrk -t2 "
	    "-c4, %d s a round\n\n| round | cache hit req/s | engine "
	    "(fresh=true) req/s | API-key GET /users/me req/s | hit/engine "
	    "| hit/key |\n|---|---|---|---|---|---|\n", secs);
	for (i = 0; i < 3; i++)
		printf("| %d | %.0f | %.0f | %.0f | %.1f | %.2f |\n", i + 1,
		    hit[i], miss[i], key[i], miss[i] > 0 ? hit[i] / miss[i] : 0,
		    key[i] > 0 ? hit[i] / key[i] : 0);
	printf("\n");
}

int
main(int argc, char **argv)
{
	struct rlimit rl;
	const char *what = argc > 1 ? argv[1] : "fanout";
	int n = argc > 2 ? atoi(argv[2]) : 1000;
	char conns[32];

	if (n <= 0 || (n > MAXSUB && strcmp(what, "publisher") != 0))
		bail_out("usage: bench_events fanout|idle|publisher|list [N] "
		    "(N subscribers at most %d)", MAXSUB);
	/* each subscriber is an fd here and two in nginx */
	rl.rlim_cur = rl.rlim_max = 65536;
	setrlimit(RLIMIT_NOFILE, &rl);
	snprintf(conns, sizeof(conns), "%d", n + 2048);
	setenv("STACK_NGINX_CONNECTIONS", conns, 1);
	harness_start("access_log = false\nmetrics_interval = 0\n");
	open_store();
	if ((ep_fd = epoll_create1(0)) < 0)
		bail_out("epoll: %s", strerror(errno));
	if (strcmp(what, "fanout") == 0)
		bench_fanout(n);
	else if (strcmp(what, "idle") == 0)
		bench_idle(n);
	else if (strcmp(what, "publisher") == 0)
		bench_publisher(n);
	else if (strcmp(what, "list") == 0)
		bench_list(n > 60 ? 5 : n);
	store_close();
	harness_stop();
	return 0;
}
