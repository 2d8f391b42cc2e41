/* SPDX-License-Identifier: MIT */
/*
 * A head the compositor draws on. The compositor composites into the
 * output's pixman image and commits it with the damaged region; the output
 * calls back when the frame is on screen (a page flip, or the headless
 * output's stand-in for one), which paces frame callbacks.
 */
#ifndef SEATMUX_COMPOSITOR_OUTPUT_H
#define SEATMUX_COMPOSITOR_OUTPUT_H

#include <pixman.h>
#include <stdbool.h>
#include <stdint.h>

struct libseat;
struct output;

struct output_impl {
	/* The image to draw the next frame into (contents: the last frame). */
	pixman_image_t *(*begin)(struct output *output);
	/* Shows it; damage says what changed. Frame-done follows later. */
	int (*commit)(struct output *output, const pixman_region32_t *damage);
	void (*destroy)(struct output *output);
};

struct output {
	const struct output_impl *impl;
	int width, height;
	int refresh_mhz;
	struct libseat *seat;		/* the seat the head came from, or NULL */
	/*
	 * Set by the compositor: a committed frame reached the screen at usec
	 * (CLOCK_MONOTONIC), the head's seq-th refresh.
	 */
	void (*frame_done)(struct output *output, uint64_t usec, uint64_t seq, void *data);
	/* Set by the compositor: the head changed mode (width and height). */
	void (*changed)(struct output *output, void *data);
	/* Set by the compositor: the head is gone for good (a revoked lease). */
	void (*lost)(struct output *output, void *data);
	/*
	 * Set by the compositor: the seat was taken from the session (false),
	 * as by a VT switch, or given back (true). While it is taken, frames
	 * are still paced but reach no screen, and what the head shows when
	 * it comes back is not ours: all of it is to be drawn again.
	 */
	void (*active)(struct output *output, bool active, void *data);
	void *data;
};

struct wl_event_loop;

struct output *output_headless_create(struct wl_event_loop *loop, int width,
				      int height, int refresh_mhz);
/* Test control: the headless head takes a new size. 0 or -1. */
int output_headless_resize(struct output *output, int width, int height);
/*
 * The seat's head, opened through libseat; flags as drivers/drm/kms.h;
 * width and height choose a mode other than the preferred one.
 */
struct output *output_kms_create(struct wl_event_loop *loop, unsigned flags,
				 int width, int height);
/* Writes what the output shows as a binary PPM (tests read it). */
int output_dump_ppm(struct output *output, const char *path);

#endif
