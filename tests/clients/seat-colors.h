/* SPDX-License-Identifier: MIT */
#ifndef SEATMUX_TESTCLIENT_SEAT_COLORS_H
#define SEATMUX_TESTCLIENT_SEAT_COLORS_H

/*
 * The colour seatmux-testclient paints for each seat, shared with the
 * acceptance tests so a screendump can be matched to the seat that drew it.
 * Keep one entry per line in this exact shape: tests outside C parse it.
 *
 * The entries are the corners of the RGB cube except black (black is the
 * moving bar), with "off" channels at 0x20 rather than 0 so the client's
 * pixels never collide with a compositor's pure black or pure primaries,
 * plus mid grey. Any two entries are at least 185 apart (Euclidean, 0..255
 * per channel), so a screendump's dominant colour names its seat even
 * after lossy scaling.
 *
 * A name not in the table (including seat8 and up) picks the entry at
 * index fnv1a32(name) % SEAT_COLOR_COUNT: the table is the whole palette.
 */
#define SEAT_COLOR_TABLE(X) \
	X("seat0", 0xff2020) /* red */ \
	X("seat1", 0x20ff20) /* green */ \
	X("seat2", 0x2020ff) /* blue */ \
	X("seat3", 0xffff20) /* yellow */ \
	X("seat4", 0x20ffff) /* cyan */ \
	X("seat5", 0xff20ff) /* magenta */ \
	X("seat6", 0xffffff) /* white */ \
	X("seat7", 0x808080) /* grey */

#define SEAT_COLOR_COUNT 8

/* Colour of the moving bar. */
#define SEAT_BAR_COLOR 0x000000

#endif
