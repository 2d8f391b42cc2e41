// SPDX-License-Identifier: MIT
#include <errno.h>
#include <png.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "png_out.h"

/* XRGB8888 in memory is B, G, R, X on a little-endian machine: libpng is
 * told so (png_set_bgr, the filler after). */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "png_out assumes a little-endian XRGB8888 layout"
#endif

/* Where the PNG goes: an fd, or a growing buffer. */
struct sink {
	int fd;
	unsigned char *data;
	size_t len, size;
};

static int sink_fd(struct sink *s, const unsigned char *data, size_t len)
{
	while (len) {
		ssize_t n = write(s->fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int sink_mem(struct sink *s, const unsigned char *data, size_t len)
{
	if (len > s->size - s->len) {
		size_t size = s->size ? s->size : 4096;
		unsigned char *more;

		while (size - s->len < len) {
			if (size > SIZE_MAX / 2)
				return -1;
			size *= 2;
		}
		more = realloc(s->data, size);
		if (!more)
			return -1;
		s->data = more;
		s->size = size;
	}
	memcpy(s->data + s->len, data, len);
	s->len += len;
	return 0;
}

static void on_write(png_structp png, png_bytep data, size_t len)
{
	struct sink *s = png_get_io_ptr(png);

	if ((s->fd >= 0 ? sink_fd(s, data, len) : sink_mem(s, data, len)) < 0)
		png_error(png, "cannot write");
}

static void on_flush(png_structp png)
{
}

/* Errors end the encoding (-1), quietly: the caller says what failed. */
static void on_error(png_structp png, png_const_charp what)
{
	png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp what)
{
}

/*
 * libpng at zlib's fastest level with the Sub filter: screens (flat
 * areas, text) encode three times faster than at the default level with
 * every filter tried (Cairo's way), for PNGs about twice as large. Every
 * picture here is read at once by the next program (the dashboard, a
 * browser on the room's network), so time counts more than bytes.
 */
static int encode(const uint32_t *pixels, int width, int height, struct sink *s)
{
	png_structp png;
	png_infop info;

	if (width < 1 || height < 1 || width > PNG_USER_WIDTH_MAX || height > PNG_USER_HEIGHT_MAX)
		return -1;
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, on_error, on_warning);
	if (!png)
		return -1;
	info = png_create_info_struct(png);
	if (!info || setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return -1;
	}
	png_set_write_fn(png, s, on_write, on_flush);
	png_set_compression_level(png, 1);	/* zlib's Z_BEST_SPEED */
	png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
	png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
	png_write_info(png, info);
	png_set_filler(png, 0, PNG_FILLER_AFTER);
	png_set_bgr(png);
	for (int y = 0; y < height; y++)
		png_write_row(png, (png_const_bytep)(pixels + (size_t)y * (size_t)width));
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	return 0;
}

int png_out_write(int fd, const uint32_t *pixels, int width, int height)
{
	struct sink s = { .fd = fd };

	if (fd < 0)
		return -1;
	return encode(pixels, width, height, &s);
}

int png_out_buffer(const uint32_t *pixels, int width, int height, unsigned char **out,
		   size_t *len)
{
	struct sink s = { .fd = -1 };

	if (encode(pixels, width, height, &s) < 0) {
		free(s.data);
		return -1;
	}
	*out = s.data;
	*len = s.len;
	return 0;
}
