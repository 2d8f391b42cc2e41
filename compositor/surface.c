// SPDX-License-Identifier: MIT
/*
 * Surfaces hold their last committed shm buffer (shm_ref.c) and give it
 * back when another replaces it: the compositor paints from the client's
 * memory, guarded against a truncated pool, with no copy of its own.
 *
 * State flows pending -> current on commit, or pending -> cached for a
 * synchronized subsurface, whose cache becomes current when its parent
 * commits (so a parent and its children change in one frame).
 */
#include <stdlib.h>
#include <string.h>
#include <wayland-server-protocol.h>

#include "presentation.h"
#include "shm_ref.h"
#include "seat.h"
#include "server.h"
#include "surface.h"
#include "viewporter.h"

static void state_init(struct surface_state *st)
{
	memset(st, 0, sizeof(*st));
	pixman_region32_init(&st->damage);
	pixman_region32_init(&st->buffer_damage);
	pixman_region32_init(&st->opaque);
	wl_list_init(&st->frames);
	wl_list_init(&st->feedbacks);
	st->viewport.src_w = -1;
	st->viewport.dst_w = st->viewport.dst_h = -1;
}

static void free_callbacks(struct wl_list *list)
{
	struct wl_resource *cb, *tmp;

	wl_resource_for_each_safe(cb, tmp, list)
		wl_resource_destroy(cb);
}

static void state_fini(struct surface_state *st)
{
	free_callbacks(&st->frames);
	presentation_discard(&st->feedbacks);
	pixman_region32_fini(&st->damage);
	pixman_region32_fini(&st->buffer_damage);
	pixman_region32_fini(&st->opaque);
	shm_ref_put(st->ref);
	st->ref = NULL;
}

pixman_image_t *surface_image(const struct surface *s)
{
	return shm_ref_image(s->ref);
}

static int buffer_width(const struct surface *s)
{
	return s->ref ? pixman_image_get_width(surface_image(s)) : 0;
}

static int buffer_height(const struct surface *s)
{
	return s->ref ? pixman_image_get_height(surface_image(s)) : 0;
}

bool surface_opaque(const struct surface *s)
{
	pixman_image_t *image = surface_image(s);
	pixman_box32_t all = { 0, 0, surface_width(s), surface_height(s) };

	if (!image)
		return false;
	return pixman_image_get_format(image) == PIXMAN_x8r8g8b8 ||
	       pixman_region32_contains_rectangle((pixman_region32_t *)&s->opaque, &all) ==
	       PIXMAN_REGION_IN;
}

void surface_begin_access(const struct surface *s)
{
	shm_ref_begin(s->ref);
}

void surface_end_access(const struct surface *s)
{
	shm_ref_end(s->ref);
}

int surface_width(const struct surface *s)
{
	if (!s->ref)
		return 0;
	if (s->viewport.dst_w > 0)
		return s->viewport.dst_w;
	if (s->viewport.src_w >= 0)
		return (int)s->viewport.src_w;
	return buffer_width(s);
}

int surface_height(const struct surface *s)
{
	if (!s->ref)
		return 0;
	if (s->viewport.dst_w > 0)
		return s->viewport.dst_h;
	if (s->viewport.src_w >= 0)
		return (int)s->viewport.src_h;
	return buffer_height(s);
}

bool surface_visible(const struct surface *s)
{
	for (; s; s = s->parent)
		if (!s->mapped || !s->ref)
			return false;
	return true;
}

struct surface *surface_root(struct surface *s)
{
	while (s->parent)
		s = s->parent;
	return s;
}

static void damage_list(struct wl_list *list)
{
	struct surface *c;

	wl_list_for_each(c, list, link)
		surface_damage_tree(c);
}

void surface_damage_tree(struct surface *s)
{
	pixman_region32_t r;

	if (!surface_visible(s))
		return;
	pixman_region32_init_rect(&r, s->x, s->y, (unsigned)surface_width(s),
				  (unsigned)surface_height(s));
	server_damage(s->server, &r);
	pixman_region32_fini(&r);
	damage_list(&s->below);
	damage_list(&s->above);
}

void surface_map(struct surface *s, bool mapped)
{
	if (s->mapped == mapped)
		return;
	if (!mapped)
		surface_damage_tree(s);
	s->mapped = mapped;
	if (mapped)
		surface_damage_tree(s);
	seat_update_focus(s->server);
}

void surface_raise(struct surface *s)
{
	if (s->parent)
		return;
	wl_list_remove(&s->link);
	wl_list_insert(s->server->surfaces.prev, &s->link);
	surface_damage_tree(s);
}

static void update_children(struct wl_list *list)
{
	struct surface *c;

	wl_list_for_each(c, list, link)
		surface_update_position(c);
}

/* Subsurfaces follow their parent. */
void surface_update_position(struct surface *s)
{
	if (s->parent) {
		s->x = s->parent->x + s->sx;
		s->y = s->parent->y + s->sy;
	}
	update_children(&s->below);
	update_children(&s->above);
}

void surface_move(struct surface *s, int x, int y)
{
	surface_damage_tree(s);
	s->x = x;
	s->y = y;
	update_children(&s->below);
	update_children(&s->above);
	surface_damage_tree(s);
}

static struct surface *at_list(struct wl_list *list, double x, double y);

static struct surface *at_tree(struct surface *s, double x, double y)
{
	struct surface *hit;

	if (!surface_visible(s))
		return NULL;
	if ((hit = at_list(&s->above, x, y)))
		return hit;
	if (x >= s->x && y >= s->y && x < s->x + surface_width(s) &&
	    y < s->y + surface_height(s))
		return s;
	return at_list(&s->below, x, y);
}

/* Top to bottom: the list runs bottom to top. */
static struct surface *at_list(struct wl_list *list, double x, double y)
{
	struct surface *s, *hit;

	wl_list_for_each_reverse(s, list, link)
		if ((hit = at_tree(s, x, y)))
			return hit;
	return NULL;
}

struct surface *surface_at(struct server *server, double x, double y)
{
	return at_list(&server->surfaces, x, y);
}

/*
 * Buffer and surface damage in the two coordinate spaces. Without a
 * viewport they are the same; with one, scaling makes exact mapping
 * pointless for a pixman compositor, so the whole surface counts.
 */
static bool viewport_active(const struct viewport_state *v)
{
	return v->dst_w > 0 || v->src_w >= 0;
}

/*
 * The pending buffer replaces *ref (the surface's, or its cache's). The
 * one it replaces goes back to the client, unless it is the same buffer
 * attached again.
 */
static void take_pending_buffer(struct surface *s, struct shm_ref **ref)
{
	struct wl_resource *buffer = s->pending.buffer;
	struct shm_ref *next = NULL;

	s->pending.buffer = NULL;
	if (buffer) {
		next = shm_ref_get(buffer);
		if (!next) {
			wl_resource_post_error(s->resource, WL_SURFACE_ERROR_INVALID_SIZE,
					       "only wl_shm ARGB8888 and XRGB8888 buffers are supported");
			return;
		}
	}
	shm_ref_put(*ref);
	*ref = next;
}

/* Moves everything of src into dst (both pending-like states). */
static void state_merge(struct surface_state *dst, struct surface_state *src)
{
	pixman_region32_union(&dst->damage, &dst->damage, &src->damage);
	pixman_region32_union(&dst->buffer_damage, &dst->buffer_damage, &src->buffer_damage);
	pixman_region32_clear(&src->damage);
	pixman_region32_clear(&src->buffer_damage);
	wl_list_insert_list(dst->frames.prev, &src->frames);
	wl_list_init(&src->frames);
	if (!wl_list_empty(&src->feedbacks)) {
		presentation_discard(&dst->feedbacks);
		wl_list_insert_list(&dst->feedbacks, &src->feedbacks);
		wl_list_init(&src->feedbacks);
	}
	if (src->viewport.changed)
		dst->viewport = src->viewport;
	src->viewport.changed = false;
	if (src->opaque_set)
		pixman_region32_copy(&dst->opaque, &src->opaque);
	dst->opaque_set |= src->opaque_set;
	src->opaque_set = false;
	/* The subsurface position stays pending: the parent's commit applies it. */
}

static void apply_children(struct wl_list *list);

/* Makes st (pending or cached) the surface's current state. */
static void surface_apply(struct surface *s, struct surface_state *st)
{
	bool was_visible = surface_visible(s);
	int old_w = surface_width(s), old_h = surface_height(s);
	bool redraw = st->viewport.changed;

	if (st->viewport.changed)
		s->viewport = st->viewport;
	st->viewport.changed = false;
	if (st->opaque_set)
		pixman_region32_copy(&s->opaque, &st->opaque);
	st->opaque_set = false;
	if (st->attached) {
		if (st == &s->pending) {
			take_pending_buffer(s, &s->ref);
		} else {
			shm_ref_put(s->ref);
			s->ref = st->ref;
			st->ref = NULL;
		}
		st->attached = false;
	}
	if (s->ref && !viewporter_validate(s))
		return;
	if (redraw)
		pixman_region32_union_rect(&st->damage, &st->damage, 0, 0, 1u << 15, 1u << 15);
	if (was_visible && (old_w != surface_width(s) || old_h != surface_height(s) || !s->ref)) {
		pixman_region32_t r;

		pixman_region32_init_rect(&r, s->x, s->y, (unsigned)old_w, (unsigned)old_h);
		server_damage(s->server, &r);
		pixman_region32_fini(&r);
		pixman_region32_union_rect(&st->damage, &st->damage, 0, 0, 1u << 15, 1u << 15);
	}
	if (viewport_active(&s->viewport) && pixman_region32_not_empty(&st->buffer_damage))
		pixman_region32_union_rect(&st->damage, &st->damage, 0, 0, 1u << 15, 1u << 15);
	else
		pixman_region32_union(&st->damage, &st->damage, &st->buffer_damage);
	if (surface_visible(s)) {
		pixman_region32_intersect_rect(&st->damage, &st->damage, 0, 0,
					       (unsigned)surface_width(s),
					       (unsigned)surface_height(s));
		pixman_region32_translate(&st->damage, s->x, s->y);
		server_damage(s->server, &st->damage);
	}
	pixman_region32_clear(&st->damage);
	pixman_region32_clear(&st->buffer_damage);
	wl_list_insert_list(s->frames.prev, &st->frames);
	wl_list_init(&st->frames);
	if (!wl_list_empty(&st->feedbacks)) {
		/* Committed again before it was drawn: the old content never shows. */
		presentation_discard(&s->feedbacks);
		wl_list_insert_list(&s->feedbacks, &st->feedbacks);
		wl_list_init(&st->feedbacks);
	}
	if (s->role && s->role->commit)
		s->role->commit(s);
	apply_children(&s->below);
	apply_children(&s->above);
	/* A frame callback or feedback needs a frame even without damage. */
	if (!wl_list_empty(&s->frames) || !wl_list_empty(&s->feedbacks))
		server_damage(s->server, NULL);
}

/* The parent committed: synchronized children's caches and positions. */
static void apply_children(struct wl_list *list)
{
	struct surface *c, *tmp;

	wl_list_for_each_safe(c, tmp, list, link) {
		if (c->pending.moved) {
			surface_damage_tree(c);
			c->sx = c->pending.sx;
			c->sy = c->pending.sy;
			c->pending.moved = false;
			surface_update_position(c);
			surface_damage_tree(c);
		}
		if (c->has_cache) {
			c->has_cache = false;
			surface_apply(c, &c->cached);
		}
	}
}

static bool surface_synchronized(const struct surface *s)
{
	for (; s->parent; s = s->parent)
		if (s->sync)
			return true;
	return false;
}

static void surface_cache(struct surface *s)
{
	if (s->pending.attached) {
		take_pending_buffer(s, &s->cached.ref);
		s->cached.attached = true;
		s->pending.attached = false;
	}
	state_merge(&s->cached, &s->pending);
	s->has_cache = true;
}

void surface_flush_cache(struct surface *s)
{
	if (s->has_cache && !surface_synchronized(s)) {
		s->has_cache = false;
		surface_apply(s, &s->cached);
	}
}

static void handle_commit(struct wl_client *client, struct wl_resource *resource)
{
	struct surface *s = surface_from_resource(resource);

	if (surface_synchronized(s)) {
		surface_cache(s);
		return;
	}
	/* A child switched to desync keeps what it cached until now. */
	surface_flush_cache(s);
	surface_apply(s, &s->pending);
}

static void handle_attach(struct wl_client *client, struct wl_resource *resource,
			  struct wl_resource *buffer, int32_t x, int32_t y)
{
	struct surface *s = surface_from_resource(resource);

	if ((x || y) && wl_resource_get_version(resource) >= 5) {
		wl_resource_post_error(resource, WL_SURFACE_ERROR_INVALID_OFFSET,
				       "attach offsets are wl_surface.offset since version 5");
		return;
	}
	s->pending.attached = true;
	s->pending.buffer = buffer;
}

static void handle_damage(struct wl_client *client, struct wl_resource *resource,
			  int32_t x, int32_t y, int32_t w, int32_t h)
{
	struct surface *s = surface_from_resource(resource);

	if (w > 0 && h > 0)
		pixman_region32_union_rect(&s->pending.damage, &s->pending.damage,
					   x, y, (unsigned)w, (unsigned)h);
}

static void handle_damage_buffer(struct wl_client *client, struct wl_resource *resource,
				 int32_t x, int32_t y, int32_t w, int32_t h)
{
	struct surface *s = surface_from_resource(resource);

	if (w > 0 && h > 0)
		pixman_region32_union_rect(&s->pending.buffer_damage, &s->pending.buffer_damage,
					   x, y, (unsigned)w, (unsigned)h);
}

static void callback_unlink(struct wl_resource *resource)
{
	wl_list_remove(wl_resource_get_link(resource));
}

static void handle_frame(struct wl_client *client, struct wl_resource *resource,
			 uint32_t id)
{
	struct surface *s = surface_from_resource(resource);
	struct wl_resource *cb = wl_resource_create(client, &wl_callback_interface, 1, id);

	if (!cb) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(cb, NULL, NULL, callback_unlink);
	wl_list_insert(s->pending.frames.prev, wl_resource_get_link(cb));
}

static void handle_noop_region(struct wl_client *client, struct wl_resource *resource,
			       struct wl_resource *region)
{
}

static void handle_set_opaque_region(struct wl_client *client, struct wl_resource *resource,
				     struct wl_resource *region)
{
	struct surface *s = surface_from_resource(resource);

	if (region)
		pixman_region32_copy(&s->pending.opaque, wl_resource_get_user_data(region));
	else
		pixman_region32_clear(&s->pending.opaque);
	s->pending.opaque_set = true;
}

static void handle_set_transform(struct wl_client *client, struct wl_resource *resource,
				 int32_t transform)
{
	if (transform != WL_OUTPUT_TRANSFORM_NORMAL)
		wl_resource_post_error(resource, WL_SURFACE_ERROR_INVALID_TRANSFORM,
				       "only the normal transform is supported");
}

static void handle_set_scale(struct wl_client *client, struct wl_resource *resource,
			     int32_t scale)
{
	if (scale != 1)
		wl_resource_post_error(resource, WL_SURFACE_ERROR_INVALID_SCALE,
				       "only scale 1 is supported");
}

static void handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct wl_surface_interface surface_impl = {
	.destroy = handle_destroy,
	.attach = handle_attach,
	.damage = handle_damage,
	.frame = handle_frame,
	.set_opaque_region = handle_set_opaque_region,
	.set_input_region = handle_noop_region,
	.commit = handle_commit,
	.set_buffer_transform = handle_set_transform,
	.set_buffer_scale = handle_set_scale,
	.damage_buffer = handle_damage_buffer,
};

struct surface *surface_from_resource(struct wl_resource *resource)
{
	return wl_resource_get_user_data(resource);
}

void surface_attach_child(struct surface *child, struct surface *parent)
{
	wl_list_remove(&child->link);
	wl_list_insert(parent->above.prev, &child->link);
	child->parent = parent;
	surface_update_position(child);
}

/* The child becomes an unmapped root: what is left of a subsurface. */
void surface_detach_child(struct surface *child)
{
	surface_damage_tree(child);
	child->parent = NULL;
	child->mapped = false;
	wl_list_remove(&child->link);
	wl_list_insert(child->server->surfaces.prev, &child->link);
}

static void orphan_children(struct wl_list *list)
{
	struct surface *c, *tmp;

	wl_list_for_each_safe(c, tmp, list, link)
		surface_detach_child(c);
}

static void surface_destroy(struct wl_resource *resource)
{
	struct surface *s = surface_from_resource(resource);
	struct server *server = s->server;

	surface_damage_tree(s);
	if (s->role && s->role->destroy)
		s->role->destroy(s);
	seat_surface_gone(server, s);
	orphan_children(&s->below);
	orphan_children(&s->above);
	viewporter_surface_gone(s);
	free_callbacks(&s->frames);
	presentation_discard(&s->feedbacks);
	state_fini(&s->pending);
	state_fini(&s->cached);
	shm_ref_put(s->ref);
	pixman_region32_fini(&s->opaque);
	wl_list_remove(&s->link);
	wl_list_remove(&s->all_link);
	free(s);
	seat_update_focus(server);
}

int surface_set_role(struct surface *s, const struct surface_role *role,
		     void *data, struct wl_resource *error_on, uint32_t error)
{
	if (s->role && s->role != role) {
		wl_resource_post_error(error_on, error, "surface already has role %s",
				       s->role->name);
		return -1;
	}
	s->role = role;
	s->role_data = data;
	return 0;
}

static void create_surface(struct wl_client *client, struct wl_resource *resource,
			   uint32_t id)
{
	struct server *server = wl_resource_get_user_data(resource);
	struct surface *s = calloc(1, sizeof(*s));

	if (!s) {
		wl_client_post_no_memory(client);
		return;
	}
	s->resource = wl_resource_create(client, &wl_surface_interface,
					 wl_resource_get_version(resource), id);
	if (!s->resource) {
		free(s);
		wl_client_post_no_memory(client);
		return;
	}
	s->server = server;
	pixman_region32_init(&s->opaque);
	state_init(&s->pending);
	state_init(&s->cached);
	s->viewport.src_w = -1;
	s->viewport.dst_w = s->viewport.dst_h = -1;
	wl_list_init(&s->frames);
	wl_list_init(&s->feedbacks);
	wl_list_init(&s->below);
	wl_list_init(&s->above);
	wl_list_insert(server->surfaces.prev, &s->link);
	wl_list_insert(&server->all_surfaces, &s->all_link);
	wl_resource_set_implementation(s->resource, &surface_impl, s, surface_destroy);
}

static void region_destroy(struct wl_resource *resource)
{
	pixman_region32_t *r = wl_resource_get_user_data(resource);

	pixman_region32_fini(r);
	free(r);
}

static void region_add(struct wl_client *client, struct wl_resource *resource,
		       int32_t x, int32_t y, int32_t w, int32_t h)
{
	pixman_region32_t *r = wl_resource_get_user_data(resource);

	if (w > 0 && h > 0)
		pixman_region32_union_rect(r, r, x, y, (unsigned)w, (unsigned)h);
}

static void region_subtract(struct wl_client *client, struct wl_resource *resource,
			    int32_t x, int32_t y, int32_t w, int32_t h)
{
	pixman_region32_t *r = wl_resource_get_user_data(resource);
	pixman_region32_t rect;

	if (w <= 0 || h <= 0)
		return;
	pixman_region32_init_rect(&rect, x, y, (unsigned)w, (unsigned)h);
	pixman_region32_subtract(r, r, &rect);
	pixman_region32_fini(&rect);
}

static const struct wl_region_interface region_impl = {
	.destroy = handle_destroy,
	.add = region_add,
	.subtract = region_subtract,
};

static void create_region(struct wl_client *client, struct wl_resource *resource,
			  uint32_t id)
{
	pixman_region32_t *r = calloc(1, sizeof(*r));
	struct wl_resource *res = r ? wl_resource_create(client, &wl_region_interface, 1, id) : NULL;

	if (!res) {
		free(r);
		wl_client_post_no_memory(client);
		return;
	}
	pixman_region32_init(r);
	wl_resource_set_implementation(res, &region_impl, r, region_destroy);
}

static const struct wl_compositor_interface compositor_impl = {
	.create_surface = create_surface,
	.create_region = create_region,
};

static void bind_compositor(struct wl_client *client, void *data, uint32_t version,
			    uint32_t id)
{
	struct wl_resource *res = wl_resource_create(client, &wl_compositor_interface,
						     (int)version, id);

	if (!res) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(res, &compositor_impl, data, NULL);
}

int surface_compositor_create(struct server *server)
{
	return wl_global_create(server->display, &wl_compositor_interface, 4, server,
				bind_compositor) ? 0 : -1;
}

void surface_send_frames(struct server *server, uint32_t msec)
{
	struct surface *s;

	wl_list_for_each(s, &server->all_surfaces, all_link) {
		struct wl_resource *cb, *tmp;

		wl_resource_for_each_safe(cb, tmp, &s->frames) {
			wl_callback_send_done(cb, msec);
			wl_resource_destroy(cb);
		}
	}
}

bool surface_frames_pending(struct server *server)
{
	struct surface *s;

	wl_list_for_each(s, &server->all_surfaces, all_link)
		if (!wl_list_empty(&s->frames) || !wl_list_empty(&s->feedbacks))
			return true;
	return false;
}
