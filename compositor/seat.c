// SPDX-License-Identifier: MIT
/*
 * The station has one keyboard focus: the topmost mapped toplevel or popup
 * (the station's application fills the head, newer windows stack above).
 * The pointer focus is whatever surface lies under the pointer. The
 * cursor is the client's cursor surface while it has pointer focus, a
 * built-in arrow otherwise, and nothing until a pointer has moved (a
 * station without a mouse shows no arrow).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-server-protocol.h>
#include <xkbcommon/xkbcommon.h>

#include "data_device.h"
#include "output.h"
#include "seat.h"
#include "server.h"
#include "surface.h"

struct seat {
	struct server *server;
	struct xkb_context *xkb;
	struct xkb_keymap *keymap;
	struct xkb_state *state;
	char *keymap_text;
	struct wl_list keyboards;	/* wl_keyboard resources */
	struct wl_list pointers;	/* wl_pointer resources */
	struct surface *focus;		/* keyboard focus */
	struct surface *hover;		/* pointer focus */
	double x, y;			/* pointer position on the head */
	bool pointer_seen;
	struct wl_array pressed;	/* keys down, for enter */
	/* The cursor: a client's surface, or the arrow when none is set. */
	struct surface *cursor;
	bool cursor_hidden;		/* set_cursor with no surface */
	int32_t hot_x, hot_y;
	pixman_image_t *arrow;
	int cx, cy, cw, ch;		/* where the cursor was last drawn */
};

static struct seat *seat_of(struct server *server)
{
	return server->seat;
}

static void resource_unlink(struct wl_resource *resource)
{
	wl_list_remove(wl_resource_get_link(resource));
}

static void release(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static bool owns(struct wl_resource *r, struct surface *s)
{
	return s && wl_resource_get_client(r) == wl_resource_get_client(s->resource);
}

/* -- cursor -- */

/* Damages where the cursor was and where it is now. */
static void cursor_refresh(struct seat *st)
{
	struct server *server = st->server;
	pixman_region32_t r;
	pixman_image_t *img;
	int x = 0, y = 0;

	pixman_region32_init_rect(&r, st->cx, st->cy, (unsigned)st->cw, (unsigned)st->ch);
	img = seat_cursor(server, &x, &y, NULL);
	st->cx = x;
	st->cy = y;
	st->cw = img ? pixman_image_get_width(img) : 0;
	st->ch = img ? pixman_image_get_height(img) : 0;
	pixman_region32_union_rect(&r, &r, st->cx, st->cy, (unsigned)st->cw, (unsigned)st->ch);
	server_damage(server, &r);
	pixman_region32_fini(&r);
}

pixman_image_t *seat_cursor(struct server *server, int *x, int *y, struct surface **surface)
{
	struct seat *st = seat_of(server);

	if (surface)
		*surface = NULL;
	if (!st || !st->pointer_seen || st->cursor_hidden)
		return NULL;
	if (st->cursor) {
		*x = (int)st->x - st->hot_x;
		*y = (int)st->y - st->hot_y;
		if (surface)
			*surface = st->cursor;
		return surface_image(st->cursor);
	}
	*x = (int)st->x;
	*y = (int)st->y;
	return st->arrow;
}

static void cursor_commit(struct surface *s)
{
	struct seat *st = seat_of(s->server);

	if (st && st->cursor == s)
		cursor_refresh(st);
}

static void cursor_surface_gone(struct surface *s)
{
	struct seat *st = seat_of(s->server);

	if (st && st->cursor == s) {
		st->cursor = NULL;
		st->cursor_hidden = true;
		cursor_refresh(st);
	}
}

static const struct surface_role cursor_role = {
	.name = "wl_pointer cursor",
	.commit = cursor_commit,
	.destroy = cursor_surface_gone,
};

/* The default arrow: 1 outline, 2 fill. */
static pixman_image_t *arrow_create(void)
{
	static const char *rows[] = {
		"1", "11", "121", "1221", "12221", "122221", "1222221", "12222221",
		"122222221", "1222222221", "12222211111", "1221221", "121 1221",
		"11  1221", "1    1221", "     1221", "      11",
	};
	int w = 11, h = (int)(sizeof(rows) / sizeof(rows[0]));
	pixman_image_t *img = pixman_image_create_bits(PIXMAN_a8r8g8b8, w, h, NULL, 0);
	uint32_t *px;
	int stride;

	if (!img)
		return NULL;
	px = pixman_image_get_data(img);
	stride = pixman_image_get_stride(img) / 4;
	for (int y = 0; y < h; y++)
		for (int x = 0; rows[y][x]; x++)
			px[y * stride + x] = rows[y][x] == '1' ? 0xff000000 :
					     rows[y][x] == '2' ? 0xffffffff : 0;
	return img;
}

static void set_cursor(struct wl_client *client, struct wl_resource *resource, uint32_t serial,
		       struct wl_resource *surface_resource, int32_t hx, int32_t hy)
{
	struct seat *st = wl_resource_get_user_data(resource);
	struct surface *s = surface_resource ? surface_from_resource(surface_resource) : NULL;

	/* Only the client the pointer is over decides what it looks like. */
	if (!st->hover || wl_resource_get_client(st->hover->resource) != client)
		return;
	if (s && surface_set_role(s, &cursor_role, st, resource, WL_POINTER_ERROR_ROLE) < 0)
		return;
	st->cursor = s;
	st->cursor_hidden = !s;
	st->hot_x = hx;
	st->hot_y = hy;
	cursor_refresh(st);
}

static const struct wl_pointer_interface pointer_impl = {
	.set_cursor = set_cursor,
	.release = release,
};

static const struct wl_keyboard_interface keyboard_impl = { .release = release };

/* -- keyboard -- */

static int keymap_fd(const char *text, size_t size)
{
	int fd = memfd_create("seatmux-keymap", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -1;
	if (write(fd, text, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	return fd;
}

static void send_modifiers(struct seat *st, struct wl_resource *kb, uint32_t serial)
{
	wl_keyboard_send_modifiers(kb, serial,
		xkb_state_serialize_mods(st->state, XKB_STATE_MODS_DEPRESSED),
		xkb_state_serialize_mods(st->state, XKB_STATE_MODS_LATCHED),
		xkb_state_serialize_mods(st->state, XKB_STATE_MODS_LOCKED),
		xkb_state_serialize_layout(st->state, XKB_STATE_LAYOUT_EFFECTIVE));
}

static void send_enter(struct seat *st, struct wl_resource *kb)
{
	uint32_t serial = wl_display_next_serial(st->server->display);

	wl_keyboard_send_enter(kb, serial, st->focus->resource, &st->pressed);
	send_modifiers(st, kb, serial);
}

static void get_keyboard(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct seat *st = seat_of(wl_resource_get_user_data(resource));
	struct wl_resource *kb = wl_resource_create(client, &wl_keyboard_interface,
						    wl_resource_get_version(resource), id);
	size_t size;
	int fd;

	if (!kb) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(kb, &keyboard_impl, st, resource_unlink);
	wl_list_insert(&st->keyboards, wl_resource_get_link(kb));
	size = strlen(st->keymap_text) + 1;
	fd = keymap_fd(st->keymap_text, size);
	if (fd >= 0) {
		wl_keyboard_send_keymap(kb, WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1, fd, (uint32_t)size);
		close(fd);
	}
	if (wl_resource_get_version(kb) >= WL_KEYBOARD_REPEAT_INFO_SINCE_VERSION)
		wl_keyboard_send_repeat_info(kb, 25, 600);
	if (owns(kb, st->focus))
		send_enter(st, kb);
}

static void send_pointer_enter(struct seat *st, struct wl_resource *p)
{
	wl_pointer_send_enter(p, wl_display_next_serial(st->server->display),
			      st->hover->resource, wl_fixed_from_double(st->x - st->hover->x),
			      wl_fixed_from_double(st->y - st->hover->y));
	if (wl_resource_get_version(p) >= WL_POINTER_FRAME_SINCE_VERSION)
		wl_pointer_send_frame(p);
}

static void get_pointer(struct wl_client *client, struct wl_resource *resource, uint32_t id)
{
	struct seat *st = seat_of(wl_resource_get_user_data(resource));
	struct wl_resource *p = wl_resource_create(client, &wl_pointer_interface,
						   wl_resource_get_version(resource), id);

	if (!p) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(p, &pointer_impl, st, resource_unlink);
	wl_list_insert(&st->pointers, wl_resource_get_link(p));
	if (owns(p, st->hover))
		send_pointer_enter(st, p);
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

int seat_create(struct server *server)
{
	struct seat *st = calloc(1, sizeof(*st));

	if (!st)
		return -1;
	server->seat = st;
	st->server = server;
	wl_list_init(&st->keyboards);
	wl_list_init(&st->pointers);
	wl_array_init(&st->pressed);
	st->arrow = arrow_create();
	/* XKB_DEFAULT_LAYOUT and friends choose the keymap. */
	st->xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	st->keymap = st->xkb ? xkb_keymap_new_from_names(st->xkb, NULL, XKB_KEYMAP_COMPILE_NO_FLAGS) : NULL;
	st->state = st->keymap ? xkb_state_new(st->keymap) : NULL;
	st->keymap_text = st->keymap ? xkb_keymap_get_as_string(st->keymap, XKB_KEYMAP_FORMAT_TEXT_V1) : NULL;
	if (!st->keymap_text || !st->arrow) {
		fprintf(stderr, "seatmux-compositor: no XKB keymap (is xkeyboard-config installed?)\n");
		return -1;
	}
	return wl_global_create(server->display, &wl_seat_interface, 7, server, bind_seat) ? 0 : -1;
}

void seat_destroy(struct server *server)
{
	struct seat *st = seat_of(server);

	if (!st)
		return;
	free(st->keymap_text);
	xkb_state_unref(st->state);
	xkb_keymap_unref(st->keymap);
	xkb_context_unref(st->xkb);
	if (st->arrow)
		pixman_image_unref(st->arrow);
	wl_array_release(&st->pressed);
	free(st);
	server->seat = NULL;
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

struct wl_client *seat_focus_client(struct server *server)
{
	struct seat *st = seat_of(server);

	return st && st->focus ? wl_resource_get_client(st->focus->resource) : NULL;
}

static void set_hover(struct seat *st, struct surface *s)
{
	struct wl_resource *r;

	if (s == st->hover)
		return;
	if (st->hover) {
		uint32_t serial = wl_display_next_serial(st->server->display);

		wl_resource_for_each(r, &st->pointers) {
			if (!owns(r, st->hover))
				continue;
			wl_pointer_send_leave(r, serial, st->hover->resource);
			if (wl_resource_get_version(r) >= WL_POINTER_FRAME_SINCE_VERSION)
				wl_pointer_send_frame(r);
		}
	}
	/* A new client starts with the arrow until it sets its own. */
	if (!s || !st->hover || wl_resource_get_client(s->resource) !=
	    wl_resource_get_client(st->hover->resource)) {
		st->cursor = NULL;
		st->cursor_hidden = false;
		cursor_refresh(st);
	}
	st->hover = s;
	if (!s)
		return;
	wl_resource_for_each(r, &st->pointers)
		if (owns(r, s))
			send_pointer_enter(st, r);
}

static void update_hover(struct seat *st)
{
	set_hover(st, st->pointer_seen ? surface_at(st->server, st->x, st->y) : NULL);
}

void seat_update_focus(struct server *server)
{
	struct seat *st = seat_of(server);
	struct surface *top = st ? top_surface(server) : NULL;
	struct wl_resource *r;

	if (!st)
		return;
	update_hover(st);
	if (top == st->focus)
		return;
	if (st->focus) {
		uint32_t serial = wl_display_next_serial(server->display);

		wl_resource_for_each(r, &st->keyboards)
			if (owns(r, st->focus))
				wl_keyboard_send_leave(r, serial, st->focus->resource);
	}
	st->focus = top;
	if (top)
		wl_resource_for_each(r, &st->keyboards)
			if (owns(r, top))
				send_enter(st, r);
	data_device_focus(server, seat_focus_client(server));
}

void seat_surface_gone(struct server *server, struct surface *surface)
{
	struct seat *st = seat_of(server);

	if (!st)
		return;
	if (st->focus == surface)
		st->focus = NULL;
	if (st->hover == surface)
		st->hover = NULL;
}

/* -- events from the input backends -- */

static void pressed_update(struct seat *st, uint32_t key, bool down)
{
	uint32_t *k;

	wl_array_for_each(k, &st->pressed) {
		if (*k == key) {
			if (!down) {
				*k = ((uint32_t *)st->pressed.data)[st->pressed.size / 4 - 1];
				st->pressed.size -= sizeof(uint32_t);
			}
			return;
		}
	}
	if (down && (k = wl_array_add(&st->pressed, sizeof(*k))))
		*k = key;
}

void seat_key(struct server *server, uint32_t time, uint32_t key, bool down)
{
	struct seat *st = seat_of(server);
	uint32_t serial = wl_display_next_serial(server->display);
	struct wl_resource *r;

	pressed_update(st, key, down);
	/* evdev codes are XKB keycodes minus 8. */
	xkb_state_update_key(st->state, key + 8, down ? XKB_KEY_DOWN : XKB_KEY_UP);
	wl_resource_for_each(r, &st->keyboards) {
		if (!owns(r, st->focus))
			continue;
		wl_keyboard_send_key(r, serial, time, key, down ? WL_KEYBOARD_KEY_STATE_PRESSED :
				     WL_KEYBOARD_KEY_STATE_RELEASED);
		send_modifiers(st, r, serial);
	}
}

void seat_motion(struct server *server, uint32_t time, double x, double y)
{
	struct seat *st = seat_of(server);
	struct output *o = server->output;
	struct wl_resource *r;

	st->x = x < 0 ? 0 : x > o->width - 1 ? o->width - 1 : x;
	st->y = y < 0 ? 0 : y > o->height - 1 ? o->height - 1 : y;
	st->pointer_seen = true;
	cursor_refresh(st);
	if (st->hover != surface_at(server, st->x, st->y)) {
		update_hover(st);
		return;		/* enter carries the position */
	}
	if (!st->hover)
		return;
	wl_resource_for_each(r, &st->pointers) {
		if (!owns(r, st->hover))
			continue;
		wl_pointer_send_motion(r, time, wl_fixed_from_double(st->x - st->hover->x),
				       wl_fixed_from_double(st->y - st->hover->y));
		if (wl_resource_get_version(r) >= WL_POINTER_FRAME_SINCE_VERSION)
			wl_pointer_send_frame(r);
	}
}

void seat_motion_relative(struct server *server, uint32_t time, double dx, double dy)
{
	struct seat *st = seat_of(server);

	seat_motion(server, time, st->x + dx, st->y + dy);
}

void seat_button(struct server *server, uint32_t time, uint32_t button, bool down)
{
	struct seat *st = seat_of(server);
	uint32_t serial = wl_display_next_serial(server->display);
	struct wl_resource *r;

	wl_resource_for_each(r, &st->pointers) {
		if (!owns(r, st->hover))
			continue;
		wl_pointer_send_button(r, serial, time, button, down ? WL_POINTER_BUTTON_STATE_PRESSED :
				       WL_POINTER_BUTTON_STATE_RELEASED);
		if (wl_resource_get_version(r) >= WL_POINTER_FRAME_SINCE_VERSION)
			wl_pointer_send_frame(r);
	}
}

void seat_axis(struct server *server, uint32_t time, uint32_t axis, double value)
{
	struct seat *st = seat_of(server);
	struct wl_resource *r;

	wl_resource_for_each(r, &st->pointers) {
		if (!owns(r, st->hover))
			continue;
		wl_pointer_send_axis(r, time, axis, wl_fixed_from_double(value));
		if (wl_resource_get_version(r) >= WL_POINTER_FRAME_SINCE_VERSION)
			wl_pointer_send_frame(r);
	}
}
