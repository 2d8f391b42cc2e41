/* SPDX-License-Identifier: MIT */
/* A picture as PNG (Cairo's encoder): what a screenshot hands out. */
#ifndef SEATMUX_PNG_OUT_H
#define SEATMUX_PNG_OUT_H

#include <stdint.h>

/* A width x height XRGB8888 picture written to fd as PNG: 0, or -1. */
int png_out_write(int fd, const uint32_t *pixels, int width, int height);

#endif
