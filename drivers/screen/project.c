// SPDX-License-Identifier: MIT
#include <pixman.h>
#include <stddef.h>

#include "project.h"

struct project_rect project_fit(int sw, int sh, int dw, int dh)
{
	struct project_rect r = { 0, 0, dw, dh };

	/* Compared as products: no rounding decides which side fits. */
	if ((int64_t)sw * dh > (int64_t)dw * sh)
		r.height = (int)((int64_t)dw * sh / sw);	/* bars above and below */
	else
		r.width = (int)((int64_t)dh * sw / sh);		/* bars left and right */
	if (r.width < 1)
		r.width = 1;
	if (r.height < 1)
		r.height = 1;
	r.x = (dw - r.width) / 2;
	r.y = (dh - r.height) / 2;
	return r;
}

/* The dst pixels the picture leaves: black, at most two bars. */
static void fill_bars(pixman_image_t *dst, struct project_rect r, int dw, int dh)
{
	pixman_color_t black = { 0, 0, 0, 0xffff };
	pixman_rectangle16_t bars[2];
	int n = 0;

	/* Whatever the picture leaves, a one-pixel column included. */
	if (r.height < dh) {
		bars[n++] = (pixman_rectangle16_t){ 0, 0, (uint16_t)dw, (uint16_t)r.y };
		bars[n++] = (pixman_rectangle16_t){ 0, (int16_t)(r.y + r.height), (uint16_t)dw,
						    (uint16_t)(dh - r.y - r.height) };
	} else if (r.width < dw) {
		bars[n++] = (pixman_rectangle16_t){ 0, 0, (uint16_t)r.x, (uint16_t)dh };
		bars[n++] = (pixman_rectangle16_t){ (int16_t)(r.x + r.width), 0,
						    (uint16_t)(dw - r.x - r.width), (uint16_t)dh };
	}
	if (n)
		pixman_image_fill_rectangles(PIXMAN_OP_SRC, dst, &black, n, bars);
}

/* src scaled into r of dst; the rest of dst black. */
static int draw(const void *src, int sw, int sh, int sstride, void *dst, int dw, int dh,
		int dstride, struct project_rect r)
{
	pixman_image_t *s, *d;
	pixman_transform_t scale;
	int rc = -1;

	if (sw < 1 || sh < 1 || dw < 1 || dh < 1 || sw > INT16_MAX || sh > INT16_MAX ||
	    dw > INT16_MAX || dh > INT16_MAX)
		return -1;
	/* pixman reads src only; its API takes no const. */
	s = pixman_image_create_bits_no_clear(PIXMAN_x8r8g8b8, sw, sh, (uint32_t *)src, sstride);
	d = pixman_image_create_bits_no_clear(PIXMAN_x8r8g8b8, dw, dh, dst, dstride);
	if (!s || !d)
		goto out;
	if (r.width != sw || r.height != sh) {
		/* The transform maps head pixels to picture pixels. */
		pixman_transform_init_scale(&scale,
					    pixman_int_to_fixed(sw) / r.width,
					    pixman_int_to_fixed(sh) / r.height);
		pixman_image_set_transform(s, &scale);
		pixman_image_set_filter(s, PIXMAN_FILTER_BILINEAR, NULL, 0);
		/* Edges blend with themselves, not with black. */
		pixman_image_set_repeat(s, PIXMAN_REPEAT_PAD);
	}
	fill_bars(d, r, dw, dh);
	pixman_image_composite32(PIXMAN_OP_SRC, s, NULL, d, 0, 0, 0, 0, r.x, r.y, r.width,
				 r.height);
	rc = 0;
out:
	if (s)
		pixman_image_unref(s);
	if (d)
		pixman_image_unref(d);
	return rc;
}

int project_draw(const void *src, int sw, int sh, int sstride, void *dst, int dw, int dh,
		 int dstride)
{
	if (sw < 1 || sh < 1 || dw < 1 || dh < 1)
		return -1;
	return draw(src, sw, sh, sstride, dst, dw, dh, dstride, project_fit(sw, sh, dw, dh));
}

int project_scale(const void *src, int sw, int sh, int sstride, void *dst, int dw, int dh,
		  int dstride)
{
	return draw(src, sw, sh, sstride, dst, dw, dh, dstride,
		    (struct project_rect){ 0, 0, dw, dh });
}
