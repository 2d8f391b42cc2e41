/* SPDX-License-Identifier: MIT */
/*
 * Station mode and console mode, switched at run time (seat_attach.h
 * keeps the mode, as a udev rule): udev is told, every device is
 * announced again and moves (seatmuxd revokes it from the seat it
 * leaves), and once udev has settled seat0's session starts again, so
 * that its compositor opens every head it has now.
 */
#ifndef SEATMUX_SEAT_MODE_H
#define SEATMUX_SEAT_MODE_H

#include <stdbool.h>

struct broker;

bool seats_console_mode(void);

/* rc: 0, or -EALREADY (the mode is that already), -EAGAIN (udev did not
 * reload its rules: the rule is taken back, nothing changed), -errno
 * (the rule could not be written or removed: nothing changed). */
typedef void (*seats_mode_done)(void *data, int rc);

/* Switches, udev told in a child job (udev_job.h); done runs from the
 * loop once it is done or failed (also -EIO: the job died, -ECANCELED:
 * seatmuxd ended first), or at once with -EALREADY when the machine is
 * in that mode already. 0, or -EBUSY (a switch is under way), -errno
 * (nothing started; done is not called). */
int seats_set_console(struct broker *b, bool console, seats_mode_done done, void *data);
/* Whether a switch is under way. */
bool seats_mode_switching(const struct broker *b);

#endif
