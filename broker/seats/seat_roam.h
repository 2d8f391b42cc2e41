/* SPDX-License-Identifier: MIT */
/*
 * What seats.c calls of seat_roam.c (the rest is in seats.h): a station
 * arrived at the seat it was moving to; a seat going forgets its move.
 */
#ifndef SEATMUX_SEAT_ROAM_H
#define SEATMUX_SEAT_ROAM_H

#include <stdbool.h>

#include "seats.h"

void seat_roam_arrived(struct seat *seat);
/* Nothing on its way any more; _finish: the seat goes or is let go of;
 * _gone: it goes for good, its home's devices may come home. */
void seat_roam_forget(struct seat *seat);
void seat_roam_finish(struct seat *seat, bool going);
void seat_roam_gone(struct seat *seat);
/* The session of a user logged on at the seat's greeter is over. */
void seat_roam_logged_off(struct seat *seat);

#endif
