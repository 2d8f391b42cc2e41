/* SPDX-License-Identifier: MIT */
#ifndef SEATMUX_COMPOSITOR_APP_H
#define SEATMUX_COMPOSITOR_APP_H

struct server;

int app_start(struct server *server);
void app_stop(struct server *server);

#endif
