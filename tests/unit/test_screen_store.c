// SPDX-License-Identifier: MIT
/* The sink's still-screen store: bands put away give their pages back,
 * and every pixel comes back as it was, but for what evdi wrote since. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "screen_store.h"
#include "test.h"

/* Neither a multiple of the tile size nor of a page: edge tiles and
 * pages shared between bands. */
#define W 200
#define H 130
#define NEW_COLOR 0x00abcdefu

static const pixman_box32_t all = { 0, 0, W, H };

static uint32_t pattern(int x, int y)
{
	return (uint32_t)(x * 7 + y * 131) | 0x10000u;
}

static uint32_t *buffer(void)
{
	uint32_t *px = mmap(NULL, W * H * 4, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (px == MAP_FAILED)
		return NULL;
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			px[y * W + x] = pattern(x, y);
	return px;
}

/* What evdi does on a grab: new pixels in the box, nothing else. */
static void draw(uint32_t *px, const pixman_box32_t *b)
{
	for (int y = b->y1; y < b->y2 && y < H; y++)
		for (int x = b->x1; x < b->x2 && x < W; x++)
			px[y * W + x] = NEW_COLOR;
}

static int wrong_pixels(const uint32_t *px, const pixman_box32_t *drawn, int n)
{
	int wrong = 0;

	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			uint32_t want = pattern(x, y);

			for (int i = 0; i < n; i++)
				if (x >= drawn[i].x1 && x < drawn[i].x2 && y >= drawn[i].y1 &&
				    y < drawn[i].y2)
					want = NEW_COLOR;
			wrong += px[y * W + x] != want;
		}
	return wrong;
}

static void test_put_away_and_back(struct test_state *t)
{
	uint32_t *px = buffer();
	struct screen_store *ss = px ? screen_store_new(px, W, H, W * 4) : NULL;
	struct screen_store_stats st;
	pixman_box32_t box = { 70, 10, 90, 20 };	/* inside tile (1, 0) */
	pixman_region32_t keep;

	CHECK(t, ss != NULL);
	if (!ss)
		return;
	/* Nothing is still for long enough yet. */
	CHECK(t, screen_store_put_away(ss, 0, NULL) == SCREEN_STORE_STILL_MS);
	screen_store_stats(ss, &st);
	CHECK(t, st.bands_put_away == 0 && st.stored_bytes == 0);

	/* All three bands go; their own pages read as zeros: given back. */
	CHECK(t, screen_store_put_away(ss, 1000, NULL) == -1);
	screen_store_stats(ss, &st);
	CHECK(t, st.bands_put_away == 3 && st.stored_bytes > 0);
	CHECK(t, px[30 * W + 10] == 0 && px[100 * W + 150] == 0);

	/* evdi writes a box: its tile comes back around it, no other. */
	draw(px, &box);
	CHECK(t, screen_store_written(ss, &box, 1, 1000));
	for (int y = 0; y < 64; y++)
		for (int x = 64; x < 128; x++) {
			bool in = x >= box.x1 && x < box.x2 && y >= box.y1 && y < box.y2;

			if (px[y * W + x] != (in ? NEW_COLOR : pattern(x, y))) {
				CHECK(t, !"tile (1, 0) restored around the box");
				y = 64;
				break;
			}
		}
	CHECK(t, px[30 * W + 10] == 0);
	screen_store_stats(ss, &st);
	CHECK(t, st.tiles_restored == 1);

	/* A band under unsent damage stays; once sent, it goes. */
	pixman_region32_init_rect(&keep, 0, 0, 10, 10);
	screen_store_put_away(ss, 5000, &keep);
	CHECK(t, px[box.y1 * W + box.x1] == NEW_COLOR);
	screen_store_put_away(ss, 5000, NULL);
	pixman_region32_fini(&keep);
	screen_store_stats(ss, &st);
	CHECK(t, st.bands_put_away == 4 && px[box.y1 * W + box.x1] == 0);

	/* A whole frame: every pixel as it was, the box as drawn. */
	CHECK(t, screen_store_restore(ss, &all));
	CHECK(t, wrong_pixels(px, &box, 1) == 0);

	/* Restored and not drawn on, the tiles keep their blobs: putting
	 * them away again compresses nothing anew. */
	screen_store_stats(ss, &st);
	{
		size_t held = st.stored_bytes;

		screen_store_put_away(ss, 9000, NULL);
		screen_store_stats(ss, &st);
		CHECK(t, st.bands_put_away == 7 && st.stored_bytes == held);
		CHECK(t, screen_store_restore(ss, &all) && wrong_pixels(px, &box, 1) == 0);
	}

	screen_store_free(ss);
	munmap(px, W * H * 4);
}

static void test_written_edges(struct test_state *t)
{
	uint32_t *px = buffer();
	struct screen_store *ss = px ? screen_store_new(px, W, H, W * 4) : NULL;
	/* Over the right and bottom edges, and across four tiles. */
	pixman_box32_t boxes[2] = { { 190, 120, 260, 200 }, { 60, 60, 70, 70 } };

	CHECK(t, ss != NULL);
	if (!ss)
		return;
	screen_store_put_away(ss, 1000, NULL);
	draw(px, &boxes[0]);
	draw(px, &boxes[1]);
	CHECK(t, screen_store_written(ss, boxes, 2, 1000));
	/* The band just written is busy again: not put away so soon. */
	CHECK(t, screen_store_put_away(ss, 1100, NULL) == SCREEN_STORE_STILL_MS - 100);
	CHECK(t, screen_store_restore(ss, &all));
	boxes[0].x2 = W;
	boxes[0].y2 = H;
	CHECK(t, wrong_pixels(px, boxes, 2) == 0);
	screen_store_free(ss);
	munmap(px, W * H * 4);
}

/* A band put away next to one in use leaves the other's rows alone. */
static void test_neighbour_band(struct test_state *t)
{
	uint32_t *px = buffer();
	struct screen_store *ss = px ? screen_store_new(px, W, H, W * 4) : NULL;
	pixman_box32_t b0 = { 0, 0, 1, 1 }, b1 = { 0, 70, 10, 80 };
	struct screen_store_stats st;

	CHECK(t, ss != NULL);
	if (!ss)
		return;
	/* Band 0 written late, bands 1 and 2 long still: only they go. */
	draw(px, &b0);
	screen_store_written(ss, &b0, 1, 900);
	screen_store_put_away(ss, 1000, NULL);
	CHECK(t, px[100 * W + 150] == 0);	/* band 1 given back */
	for (int y = 1; y < 64; y++)
		for (int x = 0; x < W; x++)
			if (px[y * W + x] != pattern(x, y)) {
				CHECK(t, !"band 0's rows intact");
				y = 64;
				break;
			}

	/* Only what a box covers comes back. */
	CHECK(t, screen_store_restore(ss, &b1));
	CHECK(t, px[75 * W + 5] == pattern(5, 75) && px[100 * W + 150] == 0);

	/* Everything drawn over: no blob is left, and none is counted. */
	screen_store_put_away(ss, 5000, NULL);
	draw(px, &all);
	CHECK(t, screen_store_written(ss, &all, 1, 5000));
	screen_store_stats(ss, &st);
	CHECK(t, st.stored_bytes == 0);
	screen_store_free(ss);
	munmap(px, W * H * 4);
}

static void test_bad_arguments(struct test_state *t)
{
	uint32_t px[16];

	CHECK(t, !screen_store_new(NULL, 4, 4, 16));
	CHECK(t, !screen_store_new(px, 0, 4, 16));
	CHECK(t, !screen_store_new(px, 4, 4, 8));	/* stride shorter than a row */
	CHECK(t, !screen_store_new(px, 4, 4, 18));	/* not whole pixels */
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_put_away_and_back);
	RUN(&t, test_written_edges);
	RUN(&t, test_neighbour_band);
	RUN(&t, test_bad_arguments);
	return TEST_SUMMARY(&t);
}
