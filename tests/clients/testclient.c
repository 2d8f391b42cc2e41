// SPDX-License-Identifier: MIT
/*
 * seatmux-testclient: a Wayland client for acceptance tests. It fills its
 * toplevel with the seat's colour (seat-colors.h), sweeps a black bar 1/16
 * of its width across and back one step per frame callback, and logs one
 * event per line, a word then key=value fields (integers decimal unless
 * noted), flushed per line:
 *
 *   capabilities pointer=0|1 keyboard=0|1
 *   no_seat                      (compositor has no wl_seat yet)
 *   ready pid=N seat=NAME width=W height=H color=RRGGBB (hex)
 *                                (first frame committed)
 *   resize width=W height=H      (compositor changed the size later)
 *   frame n=N                    (every 60 frame callbacks)
 *   keyboard_enter | keyboard_leave | pointer_leave
 *   key key=EVDEV_CODE state=pressed|released sym=XKB_KEYSYM_NAME
 *   modifiers depressed=N latched=N locked=N group=N
 *   pointer_enter x=N y=N | motion x=N y=N   (surface coordinates)
 *   button button=EVDEV_CODE state=pressed|released
 *   axis axis=0|1 value=F        (0 vertical, 1 horizontal; %.2f)
 *   exit signal=SIGTERM|SIGINT | exit reason=close | exit status=1
 *
 * --counter-file holds the frame count as a decimal line, replaced by
 * rename every 10 frames and at exit.
 *
 * --still-after N stops the bar after N frame callbacks: nothing is drawn
 * or committed any more (logged "still n=N"), so the screen stays as it
 * is. A resize still draws the new size, bar where it stopped.
 *
 * --key-recolour swaps the colour for its complement at each key press,
 * the whole surface redrawn and damaged at once (logged "recolour
 * color=RRGGBB"): what a key does, seen on the screen, for bench/'s
 * latency from a key to its pixels.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <wayland-client.h>
#include <xkbcommon/xkbcommon.h>

#include "pattern.h"
#include "xdg-shell-client-protocol.h"

#define PROG "seatmux-testclient"
#define DEFAULT_WIDTH 640
#define DEFAULT_HEIGHT 480
#define FRAME_LOG_EVERY 20
#define COUNTER_EVERY 10
/* A QEMU guest under TCG has little CPU: two clients animating at the
 * compositor's pace take all of it from what the tests time. */
#define DEFAULT_FPS 10
#define BUFFER_COUNT 2

struct buffer {
	struct wl_buffer *wl_buffer;
	void *data;
	size_t size;
	int32_t width, height, stride;
	bool busy;
	/* Where this buffer's bar is drawn; -1 when its contents are stale. */
	int32_t bar_x;
	struct app *app;
};

struct options {
	const char *seat;
	const char *log_path;
	const char *counter_path;
	uint32_t color;
	bool have_color;
	uint32_t still_after;	/* 0: never */
	uint32_t fps;		/* 0: at the compositor's pace */
	bool key_recolour;
};

struct app {
	struct options opts;
	FILE *log;
	int signal_fd;
	int pace_fd;		/* timerfd: the next frame's time */
	struct timespec drawn_at;

	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_seat *seat;
	struct wl_pointer *pointer;
	struct wl_keyboard *keyboard;

	struct xkb_context *xkb_context;
	struct xkb_keymap *keymap;
	struct xkb_state *xkb_state;

	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct wl_callback *frame_callback;
	struct buffer buffers[BUFFER_COUNT];

	int32_t width, height;
	bool configured;
	bool redraw_pending;
	bool ready;
	bool quit;
	int status;

	uint32_t frames;
	/* What the compositor currently shows: size and bar of last commit. */
	int32_t shown_width, shown_height, shown_bar_x;
};

__attribute__((format(printf, 2, 3)))
static void app_log(struct app *app, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vfprintf(app->log, fmt, args);
	va_end(args);
	fputc('\n', app->log);
	fflush(app->log);
}

static void app_fail(struct app *app, const char *what)
{
	fprintf(stderr, PROG ": %s\n", what);
	if (!app->quit)
		app_log(app, "exit status=1");
	app->quit = true;
	app->status = EXIT_FAILURE;
}

/* Rewritten whole and renamed so a reader never sees a partial number. */
static void counter_write(struct app *app)
{
	char tmp[4096];
	FILE *f;

	if (!app->opts.counter_path)
		return;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", app->opts.counter_path) >=
	    (int)sizeof(tmp))
		return;
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "%u\n", app->frames);
	if (fclose(f) == 0)
		rename(tmp, app->opts.counter_path);
	else
		unlink(tmp);
}

static void buffer_destroy(struct buffer *buf)
{
	if (buf->wl_buffer)
		wl_buffer_destroy(buf->wl_buffer);
	if (buf->data)
		munmap(buf->data, buf->size);
	buf->wl_buffer = NULL;
	buf->data = NULL;
	buf->busy = false;
}

static void app_redraw(struct app *app);

static void buffer_handle_release(void *data, struct wl_buffer *wl_buffer)
{
	struct buffer *buf = data;

	buf->busy = false;
	if (buf->app->redraw_pending)
		app_redraw(buf->app);
}

static const struct wl_buffer_listener buffer_listener = {
	.release = buffer_handle_release,
};

static int buffer_create(struct app *app, struct buffer *buf)
{
	struct wl_shm_pool *pool;
	int fd;

	buf->width = app->width;
	buf->height = app->height;
	buf->stride = app->width * 4;
	buf->size = (size_t)buf->stride * (size_t)buf->height;
	buf->bar_x = -1;
	buf->app = app;

	fd = memfd_create(PROG, MFD_CLOEXEC);
	if (fd < 0)
		goto err;
	if (ftruncate(fd, (off_t)buf->size) < 0)
		goto err_fd;
	buf->data = mmap(NULL, buf->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, 0);
	if (buf->data == MAP_FAILED)
		goto err_fd;

	pool = wl_shm_create_pool(app->shm, fd, (int32_t)buf->size);
	buf->wl_buffer = wl_shm_pool_create_buffer(pool, 0, buf->width,
						   buf->height, buf->stride,
						   WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	wl_buffer_add_listener(buf->wl_buffer, &buffer_listener, buf);
	return 0;

err_fd:
	buf->data = NULL;
	close(fd);
err:
	fprintf(stderr, PROG ": cannot allocate %dx%d buffer: %s\n",
		buf->width, buf->height, strerror(errno));
	return -1;
}

/* A free buffer of the current size, or NULL when all are still held. */
static struct buffer *app_next_buffer(struct app *app)
{
	struct buffer *buf = NULL;
	int i;

	for (i = 0; i < BUFFER_COUNT; i++) {
		if (!app->buffers[i].busy) {
			buf = &app->buffers[i];
			break;
		}
	}
	if (!buf)
		return NULL;
	if (buf->wl_buffer &&
	    (buf->width != app->width || buf->height != app->height))
		buffer_destroy(buf);
	if (!buf->wl_buffer && buffer_create(app, buf) < 0) {
		app_fail(app, "out of memory for buffers");
		return NULL;
	}
	return buf;
}

static void app_damage(struct app *app, int32_t bar_x)
{
	struct pattern_rect old, new;

	if (app->shown_bar_x < 0 || app->shown_width != app->width ||
	    app->shown_height != app->height) {
		wl_surface_damage_buffer(app->surface, 0, 0, app->width,
					 app->height);
		return;
	}
	if (app->shown_bar_x == bar_x)
		return;
	old = pattern_bar_rect(app->shown_bar_x, app->width, app->height);
	new = pattern_bar_rect(bar_x, app->width, app->height);
	wl_surface_damage_buffer(app->surface, old.x, old.y, old.w, old.h);
	wl_surface_damage_buffer(app->surface, new.x, new.y, new.w, new.h);
}

static const struct wl_callback_listener frame_listener;
static void app_redraw(struct app *app);

/* The next frame one period after the last, at --fps: at once if that
 * time has passed, else when pace_fd fires. */
static void app_pace(struct app *app)
{
	struct itimerspec at = { 0 };
	struct timespec now;
	int64_t period_ns, due_ns, now_ns;

	if (!app->opts.fps) {
		app_redraw(app);
		return;
	}
	period_ns = 1000000000LL / app->opts.fps;
	due_ns = app->drawn_at.tv_sec * 1000000000LL + app->drawn_at.tv_nsec +
		 period_ns;
	clock_gettime(CLOCK_MONOTONIC, &now);
	now_ns = now.tv_sec * 1000000000LL + now.tv_nsec;
	if (due_ns <= now_ns) {
		app_redraw(app);
		return;
	}
	at.it_value.tv_sec = due_ns / 1000000000LL;
	at.it_value.tv_nsec = due_ns % 1000000000LL;
	if (timerfd_settime(app->pace_fd, TFD_TIMER_ABSTIME, &at, NULL) < 0)
		app_redraw(app);
}

static void app_handle_pace(struct app *app)
{
	uint64_t expired;

	if (read(app->pace_fd, &expired, sizeof(expired)) == sizeof(expired))
		app_redraw(app);
}

static void app_redraw(struct app *app)
{
	struct buffer *buf;
	int32_t bar_x;

	app->redraw_pending = true;
	if (!app->configured || app->quit)
		return;
	buf = app_next_buffer(app);
	if (!buf)
		return;
	app->redraw_pending = false;

	bar_x = pattern_bar_x(app->frames, app->width);
	if (app->opts.still_after && app->frames >= app->opts.still_after)
		bar_x = pattern_bar_x(app->opts.still_after, app->width);
	pattern_update(buf->data, buf->width, buf->height, buf->stride,
		       app->opts.color, buf->bar_x, bar_x);
	buf->bar_x = bar_x;

	wl_surface_attach(app->surface, buf->wl_buffer, 0, 0);
	app_damage(app, bar_x);
	/* One callback in flight at most: it alone paces the animation. */
	if (!app->frame_callback) {
		app->frame_callback = wl_surface_frame(app->surface);
		wl_callback_add_listener(app->frame_callback, &frame_listener,
					 app);
	}
	wl_surface_commit(app->surface);
	clock_gettime(CLOCK_MONOTONIC, &app->drawn_at);
	buf->busy = true;
	app->shown_width = app->width;
	app->shown_height = app->height;
	app->shown_bar_x = bar_x;

	if (!app->ready) {
		app->ready = true;
		app_log(app, "ready pid=%d seat=%s width=%d height=%d color=%06x",
			(int)getpid(), app->opts.seat, app->width, app->height,
			app->opts.color);
		counter_write(app);
	}
}

static void frame_handle_done(void *data, struct wl_callback *callback,
			      uint32_t time)
{
	struct app *app = data;

	wl_callback_destroy(callback);
	app->frame_callback = NULL;
	app->frames++;
	if (app->frames % FRAME_LOG_EVERY == 0)
		app_log(app, "frame n=%u", app->frames);
	if (app->frames % COUNTER_EVERY == 0)
		counter_write(app);
	if (app->opts.still_after && app->frames >= app->opts.still_after) {
		app_log(app, "still n=%u", app->frames);
		counter_write(app);
		return;
	}
	app_pace(app);
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_handle_done,
};

static void xdg_surface_handle_configure(void *data,
					 struct xdg_surface *xdg_surface,
					 uint32_t serial)
{
	struct app *app = data;

	xdg_surface_ack_configure(xdg_surface, serial);
	if (!app->configured || app->shown_width != app->width ||
	    app->shown_height != app->height) {
		if (app->configured)
			app_log(app, "resize width=%d height=%d", app->width,
				app->height);
		app->configured = true;
		/* A new size cannot wait for a frame callback that may
		 * never come while the old size is not being shown. */
		app_redraw(app);
	}
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_handle_configure,
};

static void toplevel_handle_configure(void *data,
				      struct xdg_toplevel *toplevel,
				      int32_t width, int32_t height,
				      struct wl_array *states)
{
	struct app *app = data;

	app->width = width > 0 ? width : DEFAULT_WIDTH;
	app->height = height > 0 ? height : DEFAULT_HEIGHT;
}

static void toplevel_handle_close(void *data, struct xdg_toplevel *toplevel)
{
	struct app *app = data;

	app_log(app, "exit reason=close");
	app->quit = true;
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_handle_configure,
	.close = toplevel_handle_close,
};

static void wm_base_handle_ping(void *data, struct xdg_wm_base *wm_base,
				uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_handle_ping,
};

static const char *state_name(uint32_t state)
{
	return state ? "pressed" : "released";
}

static void pointer_handle_enter(void *data, struct wl_pointer *pointer,
				 uint32_t serial, struct wl_surface *surface,
				 wl_fixed_t x, wl_fixed_t y)
{
	app_log(data, "pointer_enter x=%d y=%d", wl_fixed_to_int(x),
		wl_fixed_to_int(y));
}

static void pointer_handle_leave(void *data, struct wl_pointer *pointer,
				 uint32_t serial, struct wl_surface *surface)
{
	app_log(data, "pointer_leave");
}

static void pointer_handle_motion(void *data, struct wl_pointer *pointer,
				  uint32_t time, wl_fixed_t x, wl_fixed_t y)
{
	app_log(data, "motion x=%d y=%d", wl_fixed_to_int(x),
		wl_fixed_to_int(y));
}

static void pointer_handle_button(void *data, struct wl_pointer *pointer,
				  uint32_t serial, uint32_t time,
				  uint32_t button, uint32_t state)
{
	app_log(data, "button button=%u state=%s", button, state_name(state));
}

static void pointer_handle_axis(void *data, struct wl_pointer *pointer,
				uint32_t time, uint32_t axis, wl_fixed_t value)
{
	app_log(data, "axis axis=%u value=%.2f", axis,
		wl_fixed_to_double(value));
}

static void pointer_handle_frame(void *data, struct wl_pointer *pointer)
{
}

static void pointer_handle_axis_source(void *data, struct wl_pointer *pointer,
				       uint32_t source)
{
}

static void pointer_handle_axis_stop(void *data, struct wl_pointer *pointer,
				     uint32_t time, uint32_t axis)
{
}

static void pointer_handle_axis_discrete(void *data,
					 struct wl_pointer *pointer,
					 uint32_t axis, int32_t discrete)
{
}

/* Every event of wl_pointer v5 (the version bound) needs a handler. */
static const struct wl_pointer_listener pointer_listener = {
	.enter = pointer_handle_enter,
	.leave = pointer_handle_leave,
	.motion = pointer_handle_motion,
	.button = pointer_handle_button,
	.axis = pointer_handle_axis,
	.frame = pointer_handle_frame,
	.axis_source = pointer_handle_axis_source,
	.axis_stop = pointer_handle_axis_stop,
	.axis_discrete = pointer_handle_axis_discrete,
};

/* The complement of the colour, everywhere, now (--key-recolour). */
static void app_recolour(struct app *app)
{
	app->opts.color ^= 0xffffff;
	for (int i = 0; i < BUFFER_COUNT; i++)
		app->buffers[i].bar_x = -1;	/* stale: drawn whole */
	app->shown_bar_x = -1;			/* damaged whole */
	app_log(app, "recolour color=%06x", app->opts.color);
	app_redraw(app);
}

static void keyboard_reset_keymap(struct app *app)
{
	if (app->xkb_state)
		xkb_state_unref(app->xkb_state);
	if (app->keymap)
		xkb_keymap_unref(app->keymap);
	app->xkb_state = NULL;
	app->keymap = NULL;
}

static void keyboard_handle_keymap(void *data, struct wl_keyboard *keyboard,
				   uint32_t format, int32_t fd, uint32_t size)
{
	struct app *app = data;
	char *map;

	keyboard_reset_keymap(app);
	if (format != WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1 || size == 0)
		goto out;
	/* Private: the compositor may share one read-only map with all. */
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, PROG ": cannot map keymap: %s\n",
			strerror(errno));
		goto out;
	}
	app->keymap = xkb_keymap_new_from_buffer(app->xkb_context, map,
						 strnlen(map, size),
						 XKB_KEYMAP_FORMAT_TEXT_V1,
						 XKB_KEYMAP_COMPILE_NO_FLAGS);
	munmap(map, size);
	if (!app->keymap) {
		fprintf(stderr, PROG ": cannot compile keymap\n");
		goto out;
	}
	app->xkb_state = xkb_state_new(app->keymap);
	if (!app->xkb_state)
		keyboard_reset_keymap(app);
out:
	close(fd);
}

static void keyboard_handle_enter(void *data, struct wl_keyboard *keyboard,
				  uint32_t serial, struct wl_surface *surface,
				  struct wl_array *keys)
{
	app_log(data, "keyboard_enter");
}

static void keyboard_handle_leave(void *data, struct wl_keyboard *keyboard,
				  uint32_t serial, struct wl_surface *surface)
{
	app_log(data, "keyboard_leave");
}

static void keyboard_handle_key(void *data, struct wl_keyboard *keyboard,
				uint32_t serial, uint32_t time, uint32_t key,
				uint32_t state)
{
	struct app *app = data;
	xkb_keysym_t sym = XKB_KEY_NoSymbol;
	char name[64] = "NoSymbol";

	/* xkb keycodes are evdev codes offset by 8, for X11's sake. */
	if (app->xkb_state) {
		sym = xkb_state_key_get_one_sym(app->xkb_state, key + 8);
		if (xkb_keysym_get_name(sym, name, sizeof(name)) < 0)
			snprintf(name, sizeof(name), "0x%x", sym);
	}
	app_log(app, "key key=%u state=%s sym=%s", key, state_name(state),
		name);
	if (app->opts.key_recolour && state == WL_KEYBOARD_KEY_STATE_PRESSED)
		app_recolour(app);
}

static void keyboard_handle_modifiers(void *data, struct wl_keyboard *keyboard,
				      uint32_t serial, uint32_t depressed,
				      uint32_t latched, uint32_t locked,
				      uint32_t group)
{
	struct app *app = data;

	if (app->xkb_state)
		xkb_state_update_mask(app->xkb_state, depressed, latched,
				      locked, 0, 0, group);
	app_log(app, "modifiers depressed=%u latched=%u locked=%u group=%u",
		depressed, latched, locked, group);
}

static void keyboard_handle_repeat_info(void *data,
					struct wl_keyboard *keyboard,
					int32_t rate, int32_t delay)
{
}

static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = keyboard_handle_keymap,
	.enter = keyboard_handle_enter,
	.leave = keyboard_handle_leave,
	.key = keyboard_handle_key,
	.modifiers = keyboard_handle_modifiers,
	.repeat_info = keyboard_handle_repeat_info,
};

static void seat_handle_capabilities(void *data, struct wl_seat *seat,
				     uint32_t caps)
{
	struct app *app = data;
	bool has_pointer = caps & WL_SEAT_CAPABILITY_POINTER;
	bool has_keyboard = caps & WL_SEAT_CAPABILITY_KEYBOARD;

	app_log(app, "capabilities pointer=%d keyboard=%d", has_pointer,
		has_keyboard);
	if (has_pointer && !app->pointer) {
		app->pointer = wl_seat_get_pointer(seat);
		wl_pointer_add_listener(app->pointer, &pointer_listener, app);
	} else if (!has_pointer && app->pointer) {
		wl_pointer_release(app->pointer);
		app->pointer = NULL;
	}
	if (has_keyboard && !app->keyboard) {
		app->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(app->keyboard, &keyboard_listener,
					 app);
	} else if (!has_keyboard && app->keyboard) {
		wl_keyboard_release(app->keyboard);
		app->keyboard = NULL;
	}
}

static void seat_handle_name(void *data, struct wl_seat *seat,
			     const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
	.capabilities = seat_handle_capabilities,
	.name = seat_handle_name,
};

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static void registry_handle_global(void *data, struct wl_registry *registry,
				   uint32_t name, const char *interface,
				   uint32_t version)
{
	struct app *app = data;

	/* wl_surface.damage_buffer needs wl_compositor v4. */
	if (strcmp(interface, wl_compositor_interface.name) == 0 &&
	    version >= 4 && !app->compositor) {
		app->compositor = wl_registry_bind(registry, name,
						   &wl_compositor_interface, 4);
	} else if (strcmp(interface, wl_shm_interface.name) == 0 &&
		   !app->shm) {
		app->shm = wl_registry_bind(registry, name,
					    &wl_shm_interface, 1);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0 &&
		   !app->wm_base) {
		app->wm_base = wl_registry_bind(registry, name,
						&xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(app->wm_base, &wm_base_listener, app);
	} else if (strcmp(interface, wl_seat_interface.name) == 0 &&
		   version >= 3 && !app->seat) {
		/* v3 for wl_pointer/wl_keyboard.release. */
		app->seat = wl_registry_bind(registry, name, &wl_seat_interface,
					     min_u32(version, 5));
		wl_seat_add_listener(app->seat, &seat_listener, app);
	}
}

static void registry_handle_global_remove(void *data,
					  struct wl_registry *registry,
					  uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_handle_global,
	.global_remove = registry_handle_global_remove,
};

static int app_check_globals(struct app *app)
{
	const char *missing = NULL;

	if (!app->compositor)
		missing = "wl_compositor (version 4 or later)";
	else if (!app->shm)
		missing = "wl_shm";
	else if (!app->wm_base)
		missing = "xdg_wm_base";
	/* Not fatal: weston without input devices has no seat, and one that
	 * shows up later is bound then. The test sees no input events. */
	if (!missing && !app->seat)
		app_log(app, "no_seat");
	if (!missing)
		return 0;
	fprintf(stderr, PROG ": compositor does not offer %s\n", missing);
	return -1;
}

static int app_connect(struct app *app)
{
	const char *name = getenv("WAYLAND_DISPLAY");

	app->display = wl_display_connect(NULL);
	if (!app->display) {
		fprintf(stderr, PROG ": cannot connect to Wayland display %s: %s\n",
			name ? name : "wayland-0", strerror(errno));
		return -1;
	}
	app->registry = wl_display_get_registry(app->display);
	wl_registry_add_listener(app->registry, &registry_listener, app);
	if (wl_display_roundtrip(app->display) < 0) {
		fprintf(stderr, PROG ": lost the compositor during setup: %s\n",
			strerror(wl_display_get_error(app->display)));
		return -1;
	}
	return app_check_globals(app);
}

static void app_create_window(struct app *app)
{
	char title[256];

	snprintf(title, sizeof(title), PROG " %s", app->opts.seat);
	app->surface = wl_compositor_create_surface(app->compositor);
	app->xdg_surface = xdg_wm_base_get_xdg_surface(app->wm_base,
						       app->surface);
	xdg_surface_add_listener(app->xdg_surface, &xdg_surface_listener, app);
	app->toplevel = xdg_surface_get_toplevel(app->xdg_surface);
	xdg_toplevel_add_listener(app->toplevel, &toplevel_listener, app);
	xdg_toplevel_set_title(app->toplevel, title);
	xdg_toplevel_set_app_id(app->toplevel, PROG);
	/* An empty commit asks for the first configure. */
	wl_surface_commit(app->surface);
}

static void app_handle_signal(struct app *app)
{
	struct signalfd_siginfo info;

	if (read(app->signal_fd, &info, sizeof(info)) != sizeof(info))
		return;
	app_log(app, "exit signal=%s",
		info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
	app->quit = true;
}

static void app_handle_display_error(struct app *app)
{
	int err = wl_display_get_error(app->display);
	char what[256];

	snprintf(what, sizeof(what), "lost the compositor: %s",
		 strerror(err ? err : EPIPE));
	app_fail(app, what);
}

/* Reads events only through prepare_read, so none can sit unseen in the
 * queue while poll sleeps. */
static void app_run(struct app *app)
{
	struct pollfd fds[3] = {
		{ .fd = wl_display_get_fd(app->display) },
		{ .fd = app->signal_fd, .events = POLLIN },
		{ .fd = app->pace_fd, .events = POLLIN },
	};

	while (!app->quit) {
		while (wl_display_prepare_read(app->display) != 0) {
			if (wl_display_dispatch_pending(app->display) < 0)
				goto err;
		}
		fds[0].events = POLLIN;
		if (wl_display_flush(app->display) < 0) {
			if (errno != EAGAIN) {
				wl_display_cancel_read(app->display);
				goto err;
			}
			fds[0].events |= POLLOUT;
		}
		if (poll(fds, 3, -1) < 0) {
			wl_display_cancel_read(app->display);
			if (errno == EINTR)
				continue;
			app_fail(app, "poll failed");
			return;
		}
		if (fds[0].revents & (POLLIN | POLLERR | POLLHUP)) {
			if (wl_display_read_events(app->display) < 0)
				goto err;
		} else {
			wl_display_cancel_read(app->display);
		}
		if (wl_display_dispatch_pending(app->display) < 0)
			goto err;
		if (fds[1].revents & POLLIN)
			app_handle_signal(app);
		if (fds[2].revents & POLLIN)
			app_handle_pace(app);
	}
	return;

err:
	app_handle_display_error(app);
}

static void app_destroy(struct app *app)
{
	int i;

	for (i = 0; i < BUFFER_COUNT; i++)
		buffer_destroy(&app->buffers[i]);
	if (app->frame_callback)
		wl_callback_destroy(app->frame_callback);
	if (app->toplevel)
		xdg_toplevel_destroy(app->toplevel);
	if (app->xdg_surface)
		xdg_surface_destroy(app->xdg_surface);
	if (app->surface)
		wl_surface_destroy(app->surface);
	keyboard_reset_keymap(app);
	if (app->pointer)
		wl_pointer_release(app->pointer);
	if (app->keyboard)
		wl_keyboard_release(app->keyboard);
	if (app->seat)
		wl_seat_destroy(app->seat);
	if (app->wm_base)
		xdg_wm_base_destroy(app->wm_base);
	if (app->shm)
		wl_shm_destroy(app->shm);
	if (app->compositor)
		wl_compositor_destroy(app->compositor);
	if (app->registry)
		wl_registry_destroy(app->registry);
	if (app->display) {
		wl_display_flush(app->display);
		wl_display_disconnect(app->display);
	}
	if (app->xkb_context)
		xkb_context_unref(app->xkb_context);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [--seat NAME] [--color RRGGBB] [--log PATH]\n"
		"       [--counter-file PATH] [--still-after N] [--fps N]\n"
		"       [--key-recolour]\n"
		"  --seat NAME          seat name (default $XDG_SEAT or seat0);\n"
		"                       picks the colour from seat-colors.h\n"
		"  --color RRGGBB       paint this colour instead\n"
		"  --log PATH           append events here (default stdout)\n"
		"  --counter-file PATH  keep the frame count in this file\n"
		"  --still-after N      stop drawing after N frames\n"
		"  --key-recolour       each key press swaps the colour for its complement\n"
		"  --fps N              draw at most N frames a second (default %d;\n"
		"                       0: as often as the compositor asks)\n",
		DEFAULT_FPS);
}

static int options_parse(struct options *opts, int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "seat", required_argument, NULL, 's' },
		{ "color", required_argument, NULL, 'c' },
		{ "log", required_argument, NULL, 'l' },
		{ "counter-file", required_argument, NULL, 'n' },
		{ "still-after", required_argument, NULL, 'S' },
		{ "fps", required_argument, NULL, 'f' },
		{ "key-recolour", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;

	opts->seat = getenv("XDG_SEAT");
	opts->fps = DEFAULT_FPS;
	while ((opt = getopt_long(argc, argv, "s:c:l:n:S:f:kh", long_opts,
				  NULL)) != -1) {
		switch (opt) {
		case 's':
			opts->seat = optarg;
			break;
		case 'c':
			if (!pattern_parse_color(optarg, &opts->color)) {
				fprintf(stderr, PROG ": bad colour '%s', want RRGGBB\n",
					optarg);
				return -1;
			}
			opts->have_color = true;
			break;
		case 'l':
			opts->log_path = optarg;
			break;
		case 'n':
			opts->counter_path = optarg;
			break;
		case 'S': {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);

			if (*optarg < '0' || *optarg > '9' || *end || n > UINT32_MAX) {
				fprintf(stderr, PROG ": bad --still-after '%s'\n", optarg);
				return -1;
			}
			opts->still_after = (uint32_t)n;
			break;
		}
		case 'f': {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);

			if (*optarg < '0' || *optarg > '9' || *end || n > 1000) {
				fprintf(stderr, PROG ": bad --fps '%s', want 0 to 1000\n",
					optarg);
				return -1;
			}
			opts->fps = (uint32_t)n;
			break;
		}
		case 'k':
			opts->key_recolour = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_SUCCESS);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	if (!opts->seat || !*opts->seat)
		opts->seat = "seat0";
	if (!opts->have_color)
		opts->color = pattern_seat_color(opts->seat);
	return 0;
}

static int log_open(struct app *app)
{
	if (!app->opts.log_path) {
		app->log = stdout;
	} else {
		app->log = fopen(app->opts.log_path, "ae");
		if (!app->log) {
			fprintf(stderr, PROG ": cannot open log %s: %s\n",
				app->opts.log_path, strerror(errno));
			return -1;
		}
	}
	setvbuf(app->log, NULL, _IOLBF, 0);
	return 0;
}

/* Blocked signals arrive only through the signalfd, in the poll loop. */
static int signals_setup(struct app *app)
{
	sigset_t mask;

	/* A vanished log reader must not kill us mid-test. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		goto err;
	app->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (app->signal_fd < 0)
		goto err;
	app->pace_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (app->pace_fd < 0)
		goto err;
	return 0;
err:
	fprintf(stderr, PROG ": cannot set up signals or the frame timer: %s\n", strerror(errno));
	return -1;
}

int main(int argc, char **argv)
{
	struct app app = { .signal_fd = -1, .pace_fd = -1, .shown_bar_x = -1,
			   .status = EXIT_SUCCESS };

	if (options_parse(&app.opts, argc, argv) < 0)
		return EXIT_FAILURE;
	if (signals_setup(&app) < 0)
		return EXIT_FAILURE;
	if (log_open(&app) < 0)
		goto err_signal;
	app.xkb_context = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	if (!app.xkb_context) {
		fprintf(stderr, PROG ": cannot create xkb context\n");
		goto err_log;
	}
	if (app_connect(&app) < 0)
		goto err_app;

	app_create_window(&app);
	app_run(&app);
	counter_write(&app);
	app_destroy(&app);
	if (app.log != stdout)
		fclose(app.log);
	close(app.signal_fd);
	close(app.pace_fd);
	return app.status;

err_app:
	app_log(&app, "exit status=1");
	app_destroy(&app);
err_log:
	if (app.log != stdout)
		fclose(app.log);
err_signal:
	close(app.signal_fd);
	close(app.pace_fd);
	return EXIT_FAILURE;
}
