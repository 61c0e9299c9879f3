/* Unit tests: the stream pool's rules (fcgi-app/stream.c) on a scoreboard
 * filled by hand, the address of the stream socket (listener.c), the
 * closing record, and how a cut request body is answered (request.c). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fcgi-app/cc.h"
#include "unit.h"
#include "fcgx_mem.h"

static FCGX_Stream in_stream;
static FCGX_Request fr;

static void
mkreq(struct request *r, const char *user)
{
	memset(r, 0, sizeof(*r));
	memset(&in_stream, 0, sizeof(in_stream));
	mem_out_reset(&fr);
	fr.in = &in_stream;
	fr.ipcFd = -1;
	r->fcgx = &fr;
	r->method = "GET";
	r->path = (char *)"/api/v1/x";
	snprintf(r->id, sizeof(r->id), "req_test");
	snprintf(r->who.user, sizeof(r->who.user), "%s", user);
	r->who.authenticated = 1;
}

/* The status and body the request got, with its headers. */
static int
answered(struct request *r)
{
	flush_out(&out_stream, 0);
	return r->status;
}

/* Slot i as a live process of kind in state, holding a stream of user
 * (NULL: none). */
static void
slot(int i, int kind, int state, const char *user)
{
	struct sb_slot *s = &sb->slots[i];

	s->pid = 1000 + i;
	s->kind = kind;
	s->state = state;
	s->stream_user = user != NULL ? stream_user_key(user) : 0;
}

static void
test_addr(void)
{
	char out[CFG_STRLEN];

	CHECK(lsn_stream_addr("unix:/run/x/pool.sock", "", 0, out,
	    sizeof(out)) == 0);
	CHECK_STR(out, "unix:/run/x/pool-stream.sock");
	CHECK(lsn_stream_addr("/tmp/api", "", 0, out, sizeof(out)) == 0);
	CHECK_STR(out, "/tmp/api-stream");
	CHECK(lsn_stream_addr("127.0.0.1:9000", "", 0, out, sizeof(out)) == 0);
	CHECK_STR(out, "127.0.0.1:9001");
	CHECK(lsn_stream_addr("[::1]:9000", "", 0, out, sizeof(out)) == 0);
	CHECK_STR(out, "[::1]:9001");
	CHECK(lsn_stream_addr("127.0.0.1:65535", "", 0, out, sizeof(out)) < 0);
	CHECK(lsn_stream_addr("nonsense", "", 0, out, sizeof(out)) < 0);
	/* no listen: the default socket's, or none on stdin */
	CHECK(lsn_stream_addr("", "", 0, out, sizeof(out)) == 0);
	CHECK_STR(out, "unix:/run/container-codes/pool-stream.sock");
	CHECK(lsn_stream_addr("", "", 1, out, sizeof(out)) == 0);
	CHECK_STR(out, "");
	/* set: taken as it is; none: streams stay on the API's workers */
	CHECK(lsn_stream_addr("unix:/a.sock", "unix:/b.sock", 0, out,
	    sizeof(out)) == 0);
	CHECK_STR(out, "unix:/b.sock");
	CHECK(lsn_stream_addr("", "127.0.0.1:7000", 1, out, sizeof(out)) == 0);
	CHECK_STR(out, "127.0.0.1:7000");
	CHECK(lsn_stream_addr("unix:/a.sock", "none", 0, out,
	    sizeof(out)) == 0);
	CHECK_STR(out, "");
	CHECK(lsn_stream_addr("unix:/a.sock", "", 0, out, 12) < 0);
	CHECK_STR(out, "");
}

static void
test_limits(void)
{
	struct request r;

	CHECK(stream_user_key("alice") != stream_user_key("bob"));
	CHECK(stream_user_key("alice") == stream_user_key("alice"));
	CHECK(stream_user_key("") != 0);

	/* This process is slot 0, a stream worker (kind 1). */
	memset(sb->slots, 0, sizeof(sb->slots));
	sb_self = &sb->slots[0];
	slot(0, 1, SB_BUSY, NULL);
	slot(1, 1, SB_STREAMING, "alice");
	slot(2, 0, SB_STREAMING, "alice");	/* an API worker's follow */
	slot(3, 1, SB_IDLE, NULL);
	slot(4, 2, SB_BUSY, NULL);		/* another kind: not counted */
	CHECK_INT(stream_user_count(stream_user_key("alice")), 2);
	CHECK_INT(stream_user_count(stream_user_key("bob")), 0);

	/* busy stream workers other than this one, of every generation */
	front_cfg.stream_workers = 2;
	CHECK(!stream_pool_full());
	slot(5, 1, SB_BUSY, NULL);
	sb->slots[5].generation = 7;
	CHECK(stream_pool_full());
	mkreq(&r, "carol");
	CHECK_INT(stream_refuse(&r), 503);
	answered(&r);
	CHECK(r.hdrs != NULL && strstr(r.hdrs, "Retry-After: 5") != NULL);
	CHECK(strstr(sent, "SERVICE_UNAVAILABLE") != NULL);
	request_free(&r);

	/* alice has two: a third is 429 with Retry-After, the slot freed */
	front_cfg.stream_per_user = 2;
	mkreq(&r, "alice");
	CHECK(stream_begin(&r) < 0);
	CHECK_INT(answered(&r), 429);
	CHECK(strstr(sent, "RATE_LIMITED") != NULL);
	CHECK(r.hdrs != NULL && strstr(r.hdrs, "Retry-After") != NULL);
	CHECK(sb_self->stream_user == 0);
	CHECK_INT(r.stream_until_us, 0);
	request_free(&r);

	/* bob has none: his starts, with its deadline, and is counted */
	front_cfg.stream_max_duration = 60;
	mkreq(&r, "bob");
	CHECK(stream_begin(&r) == 0);
	CHECK(r.stream_until_us > now_us() + 59000000ULL &&
	    r.stream_until_us <= now_us() + 60000000ULL);
	CHECK(sb_self->state == SB_STREAMING);
	CHECK_INT(stream_user_count(stream_user_key("bob")), 1);
	stream_release();
	CHECK_INT(stream_user_count(stream_user_key("bob")), 0);
	request_free(&r);

	/* 0: no limit per user */
	front_cfg.stream_per_user = 0;
	mkreq(&r, "alice");
	CHECK(stream_begin(&r) == 0);
	stream_release();
	request_free(&r);
	sb_self = NULL;
}

static void
test_end(void)
{
	struct request r;

	mkreq(&r, "alice");
	/* not a stream: in flight, it finishes even when the pool stops */
	worker_shutdown = 1;
	CHECK(stream_check(&r) == NULL);
	r.stream_until_us = now_us() + 60000000ULL;
	CHECK_STR(stream_check(&r), STREAM_END_SHUTDOWN);
	worker_shutdown = 0;
	CHECK(stream_check(&r) == NULL);
	r.stream_until_us = now_us() - 1;
	CHECK_STR(stream_check(&r), STREAM_END_MAX_DURATION);

	CHECK(stream_end_record(&r, STREAM_END_MAX_DURATION) == 0);
	answered(&r);
	CHECK_STR(sent, "{\"end\":\"max_duration\"}\n");
	r.client_gone = 1;
	CHECK(stream_end_record(&r, STREAM_END_EXITED) < 0);
	request_free(&r);
}

static void
test_body_cut(void)
{
	struct request r;

	/* the idle deadline: the read failed with EAGAIN (SO_RCVTIMEO) */
	front_cfg.upload_idle_timeout = 2;
	mkreq(&r, "alice");
	r.content_length = 100;
	r.body_read = 10;
	in_stream.FCGI_errno = EAGAIN;
	CHECK_INT(req_body_cut(&r), 408);
	answered(&r);
	CHECK(strstr(sent, "upload_idle_timeout (2s)") != NULL);
	CHECK(strstr(sent, "after 10 of 100 bytes") != NULL);
	request_free(&r);

	/* a stream's deadline */
	mkreq(&r, "alice");
	r.content_length = 100;
	r.stream_until_us = 1;
	CHECK(req_read(&r, outbuf, 10) < 0);
	CHECK_INT(req_body_cut(&r), 408);
	answered(&r);
	CHECK(strstr(sent, "stream_max_duration") != NULL);
	request_free(&r);

	/* the client went away: 400, as before */
	mkreq(&r, "alice");
	r.content_length = 100;
	r.body_read = 3;
	CHECK_INT(req_body_cut(&r), 400);
	answered(&r);
	CHECK(strstr(sent, "ended after 3 of 100 bytes; nothing was "
	    "stored") != NULL);
	request_free(&r);
}

int
main(void)
{
	struct cfg_set *s;
	char err[256];

	config_register_all();
	CHECK((s = config_new()) != NULL);
	CHECK(config_load(s, NULL, NULL, 0, err, sizeof(err)) == 0);
	config_apply(s);
	config_free(s);
	CHECK_STR(front_cfg.stream_listen, "");
	CHECK_INT(front_cfg.stream_workers, 8);
	CHECK_INT(front_cfg.stream_per_user, 4);
	CHECK_INT(front_cfg.stream_max_duration, 3600);
	CHECK_INT(front_cfg.upload_idle_timeout, 30);
	CHECK(!pool_has_streams());
	CHECK(sb_init() == 0);

	test_addr();
	test_limits();
	test_end();
	test_body_cut();
	return unit_done();
}
