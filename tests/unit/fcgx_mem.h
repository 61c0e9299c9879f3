/*
 * fcgx_mem.h: an in-memory FastCGI output stream for the unit tests that
 * run requests: what a request writes collects in sent (NUL-ended), so a
 * test reads the status line, headers and body from it.  Include after
 * fcgi-app/cc.h.
 */
#ifndef UNIT_FCGX_MEM_H
#define UNIT_FCGX_MEM_H

#include <string.h>

static unsigned char outbuf[1 << 16];
static char sent[1 << 16];
static FCGX_Stream out_stream;

/* libfcgi calls this when the buffer is full or on close: keep what was
 * written (the test reads the status line from it) and start over. */
static void
flush_out(FCGX_Stream *s, int doClose)
{
	size_t n = (size_t)(s->wrNext - outbuf), have = strlen(sent);

	(void)doClose;
	if (have + n < sizeof(sent)) {
		memcpy(sent + have, outbuf, n);
		sent[have + n] = '\0';
	}
	s->wrNext = outbuf;
}

/* An empty sent, and fr's output going to it. */
static inline void
mem_out_reset(FCGX_Request *fr)
{
	memset(&out_stream, 0, sizeof(out_stream));
	out_stream.wrNext = outbuf;
	out_stream.stop = outbuf + sizeof(outbuf);
	out_stream.emptyBuffProc = flush_out;
	fr->out = &out_stream;
	sent[0] = '\0';
}

#endif
