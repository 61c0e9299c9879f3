/*
 * process.c: the proxy process, a kind of the pool (fcgi-app/pool.c)
 * that runs when proxy_server is nginx or apache.  It alone writes the
 * web server's configuration and reloads it.
 *
 * Its loop waits on the health checks (libcurl's multi interface) and a
 * signalfd: a request worker that stored a write sends SIGUSR1, and the
 * loop also looks at the model's version every tick.  A model newer
 * than the live one is applied whole, so writes that arrive together
 * share one reload; each apply settles every pending write up to the
 * version it rendered.  A failed apply puts the stored model back to
 * the live one.  No two renders (writes or health flips) come closer
 * than proxy_reload_min_interval, across restarts of this process too
 * (each render sets the `current` link's mtime): a burst of writes
 * waits and shares the next reload, and a crash loop cannot reload the
 * web server in a loop (nchan 1.3.6 was seen to abort its new workers
 * after nine minutes of reloads about a second apart).  Once a second
 * the access log is read into the stats (stats.c) and they are stored
 * for GET /proxy/stats.
 *
 * On start it renders the stored model again: what the API says is what
 * the web server runs, after a crash, a reboot or a hand edit.  A lock
 * file keeps two of them (old and new, across a SIGHUP) from applying
 * at once.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../storage/storage.h"
#include "proxy.h"

#define TICK_MS		250
#define STATS_MS	1000
#define START_RETRY_US	(2ULL * 1000000)

int
proxy_count(void)
{
	return px_server() != PX_NONE ? 1 : 0;
}

/*
 * The pool's FastCGI address for the web server's fastcgi_pass:
 * proxy_pool_pass when set, else what the listening socket is bound to
 * ("unix:/path", or the port on loopback for a wildcard address).
 */
int
px_pool_addr(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char ip[INET6_ADDRSTRLEN];

	if (proxy_cfg.proxy_pool_pass[0] != '\0') {
		snprintf(out, len, "%s", proxy_cfg.proxy_pool_pass);
		return 0;
	}
	out[0] = '\0';
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -1;
	if (ss.ss_family == AF_UNIX) {
		struct sockaddr_un *su = (struct sockaddr_un *)&ss;

		if (su->sun_path[0] == '\0')
			return -1;
		snprintf(out, len, "unix:%s", su->sun_path);
		return 0;
	}
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *si = (struct sockaddr_in *)&ss;

		if (si->sin_addr.s_addr == htonl(INADDR_ANY))
			snprintf(ip, sizeof(ip), "127.0.0.1");
		else
			inet_ntop(AF_INET, &si->sin_addr, ip, sizeof(ip));
		snprintf(out, len, "%s:%d", ip, ntohs(si->sin_port));
		return 0;
	}
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		if (IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
			snprintf(ip, sizeof(ip), "::1");
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(out, len, "[%s]:%d", ip, ntohs(s6->sin6_port));
		return 0;
	}
	return -1;
}

struct proc {
	int64_t			 generation;	/* the last made */
	int64_t			 version;	/* of the live model */
	json_object		*model;		/* live (or last tried) */
	struct px_health	*health;
	struct px_stats		*stats;
	int			 dirty;		/* flips not rendered yet */
	int			 unstarted;	/* the first apply failed */
	uint64_t		 last_render_us;
	uint64_t		 last_stats_us;
	int			 sfd;
	int			 lockfd;
	char			 pool[CFG_STRLEN + 8];
	char			 log[CFG_STRLEN + 16];
};

static void
ctx_of(struct proc *p, struct px_ctx *ctx, int64_t gen, json_object *down)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->server = px_server();
	ctx->generation = gen;
	ctx->dir = px_dir();
	ctx->pool = p->pool;
	ctx->down = ctx->server == PX_NGINX ? down : NULL;
	ctx->verify_url = proxy_cfg.proxy_verify_url;
	ctx->listen = proxy_cfg.proxy_listen;
	ctx->stats = proxy_cfg.proxy_stats;
}

/* The last render's time on now_us()'s clock, from the `current`
 * link's mtime, which each render sets (0: none, or older than the
 * interval). */
static uint64_t
last_render_of_link(void)
{
	char link[CFG_STRLEN + 16];
	struct stat st;
	int64_t age;
	uint64_t now = now_us();

	px_at(link, sizeof(link), "current");
	if (lstat(link, &st) < 0)
		return 0;
	age = now_wall_us() - ((int64_t)st.st_mtim.tv_sec * 1000000 +
	    st.st_mtim.tv_nsec / 1000);
	if (age < 0 || (uint64_t)age >= (uint64_t)now ||
	    age >= (int64_t)proxy_cfg.proxy_reload_min_interval * 1000000)
		return 0;
	return now - (uint64_t)age;
}

/* A render is done: its time, here and on the `current` link (for the
 * next proxy process, should this one be killed). */
static void
rendered(struct proc *p)
{
	char link[CFG_STRLEN + 16];

	p->last_render_us = now_us();
	px_at(link, sizeof(link), "current");
	if (utimensat(AT_FDCWD, link, NULL, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno != ENOENT)
		log_msg(LOG_L_WARN, "proxy: cannot touch %s: %s", link,
		    strerror(errno));
}

/*
 * Renders model (at version) as a new generation and applies it, then
 * records the outcome.  Live: it becomes p's model.  Refused: the
 * stored model goes back to the live one, and the writes fail with the
 * web server's words.
 */
static void
apply(struct proc *p, json_object *model, int64_t version,
    const char *reason)
{
	struct store_proxy_outcome o;
	struct px_files fs;
	struct px_result res;
	struct px_error e;
	struct px_ctx ctx;
	json_object *down = px_health_down(p->health);
	int64_t gen = p->generation + 1;
	uint64_t t0 = now_us();
	int rc;

	memset(&res, 0, sizeof(res));
	ctx_of(p, &ctx, gen, down);
	if ((rc = px_render(model, &ctx, &fs, &e)) < 0)
		snprintf(res.error, sizeof(res.error), "%s%s%s", e.field,
		    e.field[0] ? ": " : "", e.msg);
	else {
		rc = px_apply(&fs, gen, &res);
		px_files_free(&fs);
	}
	p->generation = gen;
	memset(&o, 0, sizeof(o));
	o.generation = gen;
	o.version = version;
	o.reason = reason;
	o.error = rc < 0 ? res.error : NULL;
	o.model = model;
	/* Only a write is undone: a health or start render of the live
	 * model has nothing older to go back to. */
	o.revert = rc < 0 && p->model != NULL && strcmp(reason, "write") == 0 ?
	    p->model : NULL;
	o.keep = proxy_cfg.proxy_history;
	o.reloads = res.reloaded;
	if (store_proxy_settle(&o) != 0)
		log_msg(LOG_L_ERROR, "proxy: cannot record generation %lld",
		    (long long)gen);
	rendered(p);
	p->dirty = 0;	/* the flips so far are in this render */
	if (rc == 0) {
		if (model != p->model) {
			json_object_put(p->model);
			p->model = json_object_get(model);
		}
		p->version = version;
		px_health_sync(p->health, model);
		px_prune(gen);
		log_msg(LOG_L_INFO, "proxy: generation %lld live (model "
		    "version %lld, %s) in %llu ms", (long long)gen,
		    (long long)version, reason,
		    (unsigned long long)((now_us() - t0) / 1000));
		p->unstarted = 0;
	} else {
		/* the revert (if any) is what is live: nothing to apply */
		p->version = o.reverted > 0 ? o.reverted : version;
		log_msg(LOG_L_WARN, "proxy: generation %lld refused (%s): %s",
		    (long long)gen, reason, res.error);
	}
	json_object_put(down);
}

/* Takes the stored model when it is newer than the live one: 1 when
 * there were writes to apply (and they were tried), else 0. */
static int
apply_writes(struct proc *p)
{
	json_object *model = NULL;
	int64_t head = 0, v = 0;

	if (store_proxy_head(&head) != 0 || head <= p->version)
		return 0;
	if (store_proxy_model(&model, &v) != 0)
		return 0;
	apply(p, model, v, "write");
	json_object_put(model);
	return 1;
}

static void
note_flips(struct proc *p)
{
	json_object *flips = px_health_flips(p->health), *health, *f;
	struct store_txn *txn = NULL;
	size_t i, n = json_object_array_length(flips);

	if (n == 0) {
		json_object_put(flips);
		return;
	}
	/* Apache runs its own checks (mod_proxy_hcheck): ours only feed
	 * the stats and the events there. */
	p->dirty = px_server() == PX_NGINX;
	health = px_health_json(p->health);
	if (store_begin(1, &txn) == 0) {
		for (i = 0; i < n; i++) {
			f = json_object_array_get_idx(flips, i);
			log_msg(LOG_L_INFO, "proxy: %s %s is %s",
			    jget_str(f, "upstream"), jget_str(f, "server"),
			    jget_str(f, "status"));
			store_event_append(txn, "proxy_health", f, NULL);
		}
		store_tput_json(txn, STORE_PROXY, "health", health, 0);
		if (store_commit(txn) != 0)
			log_msg(LOG_L_ERROR, "proxy: cannot record health "
			    "flips");
	}
	json_object_put(health);
	json_object_put(flips);
}

static void
save_stats(struct proc *p)
{
	json_object *health = px_health_json(p->health), *doc, *pos;
	struct store_txn *txn = NULL;
	uint64_t inode, off, total;

	if (proxy_cfg.proxy_stats)
		px_stats_tail(p->stats, p->log);
	doc = px_stats_json(p->stats, p->model, health, now_wall());
	px_stats_pos(p->stats, &inode, &off, &total);
	pos = json_object_new_object();
	json_object_object_add(pos, "inode", json_object_new_int64((int64_t)inode));
	json_object_object_add(pos, "offset", json_object_new_int64((int64_t)off));
	json_object_object_add(pos, "total", json_object_new_int64((int64_t)total));
	json_object_object_add(doc, "log", pos);
	/* one transaction (one sync) for both */
	if (store_begin(1, &txn) == 0) {
		if (store_tput_json(txn, STORE_PROXY, "stats", doc, 0) != 0 ||
		    store_tput_json(txn, STORE_PROXY, "health", health, 0) != 0)
			store_abort(txn);
		else
			store_commit(txn);
	}
	json_object_put(doc);
	json_object_put(health);
}

static void
resume_stats(struct proc *p)
{
	json_object *doc = NULL, *pos;

	if (store_get_json(STORE_PROXY, "stats", &doc) != 0)
		return;
	if ((pos = jget_obj(doc, "log")) != NULL)
		px_stats_resume(p->stats, (uint64_t)jget_int(pos, "inode", 0),
		    (uint64_t)jget_int(pos, "offset", 0),
		    (uint64_t)jget_int(pos, "total", 0));
	json_object_put(doc);
}

/* 1 when a signal says stop. */
static int
signals(struct proc *p)
{
	struct signalfd_siginfo si;
	int stop = 0;

	while (read(p->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			stop = 1;
	return stop;
}

/* The proxy_dir lock, waited for while a predecessor still holds it. */
static int
take_lock(struct proc *p)
{
	char path[CFG_STRLEN + 16];
	struct timespec ts = { 0, 100 * 1000000 };

	mkdir(px_dir(), 0755);
	px_at(path, sizeof(path), "lock");
	if ((p->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		log_msg(LOG_L_ERROR, "proxy: cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	while (flock(p->lockfd, LOCK_EX | LOCK_NB) < 0) {
		if (signals(p))
			return -1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

/*
 * The first render: when "current" already holds exactly what the
 * stored model renders to and the web server answers it, nothing is
 * reloaded; otherwise a new generation is applied.
 */
static void
start(struct proc *p)
{
	json_object *model = NULL, *state = NULL;
	struct px_files now, want;
	struct px_error e;
	struct px_ctx ctx;
	int64_t v = 0, cur = px_current_generation();
	size_t i;
	int same = 0;

	if (store_get_json(STORE_PROXY, "state", &state) == 0)
		p->generation = jget_int(state, "generation", 0);
	if (cur > p->generation)
		p->generation = cur;
	if (store_proxy_model(&model, &v) != 0) {
		log_msg(LOG_L_ERROR, "proxy: cannot read the model");
		p->last_render_us = now_us();	/* tried again later */
		json_object_put(state);
		return;
	}
	if (cur > 0) {
		ctx_of(p, &ctx, cur, NULL);
		if (px_render(model, &ctx, &want, &e) == 0) {
			px_read_generation(0, &now);
			same = now.n == want.n;
			for (i = 0; same && i < want.n; i++)
				same = strcmp(now.f[i].name, want.f[i].name) ==
				    0 && now.f[i].len == want.f[i].len &&
				    memcmp(now.f[i].text, want.f[i].text,
				    want.f[i].len) == 0;
			px_files_free(&now);
			px_files_free(&want);
		}
	}
	if (same && px_verify(cur, 1000) == 0) {
		json_object_put(p->model);
		p->model = json_object_get(model);
		p->unstarted = 0;
		p->version = v;
		px_health_sync(p->health, model);
		if (jget_int(state, "live_version", -1) != v) {
			struct store_proxy_outcome o = { .generation = cur,
			    .version = v, .reason = "start", .model = model,
			    .keep = proxy_cfg.proxy_history };

			store_proxy_settle(&o);
		}
		log_msg(LOG_L_INFO, "proxy: generation %lld (model version "
		    "%lld) is live as stored", (long long)cur, (long long)v);
	} else {
		p->unstarted = 1;
		apply(p, model, v, "start");
	}
	json_object_put(model);
	json_object_put(state);
}

/* 1 when a render may be done now; else 0, and *wait_ms (when given) is
 * cut to the time left. */
static int
may_render(const struct proc *p, long *wait_ms)
{
	uint64_t gap = (uint64_t)proxy_cfg.proxy_reload_min_interval * 1000000;
	uint64_t now = now_us(), left;

	if (p->last_render_us == 0 || now - p->last_render_us >= gap)
		return 1;
	left = (p->last_render_us + gap - now + 999) / 1000;
	if (wait_ms != NULL && (long)left < *wait_ms)
		*wait_ms = (long)left;
	return 0;
}

void
proxy_main(int listen_fd)
{
	struct proc p;
	sigset_t set;
	long wait, next;
	int rc;

	memset(&p, 0, sizeof(p));
	p.lockfd = -1;
	if (px_pool_addr(listen_fd, p.pool, sizeof(p.pool)) < 0)
		log_msg(LOG_L_WARN, "proxy: the pool's address is unknown "
		    "(listening on stdin?): set proxy_pool_pass for the auth "
		    "middleware");
	if (listen_fd > 0)
		close(listen_fd);	/* it serves no requests */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_SETMASK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigdelset(&set, SIGCHLD);
	sigdelset(&set, SIGHUP);
	if ((p.sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		log_msg(LOG_L_ERROR, "proxy: signalfd: %s", strerror(errno));
		exit(3);
	}
	if ((rc = store_open(store_cfg.data_dir, store_cfg.map_size)) != 0) {
		log_msg(LOG_L_ERROR, "proxy cannot open storage in %s: %s",
		    store_cfg.data_dir, store_strerror(rc));
		exit(3);
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (p.health = px_health_new()) == NULL ||
	    (p.stats = px_stats_new()) == NULL) {
		log_msg(LOG_L_ERROR, "proxy: out of memory");
		exit(3);
	}
	px_at(p.log, sizeof(p.log), "access.log");
	sb_self->state = SB_IDLE;
	if (take_lock(&p) < 0)
		goto out;
	log_msg(LOG_L_INFO, "proxy %d: %s, generations in %s", (int)getpid(),
	    proxy_cfg.proxy_server, px_dir());
	resume_stats(&p);
	/* The first render too waits for the interval after the last one
	 * (a crash loop of the pool). */
	p.last_render_us = last_render_of_link();
	p.unstarted = 1;
	for (;;) {
		wait = TICK_MS;
		if ((next = px_health_next_ms(p.health)) >= 0 && next < wait)
			wait = next;
		(void)may_render(&p, &wait);
		if (px_health_run(p.health, p.sfd, wait) > 0)
			note_flips(&p);
		if (signals(&p))
			break;
		/* Inside the interval, what is pending waits its turn.
		 * The web server may come up after the pool (at boot):
		 * the first render is tried again until it is live. */
		if (!may_render(&p, NULL))
			;
		else if (p.unstarted) {
			if (p.last_render_us == 0 ||
			    now_us() - p.last_render_us >= START_RETRY_US)
				start(&p);
		} else if (!apply_writes(&p) && p.dirty && p.model != NULL)
			apply(&p, p.model, p.version, "health");
		if (now_us() - p.last_stats_us >= STATS_MS * 1000) {
			p.last_stats_us = now_us();
			save_stats(&p);
		}
	}
out:
	sb_self->state = SB_EXITING;
	px_health_free(p.health);
	px_stats_free(p.stats);
	json_object_put(p.model);
	store_close();
	exit(0);
}
