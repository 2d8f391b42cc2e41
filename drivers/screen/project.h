/* SPDX-License-Identifier: MIT */
/*
 * A station's picture drawn on another's head for a projection: scaled
 * to fit with its aspect kept, centred, black around it. Pure: no I/O,
 * the painter hands it mapped buffers, a unit test reads its pixels.
 */
#ifndef SEATMUX_SCREEN_PROJECT_H
#define SEATMUX_SCREEN_PROJECT_H

#include <stdint.h>

struct project_rect {
	int x, y, width, height;
};

/* Where a sw x sh picture goes on a dw x dh head (all > 0). */
struct project_rect project_fit(int sw, int sh, int dw, int dh);

/* Draws src (XRGB8888, sstride bytes a row) into dst (dstride): 0, or -1
 * if a size is not positive or pixman cannot. */
int project_draw(const void *src, int sw, int sh, int sstride, void *dst, int dw, int dh,
		 int dstride);
/* src scaled to fill dst whole, for a dst already of its aspect
 * (project_fit's size): fitted again, rounding would leave a black
 * line. The same errors. */
int project_scale(const void *src, int sw, int sh, int sstride, void *dst, int dw, int dh,
		  int dstride);

#endif
