/*
 * Damage-tracked compositing with pixman: only the damaged region of the
 * head is redrawn, and the same region goes to the output so that KMS can
 * pass it on (FB_DAMAGE_CLIPS, dirty rects) to heads that send pixels over
 * a wire. A frame is drawn when the previous one is on screen: frame
 * callbacks follow the head, never a free-running timer.
 */
#include <time.h>

#include "output.h"
#include "render.h"
#include "server.h"
#include "surface.h"

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
	struct surface *s;

	pixman_region32_intersect_rect(&server->damage, &server->damage, 0, 0,
				       (unsigned)output->width, (unsigned)output->height);
	pixman_image_set_clip_region32(fb, &server->damage);
	pixman_image_composite32(PIXMAN_OP_SRC, fill, NULL, fb, 0, 0, 0, 0, 0, 0,
				 output->width, output->height);
	pixman_image_unref(fill);
	wl_list_for_each(s, &server->surfaces, link) {
		if (!s->mapped || !s->image)
			continue;
		pixman_image_composite32(PIXMAN_OP_OVER, s->image, NULL, fb, 0, 0, 0, 0,
					 s->x, s->y, surface_width(s), surface_height(s));
	}
	pixman_image_set_clip_region32(fb, NULL);
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

void render_frame_done(struct output *output, uint64_t usec, void *data)
{
	struct server *server = data;

	server->frame_pending = false;
	surface_send_frames(server, (uint32_t)(usec / 1000));
	wl_display_flush_clients(server->display);
	/* Clients answer their callbacks later; their commits reschedule. */
	render_schedule(server);
}
