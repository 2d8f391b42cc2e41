/* SPDX-License-Identifier: MIT */
/*
 * Devices given to seats the way `loginctl attach` gives them, so that
 * logind-aware tools agree: one persistent rule per device in
 * /etc/udev/rules.d/72-seat-ID_FOR_SEAT.rules,
 *
 *   TAG=="seat", ENV{ID_FOR_SEAT}=="ID_FOR_SEAT", ENV{ID_SEAT}="SEAT"
 *
 * (none for seat0, the default), then udev reloads and the device and
 * everything below it (a USB hub's keyboard and mouse) are announced
 * again: seatmuxd moves them at once (revoking them from the seat they
 * leave), and input devices are announced as added too, so that the
 * compositor of the seat they join opens them without a restart (libinput
 * acts on add and remove only). flush-devices removes every such rule.
 *
 * seat_attach, seat_flush_devices, seat_console_write and
 * seat_console_announce wait for udev (and fsync under /etc): seatmuxd
 * runs them in a child job (udev_job.h), never from its loop.
 */
#ifndef SEATMUX_SEAT_ATTACH_H
#define SEATMUX_SEAT_ATTACH_H

#include <libudev.h>
#include <stdbool.h>
#include <stddef.h>

#define SEAT_ATTACH_RULES_DIR "/etc/udev/rules.d"

/* logind's rule: "seat" then one or more letters, digits, '-' and '_'. */
bool seat_attach_name_valid(const char *seat);

/*
 * Gives device (a /sys path, or a /dev node: the nearest device at or
 * above it that udev tags "seat") and what hangs below it to seat. 0,
 * or -EINVAL (a seat name logind would refuse), -ENODEV (no such
 * device), -ENOTTY (nothing at or above it is a seat's device),
 * -ENAMETOOLONG (its ID_FOR_SEAT does not fit id_out), -EAGAIN (the rule
 * is written, udev could not be made to read it), -errno (the rule
 * could not be written). The device's ID_FOR_SEAT in id_out.
 */
int seat_attach(struct udev *udev, const char *rules_dir, const char *seat,
		const char *device, char *id_out, size_t size);

/* Removes every 72-seat-*.rules: devices go back to seat0 or to what
 * other rules say. How many were removed, or -errno. */
int seat_flush_devices(struct udev *udev, const char *rules_dir);

/*
 * Console mode: seat0 takes every device of the machine's own (one desktop
 * on every head, for maintenance); station mode: every head a station, as
 * the rules say. The mode is a rule file of its own in rules_dir,
 * SEAT_CONSOLE_RULE, so it holds across reboots, udev and logind agree,
 * and flush-devices leaves it be.
 */
#define SEAT_CONSOLE_RULE "72-zz-seatmux-console.rules"

bool seat_console_mode(const char *rules_dir);
/* The rule written or removed: 0, or -EALREADY (the mode is that
 * already), -errno. */
int seat_console_write(const char *rules_dir, bool console);
/* Then udev reloads and every device is announced again: 0, or -EAGAIN
 * (udev did not reload). */
int seat_console_announce(void);

#endif
