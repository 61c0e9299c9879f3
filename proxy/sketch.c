/*
 * sketch.c: a mergeable quantile sketch in the manner of DDSketch
 * (Masson, Rim, Lee, VLDB 2019).  A value v >= PX_SK_MIN goes to bucket
 * i = ceil(log_gamma(v / PX_SK_MIN)) with gamma = (1 + a) / (1 - a) and
 * a = 1%; every value in a bucket lies within 1% of the bucket's
 * representative 2 gamma^i / (gamma + 1) (times PX_SK_MIN), so any
 * quantile is returned within 1% of a true sample.  Counts only: two
 * sketches merge by adding them, and nothing is kept per value.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "proxy.h"

#define ALPHA	0.01
#define GAMMA	((1.0 + ALPHA) / (1.0 - ALPHA))

static int
bucket(double v)
{
	double i = ceil(log(v / PX_SK_MIN) / log(GAMMA));

	if (i < 0)
		return 0;
	if (i >= PX_SK_BUCKETS)
		return PX_SK_BUCKETS - 1;
	return (int)i;
}

static double
value(int i)
{
	return PX_SK_MIN * 2.0 * pow(GAMMA, i) / (GAMMA + 1.0);
}

void
px_sketch_add(struct px_sketch *s, double v)
{
	if (!(v >= 0))
		return;		/* NaN or negative: not a duration */
	s->count++;
	s->sum += v;
	if (v > s->max)
		s->max = v;
	if (v < PX_SK_MIN)
		s->zero++;
	else
		s->b[bucket(v)]++;
}

void
px_sketch_merge(struct px_sketch *to, const struct px_sketch *from)
{
	size_t i;

	to->count += from->count;
	to->zero += from->zero;
	to->sum += from->sum;
	if (from->max > to->max)
		to->max = from->max;
	for (i = 0; i < PX_SK_BUCKETS; i++)
		to->b[i] += from->b[i];
}

/*
 * The value of rank q * (count - 1), the lower-median convention of
 * DDSketch; 0 when the sketch is empty.  Never above the largest value
 * seen.
 */
double
px_sketch_quantile(const struct px_sketch *s, double q)
{
	uint64_t rank, seen;
	size_t i;

	if (s->count == 0)
		return 0;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	rank = (uint64_t)(q * (double)(s->count - 1));
	seen = s->zero;
	if (rank < seen)
		return 0;
	for (i = 0; i < PX_SK_BUCKETS; i++) {
		seen += s->b[i];
		if (rank < seen) {
			double v = value((int)i);

			return v > s->max ? s->max : v;
		}
	}
	return s->max;
}
