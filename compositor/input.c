// SPDX-License-Identifier: MIT
/*
 * libinput over the seat's evdev devices, every one opened through libseat
 * (so through seatmuxd, which only hands out the seat's own). Events go to
 * seat.c, which delivers them to clients.
 */
#include <errno.h>
#include <fcntl.h>
#include <libinput.h>
#include <libseat.h>
#include <libudev.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <wayland-server-protocol.h>

#include "input.h"
#include "output.h"
#include "seat.h"
#include "server.h"

struct input {
	struct server *server;
	struct libseat *seat;
	struct udev *udev;
	struct libinput *li;
	struct wl_event_source *src;
	/* libseat device ids by fd, to close what libinput closes. */
	int fds[64], ids[64], nfds;
};

/* -- libinput -- */

static int open_restricted(const char *path, int flags, void *data)
{
	struct input *in = data;
	int fd, id;

	if (in->nfds == 64)
		return -EMFILE;
	id = libseat_open_device(in->seat, path, &fd);
	if (id < 0)
		return -errno;
	in->fds[in->nfds] = fd;
	in->ids[in->nfds++] = id;
	return fd;
}

static void close_restricted(int fd, void *data)
{
	struct input *in = data;

	for (int i = 0; i < in->nfds; i++) {
		if (in->fds[i] != fd)
			continue;
		libseat_close_device(in->seat, in->ids[i]);
		in->fds[i] = in->fds[--in->nfds];
		in->ids[i] = in->ids[in->nfds];
		break;
	}
	close(fd);
}

static const struct libinput_interface li_impl = {
	.open_restricted = open_restricted,
	.close_restricted = close_restricted,
};

static void handle_axis(struct input *in, struct libinput_event_pointer *e)
{
	static const enum libinput_pointer_axis axes[] = {
		LIBINPUT_POINTER_AXIS_SCROLL_VERTICAL, LIBINPUT_POINTER_AXIS_SCROLL_HORIZONTAL,
	};
	uint32_t time = (uint32_t)libinput_event_pointer_get_time(e);

	for (int a = 0; a < 2; a++)
		if (libinput_event_pointer_has_axis(e, axes[a]))
			seat_axis(in->server, time, a == 0 ? WL_POINTER_AXIS_VERTICAL_SCROLL :
				  WL_POINTER_AXIS_HORIZONTAL_SCROLL,
				  libinput_event_pointer_get_axis_value(e, axes[a]));
}

static void handle_event(struct input *in, struct libinput_event *ev)
{
	enum libinput_event_type type = libinput_event_get_type(ev);
	struct libinput_event_pointer *p = NULL;
	struct libinput_event_keyboard *k;
	struct output *o = in->server->output;

	if (type >= LIBINPUT_EVENT_POINTER_MOTION && type <= LIBINPUT_EVENT_POINTER_AXIS)
		p = libinput_event_get_pointer_event(ev);
	switch (type) {
	case LIBINPUT_EVENT_KEYBOARD_KEY:
		k = libinput_event_get_keyboard_event(ev);
		seat_key(in->server, (uint32_t)libinput_event_keyboard_get_time(k),
			 libinput_event_keyboard_get_key(k),
			 libinput_event_keyboard_get_key_state(k) == LIBINPUT_KEY_STATE_PRESSED);
		break;
	case LIBINPUT_EVENT_POINTER_MOTION:
		seat_motion_relative(in->server, (uint32_t)libinput_event_pointer_get_time(p),
				     libinput_event_pointer_get_dx(p),
				     libinput_event_pointer_get_dy(p));
		break;
	case LIBINPUT_EVENT_POINTER_MOTION_ABSOLUTE:
		seat_motion(in->server, (uint32_t)libinput_event_pointer_get_time(p),
			    libinput_event_pointer_get_absolute_x_transformed(p, (uint32_t)o->width),
			    libinput_event_pointer_get_absolute_y_transformed(p, (uint32_t)o->height));
		break;
	case LIBINPUT_EVENT_POINTER_BUTTON:
		seat_button(in->server, (uint32_t)libinput_event_pointer_get_time(p),
			    libinput_event_pointer_get_button(p),
			    libinput_event_pointer_get_button_state(p) == LIBINPUT_BUTTON_STATE_PRESSED);
		break;
	case LIBINPUT_EVENT_POINTER_AXIS:
		handle_axis(in, p);
		break;
	default:
		break;
	}
}

static int on_libinput(int fd, uint32_t mask, void *data)
{
	struct input *in = data;
	struct libinput_event *ev;

	if (libinput_dispatch(in->li) < 0)
		return 0;
	while ((ev = libinput_get_event(in->li))) {
		handle_event(in, ev);
		libinput_event_destroy(ev);
	}
	return 0;
}

int input_start(struct server *server, struct libseat *seat)
{
	struct input *in;

	if (!seat)
		return 0;
	in = calloc(1, sizeof(*in));
	if (!in)
		return -1;
	server->input = in;
	in->server = server;
	in->seat = seat;
	in->udev = udev_new();
	in->li = in->udev ? libinput_udev_create_context(&li_impl, in, in->udev) : NULL;
	if (!in->li || libinput_udev_assign_seat(in->li, libseat_seat_name(seat)) < 0) {
		fprintf(stderr, "seatmux-compositor: libinput on %s failed\n", libseat_seat_name(seat));
		return -1;
	}
	in->src = wl_event_loop_add_fd(server->loop, libinput_get_fd(in->li), WL_EVENT_READABLE,
				       on_libinput, in);
	if (!in->src)
		return -1;
	on_libinput(0, 0, in);
	return 0;
}

/*
 * The seat's evdev fds are revoked already: libinput lets go of them all,
 * and releases what was held down. Those releases go to the clients now,
 * so that no key or button stays down until the seat comes back.
 */
void input_suspend(struct server *server)
{
	struct input *in = server->input;

	if (!in)
		return;
	libinput_suspend(in->li);
	on_libinput(0, 0, in);
}

/* libinput looks the seat's devices up again and opens each anew. */
int input_resume(struct server *server)
{
	struct input *in = server->input;

	if (!in)
		return 0;
	if (libinput_resume(in->li) < 0)
		return -1;
	on_libinput(0, 0, in);
	return 0;
}

void input_stop(struct server *server)
{
	struct input *in = server->input;

	if (!in)
		return;
	if (in->src)
		wl_event_source_remove(in->src);
	if (in->li)
		libinput_unref(in->li);
	if (in->udev)
		udev_unref(in->udev);
	free(in);
	server->input = NULL;
}
