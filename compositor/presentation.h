/* SPDX-License-Identifier: MIT */
/*
 * wp_presentation: clients learn when their content reached the screen,
 * from the head's own page-flip times (the headless output's stand-in).
 */
#ifndef SEATMUX_COMPOSITOR_PRESENTATION_H
#define SEATMUX_COMPOSITOR_PRESENTATION_H

#include <stdint.h>
#include <wayland-server-core.h>

struct server;

int presentation_create(struct server *server);
/* Sends discarded to every feedback in the list and destroys it. */
void presentation_discard(struct wl_list *feedbacks);
/* A frame was composited: feedbacks of the surfaces in it wait for it. */
void presentation_frame_drawn(struct server *server);
/* That frame is on screen since usec (CLOCK_MONOTONIC), flip number seq. */
void presentation_frame_shown(struct server *server, uint64_t usec, uint64_t seq);

#endif
