/* SPDX-License-Identifier: MIT */
/*
 * A station's screenshot: what its first lit head shows, as PNG or as its
 * pixels in a sealed memfd, for the room's interface to hand over. Reading back a
 * framebuffer and encoding it takes long enough to stall every station,
 * so it runs in a child job (root: only root may read another client's
 * framebuffer), and the answer comes through the loop.
 */
#ifndef SEATMUX_SCREENSHOT_H
#define SEATMUX_SCREENSHOT_H

struct broker;

enum screenshot_format {
	SCREENSHOT_PNG,
	/* The pixels as they are: DRM_FORMAT_XRGB8888 (little-endian: B, G,
	 * R, X bytes), rows of width * 4 bytes, nothing else. No encoding
	 * here and no decoding at the other end: what a viewer that
	 * compares pictures wants, at the cost of a larger memfd. */
	SCREENSHOT_XRGB8888,
};

/* fd: the picture (the callee's to close), or -errno: -ENOENT no such
 * station or no lit head, -EOPNOTSUPP a buffer that cannot be read. */
typedef void (*screenshot_fn)(void *data, int fd, int width, int height);

/* The smallest and largest side a picture may be asked to fit. */
#define SCREENSHOT_FIT_MIN 16
#define SCREENSHOT_FIT_MAX 4096

/* 0 (done is called once: from the loop, or at once with the station's
 * last picture of that size when its kind knows its head has not changed
 * since), or -errno (it is not).
 * fit_width x fit_height (0 x 0: the head's own size) is the box the
 * picture is scaled down to fit, its aspect kept, never enlarged: made
 * small before it is encoded, a thumbnail costs a fraction of a full
 * picture's encoding and bytes. */
int screenshot_start(struct broker *b, const char *seat, int fit_width, int fit_height,
		     enum screenshot_format format, screenshot_fn done, void *data);
/* At seatmuxd's end: the stations' last pictures go. */
void screenshot_forget(struct broker *b);

#endif
