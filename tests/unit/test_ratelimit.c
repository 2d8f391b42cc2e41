// SPDX-License-Identifier: MIT
/*
 * The logon rate limit's rules: origins (a /64, an IPv4 address, a vsock
 * cid), each origin's limit, the limit on all origins together, a table
 * that a flood of origins cannot wash a held-back one out of, and the
 * share of connections waiting to log on one origin may hold.
 */
#include <stdbool.h>

#include "ratelimit.h"
#include "test.h"

static struct ratelimit rl;	/* large: not on the stack */

static struct ratelimit_key v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t addr[16] = { [10] = 0xff, [11] = 0xff, [12] = a, [13] = b, [14] = c, [15] = d };

	return ratelimit_key_inet6(addr);
}

/* 2001:db8:<net>::<host> */
static struct ratelimit_key v6(uint32_t net, uint64_t host)
{
	uint8_t addr[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	for (int i = 0; i < 4; i++)
		addr[4 + i] = (uint8_t)(net >> (24 - 8 * i));
	for (int i = 0; i < 8; i++)
		addr[8 + i] = (uint8_t)(host >> (56 - 8 * i));
	return ratelimit_key_inet6(addr);
}

static const struct ratelimit_rate each = { 3, 10000 };
static const struct ratelimit_rate unlimited = { 1 << 30, 1 };

static void test_origins(struct test_state *t)
{
	struct ratelimit_key a = v4(10, 0, 0, 1), b = v4(10, 0, 0, 2);
	struct ratelimit_key x = v6(1, 1), y = v6(1, 0xffffffffffffffffull), z = v6(2, 1);
	/* fd76:736f:636b::1: once what seatmuxd made of vsock cid 1. */
	uint8_t like_vsock[16] = { 0xfd, 'v', 's', 'o', 'c', 'k', [12] = 1 };
	/* 10.0.0.1's bytes at the start of an IPv6 address. */
	uint8_t like_v4[16] = { 10, 0, 0, 1 };
	struct ratelimit_key sv = ratelimit_key_inet6(like_vsock), s4 = ratelimit_key_inet6(like_v4);
	struct ratelimit_key c1 = ratelimit_key_vsock(1), c2 = ratelimit_key_vsock(2);

	CHECK(t, a.kind == RATELIMIT_IPV4 && !ratelimit_key_equal(&a, &b));
	CHECK(t, x.kind == RATELIMIT_IPV6 && ratelimit_key_equal(&x, &y));
	CHECK(t, !ratelimit_key_equal(&x, &z));
	CHECK(t, c1.kind == RATELIMIT_VSOCK && !ratelimit_key_equal(&c1, &c2));
	CHECK(t, !ratelimit_key_equal(&sv, &c1) && !ratelimit_key_equal(&s4, &a));
}

static void test_each(struct test_state *t)
{
	struct ratelimit_key a = v4(10, 0, 0, 1), b = v4(10, 0, 0, 2);

	ratelimit_init(&rl, each, unlimited);
	for (int i = 0; i < 3; i++) {
		CHECK(t, ratelimit_allow(&rl, &a, 1000));
		ratelimit_failed(&rl, &a, 1000);
	}
	CHECK(t, !ratelimit_allow(&rl, &a, 1000) && !ratelimit_all_held(&rl, 1000));
	/* Another address is not held back by the first. */
	CHECK(t, ratelimit_allow(&rl, &b, 1000));
	/* One more try per interval. */
	CHECK(t, !ratelimit_allow(&rl, &a, 1000 + 9999));
	CHECK(t, ratelimit_allow(&rl, &a, 1000 + 10000));
	ratelimit_failed(&rl, &a, 1000 + 10000);
	CHECK(t, !ratelimit_allow(&rl, &a, 1000 + 10001));
	/* Given time, the whole burst again. */
	for (int i = 0; i < 3; i++) {
		CHECK(t, ratelimit_allow(&rl, &a, 100000));
		ratelimit_failed(&rl, &a, 100000);
	}
	CHECK(t, !ratelimit_allow(&rl, &a, 100000));
}

/* A host that has a /64 guesses from a new address each time. */
static void test_rotating_in_a_64(struct test_state *t)
{
	struct ratelimit_key n = v6(8, 1);
	struct ratelimit_key c1 = ratelimit_key_vsock(1), c2 = ratelimit_key_vsock(2);
	bool held = true;

	ratelimit_init(&rl, each, unlimited);
	for (uint64_t i = 1; i <= 3; i++) {
		struct ratelimit_key k = v6(7, i * 0x10001);

		CHECK(t, ratelimit_allow(&rl, &k, 1000));
		ratelimit_failed(&rl, &k, 1000);
	}
	for (uint64_t i = 4; i < 1000; i++) {
		struct ratelimit_key k = v6(7, i * 0x10001);

		held &= !ratelimit_allow(&rl, &k, 1000);
	}
	CHECK(t, held);
	/* Its neighbour's /64 is another host's. */
	CHECK(t, ratelimit_allow(&rl, &n, 1000));
	/* vsock peers are told apart by their cids. */
	for (int i = 0; i < 3; i++)
		ratelimit_failed(&rl, &c1, 1000);
	CHECK(t, !ratelimit_allow(&rl, &c1, 1000) && ratelimit_allow(&rl, &c2, 1000));
}

/* New origins, failing once each, do not make the table forget one that
 * is held back, however many. */
static void test_flood_forgets_no_guesser(struct test_state *t)
{
	struct ratelimit_key a = v6(1, 1), b = v4(192, 0, 2, 1);
	struct ratelimit_key last = v6(0x10000 + 20 * RATELIMIT_SLOTS - 1, 1);

	ratelimit_init(&rl, each, unlimited);
	for (int i = 0; i < 3; i++) {
		ratelimit_failed(&rl, &a, 1000);
		ratelimit_failed(&rl, &b, 1000);
	}
	for (uint32_t i = 0; i < 20 * RATELIMIT_SLOTS; i++) {
		struct ratelimit_key x = v6(0x10000 + i, 1);

		ratelimit_failed(&rl, &x, 1000 + i / 100);
	}
	CHECK(t, !ratelimit_allow(&rl, &a, 1000 + 20 * RATELIMIT_SLOTS / 100));
	CHECK(t, !ratelimit_allow(&rl, &b, 1000 + 20 * RATELIMIT_SLOTS / 100));
	/* And the flood's most recent origins are remembered. */
	ratelimit_failed(&rl, &last, 2000);
	ratelimit_failed(&rl, &last, 2000);
	CHECK(t, !ratelimit_allow(&rl, &last, 2000));
}

/* A table full of held-back origins keeps them all; a new one is held
 * by the limit on all only. */
static void test_full_of_guessers(struct test_state *t)
{
	struct ratelimit_key fresh = v4(198, 51, 100, 1);
	bool all_held = true;

	ratelimit_init(&rl, each, unlimited);
	for (uint32_t i = 0; i < RATELIMIT_SLOTS; i++) {
		struct ratelimit_key x = v6(i, 1);

		for (int j = 0; j < 3; j++)
			ratelimit_failed(&rl, &x, 1000);
	}
	for (int j = 0; j < 3; j++)
		ratelimit_failed(&rl, &fresh, 1000);
	CHECK(t, ratelimit_allow(&rl, &fresh, 1000));
	for (uint32_t i = 0; i < RATELIMIT_SLOTS; i++) {
		struct ratelimit_key x = v6(i, 1);

		all_held &= !ratelimit_allow(&rl, &x, 1000);
	}
	CHECK(t, all_held);
	/* Once they may try again, they may be forgotten. */
	for (int j = 0; j < 3; j++)
		ratelimit_failed(&rl, &fresh, 20000);
	CHECK(t, !ratelimit_allow(&rl, &fresh, 20000));
}

/* Many origins failing together are slowed together; refusals cost
 * nothing, and logons get through again as time passes. */
static void test_all(struct test_state *t)
{
	struct ratelimit_key fresh = v4(203, 0, 113, 9);
	bool held = true;

	ratelimit_init(&rl, each, (struct ratelimit_rate){ 10, 2000 });
	for (uint32_t i = 0; i < 10; i++) {
		struct ratelimit_key x = v6(i, 1);

		CHECK(t, ratelimit_allow(&rl, &x, 1000));
		ratelimit_failed(&rl, &x, 1000);
	}
	CHECK(t, !ratelimit_allow(&rl, &fresh, 1000) && ratelimit_all_held(&rl, 1000));
	for (int i = 0; i < 100; i++)
		held &= !ratelimit_allow(&rl, &fresh, 1000 + 1999);
	CHECK(t, held);
	CHECK(t, ratelimit_allow(&rl, &fresh, 1000 + 2000) && !ratelimit_all_held(&rl, 3000));
	/* The next failure spends that token; a whole burst is back after
	 * a burst's refill. */
	ratelimit_failed(&rl, &fresh, 3000);
	CHECK(t, !ratelimit_allow(&rl, &fresh, 3000));
	for (uint32_t i = 0; i < 10; i++) {
		struct ratelimit_key x = v6(100 + i, 1);

		CHECK(t, ratelimit_allow(&rl, &x, 3000 + 20000));
		ratelimit_failed(&rl, &x, 3000 + 20000);
	}
	CHECK(t, !ratelimit_allow(&rl, &fresh, 3000 + 20000));
}

/* Someone logged on from home lately: while a botnet keeps all's tokens
 * spent, home still gets in, held by its own limit only; a flood of new
 * origins does not make the table forget it. */
static void test_trusted(struct test_state *t)
{
	struct ratelimit_key home = v4(192, 0, 2, 7), fresh = v4(203, 0, 113, 9);

	ratelimit_init(&rl, each, (struct ratelimit_rate){ 10, 2000 });
	ratelimit_succeeded(&rl, &home, 500);
	for (uint32_t i = 0; i < 2 * RATELIMIT_SLOTS; i++) {
		struct ratelimit_key x = v6(i, 1);

		ratelimit_failed(&rl, &x, 1000 + i);
	}
	CHECK(t, ratelimit_all_held(&rl, 1000 + 2 * RATELIMIT_SLOTS));
	CHECK(t, !ratelimit_allow(&rl, &fresh, 1000 + 2 * RATELIMIT_SLOTS));
	CHECK(t, ratelimit_allow(&rl, &home, 1000 + 2 * RATELIMIT_SLOTS));
	for (int i = 0; i < 3; i++)
		ratelimit_failed(&rl, &home, 5000);
	CHECK(t, !ratelimit_allow(&rl, &home, 5000));
	/* The trust runs out. */
	for (uint32_t i = 0; i < 10; i++) {
		struct ratelimit_key x = v6(5000 + i, 1);

		ratelimit_failed(&rl, &x, 500 + RATELIMIT_TRUST_MS - 1);
	}
	CHECK(t, ratelimit_allow(&rl, &home, 500 + RATELIMIT_TRUST_MS - 1));
	CHECK(t, !ratelimit_allow(&rl, &home, 500 + RATELIMIT_TRUST_MS));
}

static void test_pending(struct test_state *t)
{
	CHECK(t, ratelimit_per_origin(8) == 2);
	CHECK(t, ratelimit_per_origin(1) == 2);
	CHECK(t, ratelimit_per_origin(32) == 8);
	CHECK(t, ratelimit_admit_pending(0, 0, 8, 2));
	CHECK(t, ratelimit_admit_pending(1, 1, 8, 2));
	CHECK(t, !ratelimit_admit_pending(2, 2, 8, 2));
	CHECK(t, ratelimit_admit_pending(7, 1, 8, 2));
	CHECK(t, !ratelimit_admit_pending(8, 0, 8, 2));
	CHECK(t, !ratelimit_admit_pending(1, 1, 1, 2));
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_origins);
	RUN(&t, test_each);
	RUN(&t, test_rotating_in_a_64);
	RUN(&t, test_flood_forgets_no_guesser);
	RUN(&t, test_full_of_guessers);
	RUN(&t, test_all);
	RUN(&t, test_trusted);
	RUN(&t, test_pending);
	return TEST_SUMMARY(&t);
}
