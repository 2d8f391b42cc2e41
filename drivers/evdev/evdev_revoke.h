/* SPDX-License-Identifier: MIT */
/* Cutting a session off an evdev device it was handed. */
#ifndef SEATMUX_EVDEV_REVOKE_H
#define SEATMUX_EVDEV_REVOKE_H

#include <stdbool.h>

/* 0 or negative errno. Irreversible: the session must reopen. */
int evdev_revoke(int fd);
/* Whether fd was revoked: it answers every ioctl with ENODEV. */
bool evdev_is_revoked(int fd);

#endif
