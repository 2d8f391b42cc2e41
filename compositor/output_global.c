// SPDX-License-Identifier: MIT
#include <wayland-server-protocol.h>

#include "output.h"
#include "output_global.h"
#include "presentation-time-protocol.h"
#include "server.h"

static void release(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct wl_output_interface output_impl = {
	.release = release,
};

static void unlink_resource(struct wl_resource *resource)
{
	wl_list_remove(wl_resource_get_link(resource));
}

static void send_state(struct server *server, struct wl_resource *r)
{
	struct output *o = server->output;
	int version = wl_resource_get_version(r);

	wl_output_send_geometry(r, 0, 0, 0, 0, WL_OUTPUT_SUBPIXEL_UNKNOWN, "seatmux",
				"station", WL_OUTPUT_TRANSFORM_NORMAL);
	wl_output_send_mode(r, WL_OUTPUT_MODE_CURRENT | WL_OUTPUT_MODE_PREFERRED,
			    o->width, o->height, o->refresh_mhz);
	if (version >= WL_OUTPUT_SCALE_SINCE_VERSION)
		wl_output_send_scale(r, 1);
	if (version >= WL_OUTPUT_DONE_SINCE_VERSION)
		wl_output_send_done(r);
}

static void bind_output(struct wl_client *client, void *data, uint32_t version,
			uint32_t id)
{
	struct server *server = data;
	struct wl_resource *r = wl_resource_create(client, &wl_output_interface, (int)version, id);

	if (!r) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(r, &output_impl, server, unlink_resource);
	wl_list_insert(&server->output_resources, wl_resource_get_link(r));
	send_state(server, r);
}

void output_global_changed(struct server *server)
{
	struct wl_resource *r;

	wl_resource_for_each(r, &server->output_resources)
		send_state(server, r);
}

void output_global_sync(struct server *server, struct wl_resource *feedback)
{
	struct wl_client *client = wl_resource_get_client(feedback);
	struct wl_resource *r;

	wl_resource_for_each(r, &server->output_resources)
		if (wl_resource_get_client(r) == client)
			wp_presentation_feedback_send_sync_output(feedback, r);
}

int output_global_create(struct server *server)
{
	wl_list_init(&server->output_resources);
	return wl_global_create(server->display, &wl_output_interface, 3, server,
				bind_output) ? 0 : -1;
}
