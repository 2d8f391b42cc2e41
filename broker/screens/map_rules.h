/* SPDX-License-Identifier: MIT */
/*
 * Mapping stations by key press, the rules apart from the devices
 * (station_map.c does the I/O): which heads wait for a keyboard and the
 * letter each shows, which keyboards belong to no station, and what a
 * pressed keyboard's station is given.
 */
#ifndef SEATMUX_MAP_RULES_H
#define SEATMUX_MAP_RULES_H

#include <stdbool.h>
#include <stdint.h>

/* One letter per head, A to Z. */
#define MAP_RULES_MAX 26

struct map_rules_seat {
	const char *name;
	int heads;		/* cards of the machine's own, on this seat */
	int keyboards;
	char letter;		/* in: shown now (0: none); out: to show */
};

/*
 * A seat with a head and no keyboard waits and shows a letter: the one it
 * shows already (letters never move while a room is being mapped, so a
 * letter read across the room stays right), else the first one not given
 * yet in this mapping (*given: a bit per letter, A = bit 0; a letter
 * once read never comes back on another head), in the order of seat
 * names (seat2 before seat10). Others show none. How many wait; those
 * past the 26th letter get none until the mapping starts again.
 */
int map_rules_letters(struct map_rules_seat *seats, int n, uint32_t *given);

/* A keyboard belongs to no station if udev named no seat for it (it is
 * seat0's by default, nobody's choice) or its seat has no head of any
 * kind (a remote station's counts: its keyboard is its own). */
bool map_rules_keyboard_free(bool keyboard, bool assigned, int seat_heads);

/* The letter a key that types utf32 stands for: 'A' to 'Z', or 0. */
char map_rules_letter(uint32_t utf32);

/*
 * What a pressed keyboard's station gets: the nearest USB hub above it
 * (and so the mouse and whatever else hangs off the hub), as logind's
 * rules tag hubs for seats: a USB device of class 09. A root hub (sysname
 * "usbN", no '-') is the whole controller, never one station's.
 */
bool map_rules_station_hub(const char *sysname, const char *device_class);

#endif
