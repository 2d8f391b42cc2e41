/* wl_compositor: surfaces with double-buffered state, and regions. */
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

struct surface_state {
	bool attached;
	struct wl_resource *buffer;
	pixman_region32_t damage;	/* surface coordinates */
	struct wl_list frames;		/* wl_callback resources */
};

struct surface {
	struct wl_resource *resource;
	struct server *server;
	struct wl_list link;		/* server->surfaces, bottom to top */
	struct surface_state pending;
	pixman_image_t *image;		/* a copy of the last committed buffer */
	int x, y;			/* on the output */
	bool mapped;
	struct wl_list frames;		/* waiting for the next frame */
	const struct surface_role *role;
	void *role_data;
};

int surface_compositor_create(struct server *server);
struct surface *surface_from_resource(struct wl_resource *resource);
int surface_set_role(struct surface *s, const struct surface_role *role,
		     void *data, struct wl_resource *error_on, uint32_t error);
void surface_map(struct surface *s, bool mapped);
/* Moves the surface to the top of the stack. */
void surface_raise(struct surface *s);
void surface_move(struct surface *s, int x, int y);
int surface_width(const struct surface *s);
int surface_height(const struct surface *s);
/* Frame callbacks of every surface: the frame is on screen. */
void surface_send_frames(struct server *server, uint32_t msec);
bool surface_frames_pending(struct server *server);

#endif
