/* SPDX-License-Identifier: MIT */
/*
 * Runtime udev rules (/run/udev/rules.d): how seatmuxd gives the devices
 * of remote and imported stations their seats, so that udev, libinput and
 * wlroots agree with the broker. Rules go in before the devices appear.
 *
 * Everything below but udev_rules_write runs udevadm and waits for it:
 * call it in a child job (child_job.h, udev_job.h), never from the
 * loop. udevadm is the job's own child, waited for there.
 */
#ifndef SEATMUX_UDEV_RULES_H
#define SEATMUX_UDEV_RULES_H

#include <libudev.h>
#include <stdio.h>

/* Replaces the rules file with what write() puts after a header line
 * naming what the rules are for (written aside, then renamed). 0, or -1
 * with errno. */
int udev_rules_write(const char *path, const char *what,
		     void (*write)(FILE *f, void *data), void *data);
/* Has udev reload its rules, and waits for it: 0, or -1. */
int udev_rules_reload(void);
/* action ("change", "add") for syspath and every device below it, of
 * one subsystem only if subsystem is not NULL. */
void udev_rules_trigger_tree(const char *syspath, const char *action, const char *subsystem);
/* action for every device (of one subsystem if subsystem is not NULL). */
void udev_rules_trigger_all(const char *action, const char *subsystem);
/*
 * The devices whose home is home go elsewhere (or come back): the rules
 * (written already) reloaded, those devices and every one below them
 * announced again, settled, and the input devices of seat from whose
 * seat changed announced as removed and added, which is all libinput
 * heeds. 0, -ENOENT (nothing has that home), or -1.
 */
int udev_rules_move_home(struct udev *udev, const char *home, const char *from);
/* A change event for one device, so that rules made after it apply. */
void udev_rules_retrigger(const char *syspath);

#endif
