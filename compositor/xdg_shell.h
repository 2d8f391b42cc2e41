/* xdg_wm_base with the station policy. */
#ifndef SEATMUX_COMPOSITOR_XDG_SHELL_H
#define SEATMUX_COMPOSITOR_XDG_SHELL_H

struct server;

int xdg_shell_create(struct server *server);

#endif
