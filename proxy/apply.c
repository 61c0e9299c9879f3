/*
 * apply.c: generations on disk.  proxy_dir holds one directory per
 * generation (gen-<n>/, its files written whole before it gets its
 * name) and the symlink "current" the web server's include lines go
 * through.  Applying one is: write it, point "current" at it (a rename
 * over the link, so the web server never sees half of a change), run
 * the web server's own check on its real main configuration, reload,
 * and ask the web server which generation it answers until it is the
 * new one.  Whatever fails, "current" goes back to the previous
 * generation (reloaded again when a reload was done) and the web
 * server's own words are kept for the client.
 */
#include "config.h"

#include <sys/stat.h>

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy.h"

#define GEN_PATH	"/_cc_proxy/generation"

/* The path of rel below proxy_dir. */
void
px_at(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", px_dir(), rel);
}

static void
gen_dir(char *buf, size_t len, int64_t gen, const char *suffix)
{
	snprintf(buf, len, "%s/gen-%lld%s", px_dir(), (long long)gen, suffix);
}

int64_t
px_current_generation(void)
{
	char link[CFG_STRLEN + 16], target[64];
	ssize_t n;
	long long g;

	px_at(link, sizeof(link), "current");
	if ((n = readlink(link, target, sizeof(target) - 1)) <= 0)
		return 0;
	target[n] = '\0';
	if (sscanf(target, "gen-%lld", &g) != 1 || g < 0)
		return 0;
	return g;
}

static int
mkdirs(const char *dir)
{
	char p[CFG_STRLEN + 64], *s;

	snprintf(p, sizeof(p), "%s", dir);
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static void
rm_dir(const char *dir)
{
	char p[CFG_STRLEN + 128];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static int
write_file(const char *path, const char *text, size_t len)
{
	int fd;
	ssize_t n;
	size_t off = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) < 0)
		return -1;
	while (off < len) {
		if ((n = write(fd, text + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* gen-<n>.tmp/ with every file, then renamed gen-<n>/. */
static int
write_generation(const struct px_files *fs, int64_t gen, char *why,
    size_t whylen)
{
	char tmp[CFG_STRLEN + 64], dir[CFG_STRLEN + 64], f[CFG_STRLEN + 128];
	size_t i;

	if (mkdirs(px_dir()) < 0) {
		snprintf(why, whylen, "cannot make %s: %s", px_dir(),
		    strerror(errno));
		return -1;
	}
	gen_dir(tmp, sizeof(tmp), gen, ".tmp");
	gen_dir(dir, sizeof(dir), gen, "");
	rm_dir(tmp);
	rm_dir(dir);
	if (mkdir(tmp, 0755) < 0)
		goto err;
	for (i = 0; i < fs->n; i++) {
		snprintf(f, sizeof(f), "%s/%s", tmp, fs->f[i].name);
		if (write_file(f, fs->f[i].text, fs->f[i].len) < 0)
			goto err;
	}
	if (rename(tmp, dir) < 0)
		goto err;
	return 0;
err:
	snprintf(why, whylen, "cannot write generation %lld in %s: %s",
	    (long long)gen, px_dir(), strerror(errno));
	rm_dir(tmp);
	return -1;
}

/* Points "current" at gen-<gen> (none when gen is 0) in one rename. */
static int
link_to(int64_t gen)
{
	char cur[CFG_STRLEN + 16], tmp[CFG_STRLEN + 16], target[64];

	px_at(cur, sizeof(cur), "current");
	if (gen <= 0)
		return unlink(cur) < 0 && errno != ENOENT ? -1 : 0;
	px_at(tmp, sizeof(tmp), "current.tmp");
	snprintf(target, sizeof(target), "gen-%lld", (long long)gen);
	unlink(tmp);
	if (symlink(target, tmp) < 0)
		return -1;
	return rename(tmp, cur);
}

int
px_read_generation(int64_t gen, struct px_files *fs)
{
	static const char *const names[] = { "nginx-http.conf",
		"nginx-server.conf", "nginx-stream.conf", "apache.conf",
		"generation" };
	char dir[CFG_STRLEN + 64], f[CFG_STRLEN + 128];
	struct px_buf b = { 0 };
	char chunk[8192];
	size_t i;
	ssize_t n;
	int fd;

	memset(fs, 0, sizeof(*fs));
	if (gen == 0)
		px_at(dir, sizeof(dir), "current");
	else
		gen_dir(dir, sizeof(dir), gen, "");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(f, sizeof(f), "%s/%s", dir, names[i]);
		if ((fd = open(f, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		while ((n = read(fd, chunk, sizeof(chunk))) > 0)
			px_put(&b, "%.*s", (int)n, chunk);
		close(fd);
		if (px_file_add(fs, names[i], &b) < 0) {
			px_buf_free(&b);
			break;
		}
	}
	return 0;
}

/* The size of the web server's error log now (0 when unreadable). */
static off_t
log_size(void)
{
	struct stat st;
	const char *p = px_error_log();

	return *p != '\0' && stat(p, &st) == 0 ? st.st_size : 0;
}

/* The error lines the web server logged since offset, appended to out. */
static void
log_since(off_t from, char *out, size_t outlen)
{
	const char *p = px_error_log();
	char buf[8192], *line, *save = NULL;
	size_t used = strlen(out);
	ssize_t n;
	int fd;

	if (*p == '\0' || (fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = pread(fd, buf, sizeof(buf) - 1, from);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "[emerg]") == NULL &&
		    strstr(line, "[alert]") == NULL &&
		    strstr(line, "[crit]") == NULL &&
		    strstr(line, ":error]") == NULL &&
		    strstr(line, ":emerg]") == NULL &&
		    strstr(line, "[error]") == NULL)
			continue;
		used += (size_t)snprintf(out + used, used < outlen ?
		    outlen - used : 0, "%s%s", used ? "\n" : "", line);
		if (used >= outlen)
			break;
	}
}

static pid_t
pid_from(const char *file, char *why, size_t whylen)
{
	char buf[32];
	long pid;
	ssize_t n;
	int fd;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(why, whylen, "cannot read the pid file %s: %s", file,
		    strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (parse_long(buf, 2, 0x7fffffff, &pid) < 0) {
		snprintf(why, whylen, "the pid file %s holds no pid", file);
		return -1;
	}
	return (pid_t)pid;
}

/*
 * proxy_reload: "signal:PIDFILE" sends the web server's reload signal
 * (nginx SIGHUP, Apache's graceful SIGUSR1) to the pid in the file;
 * "exec:ARGV" runs a command that must exit 0; "none" only writes
 * reload.stamp, for a systemd path unit to act on
 * (deploy/systemd/container-codes-proxy-reload.path).
 */
int
px_reload(char *why, size_t whylen)
{
	const char *spec = px_reload_spec();
	char buf[CFG_STRLEN], *argv[32], out[2048];
	pid_t pid;
	int st;

	if (strncmp(spec, "signal:", 7) == 0) {
		if ((pid = pid_from(spec + 7, why, whylen)) < 0)
			return -1;
		if (kill(pid, px_server() == PX_APACHE ? SIGUSR1 :
		    SIGHUP) < 0) {
			snprintf(why, whylen, "cannot signal the web server "
			    "(pid %d): %s", (int)pid, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (strncmp(spec, "exec:", 5) == 0) {
		if (px_argv(spec + 5, buf, sizeof(buf), argv, 32) <= 0) {
			snprintf(why, whylen, "proxy_reload exec: has no "
			    "command");
			return -1;
		}
		if ((st = px_run(argv, out, sizeof(out), 30000)) != 0) {
			snprintf(why, whylen, "the reload command exited %d: "
			    "%s", st, out);
			return -1;
		}
		return 0;
	}
	if (strcmp(spec, "none") == 0) {
		char stamp[CFG_STRLEN + 32], text[32];
		int64_t g = px_current_generation();

		px_at(stamp, sizeof(stamp), "reload.stamp");
		snprintf(text, sizeof(text), "%lld\n", (long long)g);
		if (write_file(stamp, text, strlen(text)) < 0) {
			snprintf(why, whylen, "cannot write %s: %s", stamp,
			    strerror(errno));
			return -1;
		}
		return 0;
	}
	snprintf(why, whylen, "proxy_reload must be signal:PIDFILE, "
	    "exec:ARGV or none");
	return -1;
}

struct body {
	char	 b[64];
	size_t	 n;
};

static size_t
collect(char *p, size_t size, size_t nmemb, void *arg)
{
	struct body *bd = arg;
	size_t n = size * nmemb, take = n;

	if (take > sizeof(bd->b) - 1 - bd->n)
		take = sizeof(bd->b) - 1 - bd->n;
	memcpy(bd->b + bd->n, p, take);
	bd->n += take;
	bd->b[bd->n] = '\0';
	return n;
}

/* One question to the web server: which generation is live? */
static int64_t
live_generation(void)
{
	const char *url = proxy_cfg.proxy_verify_url;
	char sock[CFG_STRLEN + 32];
	struct body bd = { .n = 0 };
	long long g = -1;
	CURL *c;

	if ((c = curl_easy_init()) == NULL)
		return -1;
	if (url[0] == '\0') {
		px_at(sock, sizeof(sock), "verify.sock");
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
		curl_easy_setopt(c, CURLOPT_URL, "http://localhost" GEN_PATH);
	} else
		curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 1000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &bd);
	if (curl_easy_perform(c) == CURLE_OK) {
		long status = 0;

		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (status == 200 && sscanf(bd.b, "%lld", &g) != 1)
			g = -1;
	}
	curl_easy_cleanup(c);
	return g;
}

/* Waits up to timeout_ms for the web server to answer generation gen. */
int
px_verify(int64_t gen, long timeout_ms)
{
	uint64_t deadline = now_us() + (uint64_t)timeout_ms * 1000;
	struct timespec ts = { 0, 10 * 1000000 };

	for (;;) {
		if (live_generation() == gen)
			return 0;
		if (now_us() >= deadline)
			return -1;
		nanosleep(&ts, NULL);
	}
}

/*
 * px_verify, but a reload the web server refused (an [emerg] in its
 * error log since logoff: a port it could not bind) fails at once
 * rather than after the whole timeout.
 */
static int
verify_or_emerg(int64_t gen, long timeout_ms, off_t logoff)
{
	uint64_t deadline = now_us() + (uint64_t)timeout_ms * 1000;
	struct timespec ts = { 0, 10 * 1000000 };
	char seen[512];

	for (;;) {
		if (live_generation() == gen)
			return 0;
		seen[0] = '\0';
		if (log_size() > logoff)
			log_since(logoff, seen, sizeof(seen));
		if (strstr(seen, "emerg") != NULL || now_us() >= deadline)
			return -1;
		nanosleep(&ts, NULL);
	}
}

/* The web server's check (proxy_check) on what "current" names now. */
static int
check(char *why, size_t whylen)
{
	char buf[CFG_STRLEN], *argv[32];
	const char *cmd = px_check_cmd();
	int st;

	if (*cmd == '\0')
		return 0;
	if (px_argv(cmd, buf, sizeof(buf), argv, 32) <= 0) {
		snprintf(why, whylen, "proxy_check has no command");
		return -1;
	}
	if ((st = px_run(argv, why, whylen, 60000)) == 0)
		return 0;
	if (why[0] == '\0')
		snprintf(why, whylen, "%s exited %d", argv[0], st);
	return -1;
}

/*
 * The whole apply of one generation (see the top of this file).  0 when
 * gen is live; PX_E_REJECTED with res->error the web server's text, the
 * previous generation linked back (and live again); PX_E_INTERNAL when
 * the files could not be written.
 */
int
px_apply(const struct px_files *fs, int64_t gen, struct px_result *res)
{
	int64_t prev = px_current_generation();
	long vt = (long)proxy_cfg.proxy_verify_timeout * 1000;
	char why[1024];
	off_t logoff;

	memset(res, 0, sizeof(*res));
	res->generation = gen;
	if (write_generation(fs, gen, res->error, sizeof(res->error)) < 0)
		return PX_E_INTERNAL;
	if (link_to(gen) < 0) {
		snprintf(res->error, sizeof(res->error), "cannot link "
		    "generation %lld in: %s", (long long)gen, strerror(errno));
		return PX_E_INTERNAL;
	}
	if (check(res->error, sizeof(res->error)) < 0) {
		link_to(prev);
		return PX_E_REJECTED;
	}
	logoff = log_size();
	why[0] = '\0';
	if (px_reload(why, sizeof(why)) < 0) {
		link_to(prev);
		snprintf(res->error, sizeof(res->error), "%s", why);
		return PX_E_REJECTED;
	}
	res->reloaded++;
	if (verify_or_emerg(gen, vt, logoff) == 0) {
		/* nginx's master lets the old workers accept for 100 ms after
		 * the new ones start (ngx_msleep(100) before it signals them):
		 * until then a new connection may still get the old routes. */
		if (px_server() == PX_NGINX) {
			struct timespec ts = { 0, 150 * 1000000 };

			nanosleep(&ts, NULL);
		}
		return 0;
	}
	snprintf(res->error, sizeof(res->error), "generation %lld did not go "
	    "live after the reload (waited up to %lds); the web server said:",
	    (long long)gen, vt / 1000);
	log_since(logoff, res->error, sizeof(res->error));
	link_to(prev);
	if (px_reload(why, sizeof(why)) == 0) {
		res->reloaded++;
		if (prev > 0 && px_verify(prev, vt) < 0)
			log_msg(LOG_L_ERROR, "proxy: generation %lld is not "
			    "live again after a failed apply",
			    (long long)prev);
	}
	return PX_E_REJECTED;
}

/* Keeps the newest proxy_history generations, and keep. */
void
px_prune(int64_t keep)
{
	char dir[CFG_STRLEN + 64];
	struct dirent *de;
	long long g, newest = 0;
	DIR *d;

	if ((d = opendir(px_dir())) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (sscanf(de->d_name, "gen-%lld", &g) == 1 && g > newest)
			newest = g;
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		char tail[8];

		if (sscanf(de->d_name, "gen-%lld%7s", &g, tail) == 2) {
			/* a .tmp a crash left behind */
			gen_dir(dir, sizeof(dir), g, ".tmp");
			rm_dir(dir);
			continue;
		}
		if (sscanf(de->d_name, "gen-%lld", &g) != 1 || g == keep ||
		    g > newest - proxy_cfg.proxy_history)
			continue;
		gen_dir(dir, sizeof(dir), g, "");
		rm_dir(dir);
	}
	closedir(d);
}
