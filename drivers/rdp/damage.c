// SPDX-License-Identifier: MIT
/*
 * A rectangle is widened to the alignment (inside the head), then cut into
 * bands of whole rows, as tall as fit in a message; a row too wide for one
 * message is cut into columns first. Bands keep scanline order, which is
 * what clients paint fastest.
 */
#include "damage.h"

static void align_rect(struct damage_rect *r, const struct damage_limits *lim)
{
	int a = lim->align > 1 ? lim->align : 1;
	int x2 = r->x + r->w;

	r->x -= r->x % a;
	x2 = (x2 + a - 1) / a * a;
	if (x2 > lim->width)
		x2 = lim->width;
	r->w = x2 - r->x;
}

static int clip(struct damage_rect *r, const struct damage_limits *lim)
{
	int x2 = r->x + r->w, y2 = r->y + r->h;

	if (r->x < 0)
		r->x = 0;
	if (r->y < 0)
		r->y = 0;
	if (x2 > lim->width)
		x2 = lim->width;
	if (y2 > lim->height)
		y2 = lim->height;
	r->w = x2 - r->x;
	r->h = y2 - r->y;
	return r->w > 0 && r->h > 0;
}

int damage_split(const struct damage_rect *in, int n, const struct damage_limits *lim,
		 struct damage_rect *out, int max_out)
{
	size_t room, row_bytes;
	int count = 0, cols, rows, a = lim->align > 1 ? lim->align : 1;

	if (lim->max_bytes <= lim->overhead || lim->bytes_per_pixel <= 0)
		return -1;
	room = lim->max_bytes - lim->overhead;
	for (int i = 0; i < n; i++) {
		struct damage_rect r = in[i];

		if (!clip(&r, lim))
			continue;
		align_rect(&r, lim);
		/* The widest piece whose row fits, in whole alignment units. */
		cols = (int)(room / (size_t)lim->bytes_per_pixel) / a * a;
		if (cols <= 0)
			return -1;
		if (cols > r.w)
			cols = r.w;
		row_bytes = (size_t)cols * (size_t)lim->bytes_per_pixel;
		rows = (int)(room / row_bytes);
		for (int y = r.y; y < r.y + r.h; y += rows) {
			int h = r.y + r.h - y < rows ? r.y + r.h - y : rows;

			for (int x = r.x; x < r.x + r.w; x += cols) {
				if (count == max_out)
					return -1;
				out[count++] = (struct damage_rect){
					x, y, r.x + r.w - x < cols ? r.x + r.w - x : cols, h,
				};
			}
		}
	}
	return count;
}
