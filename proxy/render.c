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
	memset(fs, 0, sizeof(*fs));
	if (ctx->server == PX_APACHE)
		return px_render_apache(model, ctx, fs, e);
	return px_render_nginx(model, ctx, fs, e);
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

/*
 * One hunk around what changed: the common head and tail are trimmed
 * and three lines of each kept as context.  Not a minimal diff, but a
 * true one, and enough to read what a write would do.
 */
char *
px_diff(const char *name, const char *old, const char *new)
{
	struct lines a = { 0 }, b = { 0 };
	struct px_buf o = { 0 };
	size_t head = 0, tail = 0, from, i;

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
	from = head > 3 ? head - 3 : 0;
	px_put(&o, "--- a/%s\n+++ b/%s\n", name, name);
	px_put(&o, "@@ -%zu,%zu +%zu,%zu @@\n", from + 1,
	    a.n - tail - from + (tail > 3 ? 3 : tail), from + 1,
	    b.n - tail - from + (tail > 3 ? 3 : tail));
	for (i = from; i < head; i++)
		line(&o, ' ', &a, i);
	for (i = head; i < a.n - tail; i++)
		line(&o, '-', &a, i);
	for (i = head; i < b.n - tail; i++)
		line(&o, '+', &b, i);
	for (i = a.n - tail; i < a.n && i < a.n - tail + 3; i++)
		line(&o, ' ', &a, i);
done:
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
