/*
 * log.c: one JSON line per event, to stderr or syslog.  Each line is built
 * in a stack buffer and written with one write(2), so lines from many
 * workers sharing stderr never interleave (lines stay under PIPE_BUF).
 * Secrets never reach this module: only the method, the path without its
 * query string, and numbers are logged for a request.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cc.h"

static int use_syslog;

void
log_init(const struct config *c)
{
	use_syslog = strcmp(c->log, "syslog") == 0;
	if (use_syslog)
		openlog("container-codes", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* Escapes src into dst as the inside of a JSON string; returns its length. */
size_t
json_escape(char *dst, size_t dstlen, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	unsigned char ch;

	for (; src != NULL && *src != '\0' && o + 7 < dstlen; src++) {
		ch = (unsigned char)*src;
		if (ch == '"' || ch == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			memcpy(dst + o, "\\u00", 4);
			dst[o + 4] = hex[ch >> 4];
			dst[o + 5] = hex[ch & 15];
			o += 6;
		} else
			dst[o++] = (char)ch;
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

	if (lvl == LOG_L_DEBUG && !cfg.debug)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_escape(esc, sizeof(esc), msg);
	iso8601(ts, now_wall());
	n = snprintf(line, sizeof(line) - 1,
	    "{\"ts\":\"%s\",\"level\":\"%s\",\"pid\":%d,\"msg\":\"%s\"}",
	    ts, names[lvl], (int)getpid(), esc);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	emit(prios[lvl], line, (size_t)n);
}

/* The access log line, written after the response is finished. */
void
log_request(const struct request *r)
{
	char path[1024], line[1536], ts[32];
	int n;

	json_escape(path, sizeof(path), r->path ? r->path : "");
	iso8601(ts, now_wall());
	n = snprintf(line, sizeof(line) - 1,
	    "{\"ts\":\"%s\",\"request_id\":\"%s\",\"method\":\"%s\","
	    "\"path\":\"%s\",\"status\":%d,\"duration_us\":%llu,"
	    "\"bytes\":%zu,\"pid\":%d%s%s%s}",
	    ts, r->id, r->method ? r->method : "-", path, r->status,
	    (unsigned long long)(now_us() - r->start_us), r->bytes_out,
	    (int)getpid(), r->error_code ? ",\"error\":\"" : "",
	    r->error_code ? r->error_code : "", r->error_code ? "\"" : "");
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	emit(LOG_INFO, line, (size_t)n);
}
