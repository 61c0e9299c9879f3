/*
 * ws.c: the WebSocket client of the engine layer, on libwebsockets
 * (Debian's libcurl has no WebSocket support).  A connection lives on an
 * event loop (one lws context, made for its target's TLS files); other
 * connections to the same target may share it, so that one wait feeds
 * several streams.  libwebsockets' own wait has no bound, so every loop
 * here arms a timer (a "sul") before each turn: no call waits past its
 * deadline.  Messages are reassembled from frames and fragments and
 * handed whole to the connection's sink, capped at runtime_max_answer.
 * A connection with no bound of its own (timeout 0: LXD's event stream)
 * is pinged when silent for runtime_ws_ping, and closed when it has not
 * answered for twice that (libwebsockets' idle policy): a stalled engine
 * or a connection lost on the way ends the stream, and its reader
 * connects again, where it would otherwise wait for ever.  A bounded one
 * (an exec's channels) is left alone: a peer that never reads a channel
 * it only writes (as an exec's output may be) answers no ping there.
 * A target with a pinned certificate (tls_pin.c) is checked in
 * libwebsockets' verification callback: the leaf's digest must be the
 * pin, whatever the chain and name say, and nothing is sent before.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>
#include <openssl/x509.h>

#include "runtime.h"

/* One turn of the loop waits at most this long, so deadlines are kept
 * to about this precision. */
#define TURN_US		100000
#define CLOSE_WAIT_MS	1000

/* The idle policy (runtime_ws_ping) of the connections with no bound of
 * their own: libwebsockets keeps a pointer to it. */
static lws_retry_bo_t idle;

struct loop {
	struct lws_context	*ctx;
	int			 refs;
	lws_sorted_usec_list_t	 wake;
};

enum ws_state { WS_CONNECTING, WS_OPEN, WS_CLOSED, WS_FAILED };

struct rt_ws {
	struct loop		*loop;
	struct lws		*wsi;
	enum ws_state		 state;
	long			 http_status;
	char			 why[200];	/* a failure, for messages */
	char			 where[RT_PATHLEN];
	struct rt_header	 hdr[RT_MAXHDR];	/* for the handshake */
	size_t			 nhdr;
	unsigned char		 pin[32];	/* the target's, if pinned */
	int			 pinned, pin_ok, pin_bad;
	rt_sink_fn		 fn;
	void			*arg;
	/* the message coming in */
	char			*msg;
	size_t			 mlen, max;
	int			 in_msg, binary;
	int			 stopped, too_big;
	/* the message going out (LWS_PRE bytes of room first) */
	unsigned char		*out;
	size_t			 olen;
	int			 obinary, pending;
	int			 closing;
};

/* libwebsockets' log lines, at debug level in ours (never a header). */
static void
lws_log(int level, const char *line)
{
	size_t n = strlen(line);

	(void)level;
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	log_msg(LOG_L_DEBUG, "libwebsockets: %.*s", (int)n, line);
}

/*
 * The timer that bounds each turn.  libwebsockets runs a timer that is
 * already due before it waits, and then waits without bound: so the
 * timer puts itself back each time it runs, and the loop always has one
 * pending, at most TURN_US away.
 */
static void
wake(lws_sorted_usec_list_t *sul)
{
	struct loop *l = lws_container_of(sul, struct loop, wake);

	lws_sul_schedule(l->ctx, 0, &l->wake, wake, TURN_US);
}

/* A whole message to the sink; a stopped sink gets no more. */
static void
deliver(struct rt_ws *ws)
{
	if (!ws->stopped && ws->fn != NULL && ws->fn(ws->arg, ws->binary ? RT_BINARY : RT_TEXT,
	    ws->msg ? ws->msg : "", ws->mlen) != 0)
		ws->stopped = 1;
	ws->mlen = 0;
	ws->in_msg = 0;
}

static int
on_receive(struct rt_ws *ws, struct lws *wsi, const void *in, size_t len)
{
	char *p;

	if (!ws->in_msg) {
		ws->in_msg = 1;
		ws->binary = lws_frame_is_binary(wsi);
	}
	if (ws->mlen + len > ws->max) {
		ws->too_big = 1;
		snprintf(ws->why, sizeof(ws->why), "a message over %zu bytes",
		    ws->max);
		return -1;	/* closes the connection */
	}
	if (len > 0) {
		if ((p = realloc(ws->msg, ws->mlen + len)) == NULL) {
			snprintf(ws->why, sizeof(ws->why), "out of memory");
			ws->too_big = 1;
			return -1;
		}
		ws->msg = p;
		memcpy(ws->msg + ws->mlen, in, len);
		ws->mlen += len;
	}
	if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) ==
	    0)
		deliver(ws);
	return 0;
}

/* The target's headers in the handshake. */
static int
on_headers(struct rt_ws *ws, struct lws *wsi, void *in, size_t len)
{
	unsigned char **p = in, *end = *p + len;
	char name[sizeof(ws->hdr[0].name) + 1];
	size_t i;

	for (i = 0; i < ws->nhdr; i++) {
		snprintf(name, sizeof(name), "%s:", ws->hdr[i].name);
		if (lws_add_http_header_by_name(wsi, (unsigned char *)name,
		    (unsigned char *)ws->hdr[i].value,
		    (int)strlen(ws->hdr[i].value), p, end) != 0)
			return -1;
	}
	return 0;
}

static int
on_writeable(struct rt_ws *ws, struct lws *wsi)
{
	if (ws->closing) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		return -1;
	}
	if (!ws->pending)
		return 0;
	if (lws_write(wsi, ws->out + LWS_PRE, ws->olen, ws->obinary ?
	    LWS_WRITE_BINARY : LWS_WRITE_TEXT) < (int)ws->olen) {
		snprintf(ws->why, sizeof(ws->why), "write failed");
		return -1;
	}
	ws->pending = 0;
	return 0;
}

/*
 * OpenSSL's verification of the server's chain, for a pinned target:
 * each error above the leaf is set aside (the pin, not a CA, is the
 * trust), and the leaf passes only with the pinned digest.  x is the
 * X509_STORE_CTX.  0 accepts, 1 fails (libwebsockets' convention).
 * Targets without a pin keep OpenSSL's verdict.
 */
static int
on_verify(struct lws *wsi, void *x)
{
	struct rt_ws *ws = wsi ? lws_wsi_user(wsi) : NULL;

	if (ws == NULL || !ws->pinned)
		return 0;
	if (X509_STORE_CTX_get_error_depth(x) > 0) {
		X509_STORE_CTX_set_error(x, X509_V_OK);
		return 0;
	}
	if (rt_tls_pin_match(X509_STORE_CTX_get_current_cert(x), ws->pin)) {
		X509_STORE_CTX_set_error(x, X509_V_OK);
		ws->pin_ok = 1;
		return 0;
	}
	X509_STORE_CTX_set_error(x, X509_V_ERR_CERT_REJECTED);
	ws->pin_bad = 1;
	return 1;
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct rt_ws *ws = user;

	/* Here user is OpenSSL's context: the wsi's user is ours. */
	if (reason == LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION)
		return on_verify(wsi, user);
	if (ws == NULL)		/* not ours, or let go by rt_ws_close */
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		/* A pinned target whose leaf was not seen to match gets no
		 * header at all (the credentials among them). */
		if (ws->pinned && !ws->pin_ok)
			return -1;
		return on_headers(ws, wsi, in, len);
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		ws->state = WS_OPEN;
		ws->http_status = 101;
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		ws->state = WS_FAILED;
		ws->http_status = lws_http_client_http_response(wsi);
		snprintf(ws->why, sizeof(ws->why), "%s", in != NULL ?
		    (const char *)in : "connection failed");
		ws->wsi = NULL;
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return on_receive(ws, wsi, in, len);
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return on_writeable(ws, wsi);
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_WSI_DESTROY:
		if (ws->state != WS_FAILED)
			ws->state = WS_CLOSED;
		ws->wsi = NULL;
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols protocols[] = {
	{ "cc-rt", callback, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* An event loop for t's TLS files; NULL when libwebsockets cannot. */
static struct loop *
loop_new(const struct rt_target *t)
{
	static int logs_set;
	struct lws_context_creation_info info;
	struct loop *l;

	if (!logs_set) {
		lws_set_log_level(LLL_ERR | LLL_WARN, lws_log);
		logs_set = 1;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.fd_limit_per_thread = 64;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	if (t->ca[0] != '\0') {
		/* Like libcurl's CAINFO: this CA, not the system's. */
		info.client_ssl_ca_filepath = t->ca;
		info.options |= LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
	}
	if (t->cert[0] != '\0')
		info.client_ssl_cert_filepath = t->cert;
	if (t->key[0] != '\0')
		info.client_ssl_private_key_filepath = t->key;
	info.connect_timeout_secs = (unsigned)rt_cfg.runtime_connect_timeout;
	info.timeout_secs = (unsigned)(rt_cfg.runtime_connect_timeout > 0 ?
	    rt_cfg.runtime_connect_timeout : 5);
	if ((l->ctx = lws_create_context(&info)) == NULL) {
		free(l);
		return NULL;
	}
	l->refs = 1;
	return l;
}

static void
loop_put(struct loop *l)
{
	if (l == NULL || --l->refs > 0)
		return;
	lws_sul_cancel(&l->wake);
	lws_context_destroy(l->ctx);
	free(l);
}

/* One turn: handles what is ready, waiting at most until deadline (and
 * at most TURN_US). */
static void
loop_turn(struct loop *l, uint64_t deadline)
{
	uint64_t now = now_us();
	lws_usec_t us = deadline > now ? (lws_usec_t)(deadline - now) : 0;

	if (us > TURN_US)
		us = TURN_US;
	if (us < 1000)
		us = 1000;
	lws_sul_schedule(l->ctx, 0, &l->wake, wake, us);
	lws_service(l->ctx, 0);
}

static uint64_t
deadline_of(long timeout_ms)
{
	return now_us() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000;
}

/* "host[:port]" of t apart, and whether it is TLS. */
static int
split_target(const struct rt_target *t, char *host, size_t hlen, int *port,
    int *tls)
{
	const char *h = strstr(t->base, "://"), *colon;

	*tls = strncmp(t->base, "https://", 8) == 0;
	*port = *tls ? 443 : 80;
	if (t->unix_path[0] != '\0') {
		*port = 0;
		return snprintf(host, hlen, "+%s", t->unix_path) < (int)hlen ?
		    0 : -1;
	}
	if (h == NULL)
		return -1;
	h += 3;
	if ((colon = strrchr(h, ':')) != NULL && strchr(colon, ']') == NULL) {
		*port = atoi(colon + 1);
		snprintf(host, hlen, "%.*s", (int)(colon - h), h);
	} else
		snprintf(host, hlen, "%s", h);
	/* [v6] literals: libwebsockets takes the address bare */
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	return *port > 0 && *port < 65536 && host[0] != '\0' ? 0 : -1;
}

static void
ws_free(struct rt_ws *ws)
{
	explicit_bzero(ws->hdr, sizeof(ws->hdr));
	free(ws->msg);
	free(ws->out);
	free(ws);
}

int
rt_ws_connect(const struct rt_target *t, const char *path,
    struct rt_ws *share, rt_sink_fn fn, void *arg, long timeout_s,
    long *status, struct rt_ws **out, char *err, size_t errlen)
{
	struct lws_client_connect_info ci;
	struct rt_ws *ws;
	char host[RT_PATHLEN + 2];
	uint64_t deadline = deadline_of((timeout_s > 0 ? timeout_s :
	    rt_cfg.runtime_timeout) * 1000L);
	int port, tls, rc;

	*out = NULL;
	*status = 0;
	if ((ws = calloc(1, sizeof(*ws))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return RT_E_INTERNAL;
	}
	snprintf(ws->where, sizeof(ws->where), "%s", t->unix_path[0] ?
	    t->unix_path : t->base);
	memcpy(ws->hdr, t->hdr, sizeof(ws->hdr));
	ws->nhdr = t->nhdr;
	memcpy(ws->pin, t->pin, sizeof(ws->pin));
	ws->pinned = t->pinned;
	ws->fn = fn;
	ws->arg = arg;
	ws->max = rt_cfg.runtime_max_answer;
	if (split_target(t, host, sizeof(host), &port, &tls) < 0) {
		snprintf(err, errlen, "runtime at %s: no WebSocket address",
		    ws->where);
		ws_free(ws);
		return RT_E_INVALID;
	}
	if (share != NULL) {
		ws->loop = share->loop;
		ws->loop->refs++;
	} else if ((ws->loop = loop_new(t)) == NULL) {
		snprintf(err, errlen, "runtime at %s: cannot set up a "
		    "WebSocket client", ws->where);
		ws_free(ws);
		return RT_E_INTERNAL;
	}
	memset(&ci, 0, sizeof(ci));
	if (timeout_s == 0 && rt_cfg.runtime_ws_ping > 0) {
		idle.secs_since_valid_ping = (uint16_t)rt_cfg.runtime_ws_ping;
		idle.secs_since_valid_hangup = (uint16_t)(2 *
		    rt_cfg.runtime_ws_ping);
		ci.retry_and_idle_policy = &idle;
	}
	ci.context = ws->loop->ctx;
	ci.address = host;
	ci.port = port;
	ci.path = path;
	ci.host = t->unix_path[0] ? "localhost" : host;
	ci.origin = ci.host;
	ci.ssl_connection = tls ? LCCSCF_USE_SSL : 0;
	if (tls && t->pinned)	/* the pin names the certificate */
		ci.ssl_connection |= LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK;
	ci.protocol = NULL;
	ci.local_protocol_name = protocols[0].name;
	ci.userdata = ws;
	ci.pwsi = &ws->wsi;
	ws->state = WS_CONNECTING;
	if (lws_client_connect_via_info(&ci) == NULL && ws->state ==
	    WS_CONNECTING)
		ws->state = WS_FAILED;
	while (ws->state == WS_CONNECTING && now_us() < deadline)
		loop_turn(ws->loop, deadline);
	*status = ws->http_status;
	if (ws->state == WS_OPEN) {
		*out = ws;
		return RT_OK;
	}
	if (ws->state == WS_CONNECTING) {
		snprintf(err, errlen, "runtime at %s timed out", ws->where);
		rc = RT_E_TIMEOUT;
	} else if (ws->pin_bad) {
		snprintf(err, errlen, "runtime at %s: its certificate does not "
		    "match the pinned fingerprint", ws->where);
		rc = RT_E_PROTO;
	} else if (ws->http_status > 0) {
		snprintf(err, errlen, "runtime at %s refused the WebSocket: "
		    "HTTP %ld", ws->where, ws->http_status);
		rc = RT_E_PROTO;
	} else {
		snprintf(err, errlen, "cannot connect to runtime at %s: %s",
		    ws->where, ws->why[0] ? ws->why : "connection failed");
		rc = RT_E_UNREACHABLE;
	}
	rt_ws_close(ws);
	return rc;
}

int
rt_ws_send(struct rt_ws *ws, int binary, const void *buf, size_t len,
    long timeout_s, char *err, size_t errlen)
{
	uint64_t deadline = deadline_of((timeout_s > 0 ? timeout_s :
	    rt_cfg.runtime_timeout) * 1000L);
	unsigned char *p;

	if (ws->state != WS_OPEN || ws->wsi == NULL) {
		snprintf(err, errlen, "runtime at %s: the WebSocket is closed",
		    ws->where);
		return RT_E_PROTO;
	}
	if ((p = realloc(ws->out, LWS_PRE + len + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return RT_E_INTERNAL;
	}
	ws->out = p;
	memcpy(ws->out + LWS_PRE, buf, len);
	ws->olen = len;
	ws->obinary = binary;
	ws->pending = 1;
	lws_callback_on_writable(ws->wsi);
	while (ws->pending && ws->state == WS_OPEN && now_us() < deadline)
		loop_turn(ws->loop, deadline);
	if (!ws->pending)
		return ws->stopped ? RT_E_STOPPED : RT_OK;
	ws->pending = 0;
	if (ws->state == WS_OPEN) {
		snprintf(err, errlen, "runtime at %s timed out", ws->where);
		return RT_E_TIMEOUT;
	}
	snprintf(err, errlen, "runtime at %s closed the WebSocket%s%s",
	    ws->where, ws->why[0] ? ": " : "", ws->why);
	return RT_E_PROTO;
}

int
rt_ws_wait(struct rt_ws *ws, long timeout_ms, char *err, size_t errlen)
{
	uint64_t deadline = deadline_of(timeout_ms);

	while (ws->state == WS_OPEN && !ws->stopped && !ws->too_big &&
	    now_us() < deadline)
		loop_turn(ws->loop, deadline);
	if (ws->too_big) {
		snprintf(err, errlen, "runtime at %s: %s", ws->where, ws->why);
		return RT_E_TOO_BIG;
	}
	if (ws->stopped)
		return RT_E_STOPPED;
	if (ws->state == WS_OPEN) {
		snprintf(err, errlen, "runtime at %s timed out", ws->where);
		return RT_E_TIMEOUT;
	}
	return RT_OK;
}

void
rt_ws_close(struct rt_ws *ws)
{
	uint64_t deadline = deadline_of(CLOSE_WAIT_MS);

	if (ws == NULL)
		return;
	if (ws->wsi != NULL && ws->state == WS_OPEN) {
		ws->closing = 1;
		lws_callback_on_writable(ws->wsi);
		while (ws->wsi != NULL && now_us() < deadline)
			loop_turn(ws->loop, deadline);
	}
	if (ws->wsi != NULL) {
		/* Still there: let it go without us. */
		lws_set_wsi_user(ws->wsi, NULL);
		lws_set_timeout(ws->wsi, PENDING_TIMEOUT_CLOSE_SEND,
		    LWS_TO_KILL_ASYNC);
	}
	loop_put(ws->loop);
	ws_free(ws);
}
