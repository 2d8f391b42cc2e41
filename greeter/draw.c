// SPDX-License-Identifier: MIT
#include <pango/pangocairo.h>
#include <string.h>

#include "draw.h"

#define TEXT 0xffffff
#define DIM 0xa8b4c0
#define INK 0x101820	/* text in a field */
#define FACE "DejaVu Sans"

static void color(cairo_t *cr, uint32_t rgb)
{
	cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
			     (rgb & 0xff) / 255.0);
}

/* One line of s in face at px pixels, cut with an ellipsis past width. */
static PangoLayout *line(cairo_t *cr, const char *s, const char *face, int px, int width)
{
	PangoLayout *layout = pango_cairo_create_layout(cr);
	PangoFontDescription *font = pango_font_description_from_string(face);

	pango_font_description_set_absolute_size(font, (double)px * PANGO_SCALE);
	pango_layout_set_font_description(layout, font);
	pango_font_description_free(font);
	pango_layout_set_single_paragraph_mode(layout, TRUE);
	pango_layout_set_width(layout, width * PANGO_SCALE);
	pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
	pango_layout_set_text(layout, s, -1);
	return layout;
}

/* s with its left edge (LEFT), centre (CENTER) or right edge (RIGHT) at
 * x and its top at y, at most width wide; returns its height. */
static int text(cairo_t *cr, const char *s, const char *face, int px, int x, int y, int width,
		PangoAlignment align, uint32_t rgb)
{
	PangoLayout *layout = line(cr, s, face, px, width);
	int w, h;

	pango_layout_get_pixel_size(layout, &w, &h);
	if (align == PANGO_ALIGN_CENTER)
		x -= w / 2;
	else if (align == PANGO_ALIGN_RIGHT)
		x -= w;
	color(cr, rgb);
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, layout);
	g_object_unref(layout);
	return h;
}

/* A secret answer shows one dot per character, never the characters. */
static void dots(char *out, size_t size, const char *answer)
{
	static const char dot[] = "\u25cf";
	size_t used = 0;

	out[0] = '\0';
	for (const char *p = answer; *p && used + sizeof(dot) <= size; p++) {
		if (((unsigned char)*p & 0xc0) == 0x80)
			continue;
		memcpy(out + used, dot, sizeof(dot));
		used += sizeof(dot) - 1;
	}
}

/* A field: its label above, its box, its text and (active) a cursor
 * after it. Returns the height it took. */
static int field(cairo_t *cr, int x, int y, int w, int px, const char *label, const char *value,
		 bool active)
{
	int box_h = px * 2, pad = px / 2, inner = w - 2 * pad;
	int lh = text(cr, label, FACE, px * 3 / 4, x, y, w, PANGO_ALIGN_LEFT, DIM);
	PangoLayout *layout;
	int tw, top = y + lh + px / 4;

	color(cr, active ? GREETER_FIELD_ACTIVE : GREETER_FIELD);
	cairo_rectangle(cr, x, top, w, box_h);
	cairo_fill(cr);
	layout = line(cr, value, FACE, px, inner);
	pango_layout_get_pixel_size(layout, &tw, NULL);
	color(cr, INK);
	cairo_move_to(cr, x + pad, top + px / 2);
	pango_cairo_show_layout(cr, layout);
	g_object_unref(layout);
	if (active) {
		cairo_rectangle(cr, x + pad + (tw < inner ? tw : inner) + 1, top + px / 3, 2,
				box_h - 2 * px / 3);
		cairo_fill(cr);
	}
	return top + box_h - y;
}

/* The line under the fields: what is happening, or the last word. */
static const char *status(const struct login *l)
{
	if (l->stage == LOGIN_WAITING && l->pending == LOGIN_RESPONSE)
		return "Checking\u2026";
	if (l->stage == LOGIN_WAITING && l->pending == LOGIN_START)
		return "Starting your session\u2026";
	return l->message;
}

static void draw_form(cairo_t *cr, int width, int height, const struct login *l)
{
	int px = height / 36 > 12 ? height / 36 : 12;
	int w = width / 3 > px * 16 ? width / 3 : px * 16;
	int x = (width - w) / 2, y = height * 2 / 5;
	char shown[LOGIN_FIELD * 3];
	bool answering = l->stage == LOGIN_ANSWER ||
			 (l->stage == LOGIN_WAITING && l->pending == LOGIN_RESPONSE);

	if (w > width - 2 * px) {
		w = width - 2 * px;
		x = px;
	}
	y += field(cr, x, y, w, px, "User name", l->user, l->stage == LOGIN_USER) + px;
	if (answering) {
		if (l->secret)
			dots(shown, sizeof(shown), l->answer);
		else
			snprintf(shown, sizeof(shown), "%s", l->answer);
		y += field(cr, x, y, w, px, l->prompt[0] ? l->prompt : "Password", shown,
			   l->stage == LOGIN_ANSWER) + px;
	}
	text(cr, status(l), FACE, px, width / 2, y, width - 2 * px, PANGO_ALIGN_CENTER,
	     l->message_is_error && status(l) == l->message ? GREETER_ERROR : TEXT);
}

int draw_login(void *pixels, int width, int height, int stride, const struct login *l,
	       const struct greeter_view *v)
{
	cairo_surface_t *surface = cairo_image_surface_create_for_data(
		pixels, CAIRO_FORMAT_RGB24, width, height, stride);
	int margin = height / 24, big = height / 14, small = height / 40 > 10 ? height / 40 : 10;
	cairo_t *cr;
	int h;

	if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(surface);
		return -1;
	}
	cr = cairo_create(surface);
	color(cr, GREETER_BACKGROUND);
	cairo_paint(cr);
	text(cr, v->station, FACE " Bold", big, margin, margin, width / 2 - margin,
	     PANGO_ALIGN_LEFT, TEXT);
	h = text(cr, v->clock, FACE " Bold", big, width - margin, margin, width / 2 - margin,
		 PANGO_ALIGN_RIGHT, TEXT);
	text(cr, v->date, FACE, small, width - margin, margin + h, width / 2 - margin,
	     PANGO_ALIGN_RIGHT, DIM);
	draw_form(cr, width, height, l);
	text(cr, v->layout, FACE, small, margin, height - margin - small * 3 / 2, width / 2,
	     PANGO_ALIGN_LEFT, DIM);
	text(cr, "Enter: next \u00b7 Esc: back", FACE, small, width - margin,
	     height - margin - small * 3 / 2, width / 2, PANGO_ALIGN_RIGHT, DIM);
	cairo_destroy(cr);
	cairo_surface_flush(surface);
	cairo_surface_destroy(surface);
	return 0;
}
