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

static void draw_text(cairo_t *cr, const struct screen_request *req, int width, int height)
{
	PangoLayout *title = pango_cairo_create_layout(cr);
	PangoLayout *body = pango_cairo_create_layout(cr);
	int column = width * 4 / 5, gap = height / 30;
	/* A mapping letter is read from across the room. */
	int size = req->look == SCREEN_MAP ? height / 3 : height / 8;
	int th = text_height(title, req->title, "DejaVu Sans Bold", size, column);
	int bh = req->body[0] ? text_height(body, req->body, "DejaVu Sans", height / 22, column) : 0;
	int y = (height - th - (bh ? gap + bh : 0)) / 2;

	set_color(cr, SCREEN_TEXT_COLOR);
	cairo_move_to(cr, (width - column) / 2, y > 0 ? y : 0);
	pango_cairo_show_layout(cr, title);
	if (bh) {
		cairo_move_to(cr, (width - column) / 2, (y > 0 ? y : 0) + th + gap);
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
