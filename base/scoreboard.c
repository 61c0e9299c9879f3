/*
 * scoreboard.c: one shared anonymous mapping, made by the master before it
 * forks, where each child keeps its state and counters (as Apache's
 * scoreboard and php-fpm's shared pool status do).  The master reads it to
 * find requests running past request_timeout; /metrics and /system/info
 * read it to report on the whole pool.  Each slot has one writer: the
 * child that owns it, or the master when the slot is empty.
 */
#include "config.h"

#include <sys/mman.h>
#include <string.h>

#include "base.h"

struct scoreboard	*sb;
struct sb_slot		*sb_self;

int
sb_init(void)
{
	void *p;

	p = mmap(NULL, sizeof(*sb), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	memset(p, 0, sizeof(*sb));
	sb = p;
	return 0;
}

const char *
sb_state_name(int s)
{
	static const char *names[] = { "empty", "starting", "idle", "busy",
	    "streaming", "exiting" };

	return s >= 0 && s <= SB_EXITING ? names[s] : "unknown";
}
