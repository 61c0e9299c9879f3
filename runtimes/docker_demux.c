/*
 * docker_demux.c: Docker's multiplexed stream format (logs, attach, exec
 * without a TTY), as a small state machine that survives any split of
 * the input into chunks (struct dk_demux, docker.h).
 */
#include "config.h"

#include <string.h>

#include "docker.h"

void
dk_demux_init(struct dk_demux *d, rt_sink_fn fn, void *arg)
{
	memset(d, 0, sizeof(*d));
	d->fn = fn;
	d->arg = arg;
}

static int
header_ok(const unsigned char *h)
{
	return h[0] <= 2 && h[1] == 0 && h[2] == 0 && h[3] == 0;
}

int
dk_demux_feed(struct dk_demux *d, const char *p, size_t n)
{
	size_t take;

	while (n > 0) {
		if (d->raw)
			return d->fn(d->arg, RT_STDOUT, p, n) ? -1 : 0;
		if (d->left == 0) {
			take = 8 - d->hlen < n ? 8 - d->hlen : n;
			memcpy(d->hdr + d->hlen, p, take);
			d->hlen += take;
			p += take;
			n -= take;
			/* The first byte decides a TTY's raw stream early,
			 * without waiting for eight bytes that may not come. */
			if (!d->started && d->hlen >= 1 && d->hdr[0] > 2) {
				d->raw = 1;
				if (d->fn(d->arg, RT_STDOUT, (const char *)d->hdr,
				    d->hlen))
					return -1;
				continue;
			}
			if (d->hlen < 8)
				return 0;
			if (!header_ok(d->hdr)) {
				/* Not a frame: from here on it is raw. */
				d->raw = 1;
				if (d->fn(d->arg, RT_STDOUT, (const char *)d->hdr,
				    8))
					return -1;
				continue;
			}
			d->started = 1;
			d->cur = d->hdr[0] == 2 ? RT_STDERR : RT_STDOUT;
			d->left = (size_t)d->hdr[4] << 24 |
			    (size_t)d->hdr[5] << 16 | (size_t)d->hdr[6] << 8 |
			    (size_t)d->hdr[7];
			d->hlen = 0;
			continue;
		}
		take = d->left < n ? d->left : n;
		if (d->fn(d->arg, d->cur, p, take))
			return -1;
		d->left -= take;
		p += take;
		n -= take;
	}
	return 0;
}
