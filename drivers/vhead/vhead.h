/* SPDX-License-Identifier: MIT */
/*
 * A virtual head: an evdi device standing for a remote screen (an RDP
 * client, a USB/IP zero client). To the seat's session it is an ordinary
 * KMS card whose monitor announces the requested size; to whoever opened
 * it here (the station's sink) it is a source of damaged rectangles of
 * the frames that session shows.
 */
#ifndef SEATMUX_VHEAD_H
#define SEATMUX_VHEAD_H

#include <stdbool.h>
#include <stdint.h>

#define VHEAD_MAX_RECTS 16

struct vhead_rect {
	int x1, y1, x2, y2;	/* x2, y2 exclusive */
};

struct vhead;

struct vhead_listener {
	/* The session set a mode (0x0: it turned the head off). */
	void (*mode)(struct vhead *vh, int width, int height, void *data);
	/* New pixels in vhead_pixels(), where rects say (n == 0: nothing). */
	void (*frame)(struct vhead *vh, const struct vhead_rect *rects, int n, void *data);
};

/*
 * Connects evdi device `card` (/dev/dri/cardN; -1: a new or free one,
 * which needs root for evdi's sysfs add) as a monitor of width x height
 * named name. NULL with errno set.
 */
struct vhead *vhead_open(int card, int width, int height, const char *name,
			 const struct vhead_listener *l, void *data);
/* Adds an evdi device (root); its card number, -ENODEV when the evdi
 * module is not loaded, -ENOSPC when evdi refuses another device (its
 * limit), -ETIMEDOUT when no card node came. */
int vhead_add_device(void);
/* Cards vhead_add_device looks among: /dev/dri/card0 to card63. */
#define VHEAD_MAX_CARDS 64
/*
 * An evdi card that is none of `known` (cards of stations and spares):
 * one whose addition was given up on (its node came late) and that
 * nobody has. Its number, or -ENOENT.
 */
int vhead_unknown_device(const bool known[VHEAD_MAX_CARDS]);
void vhead_close(struct vhead *vh);
/* The fd to poll; vhead_dispatch when it is readable. */
int vhead_fd(const struct vhead *vh);
void vhead_dispatch(struct vhead *vh);
/*
 * The last frame grabbed, XRGB8888, and its stride in bytes: page-aligned
 * anonymous memory of the head's mode, which the caller may give back to
 * the kernel (MADV_DONTNEED) where it keeps the pixels elsewhere.
 */
uint32_t *vhead_pixels(const struct vhead *vh, int *width, int *height, int *stride);
/* The card the session gets ("/dev/dri/cardN"), or "" if unknown. */
const char *vhead_card(const struct vhead *vh);

#endif
