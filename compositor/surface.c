/*
 * Surfaces keep a pixman copy of their last committed shm buffer and give
 * the buffer back at once: clients may reuse it immediately, and the
 * compositor never reads client memory while painting (a client that dies
 * or truncates its pool cannot crash the station).
 */
#include <stdlib.h>
#include <string.h>
#include <wayland-server-protocol.h>

#include "input.h"
#include "server.h"
#include "surface.h"

static void surface_damage_rect(struct surface *s)
{
	pixman_region32_t r;

	if (!s->image)
		return;
	pixman_region32_init_rect(&r, s->x, s->y, (unsigned)surface_width(s),
				  (unsigned)surface_height(s));
	server_damage(s->server, &r);
	pixman_region32_fini(&r);
}

int surface_width(const struct surface *s)
{
	return s->image ? pixman_image_get_width(s->image) : 0;
}

int surface_height(const struct surface *s)
{
	return s->image ? pixman_image_get_height(s->image) : 0;
}

void surface_map(struct surface *s, bool mapped)
{
	if (s->mapped == mapped)
		return;
	s->mapped = mapped;
	surface_damage_rect(s);
	input_update_focus(s->server);
}

void surface_raise(struct surface *s)
{
	wl_list_remove(&s->link);
	wl_list_insert(s->server->surfaces.prev, &s->link);
	if (s->mapped)
		surface_damage_rect(s);
}

void surface_move(struct surface *s, int x, int y)
{
	if (s->mapped)
		surface_damage_rect(s);
	s->x = x;
	s->y = y;
	if (s->mapped)
		surface_damage_rect(s);
}

/* Copies the buffer; returns false when it is no shm buffer we can read. */
static bool surface_take_buffer(struct surface *s, struct wl_resource *buffer)
{
	struct wl_shm_buffer *shm = wl_shm_buffer_get(buffer);
	pixman_format_code_t format;
	pixman_image_t *src;
	int w, h;

	if (!shm)
		return false;
	switch (wl_shm_buffer_get_format(shm)) {
	case WL_SHM_FORMAT_ARGB8888:
		format = PIXMAN_a8r8g8b8;
		break;
	case WL_SHM_FORMAT_XRGB8888:
		format = PIXMAN_x8r8g8b8;
		break;
	default:
		return false;
	}
	w = wl_shm_buffer_get_width(shm);
	h = wl_shm_buffer_get_height(shm);
	if (!s->image || surface_width(s) != w || surface_height(s) != h ||
	    pixman_image_get_format(s->image) != format) {
		surface_damage_rect(s);
		if (s->image)
			pixman_image_unref(s->image);
		s->image = pixman_image_create_bits(format, w, h, NULL, 0);
		if (!s->image)
			return false;
		pixman_region32_union_rect(&s->pending.damage, &s->pending.damage, 0, 0,
					   (unsigned)w, (unsigned)h);
	}
	wl_shm_buffer_begin_access(shm);
	src = pixman_image_create_bits(format, w, h, wl_shm_buffer_get_data(shm),
				       wl_shm_buffer_get_stride(shm));
	if (src) {
		/* Only what the client said changed needs copying. */
		pixman_image_set_clip_region32(s->image, &s->pending.damage);
		pixman_image_composite32(PIXMAN_OP_SRC, src, NULL, s->image,
					 0, 0, 0, 0, 0, 0, w, h);
		pixman_image_set_clip_region32(s->image, NULL);
		pixman_image_unref(src);
	}
	wl_shm_buffer_end_access(shm);
	return true;
}

static void surface_commit_buffer(struct surface *s)
{
	struct wl_resource *buffer = s->pending.buffer;

	s->pending.attached = false;
	s->pending.buffer = NULL;
	if (!buffer) {
		surface_damage_rect(s);
		if (s->image)
			pixman_image_unref(s->image);
		s->image = NULL;
		return;
	}
	if (!surface_take_buffer(s, buffer))
		wl_resource_post_error(s->resource, WL_SURFACE_ERROR_INVALID_SIZE,
				       "only wl_shm ARGB8888 and XRGB8888 buffers are supported");
	wl_buffer_send_release(buffer);
}

static void handle_commit(struct wl_client *client, struct wl_resource *resource)
{
	struct surface *s = surface_from_resource(resource);

	if (s->pending.attached)
		surface_commit_buffer(s);
	if (s->mapped && s->image) {
		pixman_region32_t r;

		pixman_region32_init(&r);
		pixman_region32_intersect_rect(&r, &s->pending.damage, 0, 0,
					       (unsigned)surface_width(s),
					       (unsigned)surface_height(s));
		pixman_region32_translate(&r, s->x, s->y);
		server_damage(s->server, &r);
		pixman_region32_fini(&r);
	}
	pixman_region32_clear(&s->pending.damage);
	wl_list_insert_list(s->frames.prev, &s->pending.frames);
	wl_list_init(&s->pending.frames);
	if (s->role && s->role->commit)
		s->role->commit(s);
	/* A frame callback needs a frame even when nothing was damaged. */
	if (!wl_list_empty(&s->frames))
		server_damage(s->server, NULL);
}

static void handle_attach(struct wl_client *client, struct wl_resource *resource,
			  struct wl_resource *buffer, int32_t x, int32_t y)
{
	struct surface *s = surface_from_resource(resource);

	s->pending.attached = true;
	s->pending.buffer = buffer;
}

static void handle_damage(struct wl_client *client, struct wl_resource *resource,
			  int32_t x, int32_t y, int32_t w, int32_t h)
{
	struct surface *s = surface_from_resource(resource);

	/* Scale 1 and no transform: surface and buffer coordinates agree. */
	if (w > 0 && h > 0)
		pixman_region32_union_rect(&s->pending.damage, &s->pending.damage,
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
	.set_opaque_region = handle_noop_region,
	.set_input_region = handle_noop_region,
	.commit = handle_commit,
	.set_buffer_transform = handle_set_transform,
	.set_buffer_scale = handle_set_scale,
	.damage_buffer = handle_damage,
};

struct surface *surface_from_resource(struct wl_resource *resource)
{
	return wl_resource_get_user_data(resource);
}

static void free_callbacks(struct wl_list *list)
{
	struct wl_resource *cb, *tmp;

	wl_resource_for_each_safe(cb, tmp, list)
		wl_resource_destroy(cb);
}

static void surface_destroy(struct wl_resource *resource)
{
	struct surface *s = surface_from_resource(resource);
	struct server *server = s->server;

	if (s->role && s->role->destroy)
		s->role->destroy(s);
	input_surface_gone(s->server, s);
	if (s->mapped)
		surface_damage_rect(s);
	free_callbacks(&s->frames);
	free_callbacks(&s->pending.frames);
	pixman_region32_fini(&s->pending.damage);
	if (s->image)
		pixman_image_unref(s->image);
	wl_list_remove(&s->link);
	free(s);
	input_update_focus(server);
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
	pixman_region32_init(&s->pending.damage);
	wl_list_init(&s->pending.frames);
	wl_list_init(&s->frames);
	wl_list_insert(server->surfaces.prev, &s->link);
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

	wl_list_for_each(s, &server->surfaces, link) {
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

	wl_list_for_each(s, &server->surfaces, link)
		if (!wl_list_empty(&s->frames))
			return true;
	return false;
}
