/* SPDX-License-Identifier: MIT */
/*
 * Sessions that follow their user: a station's devices (its heads, its
 * keyboard and mouse, what its hub has) go to the seat of the session
 * their user picked up, and a session left without a station goes on
 * without it. Sessions stay where they are; devices move. udev is told
 * by a runtime rule (roam_rules.h) and the devices announced again, so
 * that udev, logind, libinput and the compositors agree with seatmuxd.
 */
#ifndef SEATMUX_ROAM_H
#define SEATMUX_ROAM_H

#include <stdio.h>

#include "roam_rules.h"

struct broker;

/*
 * The devices udev's seat rules give home go to seat now (back home when
 * now is home): the rule written, udev told off the loop. Each device's
 * move reaches the seats as udev announces it. 0, or -errno
 * (roam_table_set's, or -EIO: the rule cannot be written).
 */
int roam_move(struct broker *b, const char *home, const char *now);
/* The station whose devices seat has: the home they came from, or seat. */
const char *roam_home(const struct broker *b, const char *seat);
/* Where home's devices are now. */
const char *roam_now(const struct broker *b, const char *home);
/* Across a restart: "roam HOME NOW" for each move; and, at the start,
 * the moves the last seatmuxd made (its rule is still udev's), but for
 * a station's devices it left on their way (seat_roam_save): they go
 * back. */
void roam_save(const struct broker *b, FILE *f);
void roam_take_back(struct broker *b);

#endif
