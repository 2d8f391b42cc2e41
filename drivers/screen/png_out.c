// SPDX-License-Identifier: MIT
#include <cairo.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "png_out.h"

static cairo_status_t write_fd(void *closure, const unsigned char *data, unsigned int len)
{
	int fd = *(int *)closure;

	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return CAIRO_STATUS_WRITE_ERROR;
		data += n;
		len -= (unsigned int)n;
	}
	return CAIRO_STATUS_SUCCESS;
}

struct buffer {
	unsigned char *data;
	size_t len, size;
};

static cairo_status_t write_mem(void *closure, const unsigned char *data, unsigned int len)
{
	struct buffer *b = closure;

	if (len > b->size - b->len) {
		size_t size = b->size ? b->size : 4096;
		unsigned char *more;

		while (size - b->len < len) {
			if (size > SIZE_MAX / 2)
				return CAIRO_STATUS_NO_MEMORY;
			size *= 2;
		}
		more = realloc(b->data, size);
		if (!more)
			return CAIRO_STATUS_NO_MEMORY;
		b->data = more;
		b->size = size;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return CAIRO_STATUS_SUCCESS;
}

static int encode(const uint32_t *pixels, int width, int height, cairo_write_func_t write,
		  void *closure)
{
	cairo_surface_t *s = cairo_image_surface_create_for_data((unsigned char *)pixels,
								 CAIRO_FORMAT_RGB24, width, height,
								 width * 4);
	int rc = cairo_surface_status(s) == CAIRO_STATUS_SUCCESS &&
		 cairo_surface_write_to_png_stream(s, write, closure) == CAIRO_STATUS_SUCCESS ?
		 0 : -1;

	cairo_surface_destroy(s);
	return rc;
}

int png_out_write(int fd, const uint32_t *pixels, int width, int height)
{
	return encode(pixels, width, height, write_fd, &fd);
}

int png_out_buffer(const uint32_t *pixels, int width, int height, unsigned char **out,
		   size_t *len)
{
	struct buffer b = { 0 };

	if (encode(pixels, width, height, write_mem, &b) < 0) {
		free(b.data);
		return -1;
	}
	*out = b.data;
	*len = b.len;
	return 0;
}
