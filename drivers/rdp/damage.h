/* SPDX-License-Identifier: MIT */
/*
 * Damage for the wire: the rectangles of a frame cut into pieces whose
 * encoding fits one RDP message (the client's MultifragMaxRequestSize),
 * aligned as the bitmap codecs want them.
 */
#ifndef SEATMUX_DAMAGE_H
#define SEATMUX_DAMAGE_H

#include <stddef.h>

struct damage_rect {
	int x, y, w, h;
};

struct damage_limits {
	size_t max_bytes;	/* one message at most (MultifragMaxRequestSize) */
	size_t overhead;	/* bytes of a message besides the pixels */
	int bytes_per_pixel;	/* of the pixels as sent (worst case for a codec) */
	int align;		/* x and widths in multiples of this (1: none) */
	int width, height;	/* the head: pieces never leave it */
};

/*
 * Writes into out (room for max_out) pieces covering every rectangle of
 * in, clipped to the head, each of at most max_bytes encoded. Returns the
 * number written, or -1 when out is too small or no single pixel fits.
 */
int damage_split(const struct damage_rect *in, int n, const struct damage_limits *lim,
		 struct damage_rect *out, int max_out);

#endif
