// SPDX-License-Identifier: MIT
/*
 * Subsurfaces. surface.c keeps the tree (a parent's below and above
 * lists) and the synchronized-commit cache; this file is the protocol.
 * A subsurface is shown while it has a buffer and its parent is shown.
 */
#include <stdlib.h>
#include <wayland-server-protocol.h>

#include "server.h"
#include "subsurface.h"
#include "surface.h"

static const struct surface_role subsurface_role;

static struct surface *sub_surface(struct wl_resource *resource)
{
	return wl_resource_get_user_data(resource);
}

static void sub_commit(struct surface *s)
{
	if (s->role_data)
		surface_map(s, s->ref != NULL);
}

/* The wl_surface went first: the wl_subsurface becomes inert. */
static void sub_surface_gone(struct surface *s)
{
	if (s->role_data)
		wl_resource_set_user_data(s->role_data, NULL);
	s->role_data = NULL;
}

static const struct surface_role subsurface_role = {
	.name = "wl_subsurface",
	.commit = sub_commit,
	.destroy = sub_surface_gone,
};

static void set_position(struct wl_client *client, struct wl_resource *resource,
			 int32_t x, int32_t y)
{
	struct surface *s = sub_surface(resource);

	if (!s)
		return;
	/* Like the rest of its state, applied when the parent commits. */
	s->pending.moved = true;
	s->pending.sx = x;
	s->pending.sy = y;
}

/* The sibling must be the parent or another child of it. */
static struct surface *sibling_of(struct wl_resource *resource, struct surface *s,
				  struct wl_resource *sibling_resource)
{
	struct surface *sibling = surface_from_resource(sibling_resource);

	if (sibling == s || (sibling != s->parent && sibling->parent != s->parent) ||
	    !s->parent) {
		wl_resource_post_error(resource, WL_SUBSURFACE_ERROR_BAD_SURFACE,
				       "the sibling is neither the parent nor its subsurface");
		return NULL;
	}
	return sibling;
}

static void place(struct wl_resource *resource, struct wl_resource *sibling_resource,
		  bool above)
{
	struct surface *s = sub_surface(resource), *sibling;

	if (!s || !(sibling = sibling_of(resource, s, sibling_resource)))
		return;
	wl_list_remove(&s->link);
	if (sibling == s->parent)
		wl_list_insert(above ? &s->parent->above : s->parent->below.prev, &s->link);
	else
		wl_list_insert(above ? &sibling->link : sibling->link.prev, &s->link);
	surface_damage_tree(s);
}

static void place_above(struct wl_client *client, struct wl_resource *resource,
			struct wl_resource *sibling)
{
	place(resource, sibling, true);
}

static void place_below(struct wl_client *client, struct wl_resource *resource,
			struct wl_resource *sibling)
{
	place(resource, sibling, false);
}

static void set_sync(struct wl_client *client, struct wl_resource *resource)
{
	struct surface *s = sub_surface(resource);

	if (s)
		s->sync = true;
}

static void set_desync(struct wl_client *client, struct wl_resource *resource)
{
	struct surface *s = sub_surface(resource);

	if (!s)
		return;
	s->sync = false;
	surface_flush_cache(s);
}

static void sub_destroyed(struct wl_resource *resource)
{
	struct surface *s = sub_surface(resource);

	if (!s)
		return;
	s->role_data = NULL;
	if (s->parent)
		surface_detach_child(s);
}

static void handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct wl_subsurface_interface subsurface_impl = {
	.destroy = handle_destroy,
	.set_position = set_position,
	.place_above = place_above,
	.place_below = place_below,
	.set_sync = set_sync,
	.set_desync = set_desync,
};

static bool is_ancestor(struct surface *maybe, struct surface *s)
{
	for (; s; s = s->parent)
		if (s == maybe)
			return true;
	return false;
}

static void get_subsurface(struct wl_client *client, struct wl_resource *resource,
			   uint32_t id, struct wl_resource *surface_resource,
			   struct wl_resource *parent_resource)
{
	struct surface *s = surface_from_resource(surface_resource);
	struct surface *parent = surface_from_resource(parent_resource);
	struct wl_resource *r;

	if (is_ancestor(s, parent)) {
		wl_resource_post_error(resource, WL_SUBCOMPOSITOR_ERROR_BAD_SURFACE,
				       "a surface cannot be its own ancestor");
		return;
	}
	if (s->role_data || s->parent) {
		wl_resource_post_error(resource, WL_SUBCOMPOSITOR_ERROR_BAD_SURFACE,
				       "the surface is already a subsurface");
		return;
	}
	r = wl_resource_create(client, &wl_subsurface_interface, 1, id);
	if (!r) {
		wl_client_post_no_memory(client);
		return;
	}
	if (surface_set_role(s, &subsurface_role, r, resource,
			     WL_SUBCOMPOSITOR_ERROR_BAD_SURFACE) < 0) {
		wl_resource_destroy(r);
		return;
	}
	wl_resource_set_implementation(r, &subsurface_impl, s, sub_destroyed);
	s->sync = true;		/* the protocol's default */
	s->sx = s->sy = 0;
	s->mapped = false;
	surface_attach_child(s, parent);
	sub_commit(s);
}

static const struct wl_subcompositor_interface subcompositor_impl = {
	.destroy = handle_destroy,
	.get_subsurface = get_subsurface,
};

static void bind_subcompositor(struct wl_client *client, void *data, uint32_t version,
			       uint32_t id)
{
	struct wl_resource *r = wl_resource_create(client, &wl_subcompositor_interface,
						   (int)version, id);

	if (!r) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(r, &subcompositor_impl, data, NULL);
}

int subsurface_create(struct server *server)
{
	return wl_global_create(server->display, &wl_subcompositor_interface, 1, server,
				bind_subcompositor) ? 0 : -1;
}
