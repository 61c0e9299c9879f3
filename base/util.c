/*
 * util.c: clocks and the strict number parsers every input goes through.
 * Each parser returns 0 on success and -1 on anything it does not accept,
 * so callers can name the bad value in a 400 or a start-up error.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base.h"

uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

time_t
now_wall(void)
{
	return time(NULL);
}

int64_t
now_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Formats t as "YYYY-MM-DDTHH:MM:SSZ".  Every response and log line asks
 * for the current second several times, and gmtime_r + strftime cost more
 * instructions than the rest of a health request's envelope, so the last
 * second formatted is kept (per process; workers are single-threaded).
 */
void
iso8601(char buf[32], time_t t)
{
	static time_t last = (time_t)-1;
	static char last_buf[32];
	struct tm tm;

	if (t != last) {
		gmtime_r(&t, &tm);
		strftime(last_buf, sizeof(last_buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
		last = t;
	}
	memcpy(buf, last_buf, sizeof(last_buf));
}

size_t
cat_mem(char *b, size_t len, size_t cap, const void *s, size_t n)
{
	/* Room is kept for a NUL; what does not fit makes the length cap. */
	if (len >= cap || n >= cap - len)
		return cap;
	memcpy(b + len, s, n);
	return len + n;
}

size_t
cat_str(char *b, size_t len, size_t cap, const char *s)
{
	return cat_mem(b, len, cap, s, strlen(s));
}

size_t
cat_num(char *b, size_t len, size_t cap, unsigned long long v)
{
	char digits[24];
	size_t i = sizeof(digits);

	do
		digits[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return cat_mem(b, len, cap, digits + i, sizeof(digits) - i);
}

/* Appends n bytes to a malloc'd, NUL-terminated buffer; -1 when out
 * of memory (the buffer is unchanged). */
int
buf_append(char **buf, size_t *len, const char *p, size_t n)
{
	char *nb = realloc(*buf, *len + n + 1);

	if (nb == NULL)
		return -1;
	memcpy(nb + *len, p, n);
	*len += n;
	nb[*len] = '\0';
	*buf = nb;
	return 0;
}

/* A whole decimal number in [min, max], nothing else around it. */
int
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * A boolean in its text forms (BOOL_FORMS: true/false, 1/0, yes/no,
 * on/off, in any case): the one reader for config values and query
 * parameters alike.  0 with *out set, or -1 (and *out untouched).
 */
int
parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "true", "1", "yes", "on" };
	static const char *const no[] = { "false", "0", "no", "off" };
	size_t i;

	for (i = 0; s != NULL && i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

/* A byte count with an optional k, m, g or t suffix (powers of 1024). */
int
parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v, mul = 1;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'k': mul = 1ULL << 10; end++; break;
	case 'm': mul = 1ULL << 20; end++; break;
	case 'g': mul = 1ULL << 30; end++; break;
	case 't': mul = 1ULL << 40; end++; break;
	default:
		return -1;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end != '\0' || (v != 0 && mul > ULLONG_MAX / v) ||
	    v * mul > SIZE_MAX)
		return -1;
	*out = (size_t)(v * mul);
	return 0;
}

/* "90", "90s", "15m", "2h" or "1d" to seconds. */
int
parse_duration(const char *s, long *seconds)
{
	char *end;
	long v, mul = 1;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0': break;
	case 's': end++; break;
	case 'm': mul = 60; end++; break;
	case 'h': mul = 3600; end++; break;
	case 'd': mul = 86400; end++; break;
	default:
		return -1;
	}
	if (*end != '\0' || v > LONG_MAX / mul)
		return -1;
	*seconds = v * mul;
	return 0;
}
