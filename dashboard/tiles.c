// SPDX-License-Identifier: MIT
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "tiles.h"

static bool tile_differs(const uint32_t *prev, const uint32_t *cur, int w,
			 const struct tile_rect *r)
{
	for (int y = r->y; y < r->y + r->h; y++) {
		size_t at = (size_t)y * (size_t)w + r->x;

		if (memcmp(prev + at, cur + at, (size_t)r->w * 4))
			return true;
	}
	return false;
}

/* r joined to a rectangle of out[0..n) that it continues downwards (the
 * same columns, the rows just above it): true if it was. */
static bool join_below(struct tile_rect *out, int n, const struct tile_rect *r)
{
	for (int i = n - 1; i >= 0; i--) {
		if (out[i].x == r->x && out[i].w == r->w && out[i].y + out[i].h == r->y) {
			out[i].h = (uint16_t)(out[i].h + r->h);
			return true;
		}
	}
	return false;
}

int tiles_changed(const uint32_t *prev, int pw, int ph, const uint32_t *cur, int w, int h,
		 struct tile_rect *out, int max)
{
	bool all = !prev || pw != w || ph != h;
	int n = 0;

	if (w <= 0 || h <= 0 || w > UINT16_MAX || h > UINT16_MAX)
		return 0;
	for (int y = 0; y < h && n < max; y += TILE_SIZE) {
		struct tile_rect run = { 0 };

		for (int x = 0;; x += TILE_SIZE) {
			bool past = x >= w;
			struct tile_rect r = {
				(uint16_t)x, (uint16_t)y,
				(uint16_t)(w - x < TILE_SIZE ? w - x : TILE_SIZE),
				(uint16_t)(h - y < TILE_SIZE ? h - y : TILE_SIZE),
			};
			bool changed = !past && (all || tile_differs(prev, cur, w, &r));

			if (changed && run.w) {
				run.w = (uint16_t)(run.w + r.w);	/* the run goes on */
				continue;
			}
			if (run.w && !join_below(out, n, &run)) {
				if (n == max)
					return n;
				out[n++] = run;
			}
			if (past)
				break;
			run = changed ? r : (struct tile_rect){ 0 };
		}
	}
	return n;
}
