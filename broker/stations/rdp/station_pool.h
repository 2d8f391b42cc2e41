/* SPDX-License-Identifier: MIT */
/*
 * What RDP stations are made of and must give back: their numbers (seat
 * seat-rdpN) and evdi cards. evdi cannot remove a device, so a card whose
 * station could not be made waits here for the next station instead of
 * being added anew: without that, 64 failed makings (a client asking for
 * a size no head can show, evdi or uinput refusing) would leave no number
 * and no card for anyone. Pure bookkeeping, no I/O.
 */
#ifndef SEATMUX_STATION_POOL_H
#define SEATMUX_STATION_POOL_H

#include <stdint.h>

#define STATION_POOL_MAX 64	/* stations, and cards (/dev/dri/card0-63) */

struct station_pool {
	uint64_t numbers;		/* bit N - 1: station N is someone's */
	int cards[STATION_POOL_MAX];	/* evdi cards no station has */
	int ncards;
};

void station_pool_init(struct station_pool *p);
/* The lowest free number, 1 to STATION_POOL_MAX, now taken; -ENOSPC. */
int station_pool_take_number(struct station_pool *p);
/* That number, taken by a station a seatmuxd before this one made: 0,
 * or -EINVAL (no such number), -EBUSY (taken already). */
int station_pool_claim_number(struct station_pool *p, int number);
/* A number taken is free again (others are ignored). */
void station_pool_put_number(struct station_pool *p, int number);
/* A card given back earlier, now taken; -ENOENT: a new one is needed. */
int station_pool_take_card(struct station_pool *p);
/* A card no station has any more: 0, or -EINVAL (not a card number, or
 * already here). */
int station_pool_put_card(struct station_pool *p, int card);

#endif
