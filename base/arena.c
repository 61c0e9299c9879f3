/*
 * arena.c: a bump arena.  Allocations are carved from blocks and are
 * never freed one by one: arena_reset() gives back every block the arena
 * took from the heap at once (lwan's coro_malloc, slowcgi's one cleanup
 * per request).  An arena may start in a caller's buffer (a struct
 * request keeps its first block inline), so a small user never calls
 * malloc at all; past it, blocks of ARENA_BLOCK bytes follow, and a
 * large allocation gets a block of its own.  A zeroed struct arena is a
 * valid empty one.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

#define ALIGN		_Alignof(max_align_t)
#define ALIGN_UP(n)	(((n) + ALIGN - 1) & ~(size_t)(ALIGN - 1))

/* A heap block: its header, then the bytes handed out. */
struct arena_blk {
	struct arena_blk	*next;
};
#define HDR	ALIGN_UP(sizeof(struct arena_blk))

/* Starts a at the first len bytes of buf (buf may be NULL). */
void
arena_init(struct arena *a, void *buf, size_t len)
{
	memset(a, 0, sizeof(*a));
	a->first = buf;
	a->first_len = buf != NULL ? len : 0;
	arena_reset(a);
}

/* Takes a block of size bytes from the heap and links it in; NULL when
 * memory is exhausted. */
static char *
blk_new(struct arena *a, size_t size)
{
	struct arena_blk *b;

	if (size > SIZE_MAX - HDR || (b = malloc(HDR + size)) == NULL)
		return NULL;
	b->next = a->blocks;
	a->blocks = b;
	return (char *)b + HDR;
}

/*
 * n bytes aligned for any type, uninitialised, valid until the next
 * arena_reset.  NULL when memory is exhausted.
 */
void *
arena_alloc(struct arena *a, size_t n)
{
	char *p;
	size_t want, pad;

	if (n == 0)
		n = 1;
	pad = (size_t)(-(uintptr_t)a->cur & (ALIGN - 1));
	if (a->cur != NULL && pad <= a->left && n <= a->left - pad) {
		p = a->cur + pad;
		a->cur = p + n;
		a->left -= pad + n;
		return p;
	}
	/* A large piece gets its own block, so the current one keeps
	 * serving small ones. */
	if (n > ARENA_BLOCK / 4)
		return blk_new(a, n);
	want = ALIGN_UP(n);
	if ((p = blk_new(a, ARENA_BLOCK)) == NULL)
		return NULL;
	a->cur = p + want;
	a->left = ARENA_BLOCK - want;
	return p;
}

/* As arena_alloc, zeroed. */
void *
arena_zalloc(struct arena *a, size_t n)
{
	void *p = arena_alloc(a, n);

	if (p != NULL)
		memset(p, 0, n ? n : 1);
	return p;
}

/* A copy of s[0..n) with a NUL after it. */
char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX || (p = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

/*
 * Formats into the arena.  The text is written straight into the
 * current block when it fits there, so the common case formats once.
 */
char *
arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	char *p;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(a->cur, a->cur != NULL ? a->left : 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return NULL;
	if ((size_t)n < a->left) {
		p = a->cur;
		a->cur += (size_t)n + 1;
		a->left -= (size_t)n + 1;
		return p;
	}
	if ((p = arena_alloc(a, (size_t)n + 1)) == NULL)
		return NULL;
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

/*
 * Gives back every heap block and starts again at the first buffer:
 * everything allocated from a is gone.  The arena stays usable, and a
 * reset arena holds no memory of the heap (so this is also its free).
 */
void
arena_reset(struct arena *a)
{
	struct arena_blk *b, *next;

	for (b = a->blocks; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->blocks = NULL;
	a->cur = a->first;
	a->left = a->first_len;
}
