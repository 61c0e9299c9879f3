/*
 * utf8.c: UTF-8 as RFC 3629 and Unicode's table 3-7 define it: no
 * overlong forms, no surrogates (U+D800..U+DFFF), nothing past U+10FFFF,
 * no truncated sequence.  The request parser refuses text that is not
 * well formed (utf8_check); the response module and the log repair what
 * they cannot prove well formed, each ill-formed piece becoming U+FFFD
 * (utf8_repair), so that no body and no log line is ever invalid JSON.
 * An ill-formed piece is Unicode's "maximal subpart": the longest start
 * of a valid sequence found, or one byte; a byte that cannot continue
 * the sequence is never swallowed, so a '"' after a cut lead byte stays
 * a quote and the JSON around the text keeps its structure.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base.h"

/*
 * Decodes the sequence at s (len >= 1 bytes).  Returns its code point
 * with *n its length (1 to 4), or -1 with *n the length of the
 * ill-formed piece to skip (1 to 3).
 */
int
utf8_next(const char *s, size_t len, size_t *n)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t need, i;
	int cp;

	if (c < 0x80) {
		*n = 1;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		cp = c & 0x0f;
		if (c == 0xe0)		/* overlong below U+0800 */
			lo = 0xa0;
		else if (c == 0xed)	/* the surrogates */
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		cp = c & 0x07;
		if (c == 0xf0)		/* overlong below U+10000 */
			lo = 0x90;
		else if (c == 0xf4)	/* past U+10FFFF */
			hi = 0x8f;
	} else {
		/* A continuation byte, C0/C1 (always overlong) or F5..FF. */
		*n = 1;
		return -1;
	}
	for (i = 1; i <= need; i++) {
		if (i >= len || p[i] < lo || p[i] > hi) {
			*n = i;
			return -1;
		}
		cp = cp << 6 | (p[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*n = need + 1;
	return cp;
}

/*
 * Whether s[0..len) is well-formed UTF-8 (NUL is a character like any
 * other: callers that cannot hold one check for it themselves).
 * Returns 0, or -1 with *bad (when not NULL) the offset of the first
 * ill-formed byte.  ASCII is skipped eight bytes at a time: most bodies
 * are all ASCII, and every JSON response passes through here.
 */
int
utf8_check(const char *s, size_t len, size_t *bad)
{
	size_t i = 0, n;
	uint64_t w;

	while (i < len) {
		if (len - i >= 8) {
			memcpy(&w, s + i, 8);
			if ((w & 0x8080808080808080ULL) == 0) {
				i += 8;
				continue;
			}
		}
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		if (utf8_next(s + i, len - i, &n) < 0) {
			if (bad != NULL)
				*bad = i;
			return -1;
		}
		i += n;
	}
	return 0;
}

/*
 * The length to keep of s[0..len), a text a fixed buffer may have cut
 * (snprintf): len, less a last sequence that was begun well but cut
 * short.  An ill-formed end of any other kind is kept (it was so before
 * the cut; utf8_repair deals with it).
 */
size_t
utf8_cut(const char *s, size_t len)
{
	size_t i = len, n;

	while (i > 0 && len - i < 3 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0 || (unsigned char)s[i - 1] < 0xc0)
		return len;
	i--;
	if (utf8_next(s + i, len - i, &n) < 0 && n == len - i)
		return i;
	return len;
}

/* The length of s[0..len) once repaired by utf8_repair. */
size_t
utf8_repaired_len(const char *s, size_t len)
{
	size_t i = 0, out = 0, n;

	while (i < len) {
		out += utf8_next(s + i, len - i, &n) < 0 ? 3 : n;
		i += n;
	}
	return out;
}

/*
 * Copies s[0..len) into dst (cap bytes) with each ill-formed piece
 * replaced by U+FFFD, as far as whole characters fit; *used (when not
 * NULL) is the count of source bytes consumed, so a caller with a small
 * buffer calls again from s + *used.  Returns the bytes written; dst is
 * not NUL-ended.  A well-formed text is copied unchanged.
 */
size_t
utf8_repair(char *dst, size_t cap, const char *s, size_t len, size_t *used)
{
	size_t i = 0, o = 0, n;

	while (i < len) {
		if (utf8_next(s + i, len - i, &n) < 0) {
			if (o + 3 > cap)
				break;
			memcpy(dst + o, "\xef\xbf\xbd", 3);
			o += 3;
		} else {
			if (o + n > cap)
				break;
			memcpy(dst + o, s + i, n);
			o += n;
		}
		i += n;
	}
	if (used != NULL)
		*used = i;
	return o;
}

/* Appends "name" (a member) or "[i]" (an element) to where. */
static void
where_push(char *where, size_t wlen, const char *key, size_t idx)
{
	size_t n = strlen(where);

	if (n + 1 >= wlen)
		return;
	if (key != NULL)
		snprintf(where + n, wlen - n, "%s%s", n > 0 ? "." : "", key);
	else
		snprintf(where + n, wlen - n, "[%zu]", idx);
	where[utf8_cut(where, strlen(where))] = '\0';
}

static const char *
check_node(json_object *o, char *where, size_t wlen)
{
	const char *why = NULL, *s;
	size_t n, i, at;

	switch (json_object_get_type(o)) {
	case json_type_string:
		s = json_object_get_string(o);
		n = (size_t)json_object_get_string_len(o);
		if (memchr(s, '\0', n) != NULL)
			return "contains a NUL character";
		if (utf8_check(s, n, NULL) < 0)
			return "is not valid UTF-8";
		return NULL;
	case json_type_double:
		return isfinite(json_object_get_double(o)) ? NULL :
		    "is not a finite number";
	case json_type_object:
		at = strlen(where);
		json_object_object_foreach(o, k, v) {
			if (utf8_check(k, strlen(k), NULL) < 0)
				return "has a member name that is not valid "
				    "UTF-8";
			where_push(where, wlen, k, 0);
			if ((why = check_node(v, where, wlen)) != NULL)
				return why;
			where[at] = '\0';
		}
		return NULL;
	case json_type_array:
		at = strlen(where);
		for (i = 0; i < json_object_array_length(o); i++) {
			where_push(where, wlen, NULL, i);
			if ((why = check_node(json_object_array_get_idx(o, i),
			    where, wlen)) != NULL)
				return why;
			where[at] = '\0';
		}
		return NULL;
	default:
		return NULL;
	}
}

/*
 * Checks a parsed json-c tree for what json-c lets through and a strict
 * reader or a C string cannot hold: a string or a member name that is
 * not well-formed UTF-8, a string with a NUL in it, a number that is not
 * finite (json-c reads NaN, Infinity and 1e999).  Returns NULL, or why
 * with where (wlen bytes) naming the member ("spec.env[2]"; for a bad
 * name, the object that holds it, "" for the top).  Recursion is
 * bounded by the tokener's depth limit.
 */
const char *
utf8_json_check(json_object *o, char *where, size_t wlen)
{
	if (wlen == 0)
		return NULL;
	where[0] = '\0';
	return check_node(o, where, wlen);
}
