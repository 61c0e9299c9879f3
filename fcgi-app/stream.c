/*
 * stream.c: the rules every long-lived request shares (a log follow, an
 * upload, later the event streams).  Such requests go to the pool's
 * stream workers, a process kind on a socket of its own (stream_listen),
 * so that the API's workers never hold one.  Here are their limits:
 *   - stream_workers at a time.  The stream kind runs one process more
 *     than that, so a request that finds them all taken is answered 503
 *     with Retry-After at once (stream_pool_full, stream_refuse) rather
 *     than waiting in the socket's backlog;
 *   - stream_per_user of one user at a time, counted on every kind: 429;
 *   - stream_max_duration, after which stream_check says the stream must
 *     end.  On an API worker while a stream pool runs (the web server did
 *     not route the request there) the bound is request_timeout as well;
 *   - a pool that is stopping (SIGTERM) ends its streams; a retiring
 *     worker (SIGHUP) lets its stream run to its own end;
 *   - a change to the user's credentials or role (a key revoked, a
 *     logout, a password or role changed, the user deleted) ends every
 *     stream of theirs begun before it: the request that made the change
 *     writes the user's cut mark (stream_cut_user), and stream_check
 *     looks at it twice a second.  The client comes back with a
 *     credential that still holds, or is refused.
 * An NDJSON stream ends with a record {"end": reason} (stream_end_record),
 * so that a client tells an end from a cut.
 *
 * The counts are read from the scoreboard: the slot of a process that
 * holds a stream names its user (hashed).  Each process writes its key
 * before it counts, and counts every slot with the key, itself included:
 * of two requests at the same instant at least one sees the other, so
 * the limit is never passed (both may be refused, which is safe).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cc.h"
#include "../storage/storage.h"

#define STREAM_RETRY_S	5	/* Retry-After of a refusal */
#define CUT_CHECK_US	500000	/* how often a stream reads its cut mark */

/* The stream this process runs (one at a time): when it began (wall
 * clock, as the cut marks are, which outlive a reboot), when its cut
 * mark was read last, and whether it was cut. */
static struct {
	int64_t		 began_us;
	uint64_t	 checked_us;
	int		 cut;
} cur;

static int
cut_key(char *key, size_t len, const char *user)
{
	return snprintf(key, len, "cut/%s", user) < (int)len ? 0 : -1;
}

/* Writes the user's cut mark: now.  Their streams begun before it end. */
void
stream_cut_user(const char *user)
{
	json_object *o;
	char key[512];
	int rc;

	if (cut_key(key, sizeof(key), user) < 0)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "at_us", json_object_new_int64(now_wall_us()));
	if ((rc = store_evstate_put(NULL, key, o)) != 0)
		log_msg(LOG_L_WARN, "the streams of '%s' cannot be cut: %s",
		    user, store_strerror(rc));
	json_object_put(o);
}

/* The user's cut mark (wall clock, µs), 0 for none. */
int64_t
stream_cut_at(const char *user)
{
	json_object *o = NULL;
	char key[512];
	int64_t at;

	if (cut_key(key, sizeof(key), user) < 0 ||
	    store_evstate_get(NULL, key, &o) != 0)
		return 0;
	at = jget_int(o, "at_us", 0);
	json_object_put(o);
	return at;
}

/* A user name's key in the scoreboard: FNV-1a, never 0 (no stream). */
uint64_t
stream_user_key(const char *user)
{
	uint64_t h = 14695981039346656037ULL;

	for (; user != NULL && *user != '\0'; user++)
		h = (h ^ (unsigned char)*user) * 1099511628211ULL;
	return h != 0 ? h : 1;
}

/* How many processes of the pool hold a stream of the user with key. */
int
stream_user_count(uint64_t key)
{
	int i, n = 0;

	if (sb == NULL)
		return 0;
	for (i = 0; i < SB_MAX_SLOTS; i++)
		if (sb->slots[i].pid > 0 && __atomic_load_n(
		    &sb->slots[i].stream_user, __ATOMIC_SEQ_CST) == key)
			n++;
	return n;
}

/*
 * For a stream worker that has just accepted a request: true when
 * stream_workers other processes of its kind (of any generation: a
 * retiring one may still run its stream) are busy, so that this one is
 * the spare and must refuse.
 */
int
stream_pool_full(void)
{
	const struct sb_slot *s;
	int i, n = 0;

	if (sb == NULL || sb_self == NULL)
		return 0;
	for (i = 0; i < SB_MAX_SLOTS; i++) {
		s = &sb->slots[i];
		if (s != sb_self && s->pid > 0 && s->kind == sb_self->kind &&
		    (s->state == SB_BUSY || s->state == SB_STREAMING))
			n++;
	}
	return n >= front_cfg.stream_workers;
}

/* 503 SERVICE_UNAVAILABLE with Retry-After: every stream worker is taken.
 * Returns the status. */
int
stream_refuse(struct request *r)
{
	resp_header(r, "Retry-After", "%d", STREAM_RETRY_S);
	return resp_error(r, CC_E_SERVICE_UNAVAILABLE, "every stream worker "
	    "is taken (stream_workers = %d); retry shortly",
	    front_cfg.stream_workers);
}

/*
 * Starts a stream for the authenticated caller: counts it against
 * stream_per_user (429 RATE_LIMITED with Retry-After beyond it: returns
 * -1 with the error written), sets its deadline and exempts the worker
 * from request_timeout.  The slot is released by stream_release after
 * the request.  Returns 0.
 */
int
stream_begin(struct request *r)
{
	uint64_t key = stream_user_key(r->who.user), max;
	int n;

	if (sb_self != NULL) {
		__atomic_store_n(&sb_self->stream_user, key, __ATOMIC_SEQ_CST);
		n = stream_user_count(key);
		if (front_cfg.stream_per_user > 0 &&
		    n > front_cfg.stream_per_user) {
			stream_release();
			resp_header(r, "Retry-After", "%d", STREAM_RETRY_S);
			resp_error(r, CC_E_RATE_LIMITED, "user '%s' already has "
			    "%d streams open (stream_per_user = %d)",
			    r->who.user, n - 1, front_cfg.stream_per_user);
			return -1;
		}
	}
	max = (uint64_t)front_cfg.stream_max_duration;
	if (!worker_streams && pool_has_streams() &&
	    (uint64_t)front_cfg.request_timeout < max)
		max = (uint64_t)front_cfg.request_timeout;
	r->stream_until_us = now_us() + max * 1000000;
	cur.began_us = now_wall_us();
	cur.checked_us = now_us();
	cur.cut = 0;
	req_set_streaming(r);
	return 0;
}

/*
 * Whether a stream must end now, and why: STREAM_END_SHUTDOWN when the
 * pool is stopping, STREAM_END_MAX_DURATION past its deadline,
 * STREAM_END_REVOKED once the user's cut mark is past its start, else NULL
 * (always for a request that is no stream: it is in flight and
 * finishes).  Streams call it on each chunk and each tick (about once a
 * second).
 */
const char *
stream_check(const struct request *r)
{
	if (r->stream_until_us == 0)
		return NULL;
	if (worker_shutdown)
		return STREAM_END_SHUTDOWN;
	if (now_us() >= r->stream_until_us)
		return STREAM_END_MAX_DURATION;
	if (!cur.cut && r->who.authenticated && now_us() - cur.checked_us >=
	    CUT_CHECK_US) {
		cur.checked_us = now_us();
		cur.cut = stream_cut_at(r->who.user) >= cur.began_us;
	}
	return cur.cut ? STREAM_END_REVOKED : NULL;
}

/*
 * Writes the last record of an NDJSON stream, {"end": reason}, and
 * flushes.  Nothing when the client has gone.  0 or -1.
 */
int
stream_end_record(struct request *r, const char *reason)
{
	json_object *o;
	const char *s;
	size_t len;
	int rc;

	if (r->client_gone)
		return -1;
	if ((o = json_object_new_object()) == NULL)
		return -1;
	json_object_object_add(o, "end", json_object_new_string(reason));
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	rc = resp_write(r, s, len) < 0 || resp_write(r, "\n", 1) < 0 ||
	    resp_flush(r) < 0 ? -1 : 0;
	json_object_put(o);
	return rc;
}

/* After each request: the process holds no stream any more. */
void
stream_release(void)
{
	if (sb_self != NULL)
		__atomic_store_n(&sb_self->stream_user, 0, __ATOMIC_SEQ_CST);
}
