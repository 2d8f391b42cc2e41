// SPDX-License-Identifier: MIT
/* A kind's tokens for its helpers' looks: what a change said voids. */
#include <limits.h>

#include "head_looks.h"
#include "test.h"

#define MAX_MS 10000

static void test_one_helper(struct test_state *t)
{
	struct head_looks h = { 0 };
	unsigned count = 0, t1, t2, t3;

	/* Nothing looked at yet: nothing vouched for, 0 never. */
	CHECK(t, !head_looks_unchanged(&h, 0, count) && !head_looks_unchanged(&h, 1, count));
	t1 = head_looks_sent(&h, &count, 0, MAX_MS);
	CHECK(t, t1 == 1 && head_looks_unchanged(&h, t1, count));
	t2 = head_looks_sent(&h, &count, 0, MAX_MS);
	CHECK(t, t2 == 2 && head_looks_unchanged(&h, t1, count) && head_looks_unchanged(&h, t2, count));
	/* A token not given yet is not vouched for. */
	CHECK(t, !head_looks_unchanged(&h, t2 + 1, count) && !head_looks_unchanged(&h, 0, count));
	/* The change answers every look so far. */
	head_looks_changed(&h);
	CHECK(t, !head_looks_unchanged(&h, t1, count) && !head_looks_unchanged(&h, t2, count));
	/* A repeated answer is not heard; the next look is vouched for
	 * again, the ones before it still not. */
	head_looks_changed(&h);
	t3 = head_looks_sent(&h, &count, 0, MAX_MS);
	CHECK(t, head_looks_unchanged(&h, t3, count) && !head_looks_unchanged(&h, t2, count));
	/* Another head (or a look that could not go): nothing. */
	head_looks_forget(&h);
	CHECK(t, !head_looks_unchanged(&h, t3, count));
	t1 = head_looks_sent(&h, &count, 0, MAX_MS);
	CHECK(t, head_looks_unchanged(&h, t1, count) && !head_looks_unchanged(&h, t3, count));
}

/* Two helpers of one kind share its count; one's change is not the other's. */
static void test_two_helpers(struct test_state *t)
{
	struct head_looks a = { 0 }, b = { 0 };
	unsigned count = 0, ta, tb, tc;

	ta = head_looks_sent(&a, &count, 0, MAX_MS);
	tb = head_looks_sent(&b, &count, 0, MAX_MS);
	head_looks_changed(&a);
	CHECK(t, !head_looks_unchanged(&a, ta, count) && head_looks_unchanged(&b, tb, count));
	/* a looks again: its new token is vouched for, its old one and
	 * every token from before its change (b's) are not. */
	tc = head_looks_sent(&a, &count, 0, MAX_MS);
	CHECK(t, head_looks_unchanged(&a, tc, count) && !head_looks_unchanged(&a, ta, count) &&
		 !head_looks_unchanged(&a, tb, count) && head_looks_unchanged(&b, tb, count));
}

/* The count wraps past 0, which is never a token. */
static void test_wrap(struct test_state *t)
{
	struct head_looks h = { 0 };
	unsigned count = UINT_MAX - 1, t1, t2;

	t1 = head_looks_sent(&h, &count, 0, MAX_MS);
	t2 = head_looks_sent(&h, &count, 0, MAX_MS);
	CHECK(t, t1 == UINT_MAX && t2 == 1);
	CHECK(t, head_looks_unchanged(&h, t1, count) && head_looks_unchanged(&h, t2, count));
	head_looks_changed(&h);
	t1 = head_looks_sent(&h, &count, 0, MAX_MS);
	CHECK(t, t1 == 2 && head_looks_unchanged(&h, t1, count) &&
		 !head_looks_unchanged(&h, t2, count));
	/* Half the range ahead or more is behind the first: not vouched for. */
	CHECK(t, !head_looks_unchanged(&h, t1 + 0x80000000u, count));
	CHECK(t, !head_looks_unchanged(&h, t1 - 1, count));
}

/* still: the first look since the last change, for MAX_MS at most; a
 * look after that starts anew, and the looks before it are not
 * vouched for any longer. */
static void test_still(struct test_state *t)
{
	struct head_looks h = { 0 };
	unsigned count = 0, t1, t2, t3;

	CHECK(t, head_looks_still(&h, 0, MAX_MS) == 0);
	t1 = head_looks_sent(&h, &count, 1000, MAX_MS);
	t2 = head_looks_sent(&h, &count, 5000, MAX_MS);
	CHECK(t, head_looks_still(&h, 5000, MAX_MS) == t1 && t2 == t1 + 1);
	CHECK(t, head_looks_still(&h, 1000 + MAX_MS - 1, MAX_MS) == t1);
	CHECK(t, head_looks_still(&h, 1000 + MAX_MS, MAX_MS) == 0);
	/* A picture read after t2 is vouched for while the trust lasts;
	 * then not, unchanged as it may be, until a look renews it. */
	CHECK(t, head_looks_vouched(&h, t2, count, 1000 + MAX_MS - 1, MAX_MS) &&
		 !head_looks_vouched(&h, t2, count, 1000 + MAX_MS, MAX_MS) &&
		 head_looks_unchanged(&h, t2, count));
	/* Trusted long enough: the next look is a first one. */
	t3 = head_looks_sent(&h, &count, 1000 + MAX_MS, MAX_MS);
	CHECK(t, head_looks_still(&h, 1000 + MAX_MS, MAX_MS) == t3 &&
		 head_looks_vouched(&h, t3, count, 1000 + MAX_MS, MAX_MS) &&
		 !head_looks_vouched(&h, t2, count, 1000 + MAX_MS, MAX_MS) &&
		 head_looks_unchanged(&h, t3, count) && !head_looks_unchanged(&h, t1, count) &&
		 !head_looks_unchanged(&h, t2, count));
	/* A change, or another head: nothing is still. */
	head_looks_changed(&h);
	CHECK(t, head_looks_still(&h, 1000 + MAX_MS, MAX_MS) == 0);
	t1 = head_looks_sent(&h, &count, 1000 + MAX_MS, MAX_MS);
	CHECK(t, head_looks_still(&h, 1000 + MAX_MS, MAX_MS) == t1 && t1 == t3 + 1);
	head_looks_forget(&h);
	CHECK(t, head_looks_still(&h, 1000 + MAX_MS, MAX_MS) == 0);
	/* picture-max-age = 0: never still, each look a first one. */
	t1 = head_looks_sent(&h, &count, 2000, 0);
	t2 = head_looks_sent(&h, &count, 2000, 0);
	CHECK(t, head_looks_still(&h, 2000, 0) == 0 && head_looks_unchanged(&h, t2, count) &&
		 !head_looks_unchanged(&h, t1, count));
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_one_helper);
	RUN(&t, test_two_helpers);
	RUN(&t, test_wrap);
	RUN(&t, test_still);
	return TEST_SUMMARY(&t);
}
