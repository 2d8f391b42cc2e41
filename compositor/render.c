// SPDX-License-Identifier: MIT
/*
 * Damage-tracked compositing with pixman: only the damaged region of the
 * head is redrawn, and the same region goes to the output so that KMS can
 * pass it on (FB_DAMAGE_CLIPS, dirty rects) to heads that send pixels over
 * a wire. A frame is drawn when the previous one is on screen: frame
 * callbacks follow the head, never a free-running timer.
 */
#include <math.h>
#include <stddef.h>

#include "output.h"
#include "presentation.h"
#include "render.h"
#include "seat.h"
#include "server.h"
#include "surface.h"

/*
 * The viewport's source rectangle of the buffer, scaled to the surface: a
 * view of just those pixels, padded at its edges so that filtering never
 * blends in what lies outside the rectangle.
 */
static pixman_image_t *viewport_image(struct surface *s)
{
	const struct viewport_state *v = &s->viewport;
	pixman_image_t *image = surface_image(s);
	int bw = pixman_image_get_width(image), bh = pixman_image_get_height(image);
	double sx = 0, sy = 0, sw = bw, sh = bh;
	int stride = pixman_image_get_stride(image);
	struct pixman_f_transform f;
	struct pixman_transform t;
	pixman_image_t *view;
	int x0, y0, x1, y1;

	if (v->src_w >= 0) {
		sx = v->src_x;
		sy = v->src_y;
		sw = v->src_w;
		sh = v->src_h;
	}
	x0 = (int)floor(sx);
	y0 = (int)floor(sy);
	x1 = (int)ceil(sx + sw);
	y1 = (int)ceil(sy + sh);
	view = pixman_image_create_bits(pixman_image_get_format(image), x1 - x0, y1 - y0,
					(uint32_t *)((char *)pixman_image_get_data(image) +
						     (ptrdiff_t)y0 * stride) + x0, stride);
	if (!view)
		return NULL;
	pixman_f_transform_init_identity(&f);
	f.m[0][0] = sw / surface_width(s);
	f.m[1][1] = sh / surface_height(s);
	f.m[0][2] = sx - x0;
	f.m[1][2] = sy - y0;
	pixman_transform_from_pixman_f_transform(&t, &f);
	pixman_image_set_transform(view, &t);
	pixman_image_set_filter(view, PIXMAN_FILTER_BILINEAR, NULL, 0);
	pixman_image_set_repeat(view, PIXMAN_REPEAT_PAD);
	return view;
}

static void draw_list(struct wl_list *list, pixman_image_t *fb);

static void draw_tree(struct surface *s, pixman_image_t *fb)
{
	pixman_image_t *src;

	if (!s->mapped || !surface_image(s))
		return;
	draw_list(&s->below, fb);
	src = s->viewport.dst_w > 0 || s->viewport.src_w >= 0 ? viewport_image(s) :
	      pixman_image_ref(surface_image(s));
	if (src) {
		surface_begin_access(s);
		pixman_image_composite32(surface_opaque(s) ? PIXMAN_OP_SRC : PIXMAN_OP_OVER,
					 src, NULL, fb, 0, 0, 0, 0,
					 s->x, s->y, surface_width(s), surface_height(s));
		surface_end_access(s);
		pixman_image_unref(src);
	}
	draw_list(&s->above, fb);
}

static void draw_list(struct wl_list *list, pixman_image_t *fb)
{
	struct surface *s;

	wl_list_for_each(s, list, link)
		draw_tree(s, fb);
}

static void draw_cursor(struct server *server, pixman_image_t *fb)
{
	int x, y;
	struct surface *surface;
	pixman_image_t *cursor = seat_cursor(server, &x, &y, &surface);

	if (!cursor)
		return;
	if (surface)
		surface_begin_access(surface);
	pixman_image_composite32(PIXMAN_OP_OVER, cursor, NULL, fb, 0, 0, 0, 0, x, y,
				 pixman_image_get_width(cursor), pixman_image_get_height(cursor));
	if (surface)
		surface_end_access(surface);
}

/* The damage no opaque toplevel covers: where the background shows. */
static void uncovered(struct server *server, pixman_region32_t *out)
{
	struct surface *s;
	pixman_region32_t cover;

	pixman_region32_copy(out, &server->damage);
	wl_list_for_each(s, &server->surfaces, link) {
		if (!s->mapped || !surface_opaque(s))
			continue;
		pixman_region32_init_rect(&cover, s->x, s->y, (unsigned)surface_width(s),
					  (unsigned)surface_height(s));
		pixman_region32_subtract(out, out, &cover);
		pixman_region32_fini(&cover);
	}
}

static void render_frame(struct server *server)
{
	struct output *output = server->output;
	pixman_image_t *fb = output->impl->begin(output);
	pixman_color_t bg = {
		.red = (uint16_t)(((server->background >> 16) & 0xff) * 257),
		.green = (uint16_t)(((server->background >> 8) & 0xff) * 257),
		.blue = (uint16_t)((server->background & 0xff) * 257),
		.alpha = 0xffff,
	};
	pixman_image_t *fill = pixman_image_create_solid_fill(&bg);
	pixman_region32_t background;

	pixman_region32_intersect_rect(&server->damage, &server->damage, 0, 0,
				       (unsigned)output->width, (unsigned)output->height);
	pixman_region32_init(&background);
	uncovered(server, &background);
	pixman_image_set_clip_region32(fb, &background);
	pixman_image_composite32(PIXMAN_OP_SRC, fill, NULL, fb, 0, 0, 0, 0, 0, 0,
				 output->width, output->height);
	pixman_image_unref(fill);
	pixman_region32_fini(&background);
	pixman_image_set_clip_region32(fb, &server->damage);
	draw_list(&server->surfaces, fb);
	draw_cursor(server, fb);
	pixman_image_set_clip_region32(fb, NULL);
	presentation_frame_drawn(server);
}

void render_schedule(struct server *server)
{
	pixman_region32_t frame;

	if (server->frame_pending)
		return;		/* the frame-done of the one on its way will */
	if (!pixman_region32_not_empty(&server->damage) && !surface_frames_pending(server))
		return;
	render_frame(server);
	/*
	 * Settle our state before committing: an output may report the frame
	 * done from commit itself, and that starts the next frame.
	 */
	pixman_region32_init(&frame);
	pixman_region32_copy(&frame, &server->damage);
	pixman_region32_clear(&server->damage);
	server->frame_pending = true;
	if (server->output->impl->commit(server->output, &frame) < 0) {
		server->frame_pending = false;
		pixman_region32_union(&server->damage, &server->damage, &frame);
	}
	pixman_region32_fini(&frame);
}

void render_frame_done(struct output *output, uint64_t usec, uint64_t seq, void *data)
{
	struct server *server = data;

	server->frame_pending = false;
	presentation_frame_shown(server, usec, seq);
	surface_send_frames(server, (uint32_t)(usec / 1000));
	wl_display_flush_clients(server->display);
	/* Clients answer their callbacks later; their commits reschedule. */
	render_schedule(server);
}
