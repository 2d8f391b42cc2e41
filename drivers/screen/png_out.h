/* SPDX-License-Identifier: MIT */
/* A picture as PNG (libpng, fast): what a screenshot hands out. */
#ifndef SEATMUX_PNG_OUT_H
#define SEATMUX_PNG_OUT_H

#include <stddef.h>
#include <stdint.h>

/* A width x height XRGB8888 picture written to fd as PNG: 0, or -1. */
int png_out_write(int fd, const uint32_t *pixels, int width, int height);

/* The same into memory: *out (malloc'd, the caller's) and *len; 0, or -1
 * with *out untouched. For many small pictures a second (the dashboard's
 * tiles), where an fd each would cost more than the encoding. */
int png_out_buffer(const uint32_t *pixels, int width, int height, unsigned char **out,
		   size_t *len);

#endif
