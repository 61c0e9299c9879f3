/*
 * ranges.c: the HTTP semantics of serving a stored representation, as pure
 * functions over header values: entity-tag lists, HTTP-dates, the RFC 9110
 * precondition order (13.2.2), If-Range, and the Range header (14.1, 14.2)
 * with coalescing.  Nothing here touches a request or a file, so the unit
 * tests (tests/unit/t_ranges.c) drive every branch directly.
 *
 * Where the RFC leaves a choice, the choice is nginx's static module's
 * (so the test battery can compare byte for byte), except where the issue
 * asks otherwise: a malformed Range is ignored (nginx answers 416), and
 * overlapping or adjacent ranges are coalesced (nginx sends them apart).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cc.h"

static const char *
skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * Reads one entity-tag at *pp (W/"x" or "x"), advancing past it.  Sets
 * *weak and the opaque part [*tag, *tag + *len) including the quotes.
 * Returns 0, or -1 when it is not an entity-tag.
 */
static int
etag_next(const char **pp, int *weak, const char **tag, size_t *len)
{
	const char *p = *pp, *q;

	*weak = 0;
	if (p[0] == 'W' && p[1] == '/') {
		*weak = 1;
		p += 2;
	}
	if (*p != '"')
		return -1;
	for (q = p + 1; *q != '"'; q++)
		/* etagc: %x21 / %x23-7E / obs-text */
		if (*q == '\0' || (unsigned char)*q < 0x21 || *q == 0x7f)
			return -1;
	*tag = p;
	*len = (size_t)(q - p) + 1;
	*pp = q + 1;
	return 0;
}

/*
 * True if the If-Match / If-None-Match value list names etag ("*" names
 * any).  Strong comparison needs both tags strong; weak ignores W/.
 * etag is the current tag with its quotes, never weak.  A malformed list
 * matches nothing (a precondition that cannot be true).
 */
int
etag_list_match(const char *list, const char *etag, int weak_cmp)
{
	const char *p = skip_ows(list), *tag;
	size_t len, elen = strlen(etag);
	int weak, hit = 0;

	if (*p == '*' && *skip_ows(p + 1) == '\0')
		return 1;
	while (*p != '\0') {
		if (*p == ',') {
			p = skip_ows(p + 1);
			continue;
		}
		if (etag_next(&p, &weak, &tag, &len) < 0)
			return 0;
		if (len == elen && memcmp(tag, etag, len) == 0 &&
		    (weak_cmp || !weak))
			hit = 1;
		p = skip_ows(p);
		if (*p != ',' && *p != '\0')
			return 0;
	}
	return hit;
}

/*
 * Parses an HTTP-date in any of the three forms a recipient must accept
 * (IMF-fixdate, RFC 850, asctime).  Returns 0 and the time, or -1 when it
 * is not a date (the header is then ignored, RFC 9110 13.1.3).
 */
int
http_date_parse(const char *s, time_t *out)
{
	static const char *fmts[] = {
		"%a, %d %b %Y %H:%M:%S GMT",	/* Sun, 06 Nov 1994 08:49:37 GMT */
		"%A, %d-%b-%y %H:%M:%S GMT",	/* Sunday, 06-Nov-94 08:49:37 GMT */
		"%a %b %e %H:%M:%S %Y",		/* Sun Nov  6 08:49:37 1994 */
	};
	struct tm tm;
	const char *end;
	size_t i;

	if (s == NULL)
		return -1;
	s = skip_ows(s);
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		if ((end = strptime(s, fmts[i], &tm)) != NULL &&
		    *skip_ows(end) == '\0') {
			*out = timegm(&tm);
			return 0;
		}
	}
	return -1;
}

/* Formats t as an IMF-fixdate (29 characters and the NUL). */
void
http_date_format(char buf[32], time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/*
 * The preconditions of RFC 9110 13.2.2, in their order: If-Match, else
 * If-Unmodified-Since; then If-None-Match, else If-Modified-Since (GET
 * and HEAD only).  Any header may be NULL.  exists is 0 when there is no
 * current representation (an upload creating the path).  Returns
 * COND_OK, COND_NOT_MODIFIED (304) or COND_FAILED (412).
 */
enum cond_result
cond_evaluate(const struct cond_headers *h, int exists, const char *etag,
    time_t last_modified, int is_get_or_head)
{
	time_t t;

	if (h->if_match != NULL) {
		if (!exists || !etag_list_match(h->if_match, etag, 0))
			return COND_FAILED;
	} else if (h->if_unmodified_since != NULL && exists &&
	    http_date_parse(h->if_unmodified_since, &t) == 0 &&
	    last_modified > t)
		return COND_FAILED;
	if (h->if_none_match != NULL) {
		if (exists && etag_list_match(h->if_none_match, etag, 1))
			return is_get_or_head ? COND_NOT_MODIFIED : COND_FAILED;
	} else if (h->if_modified_since != NULL && exists && is_get_or_head &&
	    http_date_parse(h->if_modified_since, &t) == 0 &&
	    last_modified <= t)
		return COND_NOT_MODIFIED;
	return COND_OK;
}

/*
 * If-Range (RFC 9110 13.1.5): true when the Range header may be used.
 * An entity-tag must match strongly; a date must equal Last-Modified
 * exactly.  Absent means yes; anything unparsable means no.
 */
int
cond_if_range(const char *if_range, const char *etag, time_t last_modified)
{
	const char *p, *tag;
	size_t len;
	int weak;
	time_t t;

	if (if_range == NULL)
		return 1;
	p = skip_ows(if_range);
	if (*p == '"' || (p[0] == 'W' && p[1] == '/')) {
		if (etag_next(&p, &weak, &tag, &len) < 0 ||
		    *skip_ows(p) != '\0' || weak)
			return 0;
		return len == strlen(etag) && memcmp(tag, etag, len) == 0;
	}
	return http_date_parse(p, &t) == 0 && t == last_modified;
}

/* Reads a decimal position; -1 on no digits or overflow. */
static int
read_pos(const char **pp, long long *out)
{
	const char *p = *pp;
	long long v = 0;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (0x7fffffffffffffffLL - 9) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	*pp = p;
	*out = v;
	return 0;
}

/* Merges overlapping or adjacent ranges, keeping the request order of the
 * rest (RFC 9110 14.6 lets a server coalesce). */
static size_t
coalesce(struct byte_range *rg, size_t n)
{
	size_t i, j;
	int merged = 1;

	while (merged) {
		merged = 0;
		for (i = 0; i < n && !merged; i++)
			for (j = i + 1; j < n && !merged; j++) {
				if (rg[j].start > rg[i].end + 1 ||
				    rg[i].start > rg[j].end + 1)
					continue;
				if (rg[j].start < rg[i].start)
					rg[i].start = rg[j].start;
				if (rg[j].end > rg[i].end)
					rg[i].end = rg[j].end;
				memmove(&rg[j], &rg[j + 1],
				    (n - j - 1) * sizeof(*rg));
				n--;
				merged = 1;
			}
	}
	return n;
}

/*
 * Parses a Range header against a representation of size bytes into at
 * most max ranges (inclusive ends), coalesced.  Returns:
 *  RANGE_NONE: serve the whole representation with 200 (no header, an
 *    unknown unit, a malformed header, more than max satisfiable ranges,
 *    or nginx's choice for a zero-length file: a range from 0 or a
 *    suffix is ignored);
 *  RANGE_PARTIAL: *n ranges in out (206);
 *  RANGE_UNSATISFIABLE: none of the ranges is satisfiable (416).
 * out must hold max entries.
 */
enum range_result
range_parse(const char *hdr, long long size, size_t max,
    struct byte_range *out, size_t *n)
{
	const char *p;
	long long first, last;
	size_t count = 0;
	int any = 0, from_zero = 0;

	*n = 0;
	if (hdr == NULL)
		return RANGE_NONE;
	p = skip_ows(hdr);
	/* range-unit "=" range-set: no whitespace around the "=". */
	if (strncasecmp(p, "bytes=", 6) != 0)
		return RANGE_NONE;
	p += 6;
	for (;;) {
		p = skip_ows(p);
		if (*p == ',') {	/* empty list elements are allowed */
			p++;
			continue;
		}
		if (*p == '\0')
			break;
		if (*p == '-') {
			p++;
			if (read_pos(&p, &last) < 0)
				return RANGE_NONE;
			any = 1;
			from_zero = 1;
			if (last == 0 || size == 0)
				goto next;	/* unsatisfiable */
			first = last >= size ? 0 : size - last;
			last = size - 1;
		} else {
			if (read_pos(&p, &first) < 0)
				return RANGE_NONE;
			p = skip_ows(p);
			if (*p++ != '-')
				return RANGE_NONE;
			p = skip_ows(p);
			if (isdigit((unsigned char)*p)) {
				if (read_pos(&p, &last) < 0 || last < first)
					return RANGE_NONE;
			} else
				last = 0x7fffffffffffffffLL;
			any = 1;
			if (first == 0)
				from_zero = 1;
			if (first >= size)
				goto next;	/* unsatisfiable */
			if (last >= size)
				last = size - 1;
		}
		if (count == max)
			return RANGE_NONE;	/* too many: whole file */
		out[count].start = first;
		out[count].end = last;
		count++;
next:
		p = skip_ows(p);
		if (*p == ',')
			p++;
		else if (*p != '\0')
			return RANGE_NONE;
	}
	if (!any)
		return RANGE_NONE;
	if (size == 0 && from_zero)
		return RANGE_NONE;
	if (count == 0)
		return RANGE_UNSATISFIABLE;
	*n = coalesce(out, count);
	return RANGE_PARTIAL;
}
