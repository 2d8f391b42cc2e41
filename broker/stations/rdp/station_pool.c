// SPDX-License-Identifier: MIT
/*
 * Numbers are a bitmap, lowest first, so that seat names stay small and
 * a number given back is the next one used; cards a stack.
 */
#include <errno.h>

#include "station_pool.h"

void station_pool_init(struct station_pool *p)
{
	*p = (struct station_pool){ 0 };
}

int station_pool_take_number(struct station_pool *p)
{
	for (int n = 1; n <= STATION_POOL_MAX; n++) {
		uint64_t bit = UINT64_C(1) << (n - 1);

		if (!(p->numbers & bit)) {
			p->numbers |= bit;
			return n;
		}
	}
	return -ENOSPC;
}

int station_pool_claim_number(struct station_pool *p, int number)
{
	uint64_t bit;

	if (number < 1 || number > STATION_POOL_MAX)
		return -EINVAL;
	bit = UINT64_C(1) << (number - 1);
	if (p->numbers & bit)
		return -EBUSY;
	p->numbers |= bit;
	return 0;
}

void station_pool_put_number(struct station_pool *p, int number)
{
	if (number >= 1 && number <= STATION_POOL_MAX)
		p->numbers &= ~(UINT64_C(1) << (number - 1));
}

int station_pool_take_card(struct station_pool *p)
{
	return p->ncards > 0 ? p->cards[--p->ncards] : -ENOENT;
}

int station_pool_put_card(struct station_pool *p, int card)
{
	if (card < 0 || card >= STATION_POOL_MAX || p->ncards >= STATION_POOL_MAX)
		return -EINVAL;
	for (int i = 0; i < p->ncards; i++)
		if (p->cards[i] == card)
			return -EINVAL;
	p->cards[p->ncards++] = card;
	return 0;
}
