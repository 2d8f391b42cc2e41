// SPDX-License-Identifier: MIT
#include <cairo.h>
#include <errno.h>
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

int png_out_write(int fd, const uint32_t *pixels, int width, int height)
{
	cairo_surface_t *s = cairo_image_surface_create_for_data((unsigned char *)pixels,
								 CAIRO_FORMAT_RGB24, width, height,
								 width * 4);
	int rc = cairo_surface_status(s) == CAIRO_STATUS_SUCCESS &&
		 cairo_surface_write_to_png_stream(s, write_fd, &fd) == CAIRO_STATUS_SUCCESS ? 0 : -1;

	cairo_surface_destroy(s);
	return rc;
}
