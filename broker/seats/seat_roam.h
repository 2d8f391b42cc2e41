/* SPDX-License-Identifier: MIT */
/*
 * What seats.c calls of seat_roam.c (the rest is in seats.h): a station
 * arrived at the seat it was moving to; a seat going forgets its move.
 */
#ifndef SEATMUX_SEAT_ROAM_H
#define SEATMUX_SEAT_ROAM_H

#include <stdbool.h>
#include <stdio.h>

#include "seats.h"

void seat_roam_arrived(struct seat *seat);
/* Nothing on its way any more; _finish: the seat goes or is let go of;
 * _gone: it goes for good, its home's devices may come home. */
void seat_roam_forget(struct seat *seat);
void seat_roam_finish(struct seat *seat, bool going);
void seat_roam_gone(struct seat *seat);
/* The session of a user logged on at the seat's greeter is over. */
void seat_roam_logged_off(struct seat *seat);
/* Across a restart: a station's devices on their way to the seat
 * ("roam-arriving HOME BACK"), which the next seatmuxd sends back
 * (roam_take_back): it could not tell their arrival from a seat that
 * had both stations. */
void seat_roam_save(const struct seat *seat, FILE *f);

#endif
