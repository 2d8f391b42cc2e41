/* A minimal unit test harness: CHECK records, RUN reports per test. */
#ifndef SEATMUX_TEST_H
#define SEATMUX_TEST_H

#include <stdio.h>

struct test_state {
	int checks_failed;	/* in the current test */
	int passed;
	int failed;
};

#define CHECK(t, cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "  %s:%d: failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			(t)->checks_failed++;				\
		}							\
	} while (0)

#define RUN(t, fn)							\
	do {								\
		(t)->checks_failed = 0;					\
		fn(t);							\
		if ((t)->checks_failed) {				\
			printf("FAIL %s\n", #fn);			\
			(t)->failed++;					\
		} else {						\
			printf("PASS %s\n", #fn);			\
			(t)->passed++;					\
		}							\
	} while (0)

#define TEST_SUMMARY(t)							\
	(printf("%d passed, %d failed\n", (t)->passed, (t)->failed),	\
	 (t)->failed ? 1 : 0)

#endif
