/* SPDX-License-Identifier: MIT */
/*
 * Mapping stations by key press, as schools know it from MultiPoint: every
 * head of the machine's own that has no keyboard shows a letter
 * (screens_map_letter); pressing that letter on a keyboard that belongs
 * to no station gives the keyboard's USB hub, and so the mouse and
 * whatever else hangs off it, to that head's seat, as `loginctl attach`
 * would (seat_attach.h: a persistent udev rule). A head's letter goes
 * when its keyboard arrives; mapping ends when no head waits, at Escape
 * on a free keyboard, when stopped, or after its time.
 *
 * While mapping, the free keyboards are the broker's (EVIOCGRAB): the
 * letters typed reach no session. Keys are read through xkbcommon with
 * the layout seatmuxd is given (XKB_DEFAULT_LAYOUT, else us), so a
 * letter is the one printed on the key.
 *
 * A free USB keyboard plugged while a head waits offers mapping by
 * itself: for that keyboard only, for MAP_OFFER_SECONDS. Plugged means the
 * kernel announced it while seatmuxd ran: udev's replay of the devices
 * present at boot offers nothing, a keyboard the kernel finds late in a
 * boot does (its head waits: the offer is what the room needs). The rules
 * (which heads wait, which keyboards are free, letters) are map_rules.h's.
 * Calls go one way: the map calls screens and seat_attach, never back.
 */
#ifndef SEATMUX_STATION_MAP_H
#define SEATMUX_STATION_MAP_H

#include <stdbool.h>
#include <stddef.h>

struct broker;

#define MAP_OFFER_SECONDS 120
#define MAP_MAX_SECONDS 3600

/* b->map, or -1 (no memory). */
int station_map_init(struct broker *b);
/* Ends a mapping (heads given back) and frees b->map. */
void station_map_finish(struct broker *b);

/*
 * Maps for seconds (1 to MAP_MAX_SECONDS), with every free keyboard; a
 * mapping under way (one a plugged keyboard offered, too) goes on with
 * every free keyboard and the new time. How many heads wait (the letters:
 * station_map_letter), or -ENODEV (every head has a keyboard), -EINVAL
 * (seconds), -ENOENT (no keyboard is free).
 */
int station_map_start(struct broker *b, unsigned seconds);
/* 0, or -EALREADY (nothing is being mapped). */
int station_map_stop(struct broker *b);
bool station_map_active(const struct broker *b);
/* The letter seat's head shows, or 0. */
char station_map_letter(const struct broker *b, const char *seat);

/* From the main loop after every dispatch, before screens_sync: heads
 * that got a keyboard stop waiting, keyboards that came or went are read
 * or let go, a plugged free keyboard offers mapping. */
void station_map_sync(struct broker *b);

#endif
