/* SPDX-License-Identifier: MIT */
/*
 * The heads a seat's session would be handed (as client.c decides): what
 * the broker paints on and reads back. A card is the seat's whole, or,
 * split between seats by DRM leases, on the connectors its lease holds
 * only: those are painted through seatmuxd's own master fd on the card
 * (the lessor's) and read back from those connectors alone.
 */
#ifndef SEATMUX_SCREENS_CARDS_H
#define SEATMUX_SCREENS_CARDS_H

#include <stdint.h>

#include "drm_lease.h"
#include "screen_proto.h"

struct broker;
struct device;
struct fb_heads;

struct screen_card {
	struct device *card;
	int lessor_fd;		/* seatmuxd's on a split card, or -1: the whole card */
	int noutputs;		/* with lessor_fd: the seat's connectors */
	struct drm_lease_output outputs[SCREEN_PROTO_MAX_OUTPUTS];
};

/* Up to max of seat's cards, in the order of the device list: the count. */
int screens_seat_cards(struct broker *b, const char *seat, struct screen_card *out, int max);
/* What a painter is told of card's heads. */
void screens_card_heads(const struct screen_card *card, struct screen_heads *heads);
/* What a reader of card's pictures reads: the seat's connectors. */
void screens_card_read(const struct screen_card *card, struct fb_heads *heads);

#endif
