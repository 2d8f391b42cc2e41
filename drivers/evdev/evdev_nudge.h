/* SPDX-License-Identifier: MIT */
/*
 * Waking a session's input reader without input. A compositor given its
 * seat back reopens its devices, and libinput queues their removals and
 * re-additions; wlroots reads that queue only when a device's fd becomes
 * readable, so the user's first key or click after the switch is read
 * with it, before the compositor knows its pointer is back, and a click
 * is lost (cage: the client's wl_pointer is inert meanwhile). An event
 * the reader ignores, written into the device (evdev injection reaches
 * every reader of it), makes it read the queue first.
 */
#ifndef SEATMUX_EVDEV_NUDGE_H
#define SEATMUX_EVDEV_NUDGE_H

/* Writes MSC_SCAN 0 and SYN_REPORT into the device fd is open on (read
 * and write): 0, -EOPNOTSUPP if it reports no MSC_SCAN (the kernel would
 * drop it), or -errno. libinput ignores EV_MSC. */
int evdev_nudge(int fd);

#endif
