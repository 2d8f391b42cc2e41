/* SPDX-License-Identifier: MIT */
/*
 * Which devices are seat devices and which seat they belong to, following
 * systemd-logind: ID_SEAT names the seat (seat0 when unset), DRM cards
 * tagged master-of-seat make a seat exist. Pure functions of udev
 * properties, so the rules are unit-tested without udev.
 */
#ifndef SEATMUX_SEAT_RULES_H
#define SEATMUX_SEAT_RULES_H

#include <stdbool.h>

#include "seat_proto.h"

enum device_kind {
	DEVICE_DRM_CARD,
	DEVICE_DRM_RENDER,
	DEVICE_EVDEV,
	/* card0-Virtual-2: no node of its own; a seat gets it by lease. */
	DEVICE_DRM_CONNECTOR,
};

struct seat_rules_input {
	const char *subsystem;
	const char *sysname;
	const char *id_seat;	/* NULL when unset */
	bool tag_master;	/* udev tag master-of-seat */
	/* An input device software made (uinput) that seatmuxd did not:
	 * anyone given /dev/uinput (Debian's steam-devices gives it) can
	 * name one for a station, and udev's rules seat it by its name. */
	bool foreign;
};

struct seat_rules_result {
	enum device_kind kind;
	bool master;
	char seat[SEAT_PROTO_MAX_SEAT];	/* "" for a connector that follows its card */
};

/* 0, -ENODEV for devices no seat hands out, -EINVAL for a bad ID_SEAT,
 * -EPERM for a foreign input device udev seats elsewhere than seat0 (a
 * station gets virtual input from seatmuxd only; seat0 is the console's,
 * whose user is the one a uaccess /dev/uinput is given to). */
int seat_rules_classify(const struct seat_rules_input *in,
			struct seat_rules_result *out);
/* The kind of device a canonical /dev path names, or -1. */
int seat_rules_path_kind(const char *path);
const char *seat_rules_kind_name(enum device_kind kind);
/* "HDMI-A-1" of "card0-HDMI-A-1", or NULL when sysname is no connector. */
const char *seat_rules_connector_name(const char *sysname);

#endif
