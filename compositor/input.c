#include <errno.h>
#include <fcntl.h>
#include <libinput.h>
#include <libseat.h>
#include <libudev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-server-protocol.h>
#include <xkbcommon/xkbcommon.h>

#include "input.h"
#include "output.h"
#include "server.h"
#include "surface.h"

struct input {
	struct server *server;
	struct libseat *seat;
	struct udev *udev;
	struct libinput *li;
	struct wl_event_source *src;
	struct xkb_context *xkb;
	struct xkb_keymap *keymap;
	struct xkb_state *state;
	char *keymap_text;
	struct wl_list keyboards;	/* wl_keyboard resources */
	struct wl_list pointers;	/* wl_pointer resources */
	struct surface *focus;		/* keyboard and pointer focus */
	double x, y;			/* pointer position on the head */
	struct wl_array pressed;	/* keys down, for enter */
	/* libseat device ids by fd, to close what libinput closes. */
	int fds[64], ids[64], nfds;
};

static struct input *input_of(struct server *server)
{
	return server->input;
}

/* -- wl_seat -- */

static void resource_unlink(struct wl_resource *resource)
{
	wl_list_remove(wl_resource_get_link(resource));
}

static void release(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct wl_keyboard_interface keyboard_impl = { .release = release };

static void set_cursor(struct wl_client *c, struct wl_resource *r, uint32_t serial,
		       struct wl_resource *surface, int32_t x, int32_t y) {}

static const struct wl_pointer_interface pointer_impl = {
	.set_cursor = set_cursor,
	.release = release,
};

static int keymap_fd(const char *text, size_t size)
{
	int fd = memfd_create("seatmux-keymap", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (write(fd, text, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool owns(struct wl_resource *r, struct surface *s)
{
	return s && wl_resource_get_client(r) == wl_resource_get_client(s->resource);
}

static void send_enter(struct input *in, struct wl_resource *kb)
{
	uint32_t serial = wl_display_next_serial(in->server->display);

	wl_keyboard_send_enter(kb, serial, in->focus->resource, &in->pressed);
	wl_keyboard_send_modifiers(kb, serial,
		xkb_state_serialize_mods(in->state, XKB_STATE_MODS_DEPRESSED),
		xkb_state_serialize_mods(in->state, XKB_STATE_MODS_LATCHED),
		xkb_state_serialize_mods(in->state, XKB_STATE_MODS_LOCKED),
		xkb_state_serialize_layout(in->state, XKB_STATE_LAYOUT_EFFECTIVE));
}

static void get_keyboard(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct input *in = input_of(wl_resource_get_user_data(resource));
	struct wl_resource *kb = wl_resource_create(client, &wl_keyboard_interface,
						    wl_resource_get_version(resource), id);
	size_t size;
	int fd;

	if (!kb) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(kb, &keyboard_impl, in, resource_unlink);
	wl_list_insert(&in->keyboards, wl_resource_get_link(kb));
	size = strlen(in->keymap_text) + 1;
	fd = keymap_fd(in->keymap_text, size);
	if (fd >= 0) {
		wl_keyboard_send_keymap(kb, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1, fd, (uint32_t)size);
		close(fd);
	}
	if (wl_resource_get_version(kb) >= WL_KEYBOARD_REPEAT_INFO_SINCE_VERSION)
		wl_keyboard_send_repeat_info(kb, 25, 600);
	if (owns(kb, in->focus))
		send_enter(in, kb);
}

static void get_pointer(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct input *in = input_of(wl_resource_get_user_data(resource));
	struct wl_resource *p = wl_resource_create(client, &wl_pointer_interface,
						   wl_resource_get_version(resource), id);

	if (!p) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(p, &pointer_impl, in, resource_unlink);
	wl_list_insert(&in->pointers, wl_resource_get_link(p));
	if (owns(p, in->focus))
		wl_pointer_send_enter(p, wl_display_next_serial(in->server->display),
				      in->focus->resource,
				      wl_fixed_from_double(in->x - in->focus->x),
				      wl_fixed_from_double(in->y - in->focus->y));
}

static void get_touch(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	wl_resource_post_error(resource, WL_SEAT_ERROR_MISSING_CAPABILITY, "no touch here");
}

static const struct wl_seat_interface seat_impl = {
	.get_pointer = get_pointer,
	.get_keyboard = get_keyboard,
	.get_touch = get_touch,
	.release = release,
};

static void bind_seat(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r = wl_resource_create(client, &wl_seat_interface, (int)version, id);

	if (!r) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(r, &seat_impl, data, NULL);
	wl_seat_send_capabilities(r, WL_SEAT_CAPABILITY_KEYBOARD | WL_SEAT_CAPABILITY_POINTER);
	if (version >= WL_SEAT_NAME_SINCE_VERSION)
		wl_seat_send_name(r, "station");
}

int input_seat_create(struct server *server)
{
	struct input *in = calloc(1, sizeof(*in));

	if (!in)
		return -1;
	in->server = server;
	wl_list_init(&in->keyboards);
	wl_list_init(&in->pointers);
	wl_array_init(&in->pressed);
	/* XKB_DEFAULT_LAYOUT and friends choose the keymap. */
	in->xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	in->keymap = in->xkb ? xkb_keymap_new_from_names(in->xkb, NULL, XKB_KEYMAP_COMPILE_NO_FLAGS) : NULL;
	in->state = in->keymap ? xkb_state_new(in->keymap) : NULL;
	in->keymap_text = in->keymap ? xkb_keymap_get_as_string(in->keymap, XKB_KEYMAP_FORMAT_TEXT_V1) : NULL;
	server->input = in;
	if (!in->keymap_text) {
		fprintf(stderr, "seatmux-compositor: no XKB keymap (is xkeyboard-config installed?)\n");
		return -1;
	}
	return wl_global_create(server->display, &wl_seat_interface, 7, server, bind_seat) ? 0 : -1;
}

/* -- focus -- */

static struct surface *top_surface(struct server *server)
{
	struct surface *s, *top = NULL;

	wl_list_for_each(s, &server->surfaces, link)
		if (s->mapped)
			top = s;
	return top;
}

void input_update_focus(struct server *server)
{
	struct input *in = input_of(server);
	struct surface *top = in ? top_surface(server) : NULL;
	struct wl_resource *r;

	if (!in || top == in->focus)
		return;
	if (in->focus) {
		uint32_t serial = wl_display_next_serial(server->display);

		wl_resource_for_each(r, &in->keyboards)
			if (owns(r, in->focus))
				wl_keyboard_send_leave(r, serial, in->focus->resource);
		wl_resource_for_each(r, &in->pointers)
			if (owns(r, in->focus))
				wl_pointer_send_leave(r, serial, in->focus->resource);
	}
	in->focus = top;
	if (!top)
		return;
	wl_resource_for_each(r, &in->keyboards)
		if (owns(r, top))
			send_enter(in, r);
	wl_resource_for_each(r, &in->pointers)
		if (owns(r, top))
			wl_pointer_send_enter(r, wl_display_next_serial(server->display), top->resource,
					      wl_fixed_from_double(in->x - top->x),
					      wl_fixed_from_double(in->y - top->y));
}

void input_surface_gone(struct server *server, struct surface *surface)
{
	struct input *in = input_of(server);

	if (in && in->focus == surface)
		in->focus = NULL;
}

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

static void pressed_update(struct input *in, uint32_t key, bool down)
{
	uint32_t *k;

	wl_array_for_each(k, &in->pressed) {
		if (*k == key) {
			if (!down) {
				*k = ((uint32_t *)in->pressed.data)[in->pressed.size / 4 - 1];
				in->pressed.size -= sizeof(uint32_t);
			}
			return;
		}
	}
	if (down && (k = wl_array_add(&in->pressed, sizeof(*k))))
		*k = key;
}

static void handle_key(struct input *in, struct libinput_event_keyboard *e)
{
	uint32_t key = libinput_event_keyboard_get_key(e);
	bool down = libinput_event_keyboard_get_key_state(e) == LIBINPUT_KEY_STATE_PRESSED;
	uint32_t time = (uint32_t)libinput_event_keyboard_get_time(e);
	uint32_t serial = wl_display_next_serial(in->server->display);
	struct wl_resource *r;

	pressed_update(in, key, down);
	/* evdev codes are XKB keycodes minus 8. */
	xkb_state_update_key(in->state, key + 8, down ? XKB_KEY_DOWN : XKB_KEY_UP);
	wl_resource_for_each(r, &in->keyboards) {
		if (!owns(r, in->focus))
			continue;
		wl_keyboard_send_key(r, serial, time, key, down ? WL_KEYBOARD_KEY_STATE_PRESSED :
				     WL_KEYBOARD_KEY_STATE_RELEASED);
		wl_keyboard_send_modifiers(r, serial,
			xkb_state_serialize_mods(in->state, XKB_STATE_MODS_DEPRESSED),
			xkb_state_serialize_mods(in->state, XKB_STATE_MODS_LATCHED),
			xkb_state_serialize_mods(in->state, XKB_STATE_MODS_LOCKED),
			xkb_state_serialize_layout(in->state, XKB_STATE_LAYOUT_EFFECTIVE));
	}
}

static void pointer_frame(struct wl_resource *r)
{
	if (wl_resource_get_version(r) >= WL_POINTER_FRAME_SINCE_VERSION)
		wl_pointer_send_frame(r);
}

static void handle_motion(struct input *in, double x, double y, uint32_t time)
{
	struct output *o = in->server->output;
	struct wl_resource *r;

	in->x = x < 0 ? 0 : x > o->width - 1 ? o->width - 1 : x;
	in->y = y < 0 ? 0 : y > o->height - 1 ? o->height - 1 : y;
	if (!in->focus)
		return;
	wl_resource_for_each(r, &in->pointers) {
		if (!owns(r, in->focus))
			continue;
		wl_pointer_send_motion(r, time, wl_fixed_from_double(in->x - in->focus->x),
				       wl_fixed_from_double(in->y - in->focus->y));
		pointer_frame(r);
	}
}

static void handle_button(struct input *in, struct libinput_event_pointer *e)
{
	bool down = libinput_event_pointer_get_button_state(e) == LIBINPUT_BUTTON_STATE_PRESSED;
	struct wl_resource *r;

	wl_resource_for_each(r, &in->pointers) {
		if (!owns(r, in->focus))
			continue;
		wl_pointer_send_button(r, wl_display_next_serial(in->server->display),
				       (uint32_t)libinput_event_pointer_get_time(e),
				       libinput_event_pointer_get_button(e),
				       down ? WL_POINTER_BUTTON_STATE_PRESSED :
				       WL_POINTER_BUTTON_STATE_RELEASED);
		pointer_frame(r);
	}
}

static void handle_axis(struct input *in, struct libinput_event_pointer *e)
{
	static const enum libinput_pointer_axis axes[] = {
		LIBINPUT_POINTER_AXIS_SCROLL_VERTICAL, LIBINPUT_POINTER_AXIS_SCROLL_HORIZONTAL,
	};
	struct wl_resource *r;

	wl_resource_for_each(r, &in->pointers) {
		if (!owns(r, in->focus))
			continue;
		for (int a = 0; a < 2; a++)
			if (libinput_event_pointer_has_axis(e, axes[a]))
				wl_pointer_send_axis(r, (uint32_t)libinput_event_pointer_get_time(e),
						     a == 0 ? WL_POINTER_AXIS_VERTICAL_SCROLL :
						     WL_POINTER_AXIS_HORIZONTAL_SCROLL,
						     wl_fixed_from_double(
							libinput_event_pointer_get_axis_value(e, axes[a])));
		pointer_frame(r);
	}
}

static void handle_event(struct input *in, struct libinput_event *ev)
{
	struct libinput_event_pointer *p = libinput_event_get_pointer_event(ev);
	struct output *o = in->server->output;

	switch (libinput_event_get_type(ev)) {
	case LIBINPUT_EVENT_KEYBOARD_KEY:
		handle_key(in, libinput_event_get_keyboard_event(ev));
		break;
	case LIBINPUT_EVENT_POINTER_MOTION:
		handle_motion(in, in->x + libinput_event_pointer_get_dx(p),
			      in->y + libinput_event_pointer_get_dy(p),
			      (uint32_t)libinput_event_pointer_get_time(p));
		break;
	case LIBINPUT_EVENT_POINTER_MOTION_ABSOLUTE:
		handle_motion(in, libinput_event_pointer_get_absolute_x_transformed(p, (uint32_t)o->width),
			      libinput_event_pointer_get_absolute_y_transformed(p, (uint32_t)o->height),
			      (uint32_t)libinput_event_pointer_get_time(p));
		break;
	case LIBINPUT_EVENT_POINTER_BUTTON:
		handle_button(in, p);
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
	struct input *in = input_of(server);

	if (!in || !seat)
		return 0;
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

void input_stop(struct server *server)
{
	struct input *in = input_of(server);

	if (!in)
		return;
	if (in->src)
		wl_event_source_remove(in->src);
	if (in->li)
		libinput_unref(in->li);
	if (in->udev)
		udev_unref(in->udev);
	free(in->keymap_text);
	xkb_state_unref(in->state);
	xkb_keymap_unref(in->keymap);
	xkb_context_unref(in->xkb);
	wl_array_release(&in->pressed);
	free(in);
	server->input = NULL;
}
