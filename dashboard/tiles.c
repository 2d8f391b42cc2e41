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

int tiles_changed(const uint32_t *prev, int pw, int ph, const uint32_t *cur, int w, int h,
		 struct tile_rect *out, int max)
{
	bool all = !prev || pw != w || ph != h;
	int n = 0;

	if (w <= 0 || h <= 0 || w > UINT16_MAX || h > UINT16_MAX)
		return 0;
	for (int y = 0; y < h && n < max; y += TILE_SIZE) {
		for (int x = 0; x < w && n < max; x += TILE_SIZE) {
			struct tile_rect r = {
				(uint16_t)x, (uint16_t)y,
				(uint16_t)(w - x < TILE_SIZE ? w - x : TILE_SIZE),
				(uint16_t)(h - y < TILE_SIZE ? h - y : TILE_SIZE),
			};

			if (all || tile_differs(prev, cur, w, &r))
				out[n++] = r;
		}
	}
	return n;
}
