/*
 * fuzz_demux.c: libFuzzer target for the engine stream demultiplexer
 * (dk_demux_feed: Docker's framed logs, attach and exec output).  The
 * first byte seeds how the rest is cut into chunks, as the transport
 * might hand them over; fed whole and fed in chunks, the bytes that
 * come out, and the stream each goes to, must be the same, and no more
 * than went in.  A sink that stops must stop the feed.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The demultiplexer's header; it moves with the Docker driver's files
 * (then: "runtimes/docker.h"). */
#include "runtimes/docker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct out {
	uint64_t	 h;		/* hash of (stream, byte) in order */
	size_t		 bytes[4];
	size_t		 stop_at;	/* refuse past this many (0: never) */
	int		 stopped;
};

static int
sink(void *arg, enum rt_stream st, const char *p, size_t n)
{
	struct out *o = arg;
	size_t i;

	if (o->stopped || (st != RT_STDOUT && st != RT_STDERR))
		abort();	/* called after a stop, or for no stream */
	for (i = 0; i < n; i++)
		o->h = o->h * 1099511628211ULL + (unsigned char)p[i] +
		    ((uint64_t)st << 8);
	o->bytes[st] += n;
	if (o->stop_at > 0 && o->bytes[1] + o->bytes[2] >= o->stop_at) {
		o->stopped = 1;
		return 1;
	}
	return 0;
}

/* Feeds in[0..n) in chunks of 1..16 bytes drawn from seed (0: whole). */
static void
feed(const char *in, size_t n, unsigned seed, struct out *o)
{
	struct dk_demux d;
	size_t at = 0, take;
	int rc;

	dk_demux_init(&d, sink, o);
	while (at < n || n == 0) {
		take = n - at;
		if (seed != 0) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 16 + 1 < take)
				take = (seed >> 16) % 16 + 1;
		}
		rc = dk_demux_feed(&d, in + at, take);
		if (rc != 0 && rc != -1)
			abort();
		if ((rc == -1) != o->stopped)
			abort();	/* -1 exactly when the sink stopped */
		if (rc == -1 || n == 0)
			return;
		at += take;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct out whole, cut, stop;
	const char *in = (const char *)data + 1;
	size_t n;

	if (size < 1)
		return 0;
	n = size - 1;
	memset(&whole, 0, sizeof(whole));
	memset(&cut, 0, sizeof(cut));
	memset(&stop, 0, sizeof(stop));
	feed(in, n, 0, &whole);
	feed(in, n, data[0] | 1u, &cut);
	if (whole.h != cut.h || memcmp(whole.bytes, cut.bytes,
	    sizeof(whole.bytes)) != 0 || whole.bytes[1] + whole.bytes[2] > n)
		abort();
	stop.stop_at = data[0] + 1u;
	feed(in, n, data[0] | 1u, &stop);
	return 0;
}
