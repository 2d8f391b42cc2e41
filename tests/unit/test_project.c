// SPDX-License-Identifier: MIT
/*
 * project: a station's picture fits another's head with its aspect kept,
 * centred, black bars around it; pixels land where they should, sizes
 * that cannot be drawn are refused.
 */
#include <stdint.h>
#include <stdlib.h>

#include "project.h"
#include "test.h"

#define RED 0x00ff0000u
#define BLUE 0x000000ffu

static uint32_t *picture(int w, int h, uint32_t colour)
{
	uint32_t *p = malloc((size_t)w * h * 4);

	for (int i = 0; p && i < w * h; i++)
		p[i] = colour;
	return p;
}

static void test_fit(struct test_state *t)
{
	struct project_rect r = project_fit(1024, 768, 1920, 1080);

	/* 4:3 on 16:9: full height, bars left and right. */
	CHECK(t, r.height == 1080 && r.width == 1440 && r.x == 240 && r.y == 0);
	r = project_fit(1920, 1080, 1024, 768);
	CHECK(t, r.width == 1024 && r.height == 576 && r.x == 0 && r.y == 96);
	r = project_fit(800, 600, 800, 600);
	CHECK(t, r.x == 0 && r.y == 0 && r.width == 800 && r.height == 600);
	/* Extreme shapes still get a pixel. */
	r = project_fit(10000, 1, 10, 10);
	CHECK(t, r.width == 10 && r.height == 1);
}

static void test_same_size_copies(struct test_state *t)
{
	uint32_t *src = picture(4, 4, RED), *dst = picture(4, 4, 0);

	src[5] = BLUE;	/* (1, 1) */
	CHECK(t, project_draw(src, 4, 4, 16, dst, 4, 4, 16) == 0);
	CHECK(t, (dst[5] & 0xffffff) == BLUE && (dst[0] & 0xffffff) == RED &&
	      (dst[15] & 0xffffff) == RED);
	free(src);
	free(dst);
}

static void test_scaled_with_bars(struct test_state *t)
{
	uint32_t *src = picture(40, 30, RED), *dst = picture(160, 60, BLUE);
	int inside = 0, bars = 0;

	/* 40x30 on 160x60: an 80x60 picture at x 40, black either side. */
	CHECK(t, project_draw(src, 40, 30, 160, dst, 160, 60, 640) == 0);
	for (int y = 0; y < 60; y++)
		for (int x = 0; x < 160; x++) {
			uint32_t p = dst[y * 160 + x] & 0xffffff;

			if (x >= 40 && x < 120)
				inside += p == RED;
			else
				bars += p == 0;
		}
	CHECK(t, inside == 80 * 60);	/* edges too: no blend with black */
	CHECK(t, bars == 80 * 60);
	free(src);
	free(dst);
}

/* A thumbnail at project_fit's size: fitted again, 800x600 into 133x100
 * would be 133x99 and leave a black row; scaled, every pixel is the
 * picture's. */
static void test_scale_fills(struct test_state *t)
{
	uint32_t *src = picture(800, 600, RED);
	struct project_rect r = project_fit(800, 600, 200, 100);
	uint32_t *dst = picture(r.width, r.height, BLUE);
	int wrong = 0;

	CHECK(t, r.width == 133 && r.height == 100);
	CHECK(t, project_scale(src, 800, 600, 800 * 4, dst, r.width, r.height, r.width * 4) == 0);
	for (int i = 0; i < r.width * r.height; i++)
		wrong += (dst[i] & 0xffffff) != RED;
	CHECK(t, wrong == 0);
	CHECK(t, project_scale(src, 800, 600, 800 * 4, dst, 0, 100, 0) == -1);
	free(src);
	free(dst);
}

static void test_bad_sizes(struct test_state *t)
{
	uint32_t px = 0;

	CHECK(t, project_draw(&px, 0, 1, 4, &px, 1, 1, 4) == -1);
	CHECK(t, project_draw(&px, 1, 1, 4, &px, 1, -1, 4) == -1);
	CHECK(t, project_draw(&px, 40000, 1, 160000, &px, 1, 1, 4) == -1);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_fit);
	RUN(&t, test_same_size_copies);
	RUN(&t, test_scaled_with_bars);
	RUN(&t, test_scale_fills);
	RUN(&t, test_bad_sizes);
	return TEST_SUMMARY(&t);
}
