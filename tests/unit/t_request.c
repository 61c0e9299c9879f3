/* Unit tests: the request module's reading of the FastCGI input
 * (request.c).  The web server is played by fake libfcgi streams that
 * behave as nginx does: once the app has begun its answer, nginx sends
 * nothing more of the request (ngx_http_upstream_send_request_handler
 * drops the rest once the response header has gone to the client), so a
 * read after that point would wait for ever.  The fake counts such reads
 * and ends the stream instead of blocking. */
#include "config.h"

#include "fcgi-app/cc.h"
#include "unit.h"

/* ---- the web server's side ---- */

static unsigned char out[1 << 18];	/* the whole answer fits */
static FCGX_Stream out_stream, in_stream;
static FCGX_Request fr;
static char *envp[8];

static const char *in_body;	/* the body the web server sends */
static size_t in_len, in_sent;
static int in_late;		/* reads asked for after the answer began */

enum { IN_CHUNK = 8192 };	/* as libfcgi's reads */

/* Whether the app has begun its answer (the worst case for the app:
 * every byte written reaches the web server at once). */
static int
answered(void)
{
	return out_stream.wrNext != out;
}

/* libfcgi's fillBuffProc: the next chunk of the body, then the empty
 * FCGI_STDIN record that ends it (the stream's end). */
static void
in_fill(FCGX_Stream *s)
{
	size_t n = in_len - in_sent;

	if (answered())
		in_late++;
	if (n > IN_CHUNK)
		n = IN_CHUNK;
	s->rdNext = s->stopUnget = (unsigned char *)in_body + in_sent;
	s->stop = s->rdNext + n;
	in_sent += n;
	if (n == 0)
		s->isClosed = 1;
}

static void
out_full(FCGX_Stream *s, int doClose)
{
	(void)doClose;
	s->isClosed = 1;
}

/* A request as FCGX_Accept_r hands it over: the parameters (a NULL-ended
 * list of up to 7 "NAME=value") and a body of len bytes still to come. */
static int
init_req(struct request *r, const char *const *params, const char *body,
    size_t len)
{
	size_t n;

	for (n = 0; params[n] != NULL && n + 1 < 8; n++)
		envp[n] = (char *)params[n];
	envp[n] = NULL;
	memset(&in_stream, 0, sizeof(in_stream));
	in_stream.isReader = 1;
	in_stream.fillBuffProc = in_fill;
	in_body = body;
	in_len = len;
	in_sent = 0;
	in_late = 0;
	memset(&out_stream, 0, sizeof(out_stream));
	out_stream.wrNext = out;
	out_stream.stop = out + sizeof(out);
	out_stream.emptyBuffProc = out_full;
	memset(&fr, 0, sizeof(fr));
	fr.in = &in_stream;
	fr.out = &out_stream;
	fr.envp = envp;
	return request_init(r, &fr);
}

static void
accept_req(struct request *r, const char *const *params, const char *body,
    size_t len)
{
	CHECK_INT(init_req(r, params, body, len), 0);
}

/* A body of n bytes (a JSON string, as the echo route's bodies). */
static char *
body_of(size_t n)
{
	char *b = malloc(n + 1);
	size_t i;

	if (b == NULL)
		abort();
	b[0] = '"';
	for (i = 1; i + 1 < n; i++)
		b[i] = (char)('a' + i % 26);
	b[n - 1] = '"';
	b[n] = '\0';
	return b;
}

/* The body read to its end and a large answer (the echo route's 228 KB
 * one in tests/e2e/t_stack): the end of the body is read before the
 * answer begins, so the worker may close at once, and nothing is asked
 * of the web server after the answer began. */
static void
t_body_then_answer(void)
{
	static const char *const params[] = { "REQUEST_METHOD=POST",
	    "REQUEST_URI=/api/v1/_echo/x", "CONTENT_TYPE=application/json",
	    "CONTENT_LENGTH=200000", NULL };
	char *body = body_of(200000), *big = body_of(230000);
	struct request r;

	accept_req(&r, params, body, 200000);
	CHECK_INT(req_read_body(&r), 0);
	CHECK(r.body_len == 200000 && memcmp(r.body, body, 200000) == 0);
	CHECK_INT(resp_send(&r, 200, "application/json", big, 230000), 200);
	CHECK(answered());
	CHECK_INT(req_drained(&r), 1);
	CHECK_INT(in_late, 0);
	request_free(&r);
	free(body);
	free(big);
}

/* No body: its end (the empty record nginx sends with the parameters)
 * is read before the answer too. */
static void
t_no_body(void)
{
	static const char *const params[] = { "REQUEST_METHOD=GET",
	    "REQUEST_URI=/health", NULL };
	static const char *const empty[] = { "REQUEST_METHOD=POST",
	    "REQUEST_URI=/api/v1/_echo/x", "CONTENT_LENGTH=0", NULL };
	struct request r;

	accept_req(&r, params, "", 0);
	CHECK_INT(resp_send(&r, 200, "application/json", "{}", 2), 200);
	CHECK_INT(req_drained(&r), 1);
	CHECK_INT(in_late, 0);
	request_free(&r);

	accept_req(&r, empty, "", 0);
	CHECK_INT(req_read_body(&r), 0);
	CHECK_INT(resp_send(&r, 200, "application/json", "{}", 2), 200);
	CHECK_INT(req_drained(&r), 1);
	CHECK_INT(in_late, 0);
	request_free(&r);
}

/* A body answered without being read (a refusal): not drained, so the
 * worker closes gracefully, and still nothing is read after the answer
 * began.  Likewise a body read only in part. */
static void
t_body_unread(void)
{
	static const char *const params[] = { "REQUEST_METHOD=POST",
	    "REQUEST_URI=/api/v1/_echo/x", "CONTENT_LENGTH=20000", NULL };
	char *body = body_of(20000), buf[100];
	struct request r;

	accept_req(&r, params, body, 20000);
	resp_error(&r, CC_E_UNAUTHORIZED, "no credentials");
	CHECK_INT(r.status, 401);
	CHECK_INT(req_drained(&r), 0);
	CHECK_INT(in_late, 0);
	request_free(&r);

	accept_req(&r, params, body, 20000);
	CHECK_INT(req_read(&r, buf, sizeof(buf)), (long)sizeof(buf));
	resp_error(&r, CC_E_INVALID_REQUEST, "stopped early");
	CHECK_INT(req_drained(&r), 0);
	CHECK_INT(in_late, 0);
	request_free(&r);
	free(body);
}

/* The web server's stream ends before the declared length: nothing is
 * left unread, so closing at once is safe; the body is refused. */
static void
t_body_short(void)
{
	static const char *const params[] = { "REQUEST_METHOD=POST",
	    "REQUEST_URI=/api/v1/_echo/x", "CONTENT_LENGTH=20000", NULL };
	char *body = body_of(20000);
	struct request r;

	accept_req(&r, params, body, 10000);
	CHECK(req_read_body(&r) < 0);
	CHECK_INT(r.status, 400);
	CHECK_INT(req_drained(&r), 1);
	CHECK_INT(in_late, 0);
	request_free(&r);
	free(body);
}

/* Each text header that is not UTF-8 is refused naming it, whichever
 * place it has among the parameters; a credential header's bytes (not
 * a text header) and a text header that is UTF-8 pass. */
static void
t_text_headers(void)
{
	static const char *const bad[][2] = {
		{ "CONTENT_TYPE=text/\xff", "Content-Type" },
		{ "HTTP_ACCEPT=text/\xc0\xae", "Accept" },
		{ "HTTP_RANGE=bytes=0-\xff", "Range" },
		{ "HTTP_IF_MATCH=\"\xed\xa0\x80\"", "If-Match" },
		{ "HTTP_IF_NONE_MATCH=\"\xff\"", "If-None-Match" },
		{ "HTTP_IF_RANGE=\"\xfe\"", "If-Range" },
		{ "HTTP_IF_MODIFIED_SINCE=\xff", "If-Modified-Since" },
		{ "HTTP_IF_UNMODIFIED_SINCE=\xff", "If-Unmodified-Since" },
	};
	const char *params[7] = { "REQUEST_METHOD=GET",
	    "REQUEST_URI=/api/v1/health", "HTTP_HOST=x",
	    "HTTP_AUTHORIZATION=Bearer \xff", NULL, "HTTP_IF_RANGE=\"a\"",
	    NULL };
	char want[64];
	struct request r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		params[4] = bad[i][0];
		CHECK_INT(init_req(&r, params, "", 0), -1);
		snprintf(want, sizeof(want), "header %s is not valid UTF-8",
		    bad[i][1]);
		CHECK(r.reject != NULL && strcmp(r.reject, want) == 0);
		request_free(&r);
	}
	params[4] = "HTTP_ACCEPT=text/plain; q=\xc3\xa9";
	CHECK_INT(init_req(&r, params, "", 0), 0);
	request_free(&r);
}

int
main(void)
{
	front_cfg.max_body = 1 << 20;
	t_body_then_answer();
	t_no_body();
	t_body_unread();
	t_body_short();
	t_text_headers();
	return unit_done();
}
