// SPDX-License-Identifier: MIT
/*
 * A head without a device: a pixman image and a timer standing in for
 * vblank. Like a real head it refreshes at fixed times (every period since
 * it started), and a committed frame is shown at the next of them; the
 * timer runs only while a frame is pending, so nothing ticks when nothing
 * changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <wayland-server-core.h>

#include "output.h"

struct headless {
	struct output base;
	pixman_image_t *image;
	struct wl_event_source *vblank;
	uint64_t seq;
	uint64_t epoch_us;		/* the first refresh */
	uint64_t shown_us;		/* the refresh the pending frame waits for */
};

static uint64_t now_us(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
}

static pixman_image_t *headless_begin(struct output *output)
{
	struct headless *h = (struct headless *)output;

	return h->image;
}

static int headless_commit(struct output *output, const pixman_region32_t *damage)
{
	struct headless *h = (struct headless *)output;
	uint64_t period = 1000000000u / (uint64_t)output->refresh_mhz;
	uint64_t now = now_us();
	uint64_t n = (now - h->epoch_us) / period + 1;

	h->shown_us = h->epoch_us + n * period;
	h->seq = n;
	/* The timer has milliseconds: wake at or just after the refresh. */
	return wl_event_source_timer_update(h->vblank,
					    (int)((h->shown_us - now + 999) / 1000));
}

static int headless_vblank(void *data)
{
	struct headless *h = data;

	if (h->base.frame_done)
		h->base.frame_done(&h->base, h->shown_us, h->seq, h->base.data);
	return 0;
}

static void headless_destroy(struct output *output)
{
	struct headless *h = (struct headless *)output;

	wl_event_source_remove(h->vblank);
	pixman_image_unref(h->image);
	free(h);
}

static const struct output_impl headless_impl = {
	.begin = headless_begin,
	.commit = headless_commit,
	.destroy = headless_destroy,
};

struct output *output_headless_create(struct wl_event_loop *loop, int width,
				      int height, int refresh_mhz)
{
	struct headless *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->base.impl = &headless_impl;
	h->base.width = width;
	h->base.height = height;
	h->base.refresh_mhz = refresh_mhz;
	h->epoch_us = now_us();
	h->image = pixman_image_create_bits(PIXMAN_x8r8g8b8, width, height, NULL, 0);
	h->vblank = wl_event_loop_add_timer(loop, headless_vblank, h);
	if (!h->image || !h->vblank) {
		if (h->image)
			pixman_image_unref(h->image);
		free(h);
		return NULL;
	}
	return &h->base;
}

int output_dump_ppm(struct output *output, const char *path)
{
	pixman_image_t *image = output->impl->begin(output);
	uint32_t *data = pixman_image_get_data(image);
	int stride = pixman_image_get_stride(image) / 4;
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -1;
	fprintf(f, "P6\n%d %d\n255\n", output->width, output->height);
	for (int y = 0; y < output->height; y++) {
		for (int x = 0; x < output->width; x++) {
			uint32_t p = data[y * stride + x];
			unsigned char rgb[3] = { (unsigned char)(p >> 16),
						 (unsigned char)(p >> 8), (unsigned char)p };

			fwrite(rgb, 1, 3, f);
		}
	}
	if (fclose(f) != 0)
		return -1;
	/* Readers never see half a picture. */
	return rename(tmp, path);
}

int output_headless_resize(struct output *output, int width, int height)
{
	struct headless *h = (struct headless *)output;
	pixman_image_t *image;

	if (output->impl != &headless_impl || width < 1 || height < 1 ||
	    width > 16384 || height > 16384)
		return -1;
	image = pixman_image_create_bits(PIXMAN_x8r8g8b8, width, height, NULL, 0);
	if (!image)
		return -1;
	pixman_image_unref(h->image);
	h->image = image;
	output->width = width;
	output->height = height;
	if (output->changed)
		output->changed(output, output->data);
	return 0;
}
