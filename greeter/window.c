// SPDX-License-Identifier: MIT
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <wayland-client.h>

#include "window.h"
#include "xdg-shell-client-protocol.h"

#define BUFFERS 2
#define WINDOW_MAX 8192	/* pixels a side, at most */

struct buffer {
	struct wl_buffer *wl;
	void *data;
	size_t size;
	int width, height;
	bool busy;		/* the compositor holds it */
};

struct window {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_seat *seat;
	struct wl_keyboard *keyboard;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct xkb_context *xkb;
	struct xkb_keymap *keymap;
	struct xkb_state *state;
	struct buffer buffers[BUFFERS];
	int width, height;	/* as configured; 0 before */
	bool configured, closed;
	bool pending;		/* a redraw waits for a free buffer */
	window_draw_fn draw;
	void *draw_data;
	window_key_fn on_key;
	void *key_data;
	/* A key held repeats at the compositor's rate after its delay. */
	int repeat_fd;
	int32_t repeat_rate, repeat_delay;	/* per second, ms */
	uint32_t repeat_key;			/* evdev code; 0: none */
};

static void buffer_free(struct buffer *b)
{
	if (b->wl)
		wl_buffer_destroy(b->wl);
	if (b->data)
		munmap(b->data, b->size);
	memset(b, 0, sizeof(*b));
}

static void buffer_release(void *data, struct wl_buffer *wl_buffer)
{
	struct window *w = data;

	for (int i = 0; i < BUFFERS; i++)
		if (w->buffers[i].wl == wl_buffer)
			w->buffers[i].busy = false;
	if (w->pending)
		window_redraw(w, w->draw, w->draw_data);
}

static const struct wl_buffer_listener buffer_listener = { .release = buffer_release };

static int buffer_make(struct window *w, struct buffer *b)
{
	int stride = w->width * 4;
	struct wl_shm_pool *pool;
	int fd;

	b->size = (size_t)stride * (size_t)w->height;
	fd = memfd_create("seatmux-greeter", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)b->size) < 0)
		goto fail;
	b->data = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (b->data == MAP_FAILED) {
		b->data = NULL;
		goto fail;
	}
	pool = wl_shm_create_pool(w->shm, fd, (int32_t)b->size);
	b->wl = wl_shm_pool_create_buffer(pool, 0, w->width, w->height, stride,
					  WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	wl_buffer_add_listener(b->wl, &buffer_listener, w);
	b->width = w->width;
	b->height = w->height;
	return 0;

fail:
	close(fd);
	return -1;
}

/* A free buffer of the window's size; NULL if all are held (or -ENOMEM
 * in *err). */
static struct buffer *buffer_next(struct window *w, int *err)
{
	*err = 0;
	for (int i = 0; i < BUFFERS; i++) {
		struct buffer *b = &w->buffers[i];

		if (b->busy)
			continue;
		if (b->wl && (b->width != w->width || b->height != w->height))
			buffer_free(b);
		if (!b->wl && buffer_make(w, b) < 0) {
			*err = -ENOMEM;
			return NULL;
		}
		return b;
	}
	return NULL;
}

int window_redraw(struct window *w, window_draw_fn draw, void *data)
{
	struct buffer *b;
	int err;

	w->draw = draw;
	w->draw_data = data;
	w->pending = true;
	if (!w->configured || !w->width || !w->height)
		return 0;
	b = buffer_next(w, &err);
	if (!b)
		return err;
	w->pending = false;
	if (draw(b->data, b->width, b->height, b->width * 4, data) < 0)
		return -1;
	wl_surface_attach(w->surface, b->wl, 0, 0);
	wl_surface_damage_buffer(w->surface, 0, 0, b->width, b->height);
	wl_surface_commit(w->surface);
	b->busy = true;
	return 0;
}

static void surface_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct window *w = data;

	xdg_surface_ack_configure(xdg_surface, serial);
	w->configured = true;
	if (w->draw)
		window_redraw(w, w->draw, w->draw_data);
}

static const struct xdg_surface_listener surface_listener = { .configure = surface_configure };

static void toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width,
			       int32_t height, struct wl_array *states)
{
	struct window *w = data;

	/* 0 leaves the size to us: a head's worth is a guess, the
	 * compositor's full-screen size the rule. */
	w->width = width > 0 ? width : 1024;
	w->height = height > 0 ? height : 768;
	/* No head is larger; a buffer's size stays well inside int32. */
	if (w->width > WINDOW_MAX)
		w->width = WINDOW_MAX;
	if (w->height > WINDOW_MAX)
		w->height = WINDOW_MAX;
}

static void toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	((struct window *)data)->closed = true;
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_configure,
	.close = toplevel_close,
};

static void wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = { .ping = wm_base_ping };

static void repeat_arm(struct window *w, uint32_t key)
{
	struct itimerspec at = { 0 };

	w->repeat_key = key;
	if (key && w->repeat_rate > 0) {
		at.it_value.tv_sec = w->repeat_delay / 1000;
		at.it_value.tv_nsec = (long)(w->repeat_delay % 1000) * 1000000L;
		if (!at.it_value.tv_sec && !at.it_value.tv_nsec)
			at.it_value.tv_nsec = 1;
		at.it_interval.tv_nsec = 1000000000L / w->repeat_rate;
		if (w->repeat_rate == 1)
			at.it_interval = (struct timespec){ .tv_sec = 1 };
	}
	if (w->repeat_fd >= 0)
		timerfd_settime(w->repeat_fd, 0, &at, NULL);
}

static void keymap_drop(struct window *w)
{
	xkb_state_unref(w->state);
	xkb_keymap_unref(w->keymap);
	w->state = NULL;
	w->keymap = NULL;
}

static void keyboard_keymap(void *data, struct wl_keyboard *keyboard, uint32_t format,
			    int32_t fd, uint32_t size)
{
	struct window *w = data;
	char *map;

	keymap_drop(w);
	repeat_arm(w, 0);	/* a held key means another thing now */
	if (format != WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1 || !size)
		goto out;
	/* Private: the compositor may share one read-only map with all. */
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		goto out;
	w->keymap = xkb_keymap_new_from_buffer(w->xkb, map, strnlen(map, size),
					       XKB_KEYMAP_FORMAT_TEXT_V1,
					       XKB_KEYMAP_COMPILE_NO_FLAGS);
	munmap(map, size);
	w->state = w->keymap ? xkb_state_new(w->keymap) : NULL;
	if (!w->state) {
		fprintf(stderr, "seatmux-greeter: the compositor's keymap does not compile\n");
		keymap_drop(w);
	} else if (w->draw) {
		window_redraw(w, w->draw, w->draw_data);	/* its layout is shown */
	}
out:
	close(fd);
}

static void keyboard_enter(void *data, struct wl_keyboard *keyboard, uint32_t serial,
			   struct wl_surface *surface, struct wl_array *keys)
{
}

static void keyboard_leave(void *data, struct wl_keyboard *keyboard, uint32_t serial,
			   struct wl_surface *surface)
{
	repeat_arm(data, 0);
}

static void key_emit(struct window *w, uint32_t key, bool repeat)
{
	struct window_key k = { .repeat = repeat };

	/* xkb's keycodes are evdev's plus 8, for X11's sake. */
	k.sym = xkb_state_key_get_one_sym(w->state, key + 8);
	k.ctrl = xkb_state_mod_name_is_active(w->state, XKB_MOD_NAME_CTRL,
					      XKB_STATE_MODS_EFFECTIVE) > 0;
	xkb_state_key_get_utf8(w->state, key + 8, k.text, sizeof(k.text));
	w->on_key(w->key_data, &k);
	explicit_bzero(&k, sizeof(k));	/* it may have been part of a password */
}

static void keyboard_key(void *data, struct wl_keyboard *keyboard, uint32_t serial,
			 uint32_t time, uint32_t key, uint32_t state)
{
	struct window *w = data;

	if (state != WL_KEYBOARD_KEY_STATE_PRESSED) {
		if (key == w->repeat_key)
			repeat_arm(w, 0);
		return;
	}
	if (!w->state)
		return;
	key_emit(w, key, false);
	repeat_arm(w, xkb_keymap_key_repeats(w->keymap, key + 8) ? key : 0);
}

int window_repeat_fd(struct window *w)
{
	return w->repeat_fd;
}

void window_repeat(struct window *w)
{
	uint64_t n;

	if (read(w->repeat_fd, &n, sizeof(n)) != sizeof(n) || !w->repeat_key || !w->state)
		return;
	/* A loop that fell behind types a few, not a burst. */
	for (uint64_t i = 0; i < n && i < 4; i++)
		key_emit(w, w->repeat_key, true);
}

static void keyboard_modifiers(void *data, struct wl_keyboard *keyboard, uint32_t serial,
			       uint32_t depressed, uint32_t latched, uint32_t locked,
			       uint32_t group)
{
	struct window *w = data;

	if (w->state)
		xkb_state_update_mask(w->state, depressed, latched, locked, 0, 0, group);
}

static void keyboard_repeat_info(void *data, struct wl_keyboard *keyboard, int32_t rate,
				 int32_t delay)
{
	struct window *w = data;

	w->repeat_rate = rate > 1000 ? 1000 : rate;	/* 0: keys do not repeat */
	w->repeat_delay = delay < 0 ? 0 : delay;
}

static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = keyboard_keymap,
	.enter = keyboard_enter,
	.leave = keyboard_leave,
	.key = keyboard_key,
	.modifiers = keyboard_modifiers,
	.repeat_info = keyboard_repeat_info,
};

static void seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct window *w = data;
	bool has = caps & WL_SEAT_CAPABILITY_KEYBOARD;

	if (has && !w->keyboard) {
		w->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(w->keyboard, &keyboard_listener, w);
	} else if (!has && w->keyboard) {
		wl_keyboard_release(w->keyboard);
		w->keyboard = NULL;
		repeat_arm(w, 0);	/* no release will come */
	}
}

static void seat_name(void *data, struct wl_seat *seat, const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
	.capabilities = seat_capabilities,
	.name = seat_name,
};

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static void registry_global(void *data, struct wl_registry *registry, uint32_t name,
			    const char *iface, uint32_t version)
{
	struct window *w = data;

	if (!strcmp(iface, wl_compositor_interface.name) && !w->compositor) {
		/* Version 4 for wl_surface.damage_buffer. */
		if (version >= 4)
			w->compositor = wl_registry_bind(registry, name, &wl_compositor_interface, 4);
	} else if (!strcmp(iface, wl_shm_interface.name) && !w->shm) {
		w->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (!strcmp(iface, xdg_wm_base_interface.name) && !w->wm_base) {
		w->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(w->wm_base, &wm_base_listener, w);
	} else if (!strcmp(iface, wl_seat_interface.name) && !w->seat && version >= 3) {
		/* Version 3 for wl_keyboard.release. */
		w->seat = wl_registry_bind(registry, name, &wl_seat_interface,
					   min_u32(version, 5));
		wl_seat_add_listener(w->seat, &seat_listener, w);
	}
}

static void registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_global,
	.global_remove = registry_global_remove,
};

/* Binds the globals and maps the full-screen window: 0 or -1. */
static int window_map(struct window *w, const char *title)
{
	w->registry = wl_display_get_registry(w->display);
	wl_registry_add_listener(w->registry, &registry_listener, w);
	if (wl_display_roundtrip(w->display) < 0)
		return -1;
	if (!w->compositor || !w->shm || !w->wm_base) {
		fprintf(stderr, "seatmux-greeter: the compositor lacks wl_compositor 4, wl_shm or "
				"xdg_wm_base\n");
		return -1;
	}
	w->surface = wl_compositor_create_surface(w->compositor);
	w->xdg_surface = xdg_wm_base_get_xdg_surface(w->wm_base, w->surface);
	xdg_surface_add_listener(w->xdg_surface, &surface_listener, w);
	w->toplevel = xdg_surface_get_toplevel(w->xdg_surface);
	xdg_toplevel_add_listener(w->toplevel, &toplevel_listener, w);
	xdg_toplevel_set_title(w->toplevel, title);
	xdg_toplevel_set_app_id(w->toplevel, "seatmux-greeter");
	xdg_toplevel_set_fullscreen(w->toplevel, NULL);
	wl_surface_commit(w->surface);
	return wl_display_roundtrip(w->display) < 0 ? -1 : 0;
}

struct window *window_create(const char *title, window_key_fn on_key, void *data)
{
	struct window *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->on_key = on_key;
	w->key_data = data;
	w->repeat_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	w->xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	w->display = wl_display_connect(NULL);
	if (!w->xkb || !w->display) {
		fprintf(stderr, "seatmux-greeter: no Wayland display (WAYLAND_DISPLAY=%s)\n",
			getenv("WAYLAND_DISPLAY") ? getenv("WAYLAND_DISPLAY") : "");
		goto fail;
	}
	if (window_map(w, title) < 0)
		goto fail;
	return w;

fail:
	window_destroy(w);
	return NULL;
}

void window_destroy(struct window *w)
{
	if (!w)
		return;
	for (int i = 0; i < BUFFERS; i++)
		buffer_free(&w->buffers[i]);
	keymap_drop(w);
	if (w->keyboard)
		wl_keyboard_release(w->keyboard);
	if (w->toplevel)
		xdg_toplevel_destroy(w->toplevel);
	if (w->xdg_surface)
		xdg_surface_destroy(w->xdg_surface);
	if (w->surface)
		wl_surface_destroy(w->surface);
	if (w->seat)
		wl_seat_destroy(w->seat);
	if (w->wm_base)
		xdg_wm_base_destroy(w->wm_base);
	if (w->shm)
		wl_shm_destroy(w->shm);
	if (w->compositor)
		wl_compositor_destroy(w->compositor);
	if (w->registry)
		wl_registry_destroy(w->registry);
	if (w->display)
		wl_display_disconnect(w->display);
	xkb_context_unref(w->xkb);
	if (w->repeat_fd >= 0)
		close(w->repeat_fd);
	free(w);
}

int window_fd(struct window *w)
{
	return wl_display_get_fd(w->display);
}

int window_dispatch(struct window *w)
{
	if (wl_display_dispatch(w->display) < 0 || w->closed)
		return -1;
	return window_flush(w);
}

int window_flush(struct window *w)
{
	if (wl_display_flush(w->display) < 0 && errno != EAGAIN)
		return -1;
	return 0;
}

const char *window_layout(struct window *w)
{
	xkb_layout_index_t i;
	const char *name;

	if (!w->state)
		return "";
	i = xkb_state_serialize_layout(w->state, XKB_STATE_LAYOUT_EFFECTIVE);
	name = xkb_keymap_layout_get_name(w->keymap, i);
	return name ? name : "";
}
