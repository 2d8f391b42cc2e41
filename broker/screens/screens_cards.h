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

#include "screen_proto.h"

struct broker;
struct device;

struct screen_card {
	struct device *card;
	int lessor_fd;		/* seatmuxd's on a split card, or -1: the whole card */
	int nconnectors;	/* with lessor_fd: the seat's connectors (KMS ids) */
	uint32_t connectors[SCREEN_PROTO_MAX_CONNECTORS];
};

/* Up to max of seat's cards, in the order of the device list: the count. */
int screens_seat_cards(struct broker *b, const char *seat, struct screen_card *out, int max);
/* What a painter or a reader is told of card's heads. */
void screens_card_heads(const struct screen_card *card, struct screen_heads *heads);

#endif
