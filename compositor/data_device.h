/* SPDX-License-Identifier: MIT */
/*
 * wl_data_device_manager: copy and paste between the clients of one
 * station. Each compositor serves one seat, so a selection never leaves it.
 */
#ifndef SEATMUX_COMPOSITOR_DATA_DEVICE_H
#define SEATMUX_COMPOSITOR_DATA_DEVICE_H

#include <wayland-server-core.h>

struct server;

int data_device_create(struct server *server);
void data_device_destroy(struct server *server);
/* Keyboard focus moved to client (or NULL): it is offered the selection. */
void data_device_focus(struct server *server, struct wl_client *client);

#endif
