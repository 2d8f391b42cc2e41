// SPDX-License-Identifier: MIT
#include <cairo.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "png_out.h"
#include "project.h"
#include "thumbnail.h"

struct reader {
	const unsigned char *data;
	size_t len, at;
};

static cairo_status_t read_mem(void *closure, unsigned char *data, unsigned int len)
{
	struct reader *r = closure;

	if (len > r->len - r->at)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, r->data + r->at, len);
	r->at += len;
	return CAIRO_STATUS_SUCCESS;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * The signature, then IHDR first, as the format demands (libpng refuses
 * any other IHDR): its size, if it is 8 bits a sample. Deeper samples
 * Cairo decodes into a wider format, and seatmuxd never sends them.
 */
static int png_size(const unsigned char *png, size_t len, uint32_t *w, uint32_t *h)
{
	static const unsigned char magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

	if (len < 26 || memcmp(png, magic, 8) || memcmp(png + 12, "IHDR", 4) || png[24] != 8)
		return -1;
	*w = be32(png + 16);
	*h = be32(png + 20);
	return 0;
}

int thumbnail_make(const unsigned char *png, size_t len, unsigned char **out, size_t *outlen)
{
	return thumbnail_fit(png, len, THUMBNAIL_WIDTH, THUMBNAIL_HEIGHT, out, outlen);
}

int thumbnail_pixels(const unsigned char *png, size_t len, int width, int height,
		     uint32_t **out, int *outw, int *outh)
{
	struct reader r = { png, len, 0 };
	cairo_surface_t *src = NULL;
	struct project_rect fit;
	uint32_t w, h, *pixels = NULL;
	int rc = -1;

	if (png_size(png, len, &w, &h) < 0 || w < 1 || h < 1 || w > THUMBNAIL_SOURCE_MAX ||
	    h > THUMBNAIL_SOURCE_MAX || (uint64_t)w * h > THUMBNAIL_SOURCE_PIXELS)
		return -1;
	src = cairo_image_surface_create_from_png_stream(read_mem, &r);
	if (cairo_surface_status(src) != CAIRO_STATUS_SUCCESS ||
	    (cairo_image_surface_get_format(src) != CAIRO_FORMAT_RGB24 &&
	     cairo_image_surface_get_format(src) != CAIRO_FORMAT_ARGB32) ||
	    cairo_image_surface_get_width(src) != (int)w ||
	    cairo_image_surface_get_height(src) != (int)h)
		goto out;
	cairo_surface_flush(src);
	fit = project_fit((int)w, (int)h, width, height);
	if (fit.width > (int)w || fit.height > (int)h)
		fit = (struct project_rect){ 0, 0, (int)w, (int)h };	/* never enlarged */
	pixels = malloc((size_t)fit.width * (size_t)fit.height * 4);
	if (!pixels || project_scale(cairo_image_surface_get_data(src), (int)w, (int)h,
				    cairo_image_surface_get_stride(src), pixels, fit.width,
				    fit.height, fit.width * 4) < 0)
		goto out;
	*out = pixels;
	*outw = fit.width;
	*outh = fit.height;
	pixels = NULL;
	rc = 0;
out:
	free(pixels);
	cairo_surface_destroy(src);
	return rc;
}

int thumbnail_encode(const uint32_t *pixels, int width, int height, unsigned char **out,
		     size_t *outlen)
{
	return png_out_buffer(pixels, width, height, out, outlen);
}

int thumbnail_fit(const unsigned char *png, size_t len, int width, int height,
		  unsigned char **out, size_t *outlen)
{
	uint32_t *pixels;
	int w, h, rc;

	if (thumbnail_pixels(png, len, width, height, &pixels, &w, &h) < 0)
		return -1;
	rc = png_out_buffer(pixels, w, h, out, outlen);
	free(pixels);
	return rc;
}
