/* SPDX-License-Identifier: MIT */
/*
 * wl_seat: the station's keyboard and pointer as clients see them, the
 * focus rules, and the cursor. Input backends (input.c over libinput, the
 * test control) feed it events; it knows nothing about devices.
 */
#ifndef SEATMUX_COMPOSITOR_SEAT_H
#define SEATMUX_COMPOSITOR_SEAT_H

#include <pixman.h>
#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>

struct server;
struct surface;

int seat_create(struct server *server);
void seat_destroy(struct server *server);
/* The stacking changed: keyboard focus follows the top toplevel. */
void seat_update_focus(struct server *server);
/* A surface is being destroyed: drop it as focus without events. */
void seat_surface_gone(struct server *server, struct surface *surface);
/* The focused client's wl_client, or NULL. */
struct wl_client *seat_focus_client(struct server *server);

void seat_key(struct server *server, uint32_t time, uint32_t key, bool down);
void seat_motion(struct server *server, uint32_t time, double x, double y);
void seat_motion_relative(struct server *server, uint32_t time, double dx, double dy);
void seat_button(struct server *server, uint32_t time, uint32_t button, bool down);
void seat_axis(struct server *server, uint32_t time, uint32_t axis, double value);

/* The cursor to draw on top of everything, at (*x, *y); NULL if none.
 * *surface (if asked): the client surface it is, NULL for our arrow. */
pixman_image_t *seat_cursor(struct server *server, int *x, int *y, struct surface **surface);

#endif
