/* SPDX-License-Identifier: MIT */
/* xdg_wm_base with the station policy. */
#ifndef SEATMUX_COMPOSITOR_XDG_SHELL_H
#define SEATMUX_COMPOSITOR_XDG_SHELL_H

struct server;

int xdg_shell_create(struct server *server);
/* The head changed size: toplevels are configured to the new one. */
void xdg_shell_reconfigure(struct server *server);

#endif
