/* SPDX-License-Identifier: MIT */
/*
 * What seats.c calls of seat_roam.c (the rest is in seats.h): a station
 * arrived at the seat it was moving to; a seat going forgets its move.
 */
#ifndef SEATMUX_SEAT_ROAM_H
#define SEATMUX_SEAT_ROAM_H

#include "seats.h"

void seat_roam_arrived(struct seat *seat);
void seat_roam_forget(struct seat *seat);

#endif
