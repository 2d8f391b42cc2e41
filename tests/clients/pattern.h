/* SPDX-License-Identifier: MIT */
#ifndef SEATMUX_TESTCLIENT_PATTERN_H
#define SEATMUX_TESTCLIENT_PATTERN_H

#include <stdbool.h>
#include <stdint.h>

/* A rectangle in buffer pixels; w or h 0 means empty. */
struct pattern_rect {
	int32_t x, y, w, h;
};

/* Parses "RRGGBB" or "#RRGGBB" into 0x00RRGGBB. */
bool pattern_parse_color(const char *text, uint32_t *color);

/* The seat's colour from seat-colors.h, hashing unknown names into it. */
uint32_t pattern_seat_color(const char *seat);

uint32_t pattern_fnv1a(const char *text);

int32_t pattern_bar_width(int32_t width);

/* Left edge of the bar on frame n: it sweeps across and back. */
int32_t pattern_bar_x(uint32_t frame, int32_t width);

struct pattern_rect pattern_bar_rect(int32_t bar_x, int32_t width,
				     int32_t height);

void pattern_fill_rect(void *data, int32_t stride, struct pattern_rect rect,
		       uint32_t color);

/*
 * Brings an XRGB8888 buffer whose bar sits at old_x (negative: contents
 * unknown) to a frame whose bar sits at new_x.
 */
void pattern_update(void *data, int32_t width, int32_t height, int32_t stride,
		    uint32_t color, int32_t old_x, int32_t new_x);

#endif
