/*
 * log.c: one JSON line per event, to stderr or syslog.  Each line is built
 * in a stack buffer and written with one write(2), so lines from many
 * workers sharing stderr never interleave (lines stay under PIPE_BUF).
 * Secrets never reach this module: only the method, the path without its
 * query string, and numbers are logged for a request.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "base.h"

struct base_config base_cfg;

#define O(f) offsetof(struct base_config, f)

/* base's own settings: read by every floor, through log_msg and more. */
static const struct cfg_row base_rows[] = {
	{ "log", CFG_STR, O(log), "stderr", 0, 0, NULL, 0, "stderr|syslog" },
	{ "debug", CFG_BOOL, O(debug), "false", 0, 1, "DEBUG", 0, NULL },
};

const struct cfg_table base_cfg_table = CFG_TABLE(base_rows, base_cfg, NULL);

static int use_syslog;
static pid_t log_pid;	/* getpid() is a system call each time: cached */

static void
log_forget_pid(void)
{
	log_pid = 0;
}

static pid_t
log_getpid(void)
{
	if (log_pid == 0)
		log_pid = getpid();
	return log_pid;
}

/* Opens the log named by base_cfg.log, once the configuration is
 * applied. */
void
log_init(void)
{
	static int once;

	/* Workers are forked: each must find its own pid again. */
	if (!once++)
		pthread_atfork(NULL, NULL, log_forget_pid);
	use_syslog = strcmp(base_cfg.log, "syslog") == 0;
	if (use_syslog)
		openlog("container-codes", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/*
 * Escapes src into dst as the inside of a JSON string; returns its
 * length.  A line stays valid JSON whatever src holds: a character that
 * is not well-formed UTF-8 is written as \ufffd, and one that does not
 * fit whole is left out with the rest.
 */
size_t
json_escape(char *dst, size_t dstlen, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, len = src != NULL ? strlen(src) : 0, i, n;
	unsigned char ch;

	for (i = 0; i < len && o + 7 < dstlen; i += n) {
		ch = (unsigned char)src[i];
		n = 1;
		if (ch == '"' || ch == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			memcpy(dst + o, "\\u00", 4);
			dst[o + 4] = hex[ch >> 4];
			dst[o + 5] = hex[ch & 15];
			o += 6;
		} else if (ch < 0x80)
			dst[o++] = (char)ch;
		else if (utf8_next(src + i, len - i, &n) < 0) {
			memcpy(dst + o, "\\ufffd", 6);
			o += 6;
		} else {
			memcpy(dst + o, src + i, n);
			o += n;
		}
	}
	if (dstlen > 0)
		dst[o < dstlen ? o : dstlen - 1] = '\0';
	return o;
}

static void
emit(int prio, char *line, size_t n)
{
	if (use_syslog) {
		syslog(prio, "%.*s", (int)n, line);
		return;
	}
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return;	/* nowhere left to report it */
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	static const int prios[] = { LOG_DEBUG, LOG_INFO, LOG_WARNING,
	    LOG_ERR };
	char msg[1024], esc[2048], line[3072], ts[32];
	va_list ap;
	int n;

	if (lvl == LOG_L_DEBUG && !base_cfg.debug)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_escape(esc, sizeof(esc), msg);
	iso8601(ts, now_wall());
	n = snprintf(line, sizeof(line) - 1,
	    "{\"ts\":\"%s\",\"level\":\"%s\",\"pid\":%d,\"msg\":\"%s\"}",
	    ts, names[lvl], (int)log_getpid(), esc);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	emit(prios[lvl], line, (size_t)n);
}

/*
 * The access log line, written after the response is finished.  Built
 * with cat_*() rather than snprintf, which was a sixth of a health
 * request's instructions.  The buffer holds the longest line: the path is
 * escaped into at most 1 KiB and everything else is bounded.
 */
void
log_access(const struct log_access *r)
{
	char path[1024], line[1536], ts[32];
	size_t n = 0, cap = sizeof(line) - 1;	/* room for the newline */

	json_escape(path, sizeof(path), r->path ? r->path : "");
	iso8601(ts, now_wall());
	n = cat_str(line, n, cap, "{\"ts\":\"");
	n = cat_str(line, n, cap, ts);
	n = cat_str(line, n, cap, "\",\"request_id\":\"");
	n = cat_str(line, n, cap, r->id);
	n = cat_str(line, n, cap, "\",\"method\":\"");
	n = cat_str(line, n, cap, r->method ? r->method : "-");
	n = cat_str(line, n, cap, "\",\"path\":\"");
	n = cat_str(line, n, cap, path);
	n = cat_str(line, n, cap, "\",\"status\":");
	n = cat_num(line, n, cap, r->status);
	n = cat_str(line, n, cap, ",\"duration_us\":");
	n = cat_num(line, n, cap, r->duration_us);
	n = cat_str(line, n, cap, ",\"bytes\":");
	n = cat_num(line, n, cap, r->bytes);
	n = cat_str(line, n, cap, ",\"pid\":");
	n = cat_num(line, n, cap, (unsigned)log_getpid());
	if (r->error_code != NULL) {
		n = cat_str(line, n, cap, ",\"error\":\"");
		n = cat_str(line, n, cap, r->error_code);
		n = cat_str(line, n, cap, "\"");
	}
	n = cat_str(line, n, cap, "}");
	if (n >= cap)
		return;	/* cannot happen: see the sizes above */
	emit(LOG_INFO, line, n);
}
