// SPDX-License-Identifier: MIT
#include <stddef.h>
#include <string.h>

#include "hexdigit.h"
#include "pattern.h"
#include "seat-colors.h"

struct seat_color {
	const char *name;
	uint32_t color;
};

bool pattern_parse_color(const char *text, uint32_t *color)
{
	uint32_t value = 0;
	int i;

	if (text[0] == '#')
		text++;
	if (strlen(text) != 6)
		return false;
	for (i = 0; i < 6; i++) {
		int digit = hex_digit(text[i]);

		if (digit < 0)
			return false;
		value = value << 4 | (uint32_t)digit;
	}
	*color = value;
	return true;
}

uint32_t pattern_fnv1a(const char *text)
{
	uint32_t hash = 2166136261u;

	for (; *text; text++) {
		hash ^= (unsigned char)*text;
		hash *= 16777619u;
	}
	return hash;
}

uint32_t pattern_seat_color(const char *seat)
{
#define SEAT_COLOR_ENTRY(name, color) { name, color },
	static const struct seat_color table[] = {
		SEAT_COLOR_TABLE(SEAT_COLOR_ENTRY)
	};
#undef SEAT_COLOR_ENTRY
	size_t i;

	_Static_assert(sizeof(table) / sizeof(table[0]) == SEAT_COLOR_COUNT,
		       "SEAT_COLOR_COUNT out of date");
	for (i = 0; i < SEAT_COLOR_COUNT; i++) {
		if (strcmp(seat, table[i].name) == 0)
			return table[i].color;
	}
	return table[pattern_fnv1a(seat) % SEAT_COLOR_COUNT].color;
}

int32_t pattern_bar_width(int32_t width)
{
	return width >= 16 ? width / 16 : 1;
}

/*
 * The bar bounces rather than wraps so its period is long (about four
 * seconds at 60 Hz on any width): two screendumps a second apart can only
 * match by an unlikely coincidence of timing, not by aliasing.
 */
int32_t pattern_bar_x(uint32_t frame, int32_t width)
{
	int32_t range = width - pattern_bar_width(width);
	int32_t step = width >= 128 ? width / 128 : 1;
	uint32_t positions, period, pos;

	if (range <= 0)
		return 0;
	positions = (uint32_t)(range / step) + 1;
	if (positions < 2)
		return 0;
	period = 2 * (positions - 1);
	pos = frame % period;
	if (pos >= positions)
		pos = period - pos;
	return (int32_t)pos * step;
}

struct pattern_rect pattern_bar_rect(int32_t bar_x, int32_t width,
				     int32_t height)
{
	struct pattern_rect rect = {
		.x = bar_x, .w = pattern_bar_width(width), .h = height,
	};

	if (rect.x < 0 || rect.x >= width) {
		rect.w = 0;
		rect.x = 0;
	} else if (rect.x + rect.w > width) {
		rect.w = width - rect.x;
	}
	return rect;
}

void pattern_fill_rect(void *data, int32_t stride, struct pattern_rect rect,
		       uint32_t color)
{
	int32_t x, y;

	for (y = rect.y; y < rect.y + rect.h; y++) {
		uint32_t *row = (uint32_t *)((char *)data + (size_t)y * stride);

		for (x = rect.x; x < rect.x + rect.w; x++)
			row[x] = color;
	}
}

void pattern_update(void *data, int32_t width, int32_t height, int32_t stride,
		    uint32_t color, int32_t old_x, int32_t new_x)
{
	struct pattern_rect all = { 0, 0, width, height };

	color |= 0xff000000u;
	if (old_x < 0)
		pattern_fill_rect(data, stride, all, color);
	else if (old_x != new_x)
		pattern_fill_rect(data, stride,
				  pattern_bar_rect(old_x, width, height),
				  color);
	pattern_fill_rect(data, stride, pattern_bar_rect(new_x, width, height),
			  0xff000000u | SEAT_BAR_COLOR);
}
