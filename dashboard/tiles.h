/* SPDX-License-Identifier: MIT */
/*
 * What changed between two pictures of a station, in tiles: the large
 * view's stream sends only those (stream.c). Pure: pixels in, tiles out.
 */
#ifndef SEATMUX_DASHBOARD_TILES_H
#define SEATMUX_DASHBOARD_TILES_H

#include <stdint.h>

#define TILE_SIZE 64

struct tile_rect {
	uint16_t x, y, w, h;
};

/* The tiles of cur (w x h pixels, rows of w) that differ from prev's, in
 * rows from the top: every tile if prev is NULL or of another size
 * (pw x ph). Their number, at most max (then the first max). */
int tiles_changed(const uint32_t *prev, int pw, int ph, const uint32_t *cur, int w, int h,
		 struct tile_rect *out, int max);

#endif
