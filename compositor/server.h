/* SPDX-License-Identifier: MIT */
/*
 * seatmux-compositor: one station's Wayland compositor, for simple KMS
 * devices (dumb buffers, pixman). The whole state lives in struct server,
 * passed to every part.
 */
#ifndef SEATMUX_COMPOSITOR_SERVER_H
#define SEATMUX_COMPOSITOR_SERVER_H

#include <pixman.h>
#include <stdbool.h>
#include <sys/types.h>
#include <wayland-server-core.h>

struct data_device;
struct input;
struct output;
struct seat;
struct test_control;

struct server {
	struct wl_display *display;
	struct wl_event_loop *loop;
	struct output *output;
	struct seat *seat;		/* wl_seat: focus, keyboard, pointer */
	struct input *input;		/* libinput, when there is a seat */
	struct data_device *data;	/* the selection */
	struct wl_list surfaces;	/* roots: struct surface::link, bottom to top */
	struct wl_list all_surfaces;	/* struct surface::all_link */
	struct wl_list presenting;	/* feedbacks waiting for the frame on its way */
	struct wl_list output_resources;	/* wl_output resources */
	pixman_region32_t damage;	/* output coordinates, not yet repainted */
	bool frame_pending;		/* committed, not yet on screen */
	int exit_status;
	struct wl_event_source *repaint_idle;	/* a repaint is due when idle */
	uint32_t background;		/* XRGB8888 behind every surface */
	/* The station's application, restarted whenever it exits. */
	char **app_argv;
	pid_t app_pid;
	int app_restarts;
	struct wl_event_source *app_timer;
	struct test_control *test_control;	/* test-only, or NULL */
	const char *dump_path;		/* test-only: SIGUSR1 writes a PPM here */
	struct wl_event_source *sources[8];	/* removed at exit */
	int nsources;
};

/* Something changed on screen (NULL: only frame callbacks wait): repaint
 * once the event loop is idle, or when the frame on its way is shown. */
void server_damage(struct server *server, const pixman_region32_t *region);
/* Keeps an event source to remove at exit; false if source is NULL. */
bool server_keep_source(struct server *server, struct wl_event_source *source);

#endif
