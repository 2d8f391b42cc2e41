/* SPDX-License-Identifier: MIT */
/*
 * The picture of a screen the broker shows (identify, message, block):
 * a background of the look's colour with the title large and the body
 * below, centred and wrapped, drawn with Pango and Cairo into memory.
 * No I/O: the helper puts it on its heads, a unit test reads its pixels.
 */
#ifndef SEATMUX_SCREEN_PAINT_H
#define SEATMUX_SCREEN_PAINT_H

#include <stdint.h>

#include "screen_proto.h"

/* The look's background colour, 0xRRGGBB. */
uint32_t paint_background(enum screen_look look);
/* Paints a width x height XRGB8888 picture (stride in bytes, a multiple
 * of 4). Text is plain text, never markup. 0, or -1 if Cairo could not. */
int paint_screen(void *pixels, int width, int height, int stride,
		 const struct screen_request *req);

#endif
