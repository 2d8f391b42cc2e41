/* SPDX-License-Identifier: MIT */
/*
 * Input while the broker shows a screen: the seat's session is cut off
 * its devices, so a key or a click at the station is the broker's. A
 * message ends at the first key or button pressed, as a dialog would.
 */
#ifndef SEATMUX_SCREEN_INPUT_H
#define SEATMUX_SCREEN_INPUT_H

struct broker;
struct screen_input;

typedef void (*screen_input_fn)(void *data);

/* Reads the seat's input devices; pressed() is called (from the loop)
 * at a key or button press. NULL if the seat has none that opened. */
struct screen_input *screen_input_open(struct broker *b, const char *seat,
				       screen_input_fn pressed, void *data);
void screen_input_close(struct screen_input *in);

#endif
