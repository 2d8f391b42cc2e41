// SPDX-License-Identifier: MIT
/* The picture of a broker-drawn screen: its colour, its text, its bounds. */
#include <cairo.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>
#include <unistd.h>

#include "paint.h"
#include "png_out.h"
#include "test.h"

#define W 640
#define H 400

static struct screen_request request(enum screen_look look, const char *title, const char *body)
{
	struct screen_request r = { .look = look, .ncards = 1 };

	snprintf(r.title, sizeof(r.title), "%s", title);
	snprintf(r.body, sizeof(r.body), "%s", body);
	return r;
}

/* Pixels exactly the look's colour, and pixels near white (text). */
static void count(const uint32_t *px, uint32_t bg, int *background, int *text)
{
	*background = *text = 0;
	for (int i = 0; i < W * H; i++) {
		uint32_t p = px[i] & 0xffffff;

		if (p == bg)
			(*background)++;
		else if ((p >> 16 & 0xff) > 0xe0 && (p >> 8 & 0xff) > 0xe0 && (p & 0xff) > 0xe0)
			(*text)++;
	}
}

static void test_looks(struct test_state *t)
{
	static const enum screen_look looks[] = { SCREEN_IDENTIFY, SCREEN_MESSAGE, SCREEN_BLOCK,
						   SCREEN_WATCHED };
	uint32_t *px = calloc(W * H, 4);
	int bg, text;

	for (size_t i = 0; i < sizeof(looks) / sizeof(looks[0]); i++) {
		struct screen_request r = request(looks[i], "seat1", "Eyes to the front, please.");

		memset(px, 0, W * H * 4);
		CHECK(t, paint_screen(px, W, H, W * 4, &r) == 0);
		count(px, paint_background(looks[i]), &bg, &text);
		CHECK(t, (px[0] & 0xffffff) == paint_background(looks[i]));
		CHECK(t, bg > W * H * 8 / 10);		/* mostly background */
		CHECK(t, text > W * H / 200);		/* and text that shows */
	}
	CHECK(t, paint_background(SCREEN_BLOCK) != paint_background(SCREEN_IDENTIFY));
	/* A pupil tells "you are watched" from a message or a block. */
	CHECK(t, paint_background(SCREEN_WATCHED) != paint_background(SCREEN_MESSAGE));
	CHECK(t, paint_background(SCREEN_WATCHED) != paint_background(SCREEN_BLOCK));
	free(px);
}

/* A mapping letter is read from across the room: far larger than a
 * title, on its own colour. */
static void test_map_letter(struct test_state *t)
{
	uint32_t *px = calloc(W * H, 4);
	struct screen_request map = request(SCREEN_MAP, "A", "Press A on this station's keyboard");
	struct screen_request id = request(SCREEN_IDENTIFY, "A", "Press A on this station's keyboard");
	int bg, map_text, id_text;

	CHECK(t, paint_screen(px, W, H, W * 4, &map) == 0);
	CHECK(t, (px[0] & 0xffffff) == SCREEN_MAP_COLOR);
	count(px, SCREEN_MAP_COLOR, &bg, &map_text);
	memset(px, 0, W * H * 4);
	CHECK(t, paint_screen(px, W, H, W * 4, &id) == 0);
	count(px, SCREEN_IDENTIFY_COLOR, &bg, &id_text);
	CHECK(t, map_text > 3 * id_text);
	free(px);
}

static void test_text_is_drawn(struct test_state *t)
{
	uint32_t *a = calloc(W * H, 4), *b = calloc(W * H, 4), *c = calloc(W * H, 4);
	struct screen_request ra = request(SCREEN_BLOCK, "Blocked", "Look at me");
	struct screen_request rb = request(SCREEN_BLOCK, "Blocked", "Pens down");
	struct screen_request rc = request(SCREEN_BLOCK, "Blocked", "");

	CHECK(t, paint_screen(a, W, H, W * 4, &ra) == 0);
	CHECK(t, paint_screen(b, W, H, W * 4, &rb) == 0);
	CHECK(t, paint_screen(c, W, H, W * 4, &rc) == 0);
	CHECK(t, memcmp(a, b, W * H * 4) != 0);	/* the message is what is shown */
	CHECK(t, memcmp(a, c, W * H * 4) != 0);
	free(a);
	free(b);
	free(c);
}

/* Markup is not interpreted, a word longer than the screen wraps, and
 * nothing is written past the buffer (the sanitizers watch). */
static void test_hostile_text(struct test_state *t)
{
	int stride = W * 4 + 64;
	uint8_t *px = malloc((size_t)stride * H + 64);
	struct screen_request r = request(SCREEN_MESSAGE, "<b>&amp;</b>", "");
	int bg, text;

	memset(r.body, 'W', sizeof(r.body) - 1);
	r.body[sizeof(r.body) - 1] = '\0';
	memset(px + (size_t)stride * H, 0xa5, 64);
	CHECK(t, paint_screen(px, W, H, stride, &r) == 0);
	for (int i = 0; i < 64; i++)
		CHECK(t, px[(size_t)stride * H + i] == 0xa5);
	CHECK(t, paint_screen(px, 1, 1, 4, &r) == 0);	/* tiny heads too */
	r.body[0] = '\0';
	{
		uint32_t *tight = calloc(W * H, 4);

		CHECK(t, paint_screen(tight, W, H, W * 4, &r) == 0);
		count(tight, SCREEN_MESSAGE_COLOR, &bg, &text);
		CHECK(t, text > 0);	/* "<b>&amp;</b>" drawn as its characters */
		free(tight);
	}
	free(px);
}

/* Text pixels in rows [from, to). */
static int text_rows(const uint32_t *px, int from, int to)
{
	int n = 0;

	for (int i = from * W; i < to * W; i++) {
		uint32_t p = px[i] & 0xffffff;

		n += (p >> 16 & 0xff) > 0xe0 && (p >> 8 & 0xff) > 0xe0 && (p & 0xff) > 0xe0;
	}
	return n;
}

/* The longest message a teacher may send is shrunk to fit the head, and
 * cut with an ellipsis if it must be: nothing runs off its top or bottom. */
static void test_long_text_fits(struct test_state *t)
{
	static const char *words = "Eyes to the front, please: the test starts now. ";
	uint32_t *px = calloc(W * H, 4);
	struct screen_request r = request(SCREEN_BLOCK, "A station with a long name indeed", "");
	size_t n = strlen(words), at = 0;

	while (at + n < sizeof(r.body)) {
		memcpy(r.body + at, words, n);
		at += n;
	}
	r.body[at] = '\0';
	CHECK(t, paint_screen(px, W, H, W * 4, &r) == 0);
	CHECK(t, text_rows(px, H / 20, H - H / 20) > 0);
	CHECK(t, text_rows(px, 0, H / 25) == 0);
	CHECK(t, text_rows(px, H - H / 25, H) == 0);
	free(px);
}

/* A screenshot's PNG: its signature and its size in the header. */
static void test_png(struct test_state *t)
{
	uint32_t px[4 * 3] = { 0 };
	uint8_t head[24];
	int fd = memfd_create("test-png", MFD_CLOEXEC);

	CHECK(t, fd >= 0 && png_out_write(fd, px, 4, 3) == 0);
	CHECK(t, pread(fd, head, sizeof(head), 0) == sizeof(head));
	CHECK(t, !memcmp(head, "\x89PNG\r\n\x1a\n", 8) && !memcmp(head + 12, "IHDR", 4));
	CHECK(t, head[19] == 4 && head[23] == 3);	/* big-endian width, height */
	CHECK(t, png_out_write(-1, px, 4, 3) < 0);	/* a write that fails says so */
	close(fd);
}

struct png_reader {
	const unsigned char *data;
	size_t len, at;
};

static cairo_status_t png_read(void *closure, unsigned char *data, unsigned int len)
{
	struct png_reader *r = closure;

	if (len > r->len - r->at)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, r->data + r->at, len);
	r->at += len;
	return CAIRO_STATUS_SUCCESS;
}

/* Whether the PNG, read by another decoder (Cairo's), is px exactly:
 * red, green and blue where they were, the X byte aside. */
static bool png_pixels_equal(const unsigned char *png, size_t len, const uint32_t *px, int w,
			     int h)
{
	struct png_reader r = { png, len, 0 };
	cairo_surface_t *s = cairo_image_surface_create_from_png_stream(png_read, &r);
	bool same = cairo_surface_status(s) == CAIRO_STATUS_SUCCESS &&
		    cairo_image_surface_get_width(s) == w && cairo_image_surface_get_height(s) == h;

	for (int y = 0; same && y < h; y++) {
		const uint32_t *row = (const uint32_t *)(cairo_image_surface_get_data(s) +
							  (size_t)y * cairo_image_surface_get_stride(s));

		for (int x = 0; same && x < w; x++)
			same = (row[x] & 0xffffff) == (px[(size_t)y * w + x] & 0xffffff);
	}
	cairo_surface_destroy(s);
	return same;
}

/* The same PNG in memory, byte for byte, for pictures larger than the
 * writer's first buffer too. */
static void test_png_buffer(struct test_state *t)
{
	enum { PW = 300, PH = 200 };
	uint32_t *px = calloc(PW * PH, 4);
	unsigned char *png = NULL, *file = NULL;
	size_t len = 0;
	int fd = memfd_create("test-png", MFD_CLOEXEC);
	off_t size;

	CHECK(t, px && fd >= 0);
	for (int i = 0; i < PW * PH; i++)
		px[i] = (uint32_t)i * 2654435761u;	/* noise: compresses badly */
	CHECK(t, png_out_buffer(px, PW, PH, &png, &len) == 0 && len > 4096);
	CHECK(t, png_out_write(fd, px, PW, PH) == 0);
	size = lseek(fd, 0, SEEK_CUR);
	CHECK(t, size == (off_t)len && (file = malloc(len)) &&
		 pread(fd, file, len, 0) == (ssize_t)len && !memcmp(file, png, len));
	CHECK(t, png_pixels_equal(png, len, px, PW, PH));
	png = (free(png), NULL);
	CHECK(t, png_out_buffer(px, 0, PH, &png, &len) < 0 && !png);	/* no picture: no PNG */
	free(file);
	free(px);
	close(fd);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_looks);
	RUN(&t, test_map_letter);
	RUN(&t, test_text_is_drawn);
	RUN(&t, test_hostile_text);
	RUN(&t, test_long_text_fits);
	RUN(&t, test_png);
	RUN(&t, test_png_buffer);
	return TEST_SUMMARY(&t);
}
