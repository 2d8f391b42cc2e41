/* SPDX-License-Identifier: MIT */
/*
 * The greeter's one full-screen window: the Wayland connection, an
 * xdg_toplevel asked to be full screen, shared-memory buffers drawn on
 * request, and the keyboard read through xkbcommon. It knows nothing of
 * logging in: keys go to a callback as keysyms and text.
 */
#ifndef SEATMUX_GREETER_WINDOW_H
#define SEATMUX_GREETER_WINDOW_H

#include <stdbool.h>
#include <stdint.h>
#include <xkbcommon/xkbcommon.h>

struct window;

struct window_key {
	xkb_keysym_t sym;
	char text[16];	/* what the key types (UTF-8), "" for none */
	bool ctrl;
	bool repeat;	/* typed again because it is held */
};

/* Draws a width x height XRGB8888 picture: 0, or -1. */
typedef int (*window_draw_fn)(void *pixels, int width, int height, int stride, void *data);
typedef void (*window_key_fn)(void *data, const struct window_key *key);

/* Connects to WAYLAND_DISPLAY and maps the window: NULL with a line on
 * stderr if the compositor lacks what it needs. */
struct window *window_create(const char *title, window_key_fn on_key, void *data);
void window_destroy(struct window *w);
/* For poll: read events when it is readable, then window_dispatch. */
int window_fd(struct window *w);
/* Dispatches what was read and flushes requests: 0, or -1 once the
 * compositor is gone or closed the window. */
int window_dispatch(struct window *w);
/* Flushes what is queued (before poll): 0 or -1. */
int window_flush(struct window *w);
/* Draws now if the window is configured and a buffer is free, else as
 * soon as one is: 0, or -1 out of memory. */
int window_redraw(struct window *w, window_draw_fn draw, void *data);
/* For poll: a held key's repeat is due when it is readable; then
 * window_repeat types it again (-1: keys do not repeat). */
int window_repeat_fd(struct window *w);
void window_repeat(struct window *w);
/* The keyboard layout in use ("English (US)"), "" before a keymap. */
const char *window_layout(struct window *w);

#endif
