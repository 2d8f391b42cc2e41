// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"
#include "seat-colors.h"

/* Not assert(): the checks must run in release builds too. */
#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "%s:%d: check failed: %s\n",        \
				__FILE__, __LINE__, #cond);                 \
			exit(EXIT_FAILURE);                                 \
		}                                                           \
	} while (0)

static void test_parse_color(void)
{
	uint32_t color = 0;

	CHECK(pattern_parse_color("ff2020", &color) && color == 0xff2020);
	CHECK(pattern_parse_color("#00aBcD", &color) && color == 0x00abcd);
	CHECK(!pattern_parse_color("", &color));
	CHECK(!pattern_parse_color("ff202", &color));
	CHECK(!pattern_parse_color("ff20200", &color));
	CHECK(!pattern_parse_color("gg2020", &color));
	CHECK(!pattern_parse_color("0xff20", &color));
}

static int color_distance2(uint32_t a, uint32_t b)
{
	int dr = (int)(a >> 16 & 0xff) - (int)(b >> 16 & 0xff);
	int dg = (int)(a >> 8 & 0xff) - (int)(b >> 8 & 0xff);
	int db = (int)(a & 0xff) - (int)(b & 0xff);

	return dr * dr + dg * dg + db * db;
}

static void test_seat_colors(void)
{
#define SEAT_COLOR_VALUE(name, color) color,
	static const uint32_t table[] = { SEAT_COLOR_TABLE(SEAT_COLOR_VALUE) };
#undef SEAT_COLOR_VALUE
	char name[32];
	int i, j;

	CHECK(pattern_seat_color("seat0") == 0xff2020);
	for (i = 0; i < SEAT_COLOR_COUNT; i++) {
		snprintf(name, sizeof(name), "seat%d", i);
		CHECK(pattern_seat_color(name) == table[i]);
		/* Far from the bar and from every other seat. */
		CHECK(color_distance2(table[i], SEAT_BAR_COLOR) >= 185 * 185);
		for (j = 0; j < i; j++)
			CHECK(color_distance2(table[i], table[j]) >= 185 * 185);
	}
	for (i = 8; i < 64; i++) {
		uint32_t color;
		bool found = false;

		snprintf(name, sizeof(name), "seat%d", i);
		color = pattern_seat_color(name);
		for (j = 0; j < SEAT_COLOR_COUNT; j++)
			found = found || color == table[j];
		CHECK(found);
		CHECK(color == pattern_seat_color(name));
	}
	/* FNV-1a reference values. */
	CHECK(pattern_fnv1a("") == 0x811c9dc5u);
	CHECK(pattern_fnv1a("a") == 0xe40c292cu);
}

static void test_bar_positions(int32_t width)
{
	int32_t bar_w = pattern_bar_width(width);
	uint32_t n;

	CHECK(bar_w >= 1 && bar_w <= width);
	for (n = 0; n < 10000; n++) {
		int32_t x = pattern_bar_x(n, width);

		CHECK(x >= 0 && x + bar_w <= width);
		if (width > bar_w)
			CHECK(x != pattern_bar_x(n + 1, width));
	}
	/* Never the same picture one 60 Hz second apart. */
	if (width >= 64)
		for (n = 0; n < 1000; n++)
			CHECK(pattern_bar_x(n, width) !=
			      pattern_bar_x(n + 60, width) ||
			      pattern_bar_x(n + 30, width) !=
			      pattern_bar_x(n + 90, width));
}

static void check_frame(uint32_t *pixels, int32_t w, int32_t h,
			     uint32_t color, int32_t bar_x)
{
	struct pattern_rect bar = pattern_bar_rect(bar_x, w, h);
	long seat = 0;
	int32_t x, y;

	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			uint32_t p = pixels[y * w + x] & 0xffffff;
			bool in_bar = x >= bar.x && x < bar.x + bar.w;

			CHECK(p == (in_bar ? SEAT_BAR_COLOR : color));
			seat += !in_bar;
		}
	}
	if (w >= 16)
		CHECK(seat * 100 > 85L * w * h);
}

static void test_update(int32_t w, int32_t h)
{
	size_t count = (size_t)w * (size_t)h;
	uint32_t *pixels[2] = { malloc(count * 4), malloc(count * 4) };
	uint32_t color = 0x20ff20;
	uint32_t n;

	CHECK(pixels[0] && pixels[1]);
	memset(pixels[0], 0x5a, count * 4);
	memset(pixels[1], 0xa5, count * 4);
	for (n = 0; n < 2; n++) {
		pattern_update(pixels[n], w, h, w * 4, color, -1,
			       pattern_bar_x(n, w));
		check_frame(pixels[n], w, h, color, pattern_bar_x(n, w));
	}
	/* Double buffering: each buffer is two frames behind. */
	for (n = 2; n < 300; n++) {
		pattern_update(pixels[n % 2], w, h, w * 4, color,
			       pattern_bar_x(n - 2, w), pattern_bar_x(n, w));
		check_frame(pixels[n % 2], w, h, color, pattern_bar_x(n, w));
	}
	free(pixels[0]);
	free(pixels[1]);
}

int main(void)
{
	static const int32_t sizes[][2] = {
		{ 640, 480 }, { 1024, 768 }, { 1920, 1080 }, { 17, 3 },
		{ 1, 1 }, { 2, 2 }, { 129, 7 },
	};
	size_t i;

	test_parse_color();
	test_seat_colors();
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		test_bar_positions(sizes[i][0]);
		test_update(sizes[i][0], sizes[i][1]);
	}
	printf("ok\n");
	return 0;
}
