/*
 * ratelimit.c: counters every worker shares, in one anonymous mapping the
 * master makes before it forks (like the scoreboard):
 *  - fixed-window counters keyed by a hash of a string ("login:u:bob",
 *    "req:key:ab12..."), in an open-addressed table that evicts the
 *    entry whose window ends first when a probe run is full;
 *  - the password-hashing slots: one per core, each holding the pid of
 *    the process computing an Argon2 hash.  A slot whose process died
 *    (killed past request_timeout mid-hash) is taken back, which a
 *    counting semaphore could not do.
 * One robust process-shared mutex guards both; a holder that dies leaves
 * it recoverable (EOWNERDEAD).  Without rl_init (the CLI, most unit tests)
 * nothing is limited.
 */
#include "config.h"

#include <sys/mman.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "base.h"

#define RL_SLOTS	8192
#define RL_PROBE	16
#define RL_PW_MAX	64

struct rl_entry {
	uint64_t	 key;		/* 0 = empty */
	uint64_t	 window_end;	/* monotonic seconds */
	uint32_t	 count;
};

struct rl_shared {
	pthread_mutex_t	 mu;
	unsigned char	 hkey[crypto_shorthash_KEYBYTES];
	int		 pw_slots;
	pid_t		 pw_holder[RL_PW_MAX];
	struct rl_entry	 e[RL_SLOTS];
};

static struct rl_shared *rl;

/*
 * Maps the shared table; pw_slots is how many password hashes may run at
 * once (0: the number of cores).  Call once, before forking.
 */
int
rl_init(int pw_slots)
{
	pthread_mutexattr_t a;
	void *p;
	long n;

	if (rl != NULL)
		return 0;
	p = mmap(NULL, sizeof(*rl), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	memset(p, 0, sizeof(*rl));
	rl = p;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&rl->mu, &a);
	pthread_mutexattr_destroy(&a);
	crypto_shorthash_keygen(rl->hkey);
	if (pw_slots <= 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		pw_slots = n > 0 ? (int)n : 1;
	}
	rl->pw_slots = pw_slots > RL_PW_MAX ? RL_PW_MAX : pw_slots;
	return 0;
}

static void
lock(void)
{
	if (pthread_mutex_lock(&rl->mu) == EOWNERDEAD)
		pthread_mutex_consistent(&rl->mu);	/* counters are
							 * consistent at
							 * every store */
}

static void
unlock(void)
{
	pthread_mutex_unlock(&rl->mu);
}

static uint64_t
mono_s(void)
{
	return now_us() / 1000000;
}

/* The entry for key, found or made (under the lock). */
static struct rl_entry *
entry(const char *key, uint64_t now)
{
	unsigned char h[crypto_shorthash_BYTES];
	struct rl_entry *e, *victim = NULL;
	uint64_t k;
	size_t i, at;

	crypto_shorthash(h, (const unsigned char *)key, strlen(key), rl->hkey);
	memcpy(&k, h, sizeof(k));
	if (k == 0)
		k = 1;
	for (i = 0; i < RL_PROBE; i++) {
		at = (size_t)((k + i) % RL_SLOTS);
		e = &rl->e[at];
		if (e->key == k)
			return e;
		if (e->key == 0 || e->window_end <= now) {
			if (victim == NULL || victim->window_end > now)
				victim = e;
		} else if (victim == NULL || (victim->window_end > now &&
		    e->window_end < victim->window_end))
			victim = e;
	}
	victim->key = k;
	victim->window_end = 0;
	victim->count = 0;
	return victim;
}

static int
count(const char *key, int limit, int window_s, int *retry, int add)
{
	struct rl_entry *e;
	uint64_t now;
	int over;

	*retry = 0;
	if (rl == NULL || limit <= 0)
		return 0;
	now = mono_s();
	lock();
	e = entry(key, now);
	if (e->window_end <= now) {
		e->window_end = now + (uint64_t)(window_s > 0 ? window_s : 1);
		e->count = 0;
	}
	if (add)
		e->count++;
	over = add ? e->count > (uint32_t)limit : e->count >= (uint32_t)limit;
	if (over)
		*retry = (int)(e->window_end - now) > 0 ?
		    (int)(e->window_end - now) : 1;
	unlock();
	return over;
}

/*
 * 1 when key has already used up limit in its current window (nothing is
 * counted), with *retry_after the seconds until the window ends.
 */
int
rl_over(const char *key, int limit, int window_s, int *retry_after)
{
	return count(key, limit, window_s, retry_after, 0);
}

/* Counts one event for key; 1 when that makes it go past limit. */
int
rl_hit(const char *key, int limit, int window_s, int *retry_after)
{
	return count(key, limit, window_s, retry_after, 1);
}

/* Forgets key's count (a successful login clears its user's failures). */
void
rl_reset(const char *key)
{
	struct rl_entry *e;

	if (rl == NULL)
		return;
	lock();
	e = entry(key, mono_s());
	e->count = 0;
	unlock();
}

/*
 * Takes a password-hashing slot, waiting up to wait_ms for one.  Returns
 * the slot (release it with rl_pw_release), or -1 if none came free.
 */
int
rl_pw_acquire(int wait_ms)
{
	struct timespec nap = { 0, 5 * 1000000 };
	uint64_t deadline = now_us() + (uint64_t)(wait_ms > 0 ? wait_ms : 0) *
	    1000;
	pid_t self = getpid();
	int i;

	if (rl == NULL)
		return RL_PW_MAX;	/* unlimited: release ignores it */
	for (;;) {
		lock();
		for (i = 0; i < rl->pw_slots; i++) {
			pid_t h = rl->pw_holder[i];

			if (h == 0 || (h != self && kill(h, 0) < 0 &&
			    errno == ESRCH)) {
				rl->pw_holder[i] = self;
				unlock();
				return i;
			}
		}
		unlock();
		if (now_us() >= deadline)
			return -1;
		nanosleep(&nap, NULL);
	}
}

void
rl_pw_release(int slot)
{
	if (rl == NULL || slot < 0 || slot >= rl->pw_slots)
		return;
	lock();
	rl->pw_holder[slot] = 0;
	unlock();
}
