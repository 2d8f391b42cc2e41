/* SPDX-License-Identifier: MIT */
/*
 * The room's interface: org.seatmux.Manager1 on the system bus, in
 * logind's style. One object per station (its seat) and one per running
 * session (api_sessions.c) with properties and change signals; methods authorized by polkit (polkit.h):
 *   org.seatmux.observe     list stations, read what they show
 *   org.seatmux.control     log a station's user off
 * Calls go one way: this reads seats and asks seats and kinds to act;
 * nothing below calls it. seatmuxd runs without it when there is no
 * system bus (the stations do not need it).
 */
#ifndef SEATMUX_API_H
#define SEATMUX_API_H

struct api;
struct broker;

#define API_BUS_NAME "org.seatmux.Manager1"
#define API_PATH "/org/seatmux/Manager1"
#define API_STATION_PATH API_PATH "/station"
#define API_MANAGER_IFACE "org.seatmux.Manager1"
#define API_STATION_IFACE "org.seatmux.Station1"
#define API_ERROR_NO_SUCH_STATION "org.seatmux.Error.NoSuchStation"
#define API_SESSION_PATH API_PATH "/session"
#define API_SESSION_IFACE "org.seatmux.Session1"
#define API_ERROR_NO_SUCH_SESSION "org.seatmux.Error.NoSuchSession"

/* NULL when there is no system bus to offer it on (logged). */
struct api *api_start(struct broker *b);
/* Seats or sessions changed: the signals that say so. */
void api_changed(struct api *a);
void api_stop(struct api *a);

#endif
