/* SPDX-License-Identifier: MIT */
/*
 * systemd's own bus (its private socket, which needs no dbus-daemon):
 * how sessions get their scopes, and how seatmuxd learns whether the
 * SIGTERM it got is a restart (keep every session) or a stop (end them).
 */
#ifndef SEATMUX_SYSTEMD_BUS_H
#define SEATMUX_SYSTEMD_BUS_H

#include <stdbool.h>
#include <systemd/sd-bus.h>

/* 0 with *bus connected, or -errno. */
int systemd_bus_open(sd_bus **bus);
/* Whether the job systemd runs on seatmuxd's own unit now is a restart
 * (systemctl restart, try-restart, reload-or-restart). False when it is
 * a stop, when there is no job, and without systemd. */
bool systemd_restarting_self(void);

#endif
