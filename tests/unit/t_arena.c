/* Unit tests: the bump arena (base/arena.c) and the request's use of it
 * (fcgi-app/request.c: req_alloc, req_printf, req_defer, request_free). */
#include "config.h"

#include <stdint.h>

#include "fcgi-app/cc.h"
#include "unit.h"

static int deferred;

static void
count(void *p)
{
	deferred += *(int *)p;
}

/* True if p lies inside [buf, buf + len). */
static int
inside(const void *p, const void *buf, size_t len)
{
	return (const char *)p >= (const char *)buf &&
	    (const char *)p < (const char *)buf + len;
}

int
main(void)
{
	struct arena a, z;
	char buf[256], big[64];
	struct request r;
	char *s, *p, *q;
	int i, ok, one = 1, two = 2;
	long *l;

	/* A zeroed arena is empty and valid: it goes to the heap. */
	memset(&z, 0, sizeof(z));
	CHECK((s = arena_strdup(&z, "heap")) != NULL);
	CHECK_STR(s, "heap");
	CHECK(z.blocks != NULL);
	arena_reset(&z);
	CHECK(z.blocks == NULL);
	arena_reset(&z);	/* twice is harmless */

	/* The caller's block serves first, aligned, without the heap. */
	arena_init(&a, buf, sizeof(buf));
	p = arena_alloc(&a, 3);
	l = arena_alloc(&a, sizeof(*l));
	CHECK(inside(p, buf, sizeof(buf)) && inside(l, buf, sizeof(buf)));
	CHECK((uintptr_t)l % _Alignof(max_align_t) == 0);
	CHECK(a.blocks == NULL);
	CHECK_STR(arena_printf(&a, "%s-%d", "x", 42), "x-42");
	CHECK_STR(arena_strndup(&a, "abcdef", 3), "abc");
	CHECK(arena_alloc(&a, 0) != NULL);

	/* Zeroed memory is zero, even where the block was used before. */
	arena_reset(&a);
	memset(buf, 0xaa, sizeof(buf));
	p = arena_zalloc(&a, 100);
	for (ok = 1, i = 0; i < 100; i++)
		ok &= p[i] == 0;
	CHECK(ok);

	/* Past the first block: a heap block; a large piece its own. */
	arena_reset(&a);
	p = arena_alloc(&a, 200);
	q = arena_alloc(&a, 200);
	CHECK(inside(p, buf, sizeof(buf)) && !inside(q, buf, sizeof(buf)));
	CHECK(a.blocks != NULL);
	s = arena_alloc(&a, ARENA_BLOCK * 2);
	CHECK(s != NULL);
	memset(s, 1, ARENA_BLOCK * 2);
	/* The current block still serves small pieces after a large one. */
	p = arena_alloc(&a, 8);
	CHECK(p == q + 200 + (size_t)(-(uintptr_t)(q + 200) &
	    (_Alignof(max_align_t) - 1)));
	/* A long printf lands whole, wherever it must go. */
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < 400; i++)
		if ((s = arena_printf(&a, "%s%s", big, big)) == NULL ||
		    strlen(s) != 2 * (sizeof(big) - 1))
			break;
	CHECK_INT(i, 400);
	arena_reset(&a);
	CHECK(a.blocks == NULL);
	CHECK(arena_alloc(&a, 8) == (void *)buf);

	/* A request: its first block is inline, and request_free runs the
	 * deferred cleanups and rewinds the arena. */
	memset(&r, 0, offsetof(struct request, arena_first));
	arena_init(&r.arena, r.arena_first, sizeof(r.arena_first));
	p = req_alloc(&r, 64);
	CHECK(inside(p, r.arena_first, sizeof(r.arena_first)));
	CHECK_STR(req_printf(&r, "%d:%s", 7, "x"), "7:x");
	CHECK_STR(req_strdup(&r, "dup"), "dup");
	CHECK(query_parse(&r, "a=1&b=%20") == 0);
	CHECK_STR(req_query(&r, "b"), " ");
	CHECK(r.arena.blocks == NULL);
	req_defer(&r, count, &one);
	req_defer(&r, count, &two);
	request_free(&r);
	CHECK_INT(deferred, 3);
	CHECK(r.cleanups == NULL && r.arena.blocks == NULL);
	CHECK(r.arena.cur == r.arena_first);

	/* A zeroed request (as tests make them) works the same. */
	memset(&r, 0, sizeof(r));
	CHECK_STR(req_printf(&r, "%s", "z"), "z");
	request_free(&r);
	CHECK(r.arena.blocks == NULL);
	return unit_done();
}
