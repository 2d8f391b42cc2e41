// SPDX-License-Identifier: MIT
/* RDP stations' numbers and evdi cards: what a station that could not be
 * made took is there for the next one. */
#include <errno.h>
#include <stdbool.h>

#include "station_pool.h"
#include "test.h"

/* As broker/stations/rdp/stations.c makes a station: a number, then a card
 * given back earlier or else a new one (evdi's next); a failure gives both
 * back. */
static int make(struct station_pool *p, int *next_new_card, bool fails, int *card)
{
	int number = station_pool_take_number(p);

	if (number < 0)
		return number;
	*card = station_pool_take_card(p);
	if (*card == -ENOENT)
		*card = (*next_new_card)++;
	if (fails) {
		station_pool_put_card(p, *card);
		station_pool_put_number(p, number);
	}
	return number;
}

static void test_failures_give_back(struct test_state *t)
{
	struct station_pool p;
	int new_card = 1, card = -1, number = 0;

	station_pool_init(&p);
	for (int i = 0; i < 100; i++)
		CHECK(t, make(&p, &new_card, true, &card) == 1 && card == 1);
	/* One evdi device added in all, and the station after them is made. */
	CHECK(t, new_card == 2);
	number = make(&p, &new_card, false, &card);
	CHECK(t, number == 1 && card == 1 && new_card == 2);
	CHECK(t, make(&p, &new_card, false, &card) == 2 && card == 2 && new_card == 3);
}

static void test_numbers(struct test_state *t)
{
	struct station_pool p;

	station_pool_init(&p);
	for (int n = 1; n <= STATION_POOL_MAX; n++)
		CHECK(t, station_pool_take_number(&p) == n);
	CHECK(t, station_pool_take_number(&p) == -ENOSPC);
	/* The lowest number given back comes first. */
	station_pool_put_number(&p, 40);
	station_pool_put_number(&p, 7);
	CHECK(t, station_pool_take_number(&p) == 7);
	CHECK(t, station_pool_take_number(&p) == 40);
	CHECK(t, station_pool_take_number(&p) == -ENOSPC);
	/* Numbers never taken change nothing. */
	station_pool_put_number(&p, 0);
	station_pool_put_number(&p, STATION_POOL_MAX + 1);
	station_pool_put_number(&p, -3);
	CHECK(t, station_pool_take_number(&p) == -ENOSPC);
}

/* A restarted seatmuxd claims the numbers its stations had; new ones
 * go around them. */
static void test_claim(struct test_state *t)
{
	struct station_pool p;

	station_pool_init(&p);
	CHECK(t, station_pool_claim_number(&p, 2) == 0);
	CHECK(t, station_pool_claim_number(&p, 2) == -EBUSY);
	CHECK(t, station_pool_claim_number(&p, 0) == -EINVAL);
	CHECK(t, station_pool_claim_number(&p, STATION_POOL_MAX + 1) == -EINVAL);
	CHECK(t, station_pool_take_number(&p) == 1 && station_pool_take_number(&p) == 3);
}

static void test_cards(struct test_state *t)
{
	struct station_pool p;

	station_pool_init(&p);
	CHECK(t, station_pool_take_card(&p) == -ENOENT);
	CHECK(t, station_pool_put_card(&p, 3) == 0 && station_pool_put_card(&p, 9) == 0);
	/* Once: a card twice would go to two stations. */
	CHECK(t, station_pool_put_card(&p, 3) == -EINVAL);
	CHECK(t, station_pool_put_card(&p, -1) == -EINVAL);
	CHECK(t, station_pool_put_card(&p, STATION_POOL_MAX) == -EINVAL);
	CHECK(t, station_pool_take_card(&p) == 9 && station_pool_take_card(&p) == 3);
	CHECK(t, station_pool_take_card(&p) == -ENOENT);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_failures_give_back);
	RUN(&t, test_numbers);
	RUN(&t, test_cards);
	RUN(&t, test_claim);
	return TEST_SUMMARY(&t);
}
