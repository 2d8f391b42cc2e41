/* SPDX-License-Identifier: MIT */
/*
 * What a card's head shows now, read back as pixels: the framebuffer on
 * the CRTC driving a connected connector, mapped as a dumb buffer (what
 * virtio-gpu, evdi, udl and pixman-rendering compositors use). Needs
 * CAP_SYS_ADMIN (the kernel gives another client's framebuffer handles
 * to root or DRM master only).
 */
#ifndef SEATMUX_FB_READ_H
#define SEATMUX_FB_READ_H

#include <stdint.h>

/* A head's framebuffer mapped as it is: pixels change under it as its
 * owner draws. */
struct fb_map {
	const uint8_t *pixels;	/* XRGB8888, stride bytes a row */
	uint32_t width, height, stride;
	uint32_t fb_id;
	void *base;		/* the mapping, size bytes */
	size_t size;
};

struct fb_image {
	uint32_t *pixels;	/* XRGB8888, width * height, malloc'ed */
	int width, height;
};

/* The connectors (KMS ids) a station has on a card split between
 * stations by leases; NULL or n == 0: any of the card's. */
#define FB_HEADS_MAX 8
struct fb_heads {
	int n;
	uint32_t connectors[FB_HEADS_MAX];
};

/* The first lit head of heads: 0, or -errno (-ENOENT: no lit head;
 * -EOPNOTSUPP: a format or buffer kind that cannot be read). */
int fb_read_card(int fd, const struct fb_heads *heads, struct fb_image *img);
/* The same framebuffer, mapped read-only instead of copied (a source
 * read every frame); errors as fb_read_card's. */
int fb_map_card(int fd, const struct fb_heads *heads, struct fb_map *m);
void fb_unmap(struct fb_map *m);
void fb_image_free(struct fb_image *img);

#endif
