// SPDX-License-Identifier: MIT
#include <pango/pangocairo.h>
#include <string.h>

#include "paint.h"

uint32_t paint_background(enum screen_look look)
{
	switch (look) {
	case SCREEN_IDENTIFY:
		return SCREEN_IDENTIFY_COLOR;
	case SCREEN_MESSAGE:
		return SCREEN_MESSAGE_COLOR;
	case SCREEN_MAP:
		return SCREEN_MAP_COLOR;
	case SCREEN_WATCHED:
		return SCREEN_WATCHED_COLOR;
	case SCREEN_BLOCK:
	default:
		return SCREEN_BLOCK_COLOR;
	}
}

static void set_color(cairo_t *cr, uint32_t rgb)
{
	cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
			     (rgb & 0xff) / 255.0);
}

/* Lays text out centred in a column width wide, px pixels high; returns
 * its height. */
static int text_height(PangoLayout *layout, const char *text, const char *face, int px,
		       int width)
{
	PangoFontDescription *font = pango_font_description_from_string(face);
	int w, h;

	pango_font_description_set_absolute_size(font, (double)px * PANGO_SCALE);
	pango_layout_set_font_description(layout, font);
	pango_font_description_free(font);
	pango_layout_set_width(layout, width * PANGO_SCALE);
	pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
	pango_layout_set_text(layout, text, -1);
	pango_layout_get_pixel_size(layout, &w, &h);
	return h;
}

/* Title and body laid out in a column at sizes that fit the head: both
 * shrink together (a teacher's long message, a long station name) down to
 * a floor still read at a desk; what still does not fit there is cut with
 * an ellipsis, never drawn off the head. Returns the block's height. */
static int text_fit(PangoLayout *title, PangoLayout *body, const struct screen_request *req,
		    int column, int height, int gap)
{
	/* A mapping letter is read from across the room. */
	int size = req->look == SCREEN_MAP ? height / 3 : height / 8;
	int room = height * 9 / 10, floor_px = height / 40 > 10 ? height / 40 : 10;
	int th, bh, scale;

	for (scale = 100;; scale = scale * 4 / 5) {
		th = text_height(title, req->title, "DejaVu Sans Bold", size * scale / 100, column);
		bh = req->body[0] ? text_height(body, req->body, "DejaVu Sans",
						height / 22 * scale / 100, column) : 0;
		if (th + (bh ? gap + bh : 0) <= room || height / 22 * scale / 100 <= floor_px)
			break;
	}
	if (th > room) {
		pango_layout_set_height(title, room * PANGO_SCALE);
		pango_layout_set_ellipsize(title, PANGO_ELLIPSIZE_END);
		pango_layout_get_pixel_size(title, NULL, &th);
	}
	if (bh && th + gap + bh > room) {
		pango_layout_set_height(body, (room - th - gap > 0 ? room - th - gap : 1) * PANGO_SCALE);
		pango_layout_set_ellipsize(body, PANGO_ELLIPSIZE_END);
		pango_layout_get_pixel_size(body, NULL, &bh);
	}
	return th + (bh ? gap + bh : 0);
}

static void draw_text(cairo_t *cr, const struct screen_request *req, int width, int height)
{
	PangoLayout *title = pango_cairo_create_layout(cr);
	PangoLayout *body = pango_cairo_create_layout(cr);
	int column = width * 4 / 5, gap = height / 30;
	int y = (height - text_fit(title, body, req, column, height, gap)) / 2;
	int th;

	if (y < 0)
		y = 0;
	pango_layout_get_pixel_size(title, NULL, &th);
	set_color(cr, SCREEN_TEXT_COLOR);
	cairo_move_to(cr, (width - column) / 2, y);
	pango_cairo_show_layout(cr, title);
	if (req->body[0]) {
		cairo_move_to(cr, (width - column) / 2, y + th + gap);
		pango_cairo_show_layout(cr, body);
	}
	g_object_unref(body);
	g_object_unref(title);
}

int paint_screen(void *pixels, int width, int height, int stride,
		 const struct screen_request *req)
{
	cairo_surface_t *s = cairo_image_surface_create_for_data(pixels, CAIRO_FORMAT_RGB24,
								 width, height, stride);
	cairo_t *cr;
	int rc = -1;

	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
		goto out;
	cr = cairo_create(s);
	set_color(cr, paint_background((enum screen_look)req->look));
	cairo_paint(cr);
	draw_text(cr, req, width, height);
	cairo_surface_flush(s);
	rc = cairo_status(cr) == CAIRO_STATUS_SUCCESS ? 0 : -1;
	cairo_destroy(cr);
out:
	cairo_surface_destroy(s);
	return rc;
}
