/* SPDX-License-Identifier: MIT */
/*
 * A seat whose configuration names a greeter: its greetd socket, the
 * user's session that a logon there starts in the greeter's place, and
 * the greeter again once that session ends.
 */
#ifndef SEATMUX_SEAT_GREETER_H
#define SEATMUX_SEAT_GREETER_H

#include <stdbool.h>

#include "seats.h"
#include "station_kind.h"

/* Offers greetd's IPC if spec (the seat's configured one) is a greeter;
 * a seat without stays without. 0, or -1 (logged). */
int seat_greeter_init(struct seat *seat, const struct session_spec *spec);
void seat_greeter_finish(struct seat *seat);
/* The configuration changed (spec: the seat's now): a greeter comes or
 * goes with its socket. */
void seat_greeter_sync(struct seat *seat, const struct session_spec *spec);
/* A run of the seat's session ended: a user's (logged on at the greeter)
 * gives the seat back to its greeter; a greeter's connection goes. */
void seat_greeter_session_ended(struct seat *seat);
/* A user's session could not start after their logon: the greeter's
 * turn again (the session tries it after the backoff). */
void seat_greeter_start_failed(struct seat *seat);
/* Whether the seat runs (or is about to) a user who logged on at its
 * greeter: its configuration's greeter waits until they log off. */
bool seat_greeter_logged_on(const struct seat *seat);
/* Tells the seat's kind what its login screen did (station_kind.h): the
 * kind's answer, 0 if it has nothing to say. */
int seat_greeter_tell(struct seat *seat, enum greeter_event ev, const char *user);

#endif
