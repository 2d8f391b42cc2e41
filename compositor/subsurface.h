/* SPDX-License-Identifier: MIT */
/* wl_subcompositor: surfaces drawn relative to, and with, a parent. */
#ifndef SEATMUX_COMPOSITOR_SUBSURFACE_H
#define SEATMUX_COMPOSITOR_SUBSURFACE_H

struct server;

int subsurface_create(struct server *server);

#endif
