// SPDX-License-Identifier: MIT
/* The large view's damage: which tiles of a picture changed. */
#include <stdlib.h>
#include <string.h>

#include "tiles.h"
#include "test.h"

#define W 200	/* 4 tiles across, the last 8 wide */
#define H 130	/* 3 down, the last 2 high */

static void test_first_picture_whole(struct test_state *t)
{
	static uint32_t cur[W * H];
	struct tile_rect r[32];
	int n = tiles_changed(NULL, 0, 0, cur, W, H, r, 32);

	CHECK(t, n == 12);
	CHECK(t, r[0].x == 0 && r[0].y == 0 && r[0].w == 64 && r[0].h == 64);
	CHECK(t, r[3].x == 192 && r[3].w == 8);
	CHECK(t, r[11].y == 128 && r[11].h == 2 && r[11].w == 8);
	/* Another size: whole again. */
	CHECK(t, tiles_changed(cur, W, H - 1, cur, W, H, r, 32) == 12);
}

static void test_only_changed(struct test_state *t)
{
	static uint32_t prev[W * H], cur[W * H];
	struct tile_rect r[32];

	CHECK(t, tiles_changed(prev, W, H, cur, W, H, r, 32) == 0);
	cur[70 * W + 130] = 0xff00ff;	/* in the tile at (128, 64) */
	cur[129 * W + 199] = 1;		/* the last pixel: the last tile */
	CHECK(t, tiles_changed(prev, W, H, cur, W, H, r, 32) == 2);
	CHECK(t, r[0].x == 128 && r[0].y == 64 && r[0].w == 64 && r[0].h == 64);
	CHECK(t, r[1].x == 192 && r[1].y == 128 && r[1].w == 8 && r[1].h == 2);
	/* At most max. */
	CHECK(t, tiles_changed(NULL, 0, 0, cur, W, H, r, 5) == 5);
	CHECK(t, tiles_changed(NULL, 0, 0, cur, 0, H, r, 5) == 0);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_first_picture_whole);
	RUN(&t, test_only_changed);
	return TEST_SUMMARY(&t);
}
