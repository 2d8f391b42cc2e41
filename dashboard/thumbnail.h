/* SPDX-License-Identifier: MIT */
/*
 * A station's picture made small for the page: decoded (Cairo's PNG
 * reader), scaled to fit THUMBNAIL_WIDTH x THUMBNAIL_HEIGHT with its
 * aspect kept (drivers/screen/project: pixman), and encoded again as PNG
 * (drivers/screen/png_out). A thumbnail of a 1920x1080 desktop is a
 * twentieth of its picture: that, and not the picture, goes to the
 * browser and is kept. The PNG comes from the user's bridge: its size
 * is read from its header first, and a picture larger than any head is
 * refused before a pixel is decoded.
 */
#ifndef SEATMUX_DASHBOARD_THUMBNAIL_H
#define SEATMUX_DASHBOARD_THUMBNAIL_H

#include <stddef.h>
#include <stdint.h>

#define THUMBNAIL_WIDTH 384
#define THUMBNAIL_HEIGHT 240
#define THUMBNAIL_FIT "384x240"		/* seatmuxctl --fit's */
/* A station opened large (watched, or taken control of). */
#define THUMBNAIL_VIEW_WIDTH 1280
#define THUMBNAIL_VIEW_HEIGHT 800
#define THUMBNAIL_VIEW_FIT "1280x800"
/* The largest picture taken: a side, and pixels in all (two 4K heads);
 * decoded, it is at most 64 MiB. */
#define THUMBNAIL_SOURCE_MAX 8192
#define THUMBNAIL_SOURCE_PIXELS (2u * 3840 * 2160)

/* png (len bytes) as a thumbnail in *out (malloc'd, *outlen bytes): 0,
 * or -1 if it is no 8-bit PNG, too large, or cannot be made. */
int thumbnail_make(const unsigned char *png, size_t len, unsigned char **out, size_t *outlen);
/* The same, to fit width x height (at most the VIEW size's pixels). */
int thumbnail_fit(const unsigned char *png, size_t len, int width, int height,
		  unsigned char **out, size_t *outlen);
/* Its pixels only (XRGB, rows of *outw, malloc'd), fitted so: 0 or -1. */
int thumbnail_pixels(const unsigned char *png, size_t len, int width, int height,
		     uint32_t **out, int *outw, int *outh);
/* Pixels (rows of width) as PNG: 0 or -1. */
int thumbnail_encode(const uint32_t *pixels, int width, int height, unsigned char **out,
		     size_t *outlen);

#endif
