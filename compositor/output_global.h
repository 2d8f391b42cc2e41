/* SPDX-License-Identifier: MIT */
/* wl_output: the head's mode, so clients know the station's size. */
#ifndef SEATMUX_COMPOSITOR_OUTPUT_GLOBAL_H
#define SEATMUX_COMPOSITOR_OUTPUT_GLOBAL_H

struct server;
struct wl_resource;

int output_global_create(struct server *server);
/* The head's mode changed: every bound wl_output hears it. */
void output_global_changed(struct server *server);
/* wp_presentation_feedback.sync_output for the feedback's client. */
void output_global_sync(struct server *server, struct wl_resource *feedback);

#endif
