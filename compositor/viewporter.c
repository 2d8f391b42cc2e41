// SPDX-License-Identifier: MIT
/*
 * wp_viewport state is double-buffered with the surface's: requests fill
 * s->pending.viewport and commit makes it current. The checks that need
 * the buffer size happen at commit, as the protocol says.
 */
#include <math.h>
#include <wayland-server-protocol.h>

#include "server.h"
#include "surface.h"
#include "viewporter-protocol.h"
#include "viewporter.h"

static struct surface *viewport_surface(struct wl_resource *resource)
{
	struct surface *s = wl_resource_get_user_data(resource);

	if (!s)
		wl_resource_post_error(resource, WP_VIEWPORT_ERROR_NO_SURFACE,
				       "the wl_surface of this wp_viewport is gone");
	return s;
}

/* The pending viewport starts from the current one: requests change parts. */
static struct viewport_state *pending(struct surface *s)
{
	if (!s->pending.viewport.changed) {
		s->pending.viewport = s->viewport;
		s->pending.viewport.changed = true;
	}
	return &s->pending.viewport;
}

static void set_source(struct wl_client *client, struct wl_resource *resource,
		       wl_fixed_t x, wl_fixed_t y, wl_fixed_t w, wl_fixed_t h)
{
	struct surface *s = viewport_surface(resource);
	struct viewport_state *v;

	if (!s)
		return;
	v = pending(s);
	if (x == wl_fixed_from_int(-1) && y == x && w == x && h == x) {
		v->src_w = -1;
		return;
	}
	if (x < 0 || y < 0 || w <= 0 || h <= 0) {
		wl_resource_post_error(resource, WP_VIEWPORT_ERROR_BAD_VALUE,
				       "source rectangle %.2fx%.2f+%.2f+%.2f is invalid",
				       wl_fixed_to_double(w), wl_fixed_to_double(h),
				       wl_fixed_to_double(x), wl_fixed_to_double(y));
		return;
	}
	v->src_x = wl_fixed_to_double(x);
	v->src_y = wl_fixed_to_double(y);
	v->src_w = wl_fixed_to_double(w);
	v->src_h = wl_fixed_to_double(h);
}

static void set_destination(struct wl_client *client, struct wl_resource *resource,
			    int32_t w, int32_t h)
{
	struct surface *s = viewport_surface(resource);
	struct viewport_state *v;

	if (!s)
		return;
	v = pending(s);
	if (w == -1 && h == -1) {
		v->dst_w = v->dst_h = -1;
		return;
	}
	if (w <= 0 || h <= 0) {
		wl_resource_post_error(resource, WP_VIEWPORT_ERROR_BAD_VALUE,
				       "destination size %dx%d is invalid", w, h);
		return;
	}
	v->dst_w = w;
	v->dst_h = h;
}

bool viewporter_validate(struct surface *s)
{
	const struct viewport_state *v = &s->viewport;
	int bw = pixman_image_get_width(surface_image(s)), bh = pixman_image_get_height(surface_image(s));

	if (!s->viewport_resource || v->src_w < 0)
		return true;
	if (v->src_x + v->src_w > bw || v->src_y + v->src_h > bh) {
		wl_resource_post_error(s->viewport_resource, WP_VIEWPORT_ERROR_OUT_OF_BUFFER,
				       "source rectangle leaves the %dx%d buffer", bw, bh);
		return false;
	}
	if (v->dst_w < 0 && (v->src_w != floor(v->src_w) || v->src_h != floor(v->src_h))) {
		wl_resource_post_error(s->viewport_resource, WP_VIEWPORT_ERROR_BAD_SIZE,
				       "a fractional source size needs a destination size");
		return false;
	}
	return true;
}

/* Destroying the viewport unsets it with the next commit. */
static void viewport_destroyed(struct wl_resource *resource)
{
	struct surface *s = wl_resource_get_user_data(resource);
	struct viewport_state *v;

	if (!s)
		return;
	v = pending(s);
	v->src_w = -1;
	v->dst_w = v->dst_h = -1;
	s->viewport_resource = NULL;
}

void viewporter_surface_gone(struct surface *s)
{
	if (s->viewport_resource)
		wl_resource_set_user_data(s->viewport_resource, NULL);
	s->viewport_resource = NULL;
}

static void handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct wp_viewport_interface viewport_impl = {
	.destroy = handle_destroy,
	.set_source = set_source,
	.set_destination = set_destination,
};

static void get_viewport(struct wl_client *client, struct wl_resource *resource,
			 uint32_t id, struct wl_resource *surface)
{
	struct surface *s = surface_from_resource(surface);
	struct wl_resource *r;

	if (s->viewport_resource) {
		wl_resource_post_error(resource, WP_VIEWPORTER_ERROR_VIEWPORT_EXISTS,
				       "the surface already has a wp_viewport");
		return;
	}
	r = wl_resource_create(client, &wp_viewport_interface, 1, id);
	if (!r) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(r, &viewport_impl, s, viewport_destroyed);
	s->viewport_resource = r;
}

static const struct wp_viewporter_interface viewporter_impl = {
	.destroy = handle_destroy,
	.get_viewport = get_viewport,
};

static void bind_viewporter(struct wl_client *client, void *data, uint32_t version,
			    uint32_t id)
{
	struct wl_resource *r = wl_resource_create(client, &wp_viewporter_interface,
						   (int)version, id);

	if (!r) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(r, &viewporter_impl, data, NULL);
}

int viewporter_create(struct server *server)
{
	return wl_global_create(server->display, &wp_viewporter_interface, 1, server,
				bind_viewporter) ? 0 : -1;
}
