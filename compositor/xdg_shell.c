// SPDX-License-Identifier: MIT
/*
 * xdg-shell with the station's policy: every toplevel fills the head
 * (configured fullscreen at the output's size), newer toplevels stack
 * above older ones, popups sit above their parent where the positioner
 * puts them.
 */
#include <stdlib.h>
#include <string.h>
#include <wayland-server-core.h>

#include "output.h"
#include "server.h"
#include "surface.h"
#include "xdg-shell-protocol.h"
#include "xdg_shell.h"

struct positioner {
	int32_t width, height;
	int32_t anchor_x, anchor_y, anchor_w, anchor_h;
	uint32_t anchor, gravity;
	int32_t offset_x, offset_y;
};

struct xdg_surface {
	struct surface *surface;
	struct wl_resource *resource;
	struct wl_resource *role_resource;	/* xdg_toplevel or xdg_popup */
	int32_t parent_x, parent_y;		/* popups: the parent's origin */
	struct positioner placement;		/* popups only */
	bool popup;
	uint32_t last_serial;		/* the newest configure sent */
	bool acked;			/* some configure was acked */
	bool configured_once;
};

static const struct surface_role xdg_role;

static struct xdg_surface *xdg_from_surface(struct surface *s)
{
	return s->role == &xdg_role ? s->role_data : NULL;
}

static void send_configure(struct xdg_surface *x)
{
	struct server *server = x->surface->server;
	uint32_t serial = wl_display_next_serial(server->display);

	if (!x->popup) {
		struct wl_array states;
		uint32_t *st;

		wl_array_init(&states);
		st = wl_array_add(&states, sizeof(*st));
		if (st)
			*st = XDG_TOPLEVEL_STATE_FULLSCREEN;
		st = wl_array_add(&states, sizeof(*st));
		if (st)
			*st = XDG_TOPLEVEL_STATE_ACTIVATED;
		xdg_toplevel_send_configure(x->role_resource, server->output->width,
					    server->output->height, &states);
		wl_array_release(&states);
	} else {
		xdg_popup_send_configure(x->role_resource, x->surface->x - x->parent_x,
					 x->surface->y - x->parent_y,
					 x->placement.width, x->placement.height);
	}
	xdg_surface_send_configure(x->resource, serial);
	x->last_serial = serial;
	x->configured_once = true;
}

static void xdg_commit(struct surface *s)
{
	struct xdg_surface *x = s->role_data;

	if (!x || !x->role_resource)
		return;
	if (!x->configured_once) {
		if (s->ref) {
			wl_resource_post_error(x->resource, XDG_SURFACE_ERROR_UNCONFIGURED_BUFFER,
					       "buffer attached before the first configure");
			return;
		}
		send_configure(x);
		return;
	}
	if (s->ref && x->acked && !s->mapped) {
		surface_raise(s);
		surface_map(s, true);
	} else if (!s->ref && s->mapped) {
		surface_map(s, false);
	}
}

/* The wl_surface went first (a dying client): forget it. */
static void xdg_surface_gone(struct surface *s)
{
	struct xdg_surface *x = s->role_data;

	if (x)
		x->surface = NULL;
}

static const struct surface_role xdg_role = {
	.name = "xdg_surface",
	.commit = xdg_commit,
	.destroy = xdg_surface_gone,
};

static void handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

/* -- xdg_toplevel: the station policy ignores what it cannot honour. -- */

static void tl_set_parent(struct wl_client *c, struct wl_resource *r, struct wl_resource *p) {}
static void tl_set_string(struct wl_client *c, struct wl_resource *r, const char *s) {}
static void tl_show_menu(struct wl_client *c, struct wl_resource *r, struct wl_resource *seat,
			 uint32_t serial, int32_t x, int32_t y) {}
static void tl_move(struct wl_client *c, struct wl_resource *r, struct wl_resource *seat,
		    uint32_t serial) {}

static void tl_resize(struct wl_client *c, struct wl_resource *r, struct wl_resource *seat,
		      uint32_t serial, uint32_t edges)
{
	if (edges > XDG_TOPLEVEL_RESIZE_EDGE_BOTTOM_RIGHT)
		wl_resource_post_error(r, XDG_TOPLEVEL_ERROR_INVALID_RESIZE_EDGE,
				       "resize edge %u does not exist", edges);
}

static void tl_set_size(struct wl_client *c, struct wl_resource *r, int32_t w, int32_t h)
{
	if (w < 0 || h < 0)
		wl_resource_post_error(r, XDG_TOPLEVEL_ERROR_INVALID_SIZE,
				       "negative size %dx%d", w, h);
}

/* Fullscreen, maximized or not: a station's window fills the head. */
static void tl_reconfigure(struct wl_client *c, struct wl_resource *r)
{
	struct xdg_surface *x = wl_resource_get_user_data(r);

	if (x && x->surface && x->configured_once)
		send_configure(x);
}

static void tl_set_fullscreen(struct wl_client *c, struct wl_resource *r,
			      struct wl_resource *output)
{
	tl_reconfigure(c, r);
}

static void tl_set_minimized(struct wl_client *c, struct wl_resource *r) {}

static const struct xdg_toplevel_interface toplevel_impl = {
	.destroy = handle_destroy,
	.set_parent = tl_set_parent,
	.set_title = tl_set_string,
	.set_app_id = tl_set_string,
	.show_window_menu = tl_show_menu,
	.move = tl_move,
	.resize = tl_resize,
	.set_max_size = tl_set_size,
	.set_min_size = tl_set_size,
	.set_maximized = tl_reconfigure,
	.unset_maximized = tl_reconfigure,
	.set_fullscreen = tl_set_fullscreen,
	.unset_fullscreen = tl_reconfigure,
	.set_minimized = tl_set_minimized,
};

static void role_resource_destroyed(struct wl_resource *resource)
{
	struct xdg_surface *x = wl_resource_get_user_data(resource);

	if (!x)
		return;
	x->role_resource = NULL;
	if (x->surface)
		surface_map(x->surface, false);
}

static bool xdg_needs_no_role(struct xdg_surface *x)
{
	if (x->role_resource) {
		wl_resource_post_error(x->resource, XDG_SURFACE_ERROR_ALREADY_CONSTRUCTED,
				       "xdg_surface already has a role object");
		return false;
	}
	return true;
}

static void xs_get_toplevel(struct wl_client *client, struct wl_resource *resource,
			    uint32_t id)
{
	struct xdg_surface *x = wl_resource_get_user_data(resource);

	if (!x->surface || !xdg_needs_no_role(x))
		return;
	x->role_resource = wl_resource_create(client, &xdg_toplevel_interface,
					      wl_resource_get_version(resource), id);
	if (!x->role_resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(x->role_resource, &toplevel_impl, x,
				       role_resource_destroyed);
}

/* -- positioner and popups -- */

static void pos_set_size(struct wl_client *c, struct wl_resource *r, int32_t w, int32_t h)
{
	struct positioner *p = wl_resource_get_user_data(r);

	if (w <= 0 || h <= 0) {
		wl_resource_post_error(r, XDG_POSITIONER_ERROR_INVALID_INPUT, "size must be positive");
		return;
	}
	p->width = w;
	p->height = h;
}

static void pos_set_anchor_rect(struct wl_client *c, struct wl_resource *r,
				int32_t x, int32_t y, int32_t w, int32_t h)
{
	struct positioner *p = wl_resource_get_user_data(r);

	if (w < 0 || h < 0) {
		wl_resource_post_error(r, XDG_POSITIONER_ERROR_INVALID_INPUT, "negative anchor rect");
		return;
	}
	p->anchor_x = x;
	p->anchor_y = y;
	p->anchor_w = w;
	p->anchor_h = h;
}

static void pos_set_anchor(struct wl_client *c, struct wl_resource *r, uint32_t a)
{
	((struct positioner *)wl_resource_get_user_data(r))->anchor = a;
}

static void pos_set_gravity(struct wl_client *c, struct wl_resource *r, uint32_t g)
{
	((struct positioner *)wl_resource_get_user_data(r))->gravity = g;
}

static void pos_set_uint(struct wl_client *c, struct wl_resource *r, uint32_t v) {}

static void pos_set_offset(struct wl_client *c, struct wl_resource *r, int32_t x, int32_t y)
{
	struct positioner *p = wl_resource_get_user_data(r);

	p->offset_x = x;
	p->offset_y = y;
}

static void pos_set_reactive(struct wl_client *c, struct wl_resource *r) {}
static void pos_set_parent_size(struct wl_client *c, struct wl_resource *r, int32_t w, int32_t h) {}

static const struct xdg_positioner_interface positioner_impl = {
	.destroy = handle_destroy,
	.set_size = pos_set_size,
	.set_anchor_rect = pos_set_anchor_rect,
	.set_anchor = pos_set_anchor,
	.set_gravity = pos_set_gravity,
	.set_constraint_adjustment = pos_set_uint,
	.set_offset = pos_set_offset,
	.set_reactive = pos_set_reactive,
	.set_parent_size = pos_set_parent_size,
	.set_parent_configure = pos_set_uint,
};

static void positioner_destroy(struct wl_resource *resource)
{
	free(wl_resource_get_user_data(resource));
}

/* Where the positioner puts the popup, relative to its parent's origin. */
static void popup_place(const struct positioner *p, int32_t *x, int32_t *y)
{
	uint32_t a = p->anchor, g = p->gravity;
	bool left = a == XDG_POSITIONER_ANCHOR_LEFT || a == XDG_POSITIONER_ANCHOR_TOP_LEFT ||
		    a == XDG_POSITIONER_ANCHOR_BOTTOM_LEFT;
	bool right = a == XDG_POSITIONER_ANCHOR_RIGHT || a == XDG_POSITIONER_ANCHOR_TOP_RIGHT ||
		     a == XDG_POSITIONER_ANCHOR_BOTTOM_RIGHT;
	bool top = a == XDG_POSITIONER_ANCHOR_TOP || a == XDG_POSITIONER_ANCHOR_TOP_LEFT ||
		   a == XDG_POSITIONER_ANCHOR_TOP_RIGHT;
	bool bottom = a == XDG_POSITIONER_ANCHOR_BOTTOM || a == XDG_POSITIONER_ANCHOR_BOTTOM_LEFT ||
		      a == XDG_POSITIONER_ANCHOR_BOTTOM_RIGHT;
	bool gl = g == XDG_POSITIONER_GRAVITY_LEFT || g == XDG_POSITIONER_GRAVITY_TOP_LEFT ||
		  g == XDG_POSITIONER_GRAVITY_BOTTOM_LEFT;
	bool gr = g == XDG_POSITIONER_GRAVITY_RIGHT || g == XDG_POSITIONER_GRAVITY_TOP_RIGHT ||
		  g == XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT;
	bool gt = g == XDG_POSITIONER_GRAVITY_TOP || g == XDG_POSITIONER_GRAVITY_TOP_LEFT ||
		  g == XDG_POSITIONER_GRAVITY_TOP_RIGHT;
	bool gb = g == XDG_POSITIONER_GRAVITY_BOTTOM || g == XDG_POSITIONER_GRAVITY_BOTTOM_LEFT ||
		  g == XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT;

	*x = left ? p->anchor_x : right ? p->anchor_x + p->anchor_w :
	     p->anchor_x + p->anchor_w / 2;
	*y = top ? p->anchor_y : bottom ? p->anchor_y + p->anchor_h :
	     p->anchor_y + p->anchor_h / 2;
	/* Gravity says which way the popup extends from the anchor point. */
	*x -= gl ? p->width : gr ? 0 : p->width / 2;
	*y -= gt ? p->height : gb ? 0 : p->height / 2;
	*x += p->offset_x;
	*y += p->offset_y;
}

static void popup_grab(struct wl_client *c, struct wl_resource *r, struct wl_resource *seat,
		       uint32_t serial) {}

static void popup_reposition(struct wl_client *c, struct wl_resource *r,
			     struct wl_resource *positioner, uint32_t token)
{
	struct xdg_surface *x = wl_resource_get_user_data(r);
	int32_t px, py;

	if (!x || !x->surface || !x->popup)
		return;
	x->placement = *(struct positioner *)wl_resource_get_user_data(positioner);
	popup_place(&x->placement, &px, &py);
	surface_move(x->surface, x->parent_x + px, x->parent_y + py);
	xdg_popup_send_repositioned(r, token);
	send_configure(x);
}

static const struct xdg_popup_interface popup_impl = {
	.destroy = handle_destroy,
	.grab = popup_grab,
	.reposition = popup_reposition,
};

static void xs_get_popup(struct wl_client *client, struct wl_resource *resource,
			 uint32_t id, struct wl_resource *parent,
			 struct wl_resource *positioner)
{
	struct xdg_surface *x = wl_resource_get_user_data(resource);
	struct positioner *p = wl_resource_get_user_data(positioner);
	struct xdg_surface *parent_x;
	int32_t px, py;

	if (!x->surface || !xdg_needs_no_role(x))
		return;
	if (!parent) {
		wl_resource_post_error(resource, XDG_WM_BASE_ERROR_INVALID_POPUP_PARENT,
				       "popups need a parent here");
		return;
	}
	if (p->width <= 0 || p->height <= 0) {
		wl_resource_post_error(resource, XDG_WM_BASE_ERROR_INVALID_POSITIONER,
				       "positioner without a size");
		return;
	}
	x->role_resource = wl_resource_create(client, &xdg_popup_interface,
					      wl_resource_get_version(resource), id);
	if (!x->role_resource) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(x->role_resource, &popup_impl, x, role_resource_destroyed);
	x->popup = true;
	parent_x = wl_resource_get_user_data(parent);
	x->parent_x = parent_x && parent_x->surface ? parent_x->surface->x : 0;
	x->parent_y = parent_x && parent_x->surface ? parent_x->surface->y : 0;
	x->placement = *p;
	popup_place(p, &px, &py);
	surface_move(x->surface, x->parent_x + px, x->parent_y + py);
}

static void xs_set_window_geometry(struct wl_client *c, struct wl_resource *r,
				   int32_t x, int32_t y, int32_t w, int32_t h) {}

static void xs_ack_configure(struct wl_client *client, struct wl_resource *resource,
			     uint32_t serial)
{
	struct xdg_surface *x = wl_resource_get_user_data(resource);

	if (!x->configured_once || serial > x->last_serial || serial == 0) {
		wl_resource_post_error(resource, XDG_SURFACE_ERROR_INVALID_SERIAL,
				       "ack_configure of serial %u, which was never sent", serial);
		return;
	}
	x->acked = true;
}

static const struct xdg_surface_interface xdg_surface_impl = {
	.destroy = handle_destroy,
	.get_toplevel = xs_get_toplevel,
	.get_popup = xs_get_popup,
	.set_window_geometry = xs_set_window_geometry,
	.ack_configure = xs_ack_configure,
};

static void xdg_surface_destroyed(struct wl_resource *resource)
{
	struct xdg_surface *x = wl_resource_get_user_data(resource);

	if (x->role_resource)
		wl_resource_set_user_data(x->role_resource, NULL);
	if (x->surface) {
		surface_map(x->surface, false);
		x->surface->role_data = NULL;
	}
	free(x);
}

static void wm_create_positioner(struct wl_client *client, struct wl_resource *resource,
				 uint32_t id)
{
	struct positioner *p = calloc(1, sizeof(*p));
	struct wl_resource *r = p ? wl_resource_create(client, &xdg_positioner_interface,
						       wl_resource_get_version(resource), id) : NULL;

	if (!r) {
		free(p);
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(r, &positioner_impl, p, positioner_destroy);
}

static void wm_get_xdg_surface(struct wl_client *client, struct wl_resource *resource,
			       uint32_t id, struct wl_resource *surface_resource)
{
	struct surface *s = surface_from_resource(surface_resource);
	struct xdg_surface *x;

	if (xdg_from_surface(s) || s->ref) {
		wl_resource_post_error(resource, XDG_WM_BASE_ERROR_INVALID_SURFACE_STATE,
				       "surface already has an xdg_surface or a buffer");
		return;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		wl_client_post_no_memory(client);
		return;
	}
	if (surface_set_role(s, &xdg_role, x, resource, XDG_WM_BASE_ERROR_ROLE) < 0) {
		free(x);
		return;
	}
	x->surface = s;
	x->resource = wl_resource_create(client, &xdg_surface_interface,
					 wl_resource_get_version(resource), id);
	if (!x->resource) {
		s->role_data = NULL;
		free(x);
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(x->resource, &xdg_surface_impl, x, xdg_surface_destroyed);
}

static void wm_pong(struct wl_client *client, struct wl_resource *resource, uint32_t serial) {}

static const struct xdg_wm_base_interface wm_impl = {
	.destroy = handle_destroy,
	.create_positioner = wm_create_positioner,
	.get_xdg_surface = wm_get_xdg_surface,
	.pong = wm_pong,
};

static void bind_wm(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r = wl_resource_create(client, &xdg_wm_base_interface,
						   (int)version, id);

	if (!r) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(r, &wm_impl, data, NULL);
}

int xdg_shell_create(struct server *server)
{
	return wl_global_create(server->display, &xdg_wm_base_interface, 3, server,
				bind_wm) ? 0 : -1;
}

void xdg_shell_reconfigure(struct server *server)
{
	struct surface *s;
	struct xdg_surface *x;

	wl_list_for_each(s, &server->surfaces, link) {
		x = xdg_from_surface(s);
		if (x && x->role_resource && !x->popup && x->configured_once)
			send_configure(x);
	}
}
