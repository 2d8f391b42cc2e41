/* SPDX-License-Identifier: MIT */
/*
 * `seatmuxctl input`'s events as text: "TYPE:CODE:VALUE" in decimal, parted
 * by commas ("1:30:1,1:30:0" presses and releases A). Pure (fuzzed): the
 * dashboard's bridge feeds it what a browser sent. What the numbers may
 * be is seatmuxd's to judge; here they need only fit evdev's fields.
 */
#ifndef SEATMUX_INPUT_EVENTS_H
#define SEATMUX_INPUT_EVENTS_H

#include <stdint.h>

struct input_events_event {
	uint16_t type, code;
	int32_t value;
};

/* text's events into ev: their count (at least one), or -1 if text is
 * not such a list or holds more than max. */
int input_events_parse(const char *text, struct input_events_event *ev, int max);

#endif
