// SPDX-License-Identifier: MIT
/*
 * The pool's mapping is referenced, so that the client resizing its pool
 * cannot move the pixels away under an image. Reads are bracketed by
 * libwayland's access guard, which turns a SIGBUS from a file the client
 * truncated into zeroes instead of the end of the station's session.
 *
 * A client may destroy a buffer before it is released, as long as it
 * leaves the memory alone (wl_surface.attach): the pixels are copied
 * then, with the guard, and the copy is shown from then on.
 */
#include <stdlib.h>
#include <wayland-server-protocol.h>

#include "shm_ref.h"

struct shm_ref {
	int count;
	struct wl_resource *buffer;	/* NULL once the client destroyed it */
	struct wl_listener destroyed;
	struct wl_shm_pool *pool;	/* NULL once copied */
	pixman_image_t *image;
};

static pixman_format_code_t shm_format(struct wl_shm_buffer *shm)
{
	switch (wl_shm_buffer_get_format(shm)) {
	case WL_SHM_FORMAT_ARGB8888:
		return PIXMAN_a8r8g8b8;
	case WL_SHM_FORMAT_XRGB8888:
		return PIXMAN_x8r8g8b8;
	default:
		return 0;
	}
}

static void drop_pool(struct shm_ref *r)
{
	if (r->pool)
		wl_shm_pool_unref(r->pool);
	r->pool = NULL;
}

static void on_destroyed(struct wl_listener *l, void *data)
{
	struct shm_ref *r = wl_container_of(l, r, destroyed);
	struct wl_shm_buffer *shm = wl_shm_buffer_get(r->buffer);
	pixman_image_t *copy = pixman_image_create_bits(pixman_image_get_format(r->image),
							pixman_image_get_width(r->image),
							pixman_image_get_height(r->image),
							NULL, 0);

	if (copy && shm) {
		wl_shm_buffer_begin_access(shm);
		pixman_image_composite32(PIXMAN_OP_SRC, r->image, NULL, copy, 0, 0, 0, 0, 0, 0,
					 pixman_image_get_width(copy),
					 pixman_image_get_height(copy));
		wl_shm_buffer_end_access(shm);
	}
	/* Without memory for a copy the surface shows black: not a crash. */
	pixman_image_unref(r->image);
	r->image = copy ? copy : pixman_image_create_bits(PIXMAN_x8r8g8b8, 1, 1, NULL, 0);
	wl_list_remove(&r->destroyed.link);
	r->buffer = NULL;
	drop_pool(r);
}

struct shm_ref *shm_ref_get(struct wl_resource *buffer)
{
	struct wl_listener *l = wl_resource_get_destroy_listener(buffer, on_destroyed);
	struct wl_shm_buffer *shm = wl_shm_buffer_get(buffer);
	pixman_format_code_t format = shm ? shm_format(shm) : 0;
	struct shm_ref *r;

	if (l) {
		r = wl_container_of(l, r, destroyed);
		r->count++;
		return r;
	}
	if (!format)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->image = pixman_image_create_bits(format, wl_shm_buffer_get_width(shm),
					    wl_shm_buffer_get_height(shm),
					    wl_shm_buffer_get_data(shm),
					    wl_shm_buffer_get_stride(shm));
	if (!r->image) {
		free(r);
		return NULL;
	}
	r->count = 1;
	r->buffer = buffer;
	r->pool = wl_shm_buffer_ref_pool(shm);
	r->destroyed.notify = on_destroyed;
	wl_resource_add_destroy_listener(buffer, &r->destroyed);
	return r;
}

void shm_ref_put(struct shm_ref *r)
{
	if (!r || --r->count > 0)
		return;
	if (r->buffer) {
		wl_list_remove(&r->destroyed.link);
		wl_buffer_send_release(r->buffer);
	}
	pixman_image_unref(r->image);
	drop_pool(r);
	free(r);
}

bool shm_ref_is(const struct shm_ref *r, struct wl_resource *buffer)
{
	return r && r->buffer && r->buffer == buffer;
}

pixman_image_t *shm_ref_image(const struct shm_ref *r)
{
	return r ? r->image : NULL;
}

void shm_ref_begin(const struct shm_ref *r)
{
	if (r && r->buffer)
		wl_shm_buffer_begin_access(wl_shm_buffer_get(r->buffer));
}

void shm_ref_end(const struct shm_ref *r)
{
	if (r && r->buffer)
		wl_shm_buffer_end_access(wl_shm_buffer_get(r->buffer));
}
