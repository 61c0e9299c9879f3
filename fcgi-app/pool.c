/*
 * pool.c: the master.  It opens the FastCGI sockets (the API's, and the
 * stream workers' of stream_listen), drops privileges, preforks the
 * children of each kind in kinds[] and then only waits for signals
 * (sigtimedwait, so no handler races):
 *   SIGCHLD          reap, run mdb_reader_check, refill; a crash loop
 *                    is detected and backed off;
 *   SIGTERM, SIGINT  close the listening sockets first (a new request
 *                    fails at once, and the web server may fail over),
 *                    let in-flight requests finish within
 *                    shutdown_timeout (streams end with their closing
 *                    record), exit 0;
 *   SIGHUP           re-read the config and replace every child, new
 *                    ones first, so no request is dropped; a retiring
 *                    stream worker finishes its stream.
 * Every tick it also kills a worker whose request runs past
 * request_timeout (the scoreboard says since when it is busy), and a
 * stream still running request_timeout after its stream_max_duration.
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cc.h"
#include "../events/events.h"
#include "../jobs/jobs.h"
#include "../tasks/tasks.h"
#include "../proxy/proxy.h"
#include "../storage/storage.h"
#include "../services/services.h"

#define CRASH_WINDOW_US	(10ULL * 1000000)
#define CRASH_LIMIT	5
#define BACKOFF_MAX_S	32
#define LONE_RESPAWN_US	(1000000ULL)	/* the one kept through a back-off */

/* The sockets: the stream workers' (stream_listen, fd -1 when there is
 * none) and the API's (listen), opened in this order so that the API's
 * socket appearing tells a supervisor both are there. */
enum { LSN_STREAM, LSN_API, LSN__MAX };

/* The kinds of child the master keeps alive. */
struct proc_kind {
	const char	*name;
	void		(*main)(int listen_fd);
	int		(*count)(void);	/* how many, from the live settings */
	int		 listener;	/* the socket it is given */
	int		 retire_sig;	/* how a reload asks it to leave */
};

static int worker_count(void);
static int stream_count(void);

static const struct proc_kind kinds[] = {
	{ "worker", worker_main, worker_count, LSN_API, SIGHUP },
	{ "stream", stream_main, stream_count, LSN_STREAM, SIGHUP },
	/* jobs/runner.c; it closes the socket it is given */
	{ "runner", runner_main, runner_count, LSN_API, SIGTERM },
	/* tasks/tasks.c; it closes the socket it is given */
	{ "tasks", tasks_main, tasks_count, LSN_API, SIGTERM },
	/* proxy/process.c; it closes the socket it is given */
	{ "proxy", proxy_main, proxy_count, LSN_API, SIGTERM },
	/* events/: they close the socket they are given */
	{ "publisher", publisher_main, publisher_count, LSN_API, SIGTERM },
	{ "follower", follower_main, follower_count, LSN_API, SIGTERM },
	{ "sampler", sampler_main, sampler_count, LSN_API, SIGTERM },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* The name of a process kind, for listings ("worker", "runner"). */
const char *
pool_kind_name(int kind)
{
	return kind >= 0 && (size_t)kind < NKINDS ? kinds[kind].name : "?";
}

static struct {
	const char		*config_path;
	const struct cfg_override *ov;
	size_t			 nov;
	struct listener		 lsn[LSN__MAX];
	int			 killed[SB_MAX_SLOTS];	/* by us: no crash */
	uint64_t		 crashes[CRASH_LIMIT];	/* ring of times */
	size_t			 ncrash;
	uint64_t		 hold_until_us;		/* backoff */
	int			 backoff_s;
	uint64_t		 lone_spawn_us[NKINDS];	/* by kind */
} m = { .lsn = { { -1, -1, "", "" }, { -1, -1, "", "" } } };

static int
worker_count(void)
{
	return front_cfg.workers;
}

/* stream_workers and the spare that answers 503 when they are taken
 * (stream.c); none without a stream socket. */
static int
stream_count(void)
{
	return m.lsn[LSN_STREAM].fd >= 0 ? front_cfg.stream_workers + 1 : 0;
}

/* Whether the pool runs stream workers (for stream_begin). */
int
pool_has_streams(void)
{
	return m.lsn[LSN_STREAM].fd >= 0;
}

/*
 * Drops to the configured user and group in the fixed order of slowcgi
 * and lwan (setgroups, setresgid, setresuid) and checks the result.
 */
static int
drop_privileges(void)
{
	struct passwd *pw;
	struct group *gr;
	uid_t ru, eu, su;
	gid_t gid;

	if (front_cfg.user[0] == '\0')
		return 0;
	if ((pw = getpwnam(front_cfg.user)) == NULL) {
		log_msg(LOG_L_ERROR, "user '%s' does not exist", front_cfg.user);
		return -1;
	}
	gid = pw->pw_gid;
	if (front_cfg.group[0] != '\0') {
		if ((gr = getgrnam(front_cfg.group)) == NULL) {
			log_msg(LOG_L_ERROR, "group '%s' does not exist",
			    front_cfg.group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if (setgroups(1, &gid) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
		log_msg(LOG_L_ERROR, "cannot drop privileges to %s: %s",
		    front_cfg.user, strerror(errno));
		return -1;
	}
	if (getresuid(&ru, &eu, &su) < 0 || ru != pw->pw_uid ||
	    eu != pw->pw_uid || su != pw->pw_uid) {
		log_msg(LOG_L_ERROR, "privilege drop did not take");
		return -1;
	}
	return 0;
}

static int
live_children(int kind, unsigned generation)
{
	int i, n = 0;

	for (i = 0; i < SB_MAX_SLOTS; i++)
		if (sb->slots[i].pid > 0 && sb->slots[i].kind == kind &&
		    sb->slots[i].generation == generation)
			n++;
	return n;
}

/* In a new child: every socket but its kind's current one closes, so
 * that at shutdown a socket closes as soon as the children serving it
 * have let go (and a retired generation's old socket with them). */
static void
keep_listener(int keep)
{
	int i;

	for (i = 0; i < LSN__MAX; i++) {
		if (m.lsn[i].old_fd >= 0)
			close(m.lsn[i].old_fd);
		if (i != keep && m.lsn[i].fd >= 0)
			close(m.lsn[i].fd);
	}
}

static int
spawn(int kind)
{
	struct sb_slot *s = NULL;
	pid_t pid;
	int i;

	for (i = 0; i < SB_MAX_SLOTS && s == NULL; i++)
		if (sb->slots[i].pid == 0)
			s = &sb->slots[i];
	if (s == NULL)
		return -1;
	memset((void *)s, 0, sizeof(*s));
	s->kind = kind;
	s->generation = sb->generation;
	s->state = SB_STARTING;
	s->started_us = now_us();
	switch (pid = fork()) {
	case -1:
		log_msg(LOG_L_ERROR, "fork: %s", strerror(errno));
		s->state = SB_EMPTY;
		return -1;
	case 0:
		sb_self = s;
		s->pid = getpid();
		keep_listener(kinds[kind].listener);
		kinds[kind].main(m.lsn[kinds[kind].listener].fd);
		exit(0);
	default:
		s->pid = pid;
		m.killed[s - sb->slots] = 0;
		return 0;
	}
}

/*
 * Starts the children each kind is short of.  During a crash-loop
 * back-off only one of each kind is kept, restarted at most once a
 * second, so the pool never goes without a worker for the pause.
 */
static void
refill(void)
{
	uint64_t now = now_us();
	int hold = now < m.hold_until_us, want;
	size_t k;

	for (k = 0; k < NKINDS; k++) {
		want = kinds[k].count();
		if (hold && want > 1)
			want = 1;
		if (hold && now - m.lone_spawn_us[k] < LONE_RESPAWN_US)
			continue;
		while (live_children((int)k, sb->generation) < want) {
			if (spawn((int)k) < 0)
				return;
			if (hold)
				m.lone_spawn_us[k] = now;
		}
	}
}

/* Five abnormal exits within ten seconds: hold spawning all but one of
 * each kind, doubling the pause each time it happens again, and say
 * so. */
static void
note_crash(void)
{
	uint64_t now = now_us(), oldest;

	m.crashes[m.ncrash++ % CRASH_LIMIT] = now;
	if (m.ncrash < CRASH_LIMIT)
		return;
	oldest = m.crashes[m.ncrash % CRASH_LIMIT];
	if (now - oldest > CRASH_WINDOW_US) {
		m.backoff_s = 0;
		return;
	}
	m.backoff_s = m.backoff_s ? m.backoff_s * 2 : 1;
	if (m.backoff_s > BACKOFF_MAX_S)
		m.backoff_s = BACKOFF_MAX_S;
	m.hold_until_us = now + (uint64_t)m.backoff_s * 1000000;
	log_msg(LOG_L_ERROR, "crash loop: %d children died within %llus; "
	    "keeping one of each kind, pausing the other restarts for %ds",
	    CRASH_LIMIT, (unsigned long long)(CRASH_WINDOW_US / 1000000),
	    m.backoff_s);
	m.ncrash = 0;
}

static void
reap(void)
{
	struct sb_slot *s;
	pid_t pid;
	int st, i, dead, reaped = 0;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < SB_MAX_SLOTS; i++)
			if (sb->slots[i].pid == pid)
				break;
		if (i == SB_MAX_SLOTS)
			continue;
		s = &sb->slots[i];
		reaped++;
		sb->reaped_requests += s->requests;
		sb->reaped_errors += s->errors;
		if (WIFSIGNALED(st) || WEXITSTATUS(st) != 0) {
			if (!m.killed[i]) {
				log_msg(LOG_L_WARN, "%s %d died (%s %d); "
				    "replacing it", kinds[s->kind].name,
				    (int)pid, WIFSIGNALED(st) ? "signal" :
				    "exit status", WIFSIGNALED(st) ?
				    WTERMSIG(st) : WEXITSTATUS(st));
				note_crash();
			}
			sb->restarts++;
		}
		memset((void *)s, 0, sizeof(*s));
	}
	if (reaped > 0 && store_reader_check(store_cfg.data_dir, &dead) == 0 &&
	    dead > 0)
		log_msg(LOG_L_INFO, "cleared %d stale LMDB reader slots", dead);
}

/*
 * Kills a request running past request_timeout, and a stream (a slot
 * that holds one, stream.c) still running request_timeout after its
 * stream_max_duration: streams end themselves at their deadline, so this
 * is only for one stuck where it cannot look at the clock.
 */
static void
kill_overdue(void)
{
	uint64_t now = now_us(), limit, slimit;
	struct sb_slot *s;
	int i, stream;

	limit = (uint64_t)front_cfg.request_timeout * 1000000;
	slimit = limit + (uint64_t)front_cfg.stream_max_duration * 1000000;
	for (i = 0; i < SB_MAX_SLOTS; i++) {
		s = &sb->slots[i];
		stream = s->state == SB_STREAMING && s->stream_user != 0;
		if (s->pid <= 0 || m.killed[i] ||
		    (s->state != SB_BUSY && !stream) ||
		    now - s->busy_since_us <= (stream ? slimit : limit))
			continue;
		if (stream)
			log_msg(LOG_L_WARN, "%s %d ran a stream past "
			    "stream_max_duration (%ds) and did not end it; "
			    "killing it", kinds[s->kind].name, (int)s->pid,
			    front_cfg.stream_max_duration);
		else
			log_msg(LOG_L_WARN, "%s %d ran a request past "
			    "request_timeout (%ds); killing it",
			    kinds[s->kind].name, (int)s->pid,
			    front_cfg.request_timeout);
		m.killed[i] = 1;
		kill(s->pid, SIGKILL);
	}
}

/* Asks every child older than generation to finish and leave: with sig,
 * or with its kind's retire_sig when sig is 0. */
static void
retire(unsigned generation, int sig)
{
	int i;

	for (i = 0; i < SB_MAX_SLOTS; i++)
		if (sb->slots[i].pid > 0 && sb->slots[i].generation <
		    generation) {
			m.killed[i] = 1;
			kill(sb->slots[i].pid, sig != 0 ? sig :
			    kinds[sb->slots[i].kind].retire_sig);
		}
}

static int
older_children(void)
{
	int i, n = 0;

	for (i = 0; i < SB_MAX_SLOTS; i++)
		if (sb->slots[i].pid > 0 &&
		    sb->slots[i].generation < sb->generation)
			n++;
	return n;
}

static int
children_alive(void)
{
	int i, n = 0;

	for (i = 0; i < SB_MAX_SLOTS; i++)
		if (sb->slots[i].pid > 0)
			n++;
	return n;
}

/* The address socket `which` should have under settings c: "" for none,
 * LSN_STDIN for the inherited fd 0.  -1 when the stream address cannot
 * be derived from listen. */
static int
wanted_addr(const struct front_config *c, int which, int on_stdin,
    char *out, size_t len)
{
	if (which == LSN_STREAM)
		return lsn_stream_addr(c->listen, c->stream_listen, on_stdin,
		    out, len);
	snprintf(out, len, "%s", c->listen[0] != '\0' ? c->listen :
	    on_stdin ? LSN_STDIN : LSN_DEFAULT);
	return 0;
}

/*
 * Opens each socket settings c want that is not open yet into next[]
 * (fd -2 where the address did not change).  Returns 0, or -1 with a log
 * line and nothing left open.
 */
static int
open_changed(const struct front_config *c, int on_stdin,
    struct listener next[LSN__MAX])
{
	char addr[CFG_STRLEN];
	int i;

	for (i = 0; i < LSN__MAX; i++) {
		next[i].fd = -2;
		if (wanted_addr(c, i, on_stdin, addr, sizeof(addr)) < 0) {
			log_msg(LOG_L_ERROR, "cannot derive the stream socket "
			    "from listen '%s': set stream_listen", c->listen);
			goto err;
		}
		if (strcmp(addr, m.lsn[i].addr) == 0)
			continue;
		if (lsn_open(&next[i], addr, c->listen_mode, c->backlog) < 0)
			goto err;
	}
	return 0;
err:
	while (--i >= 0)
		if (next[i].fd >= 0)
			lsn_close(&next[i]);
	return -1;
}

/* Takes the sockets open_changed opened; the replaced ones stay open for
 * the generation serving on them. */
static void
take_changed(const struct listener next[LSN__MAX])
{
	int i;

	for (i = 0; i < LSN__MAX; i++)
		if (next[i].fd != -2)
			lsn_replace(&m.lsn[i], &next[i]);
}

/*
 * SIGHUP: reads the configuration again into a scratch set, the way
 * start-up does, and applies it only when it is valid and a changed
 * listen or stream address could be opened; else the running one stays.
 * The new generation of children starts, the old one is retired (each
 * kind with its retire_sig: a stream worker finishes its stream).
 */
static void
reload(void)
{
	struct listener next[LSN__MAX];
	struct cfg_set *set = NULL;
	const struct front_config *c;
	char err[512];

	if ((set = config_new()) == NULL) {
		log_msg(LOG_L_ERROR, "reload refused, keeping the running "
		    "configuration: out of memory");
		goto err;
	}
	if (config_load(set, m.config_path, m.ov, m.nov, err,
	    sizeof(err)) < 0) {
		log_msg(LOG_L_ERROR, "reload refused, keeping the running "
		    "configuration: %s", err);
		goto err;
	}
	c = config_part(set, &front_cfg);
	if (open_changed(c, strcmp(m.lsn[LSN_API].addr, LSN_STDIN) == 0,
	    next) < 0) {
		log_msg(LOG_L_ERROR, "reload refused: cannot listen on the "
		    "new address");
		goto err;
	}
	take_changed(next);
	config_apply(set);
	sb->generation++;
	m.hold_until_us = 0;
	refill();	/* the new generation accepts first */
	retire(sb->generation, 0);
	log_msg(LOG_L_INFO, "configuration reloaded: %d workers, %d stream "
	    "workers, generation %u", front_cfg.workers, pool_has_streams() ?
	    front_cfg.stream_workers : 0, sb->generation);
err:
	config_free(set);
}

static void
shutdown_pool(void)
{
	sigset_t chld;
	siginfo_t si;
	struct timespec tick = { 0, 100 * 1000000 };
	uint64_t deadline;
	int i;

	/* The sockets first: a new request fails now rather than waiting
	 * behind the drain; each child closes its copy on the signal. */
	for (i = 0; i < LSN__MAX; i++)
		lsn_close(&m.lsn[i]);
	retire(sb->generation + 1, SIGTERM);
	deadline = now_us() + (uint64_t)front_cfg.shutdown_timeout * 1000000;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	while (children_alive() > 0 && now_us() < deadline) {
		sigtimedwait(&chld, &si, &tick);
		reap();
	}
	if (children_alive() > 0) {
		log_msg(LOG_L_WARN, "shutdown_timeout (%ds) passed; killing "
		    "%d children", front_cfg.shutdown_timeout, children_alive());
		retire(sb->generation + 1, SIGKILL);
		while (children_alive() > 0 && waitpid(-1, NULL, 0) > 0)
			reap();
		reap();
	}
}

static const char *
signame(int sig)
{
	switch (sig) {
	case SIGTERM: return "SIGTERM";
	case SIGINT: return "SIGINT";
	case SIGHUP: return "SIGHUP";
	default: return "signal";
	}
}

/*
 * Runs the master until SIGTERM or SIGINT; returns the exit status.
 */
int
pool_run(const char *config_path, const struct cfg_override *ov, size_t nov)
{
	sigset_t set;
	siginfo_t si;
	struct timespec tick = { 0, 250 * 1000000 };
	struct listener next[LSN__MAX];
	int sig, i;

	m.config_path = config_path;
	m.ov = ov;
	m.nov = nov;
	if (sb_init() < 0) {
		log_msg(LOG_L_ERROR, "cannot map the scoreboard");
		return 1;
	}
	sb->master_pid = getpid();
	sb->started_at = now_wall();
	sb->started_us = now_us();

	if (open_changed(&front_cfg, front_cfg.listen[0] == '\0' &&
	    !FCGX_IsCGI(), next) < 0)
		return 1;
	take_changed(next);
	if (drop_privileges() < 0)
		return 1;
	/* Shared by every child, so made before the first fork: login and
	 * request counters, hashing slots, and the server secrets (made as
	 * the run user, so workers can read them).  Secrets that cannot be
	 * made now (data_dir not there yet) are retried by each worker on
	 * first use, and until then authenticated requests answer 500;
	 * the master itself keeps running. */
	if (rl_init(0) < 0) {
		log_msg(LOG_L_ERROR, "cannot map the rate limiter");
		return 1;
	}
	cred_secrets_init(store_cfg.data_dir);
	users_bootstrap();

	/* Signals are taken synchronously by sigtimedwait below. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	log_msg(LOG_L_INFO, "container-codes %s: master %d listening on %s "
	    "with %d workers; streams on %s with %d stream workers",
	    PACKAGE_VERSION, (int)getpid(), m.lsn[LSN_API].addr,
	    front_cfg.workers, m.lsn[LSN_STREAM].fd >= 0 ?
	    m.lsn[LSN_STREAM].addr : "the workers' socket",
	    m.lsn[LSN_STREAM].fd >= 0 ? front_cfg.stream_workers : 0);
	refill();
	for (;;) {
		sig = sigtimedwait(&set, &si, &tick);
		if (sig == SIGTERM || sig == SIGINT) {
			log_msg(LOG_L_INFO, "received %s from pid %d (uid %d); "
			    "finishing in-flight requests (up to %ds)",
			    signame(sig), (int)si.si_pid, (int)si.si_uid,
			    front_cfg.shutdown_timeout);
			break;
		}
		if (sig == SIGHUP) {
			log_msg(LOG_L_INFO, "received SIGHUP from pid %d; "
			    "reloading", (int)si.si_pid);
			reload();
		}
		reap();
		if (older_children() == 0)
			for (i = 0; i < LSN__MAX; i++)
				lsn_close_old(&m.lsn[i]);
		kill_overdue();
		refill();
	}
	shutdown_pool();
	log_msg(LOG_L_INFO, "master %d exiting", (int)getpid());
	return 0;
}
