/*
 * unit.h: the in-tree unit test harness.  Output is TAP (run through
 * automake's tap-driver.sh); a failed CHECK prints file, line and the
 * expression, as LMDB's mtest and redis's testhelp.h do.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_n, unit_failed;

#define CHECK(cond) do {						\
	unit_n++;							\
	if (cond)							\
		printf("ok %d - %s\n", unit_n, #cond);			\
	else {								\
		unit_failed++;						\
		printf("not ok %d - %s\n# %s:%d: check failed\n",	\
		    unit_n, #cond, __FILE__, __LINE__);			\
	}								\
} while (0)

#define CHECK_STR(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	unit_n++;							\
	if (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0)		\
		printf("ok %d - %s == \"%s\"\n", unit_n, #got, w_);	\
	else {								\
		unit_failed++;						\
		printf("not ok %d - %s\n# %s:%d: got \"%s\", want "	\
		    "\"%s\"\n", unit_n, #got, __FILE__, __LINE__,	\
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)");		\
	}								\
} while (0)

#define CHECK_INT(got, want) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	unit_n++;							\
	if (g_ == w_)							\
		printf("ok %d - %s == %lld\n", unit_n, #got, w_);	\
	else {								\
		unit_failed++;						\
		printf("not ok %d - %s\n# %s:%d: got %lld, want %lld\n",\
		    unit_n, #got, __FILE__, __LINE__, g_, w_);		\
	}								\
} while (0)

static inline int
unit_done(void)
{
	printf("1..%d\n", unit_n);
	return unit_failed ? 1 : 0;
}

#endif
