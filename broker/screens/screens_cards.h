/* The cards a seat's session would be handed (as client.c decides):
 * what the broker paints on and reads back. */
#ifndef SEATMUX_SCREENS_CARDS_H
#define SEATMUX_SCREENS_CARDS_H

struct broker;
struct device;

int screens_seat_cards(struct broker *b, const char *seat, struct device **out, int max);

#endif
