/* SPDX-License-Identifier: MIT */
/* Repaint scheduling and pixman compositing. */
#ifndef SEATMUX_COMPOSITOR_RENDER_H
#define SEATMUX_COMPOSITOR_RENDER_H

#include <stdint.h>

struct output;
struct server;

/* Draw and commit a frame now if one is due and none is on its way. */
void render_schedule(struct server *server);
/* output->frame_done: the last frame is on screen. */
void render_frame_done(struct output *output, uint64_t usec, uint64_t seq, void *data);

#endif
