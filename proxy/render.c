/*
 * render.c: what the nginx and Apache renderers share.  A px_buf grows
 * text; px_putq is the one way a value gets into a file, inside double
 * quotes, and it refuses (instead of escaping) anything the model's
 * allow-lists should already have kept out, so a value that is not
 * safe in a directive makes the whole rendering fail.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

static void
grow(struct px_buf *b, size_t need)
{
	size_t cap;
	char *p;

	if (b->bad || b->len + need + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + need + 1)
		cap *= 2;
	if ((p = realloc(b->b, cap)) == NULL) {
		b->bad = 1;
		snprintf(b->why, sizeof(b->why), "out of memory");
		return;
	}
	b->b = p;
	b->cap = cap;
}

void
px_put(struct px_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	grow(b, (size_t)n);
	if (b->bad)
		return;
	va_start(ap, fmt);
	vsnprintf(b->b + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static int
safe(struct px_buf *b, const char *v)
{
	const unsigned char *p;

	for (p = (const unsigned char *)(v ? v : ""); *p; p++)
		if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\' ||
		    *p == '$' || *p == '%' || *p == ';' || *p == '{' ||
		    *p == '}' || *p == '#' || *p == '`') {
			if (!b->bad)
				snprintf(b->why, sizeof(b->why), "a value "
				    "with a byte 0x%02x no directive may hold",
				    *p);
			b->bad = 1;
			return 0;
		}
	return 1;
}

/*
 * "pre value post", quoted.  Both servers end a double-quoted string at
 * '"', read '\' as an escape, nginx expands '$' and Apache '%' and
 * "${"; none of these (nor ';', '{', '}', '#', '`', a control or a
 * non-ASCII byte) gets through: the buffer is marked bad and the
 * rendering fails.
 */
void
px_putqs(struct px_buf *b, const char *pre, const char *v, const char *post)
{
	if (safe(b, pre) && safe(b, v) && safe(b, post))
		px_put(b, "\"%s%s%s\"", pre ? pre : "", v ? v : "",
		    post ? post : "");
}

void
px_putq(struct px_buf *b, const char *v)
{
	px_putqs(b, "", v, "");
}

/* A name from the model, written bare after prefix: held to the name
 * allow-list once more. */
void
px_putname(struct px_buf *b, const char *prefix, const char *n)
{
	if (n == NULL || !px_name_ok(n)) {
		if (!b->bad)
			snprintf(b->why, sizeof(b->why), "a name outside the "
			    "allow-list");
		b->bad = 1;
		return;
	}
	px_put(b, "%s%s", prefix, n);
}

/* A header name from the model, written bare. */
void
px_putheader(struct px_buf *b, const char *h)
{
	if (h == NULL || !px_header_name_ok(h)) {
		if (!b->bad)
			snprintf(b->why, sizeof(b->why), "a header name outside "
			    "the allow-list");
		b->bad = 1;
		return;
	}
	px_put(b, "%s", h);
}

/* The route's middleware of that type, or NULL. */
json_object *
px_mw(json_object *route, const char *type)
{
	json_object *mw = jget_arr(route, "middleware"), *m;
	size_t i, n = mw ? json_object_array_length(mw) : 0;

	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(mw, i);
		if (jget_str(m, "type") != NULL &&
		    strcmp(jget_str(m, "type"), type) == 0)
			return m;
	}
	return NULL;
}

void
px_buf_free(struct px_buf *b)
{
	free(b->b);
	memset(b, 0, sizeof(*b));
}

/* Moves b's text into files as name; -1 when b is bad or files full. */
int
px_file_add(struct px_files *fs, const char *name, struct px_buf *b)
{
	struct px_file *f;

	if (b->bad || fs->n >= PX_MAX_FILES)
		return -1;
	if (b->b == NULL)
		px_put(b, "%s", "");
	if (b->bad)
		return -1;
	f = &fs->f[fs->n++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->text = b->b;
	f->len = b->len;
	b->b = NULL;
	b->len = b->cap = 0;
	return 0;
}

void
px_files_free(struct px_files *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		free(fs->f[i].text);
	memset(fs, 0, sizeof(*fs));
}

/*
 * The model rendered for ctx->server (nginx when none is configured, so
 * a dry run still shows something): the files of one generation.  The
 * model must have passed px_model_check.  PX_E_UNSUPPORTED names a
 * field the server cannot do; PX_E_INTERNAL means a value was refused
 * by the quoting (a bug in an allow-list: nothing is rendered).
 */
int
px_render(json_object *model, const struct px_ctx *ctx, struct px_files *fs,
    struct px_error *e)
{
	struct px_buf b = { 0 };
	int rc;

	memset(fs, 0, sizeof(*fs));
	rc = ctx->server == PX_APACHE ? px_render_apache(model, ctx, fs, e) :
	    px_render_nginx(model, ctx, fs, e);
	if (rc < 0)
		return rc;
	/* the generation's number, for Apache's Alias and for reading */
	px_put(&b, "%lld\n", (long long)ctx->generation);
	if (px_file_add(fs, "generation", &b) < 0)
		return px_render_refused(&b, fs, e);
	return 0;
}

/* A renderer's failure: b refused a value (or memory ran out); nothing
 * of the rendering is kept.  PX_E_INTERNAL. */
int
px_render_refused(struct px_buf *b, struct px_files *fs, struct px_error *e)
{
	px_fail(e, PX_E_INTERNAL, "", "rendering refused: %s",
	    b->why[0] ? b->why : "out of memory");
	px_buf_free(b);
	px_files_free(fs);
	return PX_E_INTERNAL;
}

/* ---- the diff of a dry run ---- */

struct lines {
	const char	**l;
	size_t		 *len;
	size_t		  n;
};

static int
split(const char *t, struct lines *ls)
{
	const char *p, *nl;
	size_t n = 0, cap = 0;

	memset(ls, 0, sizeof(*ls));
	for (p = t ? t : ""; *p; p = nl + 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			ls->l = realloc(ls->l, cap * sizeof(*ls->l));
			ls->len = realloc(ls->len, cap * sizeof(*ls->len));
			if (ls->l == NULL || ls->len == NULL)
				return -1;
		}
		nl = strchr(p, '\n');
		ls->l[n] = p;
		ls->len[n] = nl ? (size_t)(nl - p) : strlen(p);
		n++;
		if (nl == NULL)
			break;
	}
	ls->n = n;
	return 0;
}

static int
same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->l[i], b->l[j],
	    a->len[i]) == 0;
}

static void
line(struct px_buf *o, char mark, const struct lines *ls, size_t i)
{
	px_put(o, "%c%.*s\n", mark, (int)ls->len[i], ls->l[i]);
}

#define DIFF_MAX_D	2000	/* edits past this: one plain hunk */

/*
 * Myers' O(ND) shortest edit script between a[ah..at) and b[bh..bt):
 * ops gets '=', '-' or '+' per step (a's lines before b's).  The V
 * arrays of every d are kept to walk back.  -1 past DIFF_MAX_D edits or
 * out of memory.
 */
static int
myers(const struct lines *a, size_t ah, size_t at, const struct lines *b,
    size_t bh, size_t bt, char **ops, size_t *nops)
{
	long n = (long)(at - ah), m = (long)(bt - bh), d, k, x, y, max;
	long **trace = NULL, *v, dd, prev_k;
	char *out = NULL;
	size_t no = 0;
	int rc = -1;

	max = n + m;
	if (max > 2 * DIFF_MAX_D + 200000)
		return -1;
	if ((trace = calloc(DIFF_MAX_D + 1, sizeof(*trace))) == NULL)
		return -1;
	for (d = 0; d <= max && d <= DIFF_MAX_D; d++) {
		if ((v = calloc((size_t)(2 * d + 3), sizeof(*v))) == NULL)
			goto out;
		trace[d] = v;	/* v[k + d + 1] holds V[k] */
		for (k = -d; k <= d; k += 2) {
			long *pv = d > 0 ? trace[d - 1] : NULL;
			long up = pv && k + 1 <= d - 1 ? pv[k + 1 + d] : 0;
			long left = pv && k - 1 >= -(d - 1) ? pv[k - 1 + d] : 0;

			if (d == 0)
				x = 0;
			else if (k == -d || (k != d && left < up))
				x = up;
			else
				x = left + 1;
			y = x - k;
			while (x < n && y < m && same(a, ah + (size_t)x, b,
			    bh + (size_t)y)) {
				x++;
				y++;
			}
			v[k + d + 1] = x;
			if (x >= n && y >= m)
				goto found;
		}
	}
	goto out;
found:
	if ((out = malloc((size_t)(n + m) + 1)) == NULL)
		goto out;
	/* back from (n, m): each d is one edit after a diagonal run */
	x = n;
	y = m;
	no = (size_t)(n + m);
	for (dd = d; dd > 0; dd--) {
		long *pv = trace[dd - 1], up, left, px, py;
		int down;

		k = x - y;
		up = k + 1 <= dd - 1 ? pv[k + 1 + dd] : -1;
		left = k - 1 >= -(dd - 1) ? pv[k - 1 + dd] : -1;
		down = k == -dd || (k != dd && left < up);
		prev_k = down ? k + 1 : k - 1;
		px = down ? up : left;
		py = px - prev_k;
		while (x > px && y > py) {
			out[--no] = '=';
			x--;
			y--;
		}
		out[--no] = down ? '+' : '-';
		x = px;
		y = py;
	}
	while (x > 0 && y > 0) {
		out[--no] = '=';
		x--;
		y--;
	}
	memmove(out, out + no, (size_t)(n + m) - no);
	*nops = (size_t)(n + m) - no;
	*ops = out;
	out = NULL;
	rc = 0;
out:
	for (dd = 0; dd <= DIFF_MAX_D && trace[dd] != NULL; dd++)
		free(trace[dd]);
	free(trace);
	free(out);
	return rc;
}

/*
 * A unified diff (three lines of context) of old and new.  The common
 * head and tail are trimmed first; the rest is Myers' shortest edit
 * script, or, past DIFF_MAX_D edits, one hunk that replaces it all.
 */
char *
px_diff(const char *name, const char *old, const char *new)
{
	struct lines a = { 0 }, b = { 0 };
	struct px_buf o = { 0 };
	size_t head = 0, tail = 0, nops = 0, i, j, ai, bi, s, e;
	char *ops = NULL, *all = NULL;

	if (split(old, &a) < 0 || split(new, &b) < 0)
		goto done;
	while (head < a.n && head < b.n && same(&a, head, &b, head))
		head++;
	while (tail < a.n - head && tail < b.n - head &&
	    same(&a, a.n - 1 - tail, &b, b.n - 1 - tail))
		tail++;
	if (head == a.n && head == b.n) {
		px_put(&o, "%s", "");
		goto done;
	}
	/* the whole script: '=' for head and tail around the middle's */
	if (myers(&a, head, a.n - tail, &b, head, b.n - tail, &ops,
	    &nops) < 0) {
		free(ops);
		nops = (a.n - head - tail) + (b.n - head - tail);
		if ((ops = malloc(nops + 1)) == NULL)
			goto done;
		memset(ops, '-', a.n - head - tail);
		memset(ops + (a.n - head - tail), '+', b.n - head - tail);
	}
	if ((all = malloc(head + nops + tail + 1)) == NULL)
		goto done;
	memset(all, '=', head);
	memcpy(all + head, ops, nops);
	memset(all + head + nops, '=', tail);
	nops += head + tail;
	px_put(&o, "--- a/%s\n+++ b/%s\n", name, name);
	for (i = 0, ai = 0, bi = 0; i < nops;) {
		size_t ha, hb, la = 0, lb = 0, k, xa, xb;

		if (all[i] == '=') {
			i++;
			ai++;
			bi++;
			continue;
		}
		/* a hunk: back 3 lines of context, on while changes come
		 * within 6 lines of each other */
		s = i >= 3 ? i - 3 : 0;
		for (j = i, e = i; j < nops; j++) {
			if (all[j] != '=')
				e = j + 1;
			else if (j - e >= 6)
				break;
		}
		e = e + 3 < nops ? e + 3 : nops;
		ha = ai - (i - s);
		hb = bi - (i - s);
		for (k = s; k < e; k++) {
			la += all[k] != '+';
			lb += all[k] != '-';
		}
		px_put(&o, "@@ -%zu,%zu +%zu,%zu @@\n", ha + 1, la, hb + 1, lb);
		for (k = s, xa = ha, xb = hb; k < e; k++) {
			if (all[k] == '=') {
				line(&o, ' ', &a, xa++);
				xb++;
			} else if (all[k] == '-')
				line(&o, '-', &a, xa++);
			else
				line(&o, '+', &b, xb++);
		}
		ai = xa;
		bi = xb;
		i = e;
	}
done:
	free(ops);
	free(all);
	free(a.l);
	free(a.len);
	free(b.l);
	free(b.len);
	if (o.bad) {
		free(o.b);
		return NULL;
	}
	return o.b;
}
