/* SPDX-License-Identifier: MIT */
/* wp_viewporter: a client crops and scales its buffer to a surface size. */
#ifndef SEATMUX_COMPOSITOR_VIEWPORTER_H
#define SEATMUX_COMPOSITOR_VIEWPORTER_H

#include <stdbool.h>

struct server;
struct surface;

int viewporter_create(struct server *server);
/* At commit, with a buffer: false (and a protocol error) if the viewport
 * does not fit the buffer. */
bool viewporter_validate(struct surface *s);
/* The wl_surface is being destroyed: its wp_viewport becomes inert. */
void viewporter_surface_gone(struct surface *s);

#endif
