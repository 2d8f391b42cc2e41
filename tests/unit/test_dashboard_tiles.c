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

	/* Its 12 tiles, joined: one rectangle, the whole picture. */
	CHECK(t, n == 1);
	CHECK(t, r[0].x == 0 && r[0].y == 0 && r[0].w == W && r[0].h == H);
	/* Another size: whole again. */
	CHECK(t, tiles_changed(cur, W, H - 1, cur, W, H, r, 32) == 1 && r[0].h == H);
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
	memset(cur, 0, sizeof(cur));
	cur[0] = cur[2 * 64] = cur[64 * W + 64] = 1;	/* three tiles, none side by side */
	CHECK(t, tiles_changed(prev, W, H, cur, W, H, r, 2) == 2);
	CHECK(t, tiles_changed(NULL, 0, 0, cur, 0, H, r, 5) == 0);
}

/* Side by side in a row: one; below one of the same columns: taller. */
static void test_joined(struct test_state *t)
{
	static uint32_t prev[W * H], cur[W * H];
	struct tile_rect r[32];

	/* A vertical bar through the second and third columns of tiles. */
	for (int y = 0; y < H; y++)
		cur[y * W + 100] = cur[y * W + 130] = 1;
	CHECK(t, tiles_changed(prev, W, H, cur, W, H, r, 32) == 1);
	CHECK(t, r[0].x == 64 && r[0].y == 0 && r[0].w == 128 && r[0].h == H);
	/* An L: the first row whole, then the first column. */
	memset(cur, 0, sizeof(cur));
	for (int x = 0; x < W; x++)
		cur[x] = 1;
	cur[64 * W] = cur[128 * W] = 1;
	CHECK(t, tiles_changed(prev, W, H, cur, W, H, r, 32) == 2);
	CHECK(t, r[0].x == 0 && r[0].y == 0 && r[0].w == W && r[0].h == 64);
	CHECK(t, r[1].x == 0 && r[1].y == 64 && r[1].w == 64 && r[1].h == H - 64);
	/* A rectangle left open above another row's: still found. */
	memset(cur, 0, sizeof(cur));
	cur[0] = cur[64 * W] = cur[128 * W] = 1;	/* the first column */
	cur[64 * W + 130] = 1;				/* and one tile in row 2 */
	CHECK(t, tiles_changed(prev, W, H, cur, W, H, r, 32) == 2);
	CHECK(t, r[0].x == 0 && r[0].h == H && r[1].x == 128 && r[1].y == 64 && r[1].h == 64);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_first_picture_whole);
	RUN(&t, test_only_changed);
	RUN(&t, test_joined);
	return TEST_SUMMARY(&t);
}
