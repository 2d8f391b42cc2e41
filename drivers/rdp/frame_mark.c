// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "frame_mark.h"
#include "screen_proto.h"

struct frame_mark {
	uint32_t *buf;
	int w, h;
};

struct frame_mark *frame_mark_new(void)
{
	return calloc(1, sizeof(struct frame_mark));
}

void frame_mark_free(struct frame_mark *m)
{
	if (!m)
		return;
	free(m->buf);
	free(m);
}

static void fill(struct frame_mark *m, int x, int y, int w, int h)
{
	for (int row = y; row < y + h; row++)
		for (int col = x; col < x + w; col++)
			m->buf[(size_t)row * (size_t)m->w + (size_t)col] =
				0xff000000u | SCREEN_WATCHED_FRAME_COLOR;
}

/* Only what lies in rects is sent: the frame is drawn where it meets
 * them (the client keeps what it was sent of it before). */
static void draw(struct frame_mark *m, const struct damage_rect *r)
{
	int t = SCREEN_WATCHED_FRAME_WIDTH;
	int x1 = r->x, y1 = r->y, x2 = r->x + r->w, y2 = r->y + r->h;
	/* The frame's four bands: top, bottom, left, right. */
	const int bands[4][4] = {
		{ 0, 0, m->w, t }, { 0, m->h - t, m->w, m->h },
		{ 0, 0, t, m->h }, { m->w - t, 0, m->w, m->h },
	};

	for (int i = 0; i < 4; i++) {
		int bx1 = bands[i][0] > x1 ? bands[i][0] : x1;
		int by1 = bands[i][1] > y1 ? bands[i][1] : y1;
		int bx2 = bands[i][2] < x2 ? bands[i][2] : x2;
		int by2 = bands[i][3] < y2 ? bands[i][3] : y2;

		if (bx1 < bx2 && by1 < by2)
			fill(m, bx1, by1, bx2 - bx1, by2 - by1);
	}
}

/* The rect's pixels from px, the frame over them. */
static void copy(struct frame_mark *m, const uint32_t *px, int stride,
		 const struct damage_rect *r)
{
	for (int row = r->y; row < r->y + r->h; row++)
		memcpy(m->buf + (size_t)row * (size_t)m->w + (size_t)r->x,
		       (const uint8_t *)px + (size_t)row * (size_t)stride + (size_t)r->x * 4,
		       (size_t)r->w * 4);
	draw(m, r);
}

const uint32_t *frame_mark_apply(struct frame_mark *m, const uint32_t *px, int w, int h,
				 int stride, const struct damage_rect *rects, int n,
				 int *out_stride)
{
	if (w <= 0 || h <= 0)
		return NULL;
	if (m->w != w || m->h != h) {
		uint32_t *buf = malloc((size_t)w * (size_t)h * sizeof(*buf));

		if (!buf)
			return NULL;
		free(m->buf);
		m->buf = buf;
		m->w = w;
		m->h = h;
		/* Whole from the start: an encoder may read past a rect, to
		 * the edges of its tiles (the client shows only the rect). */
		copy(m, px, stride, &(struct damage_rect){ 0, 0, w, h });
	}
	for (int i = 0; i < n; i++) {
		const struct damage_rect *r = &rects[i];

		if (r->x >= 0 && r->y >= 0 && r->w > 0 && r->h > 0 && r->x + r->w <= w &&
		    r->y + r->h <= h)
			copy(m, px, stride, r);
	}
	*out_stride = w * 4;
	return m->buf;
}
