/*
 * multipart.c: a streaming multipart/form-data parser (RFC 7578 over RFC
 * 2046) with a callback API: part headers, part data chunks, part end.
 *
 * It never holds a part's body: data is handed on as it arrives, except
 * at most one delimiter's worth of bytes that might begin a delimiter.
 * The delimiter "\r\n--boundary" is found with a Knuth-Morris-Pratt
 * automaton, so each input byte is looked at a bounded number of times
 * whatever the input (no re-scanning), and a boundary counts only at the
 * start of a line.  Limits: the boundary (RFC 2046: 1 to 70 characters),
 * the number of parts, the bytes of one part's header block.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cc.h"

enum mp_state {
	MP_PREAMBLE,	/* before the first delimiter: discarded */
	MP_AFTER_DELIM,	/* just after a delimiter: "--", or LWSP CRLF */
	MP_AFTER_DASH,	/* seen one '-' of the closing "--" */
	MP_LWSP,	/* transport padding, then CRLF */
	MP_LWSP_LF,	/* seen CR of that CRLF */
	MP_HEADERS,	/* a part's header block */
	MP_DATA,	/* a part's body */
	MP_EPILOGUE,	/* after the closing delimiter: discarded */
};

struct mp_parser {
	enum mp_state		 state;
	char			 delim[MP_BOUNDARY_MAX + 5];	/* \r\n--b */
	size_t			 dlen;
	size_t			 fail[MP_BOUNDARY_MAX + 5];
	size_t			 q;		/* delimiter bytes matched */
	const struct mp_callbacks *cb;
	void			*arg;
	struct mp_limits	 lim;
	size_t			 parts;
	char			*hdr;		/* header block of one part */
	size_t			 hdr_len;
	struct mp_part		 part;
	int			 err;
};

const char *
mp_strerror(int e)
{
	switch (e) {
	case MP_E_BOUNDARY:
		return "missing or invalid multipart boundary (1 to 70 "
		    "characters)";
	case MP_E_SYNTAX:
		return "malformed multipart body";
	case MP_E_TOO_MANY_PARTS:
		return "too many parts in the multipart body";
	case MP_E_HEADER_TOO_LARGE:
		return "a part's headers are too large";
	case MP_E_TRUNCATED:
		return "the multipart body ended before its closing boundary";
	case MP_E_NOMEM:
		return "out of memory";
	case MP_E_CALLBACK:
		return "stopped by the receiver";
	default:
		return "no error";
	}
}

/* bchars of RFC 2046 (the last one may not be a space). */
static int
bchar(int c)
{
	return isalnum(c) || (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

/*
 * Copies the boundary parameter of a multipart/form-data Content-Type
 * into out (MP_BOUNDARY_MAX + 1 bytes).  Returns 0, or MP_E_BOUNDARY when
 * the type is another one, or the boundary is missing or invalid.
 */
int
mp_boundary(const char *ctype, char *out)
{
	const char *p;
	size_t n = 0;
	int quoted;

	if (ctype == NULL || !content_type_is(ctype, "multipart/form-data"))
		return MP_E_BOUNDARY;
	for (p = strchr(ctype, ';'); p != NULL; p = strchr(p, ';')) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, "boundary=", 9) != 0)
			continue;
		p += 9;
		if ((quoted = *p == '"'))
			p++;
		while (*p != '\0' && (quoted ? *p != '"' : *p != ';' &&
		    *p != ' ' && *p != '\t')) {
			if (n == MP_BOUNDARY_MAX || !bchar((unsigned char)*p))
				return MP_E_BOUNDARY;
			out[n++] = *p++;
		}
		if (quoted && *p != '"')
			return MP_E_BOUNDARY;
		out[n] = '\0';
		return n > 0 && out[n - 1] != ' ' ? 0 : MP_E_BOUNDARY;
	}
	return MP_E_BOUNDARY;
}

/*
 * A parser for one body.  boundary is the bare value (see mp_boundary);
 * cb's functions return 0 to go on or non-zero to stop the parse
 * (MP_E_CALLBACK).  Returns NULL on a bad boundary or no memory.
 */
struct mp_parser *
mp_new(const char *boundary, const struct mp_limits *lim,
    const struct mp_callbacks *cb, void *arg)
{
	struct mp_parser *mp;
	size_t blen = strlen(boundary), i, k;

	if (blen == 0 || blen > MP_BOUNDARY_MAX)
		return NULL;
	if ((mp = calloc(1, sizeof(*mp))) == NULL)
		return NULL;
	if ((mp->hdr = malloc(lim->max_header + 1)) == NULL) {
		free(mp);
		return NULL;
	}
	memcpy(mp->delim, "\r\n--", 4);
	memcpy(mp->delim + 4, boundary, blen);
	mp->dlen = blen + 4;
	/* KMP failure function: fail[i] is the longest proper border of
	 * delim[0..i). */
	mp->fail[0] = mp->fail[1] = 0;
	for (i = 1, k = 0; i < mp->dlen; i++) {
		while (k > 0 && mp->delim[i] != mp->delim[k])
			k = mp->fail[k];
		if (mp->delim[i] == mp->delim[k])
			k++;
		mp->fail[i + 1] = k;
	}
	mp->cb = cb;
	mp->arg = arg;
	mp->lim = *lim;
	/* The first delimiter may open the body without a CRLF before it:
	 * start as though that CRLF had been seen. */
	mp->q = 2;
	mp->state = MP_PREAMBLE;
	return mp;
}

void
mp_free(struct mp_parser *mp)
{
	if (mp == NULL)
		return;
	free(mp->hdr);
	free(mp);
}

static int
fail(struct mp_parser *mp, int e)
{
	mp->err = e;
	return e;
}

static int
emit(struct mp_parser *mp, const char *p, size_t n)
{
	if (n == 0 || mp->state != MP_DATA)
		return 0;
	if (mp->cb->part_data(mp->arg, p, n) != 0)
		return fail(mp, MP_E_CALLBACK);
	return 0;
}

/* Copies a header parameter value (quoted or token) into dst. */
static void
param_copy(const char *p, char *dst, size_t dstlen)
{
	size_t n = 0;

	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"' && n + 1 < dstlen; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			dst[n++] = *p;
		}
	} else
		while (*p != '\0' && *p != ';' && *p != ' ' && n + 1 < dstlen)
			dst[n++] = *p++;
	dst[n] = '\0';
}

/* Finds parameter name= in a header value (case-insensitive name). */
static const char *
param_find(const char *v, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = strchr(v, ';'); p != NULL; p = strchr(p + 1, ';')) {
		const char *s = p + 1;

		while (*s == ' ' || *s == '\t')
			s++;
		if (strncasecmp(s, name, n) == 0 && s[n] == '=')
			return s + n + 1;
	}
	return NULL;
}

/* Parses the header block in mp->hdr and announces the part. */
static int
part_begin(struct mp_parser *mp)
{
	char *line, *next, *colon, *v;
	const char *pv;

	memset(&mp->part, 0, sizeof(mp->part));
	mp->hdr[mp->hdr_len] = '\0';
	for (line = mp->hdr; *line != '\0'; line = next) {
		if ((next = strstr(line, "\r\n")) == NULL)
			return fail(mp, MP_E_SYNTAX);
		*next = '\0';
		next += 2;
		if (*line == '\0')
			break;
		if ((colon = strchr(line, ':')) == NULL)
			return fail(mp, MP_E_SYNTAX);
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		if (strcasecmp(line, "Content-Disposition") == 0) {
			if (strncasecmp(v, "form-data", 9) != 0)
				return fail(mp, MP_E_SYNTAX);
			if ((pv = param_find(v, "name")) != NULL)
				param_copy(pv, mp->part.name,
				    sizeof(mp->part.name));
			if ((pv = param_find(v, "filename")) != NULL) {
				param_copy(pv, mp->part.filename,
				    sizeof(mp->part.filename));
				mp->part.has_filename = 1;
			}
		} else if (strcasecmp(line, "Content-Type") == 0)
			param_copy(v, mp->part.content_type,
			    sizeof(mp->part.content_type));
	}
	if (++mp->parts > mp->lim.max_parts)
		return fail(mp, MP_E_TOO_MANY_PARTS);
	if (mp->cb->part_begin(mp->arg, &mp->part) != 0)
		return fail(mp, MP_E_CALLBACK);
	return 0;
}

/*
 * Feeds len more bytes of the body.  Returns 0, or a negative MP_E_*
 * (the parser is then finished: later calls return the same error).
 */
int
mp_feed(struct mp_parser *mp, const char *buf, size_t len)
{
	size_t i = 0, run = 0, carry, carry_off = 0;
	int c;

	if (mp->err)
		return mp->err;
	/* Bytes held from the last call as a possible delimiter start are
	 * delim[0..carry); the data run in buf starts after them. */
	carry = mp->state == MP_DATA || mp->state == MP_PREAMBLE ? mp->q : 0;
	while (i < len) {
		c = (unsigned char)buf[i];
		switch (mp->state) {
		case MP_PREAMBLE:
		case MP_DATA: {
			size_t oq = mp->q, rel, from_carry;

			while (mp->q > 0 && (unsigned char)mp->delim[mp->q] != c)
				mp->q = mp->fail[mp->q];
			if ((unsigned char)mp->delim[mp->q] == c)
				mp->q++;
			i++;
			/* Bytes no longer part of a possible delimiter are
			 * data: first the carried ones, then buf's. */
			rel = oq + 1 - mp->q;
			from_carry = rel < carry - carry_off ? rel :
			    carry - carry_off;
			if (from_carry > 0 && emit(mp, mp->delim + carry_off,
			    from_carry) != 0)
				return mp->err;
			carry_off += from_carry;
			if (mp->q < mp->dlen)
				continue;
			/* A whole delimiter: the data before it ends here. */
			if (emit(mp, buf + run, i - mp->dlen + (carry -
			    carry_off) - run) != 0)
				return mp->err;
			if (mp->state == MP_DATA &&
			    mp->cb->part_end(mp->arg) != 0)
				return fail(mp, MP_E_CALLBACK);
			mp->q = 0;
			carry = carry_off = 0;
			mp->state = MP_AFTER_DELIM;
			break;
		}
		case MP_AFTER_DELIM:
			i++;
			if (c == '-')
				mp->state = MP_AFTER_DASH;
			else if (c == ' ' || c == '\t')
				mp->state = MP_LWSP;
			else if (c == '\r')
				mp->state = MP_LWSP_LF;
			else
				return fail(mp, MP_E_SYNTAX);
			break;
		case MP_AFTER_DASH:
			i++;
			if (c != '-')
				return fail(mp, MP_E_SYNTAX);
			mp->state = MP_EPILOGUE;
			break;
		case MP_LWSP:
			i++;
			if (c == '\r')
				mp->state = MP_LWSP_LF;
			else if (c != ' ' && c != '\t')
				return fail(mp, MP_E_SYNTAX);
			break;
		case MP_LWSP_LF:
			i++;
			if (c != '\n')
				return fail(mp, MP_E_SYNTAX);
			mp->hdr_len = 0;
			mp->state = MP_HEADERS;
			break;
		case MP_HEADERS:
			i++;
			if (mp->hdr_len == mp->lim.max_header)
				return fail(mp, MP_E_HEADER_TOO_LARGE);
			mp->hdr[mp->hdr_len++] = (char)c;
			/* The block ends with an empty line: CRLF at its
			 * very start, or CRLF CRLF. */
			if (c != '\n' || !((mp->hdr_len == 2 &&
			    mp->hdr[0] == '\r') || (mp->hdr_len >= 4 &&
			    memcmp(mp->hdr + mp->hdr_len - 4, "\r\n\r\n",
			    4) == 0)))
				break;
			if (part_begin(mp) != 0)
				return mp->err;
			mp->state = MP_DATA;
			mp->q = 0;
			run = i;
			break;
		case MP_EPILOGUE:
			i = len;
			break;
		}
		if (mp->state != MP_DATA && mp->state != MP_PREAMBLE)
			run = i;
	}
	/* Hand on the run except what may start a delimiter (the last q
	 * bytes, some perhaps still carried from before). */
	if ((mp->state == MP_DATA || mp->state == MP_PREAMBLE) &&
	    mp->q < (len - run) + (carry - carry_off)) {
		size_t keep_in_buf = mp->q > carry - carry_off ?
		    mp->q - (carry - carry_off) : 0;

		if (emit(mp, buf + run, len - run - keep_in_buf) != 0)
			return mp->err;
	}
	return 0;
}

/* Ends the body: MP_E_TRUNCATED unless the closing delimiter was seen. */
int
mp_finish(struct mp_parser *mp)
{
	if (mp->err)
		return mp->err;
	if (mp->state != MP_EPILOGUE)
		return fail(mp, MP_E_TRUNCATED);
	return 0;
}
