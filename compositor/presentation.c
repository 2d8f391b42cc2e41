// SPDX-License-Identifier: MIT
/*
 * Feedback follows a commit through three lists: the surface's pending
 * state, the surface once committed (s->feedbacks), and the server's
 * presenting list once a composited frame holds the content. The flip
 * that shows that frame answers them all with its time; content replaced
 * before it was drawn, or not visible, is discarded.
 */
#include <time.h>
#include <wayland-server-protocol.h>

#include "output.h"
#include "output_global.h"
#include "presentation-time-protocol.h"
#include "presentation.h"
#include "server.h"
#include "surface.h"

static void feedback_unlink(struct wl_resource *resource)
{
	wl_list_remove(wl_resource_get_link(resource));
}

void presentation_discard(struct wl_list *feedbacks)
{
	struct wl_resource *r, *tmp;

	wl_resource_for_each_safe(r, tmp, feedbacks) {
		wp_presentation_feedback_send_discarded(r);
		wl_resource_destroy(r);
	}
}

void presentation_frame_drawn(struct server *server)
{
	struct surface *s;

	wl_list_for_each(s, &server->all_surfaces, all_link) {
		if (wl_list_empty(&s->feedbacks))
			continue;
		if (!surface_visible(s)) {
			presentation_discard(&s->feedbacks);
			continue;
		}
		wl_list_insert_list(server->presenting.prev, &s->feedbacks);
		wl_list_init(&s->feedbacks);
	}
}

void presentation_frame_shown(struct server *server, uint64_t usec, uint64_t seq)
{
	struct output *o = server->output;
	uint64_t sec = usec / 1000000u;
	uint32_t nsec = (uint32_t)(usec % 1000000u) * 1000u;
	uint32_t refresh = o->refresh_mhz > 0 ? (uint32_t)(1000000000000ull / (uint64_t)o->refresh_mhz) : 0;
	struct wl_resource *r, *tmp;

	wl_resource_for_each_safe(r, tmp, &server->presenting) {
		output_global_sync(server, r);
		wp_presentation_feedback_send_presented(r, (uint32_t)(sec >> 32), (uint32_t)sec,
			nsec, refresh, (uint32_t)(seq >> 32), (uint32_t)seq,
			WP_PRESENTATION_FEEDBACK_KIND_VSYNC |
			WP_PRESENTATION_FEEDBACK_KIND_HW_CLOCK |
			WP_PRESENTATION_FEEDBACK_KIND_HW_COMPLETION);
		wl_resource_destroy(r);
	}
}

static void handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void handle_feedback(struct wl_client *client, struct wl_resource *resource,
			    struct wl_resource *surface, uint32_t id)
{
	struct surface *s = surface_from_resource(surface);
	struct wl_resource *fb = wl_resource_create(client, &wp_presentation_feedback_interface,
						    1, id);

	if (!fb) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(fb, NULL, NULL, feedback_unlink);
	wl_list_insert(s->pending.feedbacks.prev, wl_resource_get_link(fb));
}

static const struct wp_presentation_interface presentation_impl = {
	.destroy = handle_destroy,
	.feedback = handle_feedback,
};

static void bind_presentation(struct wl_client *client, void *data, uint32_t version,
			      uint32_t id)
{
	struct wl_resource *r = wl_resource_create(client, &wp_presentation_interface,
						   (int)version, id);

	if (!r) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(r, &presentation_impl, data, NULL);
	/* Flip times come from the kernel's CLOCK_MONOTONIC timestamps. */
	wp_presentation_send_clock_id(r, CLOCK_MONOTONIC);
}

int presentation_create(struct server *server)
{
	wl_list_init(&server->presenting);
	return wl_global_create(server->display, &wp_presentation_interface, 1, server,
				bind_presentation) ? 0 : -1;
}
