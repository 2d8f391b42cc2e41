/* SPDX-License-Identifier: MIT */
/*
 * What a controller (a teacher's dashboard) may send to a station it took
 * control of: evdev events (linux/input-event-codes.h), each judged alone
 * before any is written. Pure: no devices here (control.c writes them).
 */
#ifndef SEATMUX_CONTROL_RULES_H
#define SEATMUX_CONTROL_RULES_H

#include <stdbool.h>

/* Events in one call: a burst of typing or a drag, not a stream. */
#define CONTROL_EVENTS_MAX 256
/* The pointer is absolute: 0..CONTROL_ABS_MAX across the station's
 * screen on each axis, whatever its size (libinput scales it). */
#define CONTROL_ABS_MAX 65535
/* Wheel clicks in one event, either way. */
#define CONTROL_WHEEL_MAX 16

enum control_event {
	CONTROL_KEY,		/* a keyboard key, pressed (1) or released (0) */
	CONTROL_BUTTON,		/* a pointer button, pressed or released */
	CONTROL_ABS_X,		/* where the pointer is */
	CONTROL_ABS_Y,
	CONTROL_WHEEL,		/* wheel clicks, vertical */
	CONTROL_HWHEEL,		/* and horizontal */
	CONTROL_SYN,		/* the end of a pointer's frame */
};

/* What (type, code, value) is, or -EINVAL: a code no keyboard or pointer
 * of ours has (nor a key of the machine's own: system_keys.h), a key neither pressed nor released (autorepeat is the
 * session's), a position off the screen, no wheel clicks or too many. */
int control_event_classify(unsigned type, unsigned code, int value);

#endif
