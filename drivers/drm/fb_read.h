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

struct fb_image {
	uint32_t *pixels;	/* XRGB8888, width * height, malloc'ed */
	int width, height;
};

/* 0, or -errno (-ENOENT: no lit head; -EOPNOTSUPP: a format or buffer
 * kind that cannot be read). */
int fb_read_card(int fd, struct fb_image *img);
void fb_image_free(struct fb_image *img);

#endif
