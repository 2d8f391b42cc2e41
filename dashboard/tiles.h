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

/*
 * Where cur (w x h pixels, rows of w) differs from prev, in TILE_SIZE
 * tiles joined into rectangles: the changed tiles side by side in a row
 * make one, and one whose columns are those of a rectangle ending just
 * above it makes that one taller (a whole picture is one rectangle, a
 * vertical bar's trail one). Every tile if prev is NULL or of another
 * size (pw x ph). In order from the top; their number, at most max (then
 * the first max). Fewer, larger pieces: each is a PNG to make.
 */
int tiles_changed(const uint32_t *prev, int pw, int ph, const uint32_t *cur, int w, int h,
		 struct tile_rect *out, int max);

#endif
