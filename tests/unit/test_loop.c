// SPDX-License-Identifier: MIT
/* The main loop's timers: a timer disarmed or re-armed by a callback in
 * the same batch of events does not fire on the time taken back. */
#include <stdbool.h>
#include <time.h>

#include "loop.h"
#include "test.h"

struct pair {
	struct loop_source *a, *b;
	int fired_a, fired_b;
};

static void on_a(void *data, uint32_t events)
{
	struct pair *p = data;

	p->fired_a++;
	loop_timer_arm(p->b, 0);	/* b's time is taken back */
}

static void on_b(void *data, uint32_t events)
{
	struct pair *p = data;

	p->fired_b++;
	loop_timer_arm(p->a, 0);
}

static void test_disarmed_in_batch(struct test_state *t)
{
	struct timespec ms20 = { 0, 20 * 1000 * 1000 };
	struct loop *loop = loop_create();
	struct pair p = { 0 };

	p.a = loop_add_timer(loop, on_a, &p);
	p.b = loop_add_timer(loop, on_b, &p);
	CHECK(t, p.a && p.b);
	loop_timer_arm(p.a, 1);
	loop_timer_arm(p.b, 1);
	nanosleep(&ms20, NULL);
	/* Both expired: one batch reports both; the first run disarms the
	 * other, which must not run. */
	CHECK(t, loop_dispatch(loop, 0) >= 0);
	CHECK(t, p.fired_a + p.fired_b == 1);
	CHECK(t, loop_dispatch(loop, 0) >= 0);
	CHECK(t, p.fired_a + p.fired_b == 1);
	loop_destroy(loop);
}

static void tick(void *data, uint32_t events)
{
	(*(int *)data)++;
}

static void test_expired_fires(struct test_state *t)
{
	struct loop *loop = loop_create();
	int fired = 0;
	struct loop_source *src = loop_add_timer(loop, tick, &fired);

	loop_timer_arm(src, 1);
	for (int i = 0; i < 100 && !fired; i++)
		loop_dispatch(loop, 10);
	CHECK(t, fired == 1);
	/* Re-armed further off: no event now. */
	loop_timer_arm(src, 1);
	loop_timer_arm(src, 10000);
	loop_dispatch(loop, 30);
	CHECK(t, fired == 1);
	loop_destroy(loop);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_disarmed_in_batch);
	RUN(&t, test_expired_fires);
	return TEST_SUMMARY(&t);
}
