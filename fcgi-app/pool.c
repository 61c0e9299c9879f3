/*
 * pool.c: the master.  It opens the FastCGI socket, drops privileges,
 * preforks the children of each kind in kinds[] and then only waits for
 * signals (sigtimedwait, so no handler races):
 *   SIGCHLD          reap, run mdb_reader_check, refill; a crash loop
 *                    is detected and backed off;
 *   SIGTERM, SIGINT  stop accepting, let in-flight requests finish within
 *                    shutdown_timeout, exit 0;
 *   SIGHUP           re-read the config and replace every child, new
 *                    ones first, so no request is dropped.
 * Every tick it also kills a worker whose request runs past
 * request_timeout (the scoreboard says since when it is busy).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cc.h"
#include "../jobs/jobs.h"
#include "../proxy/proxy.h"
#include "../storage/storage.h"
#include "../services/services.h"

#define CRASH_WINDOW_US	(10ULL * 1000000)
#define CRASH_LIMIT	5
#define BACKOFF_MAX_S	32

/* The kinds of child the master keeps alive. */
struct proc_kind {
	const char	*name;
	void		(*main)(int listen_fd);
	int		(*count)(void);	/* how many, from the live settings */
};

static int
worker_count(void)
{
	return front_cfg.workers;
}

static const struct proc_kind kinds[] = {
	{ "worker", worker_main, worker_count },
	{ "runner", runner_main, runner_count },	/* jobs/runner.c */
	{ "proxy", proxy_main, proxy_count },	/* proxy/process.c */
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
	int			 listen_fd;
	int			 old_fd;		/* after a listen change */
	char			 unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int			 killed[SB_MAX_SLOTS];	/* by us: no crash */
	uint64_t		 crashes[CRASH_LIMIT];	/* ring of times */
	size_t			 ncrash;
	uint64_t		 hold_until_us;		/* backoff */
	int			 backoff_s;
} m = { .listen_fd = -1, .old_fd = -1 };

static const char *
listen_addr(void)
{
	return front_cfg.listen[0] != '\0' ? front_cfg.listen :
	    "unix:/run/container-codes/pool.sock";
}

/*
 * Opens the listening socket named by addr: "unix:/path", "/path" or
 * "host:port".  A stale unix socket is replaced; a live one (another pool
 * answering) is refused.  Returns the fd or -1 with a log line.
 */
static int
open_listener(const char *addr, unsigned mode, int backlog, char *unix_path,
    size_t pathlen)
{
	struct sockaddr_un sun;
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *path = NULL, *colon;
	int fd = -1, one = 1, rc;

	if (strncmp(addr, "unix:", 5) == 0)
		path = addr + 5;
	else if (addr[0] == '/')
		path = addr;
	if (path != NULL) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(path) >= sizeof(sun.sun_path)) {
			log_msg(LOG_L_ERROR, "listen path too long: %s", path);
			return -1;
		}
		strcpy(sun.sun_path, path);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
			goto syserr;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			log_msg(LOG_L_ERROR, "%s: another process is already "
			    "serving on this socket", path);
			goto err;
		}
		close(fd);
		unlink(path);	/* stale: nothing answered on it */
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
		    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
		    chmod(path, mode) < 0)
			goto syserr;
		snprintf(unix_path, pathlen, "%s", path);
	} else {
		if ((colon = strrchr(addr, ':')) == NULL ||
		    (size_t)(colon - addr) >= sizeof(host)) {
			log_msg(LOG_L_ERROR, "listen '%s': expected unix:/path "
			    "or host:port", addr);
			return -1;
		}
		memcpy(host, addr, (size_t)(colon - addr));
		host[colon - addr] = '\0';
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
		if ((rc = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints,
		    &res)) != 0) {
			log_msg(LOG_L_ERROR, "listen '%s': %s", addr,
			    gai_strerror(rc));
			return -1;
		}
		if ((fd = socket(res->ai_family, SOCK_STREAM, 0)) < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one)) < 0 ||
		    bind(fd, res->ai_addr, res->ai_addrlen) < 0)
			goto syserr;
		freeaddrinfo(res);
		res = NULL;
		unix_path[0] = '\0';
	}
	if (listen(fd, backlog) < 0)
		goto syserr;
	return fd;
syserr:
	log_msg(LOG_L_ERROR, "listen '%s': %s", addr, strerror(errno));
err:
	if (res != NULL)
		freeaddrinfo(res);
	if (fd >= 0)
		close(fd);
	return -1;
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
		if (m.old_fd >= 0)
			close(m.old_fd);
		kinds[kind].main(m.listen_fd);
		exit(0);
	default:
		s->pid = pid;
		m.killed[s - sb->slots] = 0;
		return 0;
	}
}

static void
refill(void)
{
	size_t k;
	int want;

	if (now_us() < m.hold_until_us)
		return;
	for (k = 0; k < NKINDS; k++) {
		want = kinds[k].count();
		while (live_children((int)k, sb->generation) < want)
			if (spawn((int)k) < 0)
				return;
	}
}

/* Five abnormal exits within ten seconds: hold spawning, doubling the
 * pause each time it happens again, and say so. */
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
	    "pausing restarts for %ds", CRASH_LIMIT,
	    (unsigned long long)(CRASH_WINDOW_US / 1000000), m.backoff_s);
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

static void
kill_overdue(void)
{
	uint64_t now = now_us(), limit;
	struct sb_slot *s;
	int i;

	limit = (uint64_t)front_cfg.request_timeout * 1000000;
	for (i = 0; i < SB_MAX_SLOTS; i++) {
		s = &sb->slots[i];
		if (s->pid <= 0 || s->state != SB_BUSY || m.killed[i] ||
		    now - s->busy_since_us <= limit)
			continue;
		log_msg(LOG_L_WARN, "%s %d ran a request past "
		    "request_timeout (%ds); killing it", kinds[s->kind].name,
		    (int)s->pid, front_cfg.request_timeout);
		m.killed[i] = 1;
		kill(s->pid, SIGKILL);
	}
}

/* Asks every child older than generation to finish and leave. */
static void
retire(unsigned generation, int sig)
{
	int i;

	for (i = 0; i < SB_MAX_SLOTS; i++)
		if (sb->slots[i].pid > 0 && sb->slots[i].generation <
		    generation) {
			m.killed[i] = 1;
			kill(sb->slots[i].pid, sig);
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

/*
 * SIGHUP: reads the configuration again into a scratch set, the way
 * start-up does, and applies it only when it is valid and a changed
 * listen address could be opened; else the running one stays.  The new
 * generation of children starts, the old one is retired.
 */
static void
reload(void)
{
	struct cfg_set *set = NULL;
	const struct front_config *next;
	char err[512], path[sizeof(m.unix_path)];
	int fd;

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
	next = config_part(set, &front_cfg);
	if (strcmp(next->listen, front_cfg.listen) != 0) {
		if ((fd = open_listener(next->listen[0] ? next->listen :
		    "unix:/run/container-codes/pool.sock", next->listen_mode,
		    next->backlog, path, sizeof(path))) < 0) {
			log_msg(LOG_L_ERROR, "reload refused: cannot listen "
			    "on %s", next->listen);
			goto err;
		}
		if (m.old_fd >= 0)
			close(m.old_fd);
		m.old_fd = m.listen_fd;
		m.listen_fd = fd;
		if (m.unix_path[0] != '\0')
			unlink(m.unix_path);
		memcpy(m.unix_path, path, sizeof(path));
	}
	config_apply(set);
	sb->generation++;
	m.hold_until_us = 0;
	refill();	/* the new generation accepts first */
	retire(sb->generation, SIGTERM);
	log_msg(LOG_L_INFO, "configuration reloaded: %d workers, "
	    "generation %u", front_cfg.workers, sb->generation);
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
	int sig;

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

	if (front_cfg.listen[0] == '\0' && !FCGX_IsCGI()) {
		m.listen_fd = 0;	/* mod_fcgid / spawn-fcgi gave us fd 0 */
		log_msg(LOG_L_INFO, "serving the FastCGI listener on stdin");
	} else if ((m.listen_fd = open_listener(listen_addr(),
	    front_cfg.listen_mode, front_cfg.backlog, m.unix_path,
	    sizeof(m.unix_path))) < 0)
		return 1;
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
	    "with %d workers", PACKAGE_VERSION, (int)getpid(),
	    m.listen_fd == 0 ? "stdin" : listen_addr(), front_cfg.workers);
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
		if (m.old_fd >= 0 && older_children() == 0) {
			close(m.old_fd);
			m.old_fd = -1;
		}
		kill_overdue();
		refill();
	}
	shutdown_pool();
	if (m.unix_path[0] != '\0')
		unlink(m.unix_path);
	log_msg(LOG_L_INFO, "master %d exiting", (int)getpid());
	return 0;
}
