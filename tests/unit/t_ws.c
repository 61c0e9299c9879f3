/*
 * Unit tests: the WebSocket client (runtimes/ws.c) against a tiny
 * libwebsockets server run in this process (a thread), on 127.0.0.1 and
 * on a unix socket.  Echo of text and binary messages, the target's
 * headers in the handshake, two connections on one loop, the server
 * closing, an oversized message, and the bounds: a peer that never
 * answers the handshake, a quiet connection, a refused handshake and no
 * server at all each end within their timeout.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "fcgi-app/cc.h"
#include "runtimes/runtime.h"
#include "unit.h"

/* ---- the server: echoes; "close" closes, "auth?" answers with the
 * handshake's Authorization, "big" sends 100 KiB ---- */

struct sess {
	unsigned char	 buf[LWS_PRE + 200000];
	size_t		 len;
	int		 binary, pending, close;
	char		 auth[256];
};

static int
srv_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct sess *s = user;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		memset(s->auth, 0, sizeof(s->auth));
		lws_hdr_copy(wsi, s->auth, sizeof(s->auth),
		    WSI_TOKEN_HTTP_AUTHORIZATION);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (len == 5 && memcmp(in, "close", 5) == 0) {
			s->close = 1;
		} else if (len == 5 && memcmp(in, "auth?", 5) == 0) {
			s->len = strlen(s->auth);
			memcpy(s->buf + LWS_PRE, s->auth, s->len);
			s->binary = 0;
		} else if (len == 3 && memcmp(in, "big", 3) == 0) {
			s->len = 100 * 1024;
			memset(s->buf + LWS_PRE, 'x', s->len);
			s->binary = 1;
		} else {
			if (len > sizeof(s->buf) - LWS_PRE)
				return -1;
			memcpy(s->buf + LWS_PRE, in, len);
			s->len = len;
			s->binary = lws_frame_is_binary(wsi);
		}
		s->pending = 1;
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (s->close) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_GOINGAWAY,
			    (unsigned char *)"bye", 3);
			return -1;
		}
		if (s->pending && lws_write(wsi, s->buf + LWS_PRE, s->len,
		    s->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) <
		    (int)s->len)
			return -1;
		s->pending = 0;
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols srv_protocols[] = {
	{ "echo", srv_cb, sizeof(struct sess), 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

struct server {
	struct lws_context	*ctx;
	pthread_t		 th;
	volatile int		 stop;
	int			 port;
};

static void *
srv_run(void *arg)
{
	struct server *sv = arg;

	while (!sv->stop)
		lws_service(sv->ctx, 0);
	return NULL;
}

/* A server on 127.0.0.1 (a free port) or on the unix socket path. */
static int
srv_start(struct server *sv, const char *unix_path)
{
	struct lws_context_creation_info info;

	memset(sv, 0, sizeof(*sv));
	memset(&info, 0, sizeof(info));
	info.protocols = srv_protocols;
	info.gid = -1;
	info.uid = -1;
	info.fd_limit_per_thread = 64;
	if (unix_path != NULL) {
		info.options |= LWS_SERVER_OPTION_UNIX_SOCK;
		info.iface = unix_path;
		info.port = 0;
	} else {
		info.iface = "127.0.0.1";
		info.port = 0;
	}
	if ((sv->ctx = lws_create_context(&info)) == NULL)
		return -1;
	sv->port = unix_path ? 0 : lws_get_vhost_listen_port(
	    lws_get_vhost_by_name(sv->ctx, "default"));
	return pthread_create(&sv->th, NULL, srv_run, sv) == 0 ? 0 : -1;
}

static void
srv_stop(struct server *sv)
{
	sv->stop = 1;
	lws_cancel_service(sv->ctx);
	pthread_join(sv->th, NULL);
	lws_context_destroy(sv->ctx);
}

/* ---- the client side ---- */

struct inbox {
	char	 last[200000];
	size_t	 len;
	int	 n, text, stop_after;
};

static int
inbox_sink(void *arg, enum rt_stream s, const char *p, size_t n)
{
	struct inbox *b = arg;

	if (n < sizeof(b->last)) {
		memcpy(b->last, p, n);
		b->last[n] = '\0';
	}
	b->len = n;
	b->text = s == RT_TEXT;
	return ++b->n == b->stop_after ? -1 : 0;
}

/* Sends msg and waits for the one answer. */
static int
roundtrip(struct rt_ws *ws, struct inbox *b, int binary, const char *msg,
    size_t len)
{
	char err[512];
	int before = b->n, rc;

	if ((rc = rt_ws_send(ws, binary, msg, len, 5, err, sizeof(err))) != 0)
		return rc;
	while (b->n == before)
		if ((rc = rt_ws_wait(ws, 100, err, sizeof(err))) !=
		    RT_E_TIMEOUT && b->n == before)
			return rc;
	return 0;
}

static void
test_echo(const char *url, const char *what)
{
	struct rt_target t;
	struct rt_ws *ws = NULL, *ws2 = NULL;
	struct inbox a, b;
	char err[512];
	long status = 0;
	uint64_t t0;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	CHECK_INT(rt_target_parse(url, NULL, NULL, NULL, &t, err,
	    sizeof(err)), 0);
	CHECK_INT(rt_target_header(&t, "Authorization", "Bearer tok-1"), 0);
	CHECK_INT(rt_ws_connect(&t, "/echo", NULL, inbox_sink, &a, 5, &status,
	    &ws, err, sizeof(err)), RT_OK);
	printf("# %s: connected (%s)\n", what, ws ? "ok" : err);
	CHECK_INT(status, 101);
	if (ws == NULL)
		return;

	CHECK_INT(roundtrip(ws, &a, 0, "hello", 5), 0);
	CHECK_STR(a.last, "hello");
	CHECK(a.text);
	CHECK_INT(roundtrip(ws, &a, 1, "\x00\x01\x02", 3), 0);
	CHECK_INT(a.len, 3);
	CHECK(!a.text && a.last[2] == 2);
	CHECK_INT(roundtrip(ws, &a, 0, "auth?", 5), 0);
	CHECK_STR(a.last, "Bearer tok-1");

	/* a second connection on the same loop; waiting on either feeds
	 * both.  Its messages are capped lower (the cap is taken at
	 * connect). */
	rt_cfg.runtime_max_answer = 64 * 1024;
	CHECK_INT(rt_ws_connect(&t, "/echo", ws, inbox_sink, &b, 5, &status,
	    &ws2, err, sizeof(err)), RT_OK);
	if (ws2 != NULL) {
		CHECK_INT(rt_ws_send(ws2, 0, "two", 3, 5, err, sizeof(err)), 0);
		CHECK_INT(rt_ws_send(ws, 0, "one", 3, 5, err, sizeof(err)), 0);
		t0 = now_us();
		while ((a.n < 4 || b.n < 1) && now_us() - t0 < 3000000)
			rt_ws_wait(ws, 100, err, sizeof(err));
		CHECK_STR(a.last, "one");
		CHECK_STR(b.last, "two");
	}

	/* quiet: the wait ends at its timeout */
	t0 = now_us();
	CHECK_INT(rt_ws_wait(ws, 300, err, sizeof(err)), RT_E_TIMEOUT);
	CHECK(now_us() - t0 < 2000000);

	/* the server closes: the wait ends, sends fail, close is safe */
	CHECK_INT(rt_ws_send(ws, 0, "close", 5, 5, err, sizeof(err)), 0);
	CHECK_INT(rt_ws_wait(ws, 3000, err, sizeof(err)), 0);
	CHECK_INT(rt_ws_send(ws, 0, "x", 1, 1, err, sizeof(err)), RT_E_PROTO);
	rt_ws_close(ws);

	/* ws2 still works after its loop's first connection went */
	if (ws2 != NULL) {
		CHECK_INT(roundtrip(ws2, &b, 0, "still", 5), 0);
		CHECK_STR(b.last, "still");
		/* a message over runtime_max_answer */
		CHECK_INT(rt_ws_send(ws2, 0, "big", 3, 5, err, sizeof(err)), 0);
		CHECK_INT(rt_ws_wait(ws2, 3000, err, sizeof(err)),
		    RT_E_TOO_BIG);
		rt_ws_close(ws2);
	}
	rt_cfg.runtime_max_answer = 16 << 20;

	/* a sink that stops */
	memset(&a, 0, sizeof(a));
	a.stop_after = 1;
	CHECK_INT(rt_ws_connect(&t, "/echo", NULL, inbox_sink, &a, 5, &status,
	    &ws, err, sizeof(err)), RT_OK);
	if (ws != NULL) {
		CHECK_INT(rt_ws_send(ws, 0, "once", 4, 5, err, sizeof(err)), 0);
		CHECK_INT(rt_ws_wait(ws, 3000, err, sizeof(err)),
		    RT_E_STOPPED);
		CHECK_INT(a.n, 1);
		rt_ws_close(ws);
	}
}

/* A peer that accepts and then answers with canned bytes (or nothing)
 * for a few seconds. */
static pid_t
raw_peer(int fd, const char *answer)
{
	char buf[4096];
	pid_t pid;
	int c;

	if ((pid = fork()) != 0) {
		close(fd);
		return pid;
	}
	if ((c = accept(fd, NULL, NULL)) >= 0) {
		(void)read(c, buf, sizeof(buf));
		if (answer != NULL)
			(void)write(c, answer, strlen(answer));
		sleep(4);
	}
	_exit(0);
}

static int
tcp_listener(int *port)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 4) < 0 || getsockname(fd, (struct sockaddr *)&sa,
	    &sl) < 0)
		abort();
	*port = ntohs(sa.sin_port);
	return fd;
}

static void
test_bounds(void)
{
	struct rt_target t;
	struct rt_ws *ws = NULL;
	struct inbox a;
	char url[64], err[512];
	long status;
	uint64_t t0;
	pid_t pid;
	int fd, port;

	memset(&a, 0, sizeof(a));
	/* the handshake is never answered */
	fd = tcp_listener(&port);
	pid = raw_peer(fd, NULL);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", port);
	rt_target_parse(url, NULL, NULL, NULL, &t, err, sizeof(err));
	t0 = now_us();
	CHECK_INT(rt_ws_connect(&t, "/", NULL, inbox_sink, &a, 1, &status,
	    &ws, err, sizeof(err)), RT_E_TIMEOUT);
	CHECK(ws == NULL);
	CHECK(now_us() - t0 < 2500000);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);

	/* the handshake is refused */
	fd = tcp_listener(&port);
	pid = raw_peer(fd, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n");
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", port);
	rt_target_parse(url, NULL, NULL, NULL, &t, err, sizeof(err));
	CHECK_INT(rt_ws_connect(&t, "/", NULL, inbox_sink, &a, 3, &status,
	    &ws, err, sizeof(err)), RT_E_PROTO);
	CHECK_INT(status, 403);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);

	/* nobody listens */
	fd = tcp_listener(&port);
	close(fd);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", port);
	rt_target_parse(url, NULL, NULL, NULL, &t, err, sizeof(err));
	t0 = now_us();
	CHECK_INT(rt_ws_connect(&t, "/", NULL, inbox_sink, &a, 3, &status,
	    &ws, err, sizeof(err)), RT_E_UNREACHABLE);
	CHECK(now_us() - t0 < 3500000);
	rt_target_parse("unix:///nonexistent/cc.sock", NULL, NULL, NULL, &t,
	    err, sizeof(err));
	CHECK_INT(rt_ws_connect(&t, "/", NULL, inbox_sink, &a, 3, &status,
	    &ws, err, sizeof(err)), RT_E_UNREACHABLE);
}

int
main(void)
{
	struct server sv;
	char url[160], path[108];

	config_register_all();
	config_defaults(config_live());
	rt_cfg.runtime_timeout = 5;
	rt_cfg.runtime_connect_timeout = 2;
	signal(SIGPIPE, SIG_IGN);
	lws_set_log_level(0, NULL);

	CHECK_INT(srv_start(&sv, NULL), 0);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", sv.port);
	test_echo(url, "tcp");
	srv_stop(&sv);

	snprintf(path, sizeof(path), "/tmp/cc-t-ws-%d.sock", (int)getpid());
	unlink(path);
	CHECK_INT(srv_start(&sv, path), 0);
	snprintf(url, sizeof(url), "unix://%s", path);
	test_echo(url, "unix");
	srv_stop(&sv);
	unlink(path);

	test_bounds();
	return unit_done();
}
