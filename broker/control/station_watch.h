/* SPDX-License-Identifier: MIT */
/*
 * Which stations are watched from afar, and for how much longer. A
 * viewer's Watch holds its station watched for STATION_WATCH_HOLD_MS; a
 * viewer that goes on watching asks again before then (the dashboard
 * does, while a station is open large). A control held keeps its station
 * watched too.
 *
 * All the while, a kind that draws its stations' pictures itself (RDP's
 * sink) marks them: every STATION_WATCH_TICK_MS it is told the station
 * is watched STATION_WATCH_MARK_MS more, never longer, so the mark also
 * goes by itself when seatmuxd does. Other kinds' heads are their
 * sessions' (DRM master): nothing can be drawn over them.
 *
 * The holds outlive a restart of seatmuxd (the state file): a viewer who
 * goes on watching across it is still watching, not a new one whose
 * coming the station's user is told of again. A hold read back is at
 * most STATION_WATCH_HOLD_MS, so one from a file written long before
 * (seatmuxd failed) marks a station a few seconds at most.
 */
#ifndef SEATMUX_STATION_WATCH_H
#define SEATMUX_STATION_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define STATION_WATCH_HOLD_MS 12000
#define STATION_WATCH_TICK_MS 2000
#define STATION_WATCH_MARK_MS 5000

struct broker;
struct state;
struct station_watch;

/* NULL on ENOMEM. */
struct station_watch *station_watch_create(struct broker *b);
void station_watch_destroy(struct station_watch *sw);
/* seat is watched STATION_WATCH_HOLD_MS more: whether it was not
 * watched before (its user is then to be told). */
bool station_watch_hold(struct station_watch *sw, const char *seat);
/* seat's control was taken (or taken back): it is watched while held. */
void station_watch_controlled(struct station_watch *sw, const char *seat);
/* A "watched SEAT MS" record for each hold: what is left of it. */
void station_watch_save(const struct station_watch *sw, FILE *f);
/* The holds the last seatmuxd left, from now on: the time seatmuxd was
 * away is not counted against a viewer who goes on watching. */
void station_watch_restore(struct station_watch *sw, struct state *st);

#endif
