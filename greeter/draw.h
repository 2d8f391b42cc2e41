/* SPDX-License-Identifier: MIT */
/*
 * The login screen's picture: the station's name and a clock at the top,
 * the user name and answer fields in the middle, the last word from
 * seatmuxd (a wrong password, say) below them, the keyboard layout at the
 * bottom. Drawn with Pango and Cairo into memory; no I/O, so a unit test
 * reads its pixels.
 */
#ifndef SEATMUX_GREETER_DRAW_H
#define SEATMUX_GREETER_DRAW_H

#include <stdint.h>

#include "login.h"

/* The colours (0xRRGGBB) the scenarios look for on a head. */
#define GREETER_BACKGROUND 0x203040
#define GREETER_FIELD 0xf4f4f4		/* a field's box */
#define GREETER_FIELD_ACTIVE 0xffffff	/* the box being typed in */
#define GREETER_ERROR 0xff6060		/* a failure's message */

/* What the screen shows beside the conversation. */
struct greeter_view {
	const char *station;	/* its name in the room */
	const char *clock;	/* "14:05" */
	const char *date;	/* "Saturday 5 December" */
	const char *layout;	/* the keyboard layout's name */
};

/* Paints a width x height XRGB8888 picture (stride in bytes). Every text
 * is plain text, never markup. 0, or -1 if Cairo could not. */
int draw_login(void *pixels, int width, int height, int stride, const struct login *l,
	       const struct greeter_view *v);

#endif
