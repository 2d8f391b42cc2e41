/* SPDX-License-Identifier: MIT */
/*
 * wl_compositor: surfaces with double-buffered state, and regions.
 *
 * A surface is a root (in server->surfaces, bottom to top) or the child
 * of another surface (a subsurface, in its parent's below or above list).
 * Every surface is also in server->all_surfaces, for frame callbacks.
 */
#ifndef SEATMUX_COMPOSITOR_SURFACE_H
#define SEATMUX_COMPOSITOR_SURFACE_H

#include <pixman.h>
#include <stdbool.h>
#include <wayland-server-core.h>

struct server;
struct surface;

struct surface_role {
	const char *name;
	/* After the surface's pending state became current. */
	void (*commit)(struct surface *surface);
	/* The wl_surface is being destroyed before its role object. */
	void (*destroy)(struct surface *surface);
};

/* wp_viewport: a source rectangle of the buffer scaled to a size. */
struct viewport_state {
	bool changed;
	double src_x, src_y, src_w, src_h;	/* src_w < 0: the whole buffer */
	int32_t dst_w, dst_h;			/* dst_w < 0: unset */
};

struct shm_ref;

struct surface_state {
	bool attached;
	struct wl_resource *buffer;	/* pending state only */
	struct shm_ref *ref;		/* cached state only: the buffer */
	pixman_region32_t opaque;	/* surface coordinates */
	bool opaque_set;
	pixman_region32_t damage;	/* surface coordinates */
	pixman_region32_t buffer_damage;	/* buffer coordinates */
	struct wl_list frames;		/* wl_callback resources */
	struct wl_list feedbacks;	/* wp_presentation_feedback resources */
	struct viewport_state viewport;
	/* pending only: a subsurface position, applied by the parent's commit */
	bool moved;
	int32_t sx, sy;
};

struct surface {
	struct wl_resource *resource;
	struct server *server;
	struct wl_list link;		/* roots: server->surfaces; else parent's lists */
	struct wl_list all_link;	/* server->all_surfaces */
	struct surface_state pending;
	struct surface_state cached;	/* synchronized subsurfaces */
	bool has_cache;
	struct shm_ref *ref;		/* the last committed buffer, held */
	pixman_region32_t opaque;	/* what the client says covers all below */
	struct viewport_state viewport;
	struct wl_resource *viewport_resource;
	int x, y;			/* on the output */
	bool mapped;
	struct wl_list frames;		/* waiting for the next frame */
	struct wl_list feedbacks;	/* committed, waiting to be drawn */
	const struct surface_role *role;
	void *role_data;
	/* subsurfaces */
	struct surface *parent;
	struct wl_list below, above;	/* children, bottom to top */
	int32_t sx, sy;			/* offset from the parent */
	bool sync;
};

int surface_compositor_create(struct server *server);
struct surface *surface_from_resource(struct wl_resource *resource);
int surface_set_role(struct surface *s, const struct surface_role *role,
		     void *data, struct wl_resource *error_on, uint32_t error);
void surface_map(struct surface *s, bool mapped);
/* Moves a root surface to the top of the stack. */
void surface_raise(struct surface *s);
void surface_move(struct surface *s, int x, int y);
/* The surface's size on the output (its viewport's, else its buffer's). */
/* The pixels the surface shows (NULL: no buffer), readable between
 * surface_begin_access and surface_end_access only, one surface at a time. */
pixman_image_t *surface_image(const struct surface *s);
void surface_begin_access(const struct surface *s);
void surface_end_access(const struct surface *s);
/* Covers what lies below it entirely: an XRGB buffer, or an opaque region
 * over the whole surface. Painted as a copy, not blended. */
bool surface_opaque(const struct surface *s);
int surface_width(const struct surface *s);
int surface_height(const struct surface *s);
/* Mapped, and so is every ancestor. */
bool surface_visible(const struct surface *s);
/* Damages the surface and its subsurfaces where they are. */
void surface_damage_tree(struct surface *s);
/* The topmost visible surface at (x, y), children included, or NULL. */
struct surface *surface_at(struct server *server, double x, double y);
/* The root a subsurface belongs to. */
struct surface *surface_root(struct surface *s);
/* Frame callbacks of every surface: the frame is on screen. */
void surface_send_frames(struct server *server, uint32_t msec);
/* Some surface waits for a frame (a frame callback or a feedback). */
bool surface_frames_pending(struct server *server);

/* For subsurface.c: place the child, apply its cached state. */
void surface_attach_child(struct surface *child, struct surface *parent);
void surface_detach_child(struct surface *child);
void surface_update_position(struct surface *s);
/* A subsurface no longer synchronized: its cached state becomes current. */
void surface_flush_cache(struct surface *s);

#endif
