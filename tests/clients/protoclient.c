// SPDX-License-Identifier: MIT
/*
 * seatmux-protoclient: scripted Wayland client for the compositor's
 * protocol tests. It maps one fullscreen toplevel of one colour and then
 * plays a scenario, logging one event per line (flushed) to stdout or
 * --log. Lines on stdin ("step") advance scenarios that have steps.
 *
 *   --mode subsurface     sync child A (green 40x40 at 20,20) above, child
 *                         B (blue) below the red parent; steps: A turns
 *                         yellow (cached), parent commits, A desync turns
 *                         magenta, A moves to 100,20 with a parent commit
 *   --mode viewport       a 20x20 buffer of quadrants (red green / blue
 *                         white) scaled to the whole toplevel; step:
 *                         source = the white quadrant
 *   --mode viewport-bad-dest | viewport-exists | viewport-out-of-buffer
 *                         protocol errors
 *   --mode presentation   redraws every frame with a feedback each time
 *   --mode copy --text T  sets the selection to T when it gets focus
 *   --mode paste          reads text/plain selections it is offered
 *   --mode cursor         sets a 16x16 magenta cursor, hotspot 8,8; step:
 *                         hides it
 *   --mode held           red; steps: green replaces it (red is released),
 *                         green destroyed while shown and the surface
 *                         damaged, blue whose memory is then truncated
 *                         and damaged (libwayland disconnects the client)
 *
 * Log lines: ready width=W height=H | step n=N | error interface=I code=C
 *   | keyboard_enter | keyboard_leave | selection-set | sent mime=M
 *   | cancelled | offer mime=M | pasted text=T | selection none
 *   | presented sec=S nsec=N refresh=R seq=Q flags=F | discarded
 *   | sync_output | cursor-set | cursor-hidden | pointer_enter x=X y=Y
 *   | pointer_leave | released colour=RRGGBB
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <wayland-client.h>

#include "presentation-time-client-protocol.h"
#include "viewporter-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#define PROG "seatmux-protoclient"
#define RED 0xffff0000u
#define GREEN 0xff00ff00u
#define BLUE 0xff0000ffu
#define WHITE 0xffffffffu
#define YELLOW 0xffffff00u
#define MAGENTA 0xffff00ffu
#define GREY 0xff808080u

struct client {
	const char *mode;
	const char *text;
	FILE *log;
	struct wl_display *display;
	struct wl_compositor *compositor;
	struct wl_subcompositor *subcompositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm;
	struct wl_seat *seat;
	struct wl_keyboard *keyboard;
	struct wl_pointer *pointer;
	struct wl_data_device_manager *ddm;
	struct wl_data_device *data_device;
	struct wl_data_source *source;
	struct wp_viewporter *viewporter;
	struct wp_presentation *presentation;
	struct wl_output *output;

	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	int32_t width, height;
	bool configured, ready, quit;
	int steps;

	/* subsurface scenario */
	struct wl_surface *child_a, *child_b;
	struct wl_subsurface *sub_a, *sub_b;
	/* viewport scenario */
	struct wp_viewport *viewport;
	/* cursor scenario */
	struct wl_surface *cursor;
	/* paste scenario */
	struct wl_data_offer *offer;
	bool offer_text;
	/* held scenario: the buffer shown, and its memory */
	struct wl_buffer *held;
	int held_fd;
};

__attribute__((format(printf, 2, 3)))
static void say(struct client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(c->log, fmt, ap);
	va_end(ap);
	fputc('\n', c->log);
	fflush(c->log);
}

static void buffer_release(void *data, struct wl_buffer *buffer)
{
	wl_buffer_destroy(buffer);
}

static const struct wl_buffer_listener buffer_listener = { .release = buffer_release };

/* A buffer of w x h filled by colour_at(x, y); destroyed once released. */
static struct wl_buffer *make_buffer(struct client *c, int w, int h,
				     uint32_t (*colour_at)(int x, int y, uint32_t arg),
				     uint32_t arg)
{
	size_t size = (size_t)w * (size_t)h * 4;
	int fd = memfd_create(PROG, MFD_CLOEXEC);
	struct wl_shm_pool *pool;
	struct wl_buffer *b;
	uint32_t *px;

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
		perror(PROG ": memfd");
		exit(1);
	}
	px = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (px == MAP_FAILED) {
		perror(PROG ": mmap");
		exit(1);
	}
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			px[y * w + x] = colour_at(x, y, arg);
	munmap(px, size);
	pool = wl_shm_create_pool(c->shm, fd, (int32_t)size);
	b = wl_shm_pool_create_buffer(pool, 0, w, h, w * 4, WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	wl_buffer_add_listener(b, &buffer_listener, NULL);
	return b;
}

struct held_colour {
	struct client *c;
	uint32_t colour;
};

static void held_release(void *data, struct wl_buffer *buffer)
{
	struct held_colour *h = data;

	say(h->c, "released colour=%06x", h->colour & 0xffffff);
}

static const struct wl_buffer_listener held_listener = { .release = held_release };

/* A whole-toplevel buffer of one colour whose memfd stays open (c->held_fd)
 * and whose release is logged; shown at once. */
static void show_held(struct client *c, uint32_t colour)
{
	size_t size = (size_t)c->width * (size_t)c->height * 4;
	struct held_colour *h = calloc(1, sizeof(*h));
	struct wl_shm_pool *pool;
	uint32_t *px;

	c->held_fd = memfd_create(PROG, MFD_CLOEXEC);
	if (!h || c->held_fd < 0 || ftruncate(c->held_fd, (off_t)size) < 0) {
		perror(PROG ": memfd");
		exit(1);
	}
	px = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, c->held_fd, 0);
	if (px == MAP_FAILED) {
		perror(PROG ": mmap");
		exit(1);
	}
	for (size_t i = 0; i < size / 4; i++)
		px[i] = colour;
	munmap(px, size);
	*h = (struct held_colour){ c, colour };
	pool = wl_shm_create_pool(c->shm, c->held_fd, (int32_t)size);
	c->held = wl_shm_pool_create_buffer(pool, 0, c->width, c->height, c->width * 4,
					    WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	wl_buffer_add_listener(c->held, &held_listener, h);
	wl_surface_attach(c->surface, c->held, 0, 0);
	wl_surface_damage_buffer(c->surface, 0, 0, c->width, c->height);
	wl_surface_commit(c->surface);
}

static void held_step(struct client *c, int n)
{
	if (n == 1) {
		close(c->held_fd);
		show_held(c, GREEN);
	} else if (n == 2) {
		/* Allowed before the release, the memory left alone. */
		wl_buffer_destroy(c->held);
		close(c->held_fd);
		wl_surface_damage_buffer(c->surface, 0, 0, c->width, c->height);
		wl_surface_commit(c->surface);
	} else if (n == 3) {
		show_held(c, BLUE);
		wl_display_roundtrip(c->display);
		if (ftruncate(c->held_fd, 0) < 0)
			perror(PROG ": ftruncate");
		wl_surface_damage_buffer(c->surface, 0, 0, c->width, c->height);
		wl_surface_commit(c->surface);
	}
}

static uint32_t solid(int x, int y, uint32_t colour)
{
	return colour;
}

static uint32_t quadrants(int x, int y, uint32_t half)
{
	static const uint32_t q[4] = { RED, GREEN, BLUE, WHITE };

	return q[(y >= (int)half) * 2 + (x >= (int)half)];
}

/* Stripes that move with n, so every frame differs. */
static uint32_t stripes(int x, int y, uint32_t n)
{
	return ((uint32_t)(x + (int)n * 4) / 16) % 2 ? GREY : WHITE;
}

static void paint(struct client *c, struct wl_surface *s, int w, int h, uint32_t colour)
{
	wl_surface_attach(s, make_buffer(c, w, h, solid, colour), 0, 0);
	wl_surface_damage_buffer(s, 0, 0, w, h);
	wl_surface_commit(s);
}

/* -- presentation -- */

static void fb_sync_output(void *data, struct wp_presentation_feedback *fb,
			   struct wl_output *output)
{
	say(data, "sync_output");
}

static void fb_presented(void *data, struct wp_presentation_feedback *fb, uint32_t sec_hi,
			 uint32_t sec_lo, uint32_t nsec, uint32_t refresh, uint32_t seq_hi,
			 uint32_t seq_lo, uint32_t flags)
{
	say(data, "presented sec=%llu nsec=%u refresh=%u seq=%llu flags=%u",
	    (unsigned long long)sec_hi << 32 | sec_lo, nsec, refresh,
	    (unsigned long long)seq_hi << 32 | seq_lo, flags);
	wp_presentation_feedback_destroy(fb);
}

static void fb_discarded(void *data, struct wp_presentation_feedback *fb)
{
	say(data, "discarded");
	wp_presentation_feedback_destroy(fb);
}

static const struct wp_presentation_feedback_listener feedback_listener = {
	.sync_output = fb_sync_output,
	.presented = fb_presented,
	.discarded = fb_discarded,
};

static void draw_frame(struct client *c);

static void frame_done(void *data, struct wl_callback *cb, uint32_t msec)
{
	wl_callback_destroy(cb);
	draw_frame(data);
}

static const struct wl_callback_listener frame_listener = { .done = frame_done };

static void draw_frame(struct client *c)
{
	struct wp_presentation_feedback *fb;

	fb = wp_presentation_feedback(c->presentation, c->surface);
	wp_presentation_feedback_add_listener(fb, &feedback_listener, c);
	wl_callback_add_listener(wl_surface_frame(c->surface), &frame_listener, c);
	wl_surface_attach(c->surface, make_buffer(c, c->width, c->height, stripes,
						  (uint32_t)c->steps++), 0, 0);
	wl_surface_damage_buffer(c->surface, 0, 0, c->width, c->height);
	wl_surface_commit(c->surface);
}

/* -- scenarios: what the first frame holds -- */

static void first_frame(struct client *c)
{
	const char *m = c->mode;

	if (!strcmp(m, "subsurface")) {
		c->child_a = wl_compositor_create_surface(c->compositor);
		c->child_b = wl_compositor_create_surface(c->compositor);
		c->sub_a = wl_subcompositor_get_subsurface(c->subcompositor, c->child_a, c->surface);
		c->sub_b = wl_subcompositor_get_subsurface(c->subcompositor, c->child_b, c->surface);
		wl_subsurface_set_position(c->sub_a, 20, 20);
		wl_subsurface_set_position(c->sub_b, 40, 40);
		wl_subsurface_place_below(c->sub_b, c->surface);
		paint(c, c->child_a, 40, 40, GREEN);
		paint(c, c->child_b, 40, 40, BLUE);
		paint(c, c->surface, c->width, c->height, RED);
	} else if (!strncmp(m, "viewport", 8)) {
		c->viewport = wp_viewporter_get_viewport(c->viewporter, c->surface);
		if (!strcmp(m, "viewport-exists"))
			wp_viewporter_get_viewport(c->viewporter, c->surface);
		if (!strcmp(m, "viewport-bad-dest"))
			wp_viewport_set_destination(c->viewport, 0, 10);
		else
			wp_viewport_set_destination(c->viewport, c->width, c->height);
		if (!strcmp(m, "viewport-out-of-buffer"))
			wp_viewport_set_source(c->viewport, wl_fixed_from_int(15), wl_fixed_from_int(15),
					       wl_fixed_from_int(10), wl_fixed_from_int(10));
		wl_surface_attach(c->surface, make_buffer(c, 20, 20, quadrants, 10), 0, 0);
		wl_surface_damage_buffer(c->surface, 0, 0, 20, 20);
		wl_surface_commit(c->surface);
	} else if (!strcmp(m, "presentation")) {
		draw_frame(c);
	} else if (!strcmp(m, "held")) {
		show_held(c, RED);
	} else {
		paint(c, c->surface, c->width, c->height,
		      !strcmp(m, "copy") ? GREEN : !strcmp(m, "paste") ? BLUE : GREY);
	}
}

static void step(struct client *c)
{
	int n = ++c->steps;

	if (!strcmp(c->mode, "subsurface")) {
		if (n == 1) {
			paint(c, c->child_a, 40, 40, YELLOW);	/* cached: parent not committed */
		} else if (n == 2) {
			wl_surface_commit(c->surface);
		} else if (n == 3) {
			wl_subsurface_set_desync(c->sub_a);
			paint(c, c->child_a, 40, 40, MAGENTA);
		} else if (n == 4) {
			wl_subsurface_set_position(c->sub_a, 100, 20);
			wl_surface_commit(c->surface);
		}
	} else if (!strcmp(c->mode, "viewport")) {
		wp_viewport_set_source(c->viewport, wl_fixed_from_int(10), wl_fixed_from_int(10),
				       wl_fixed_from_int(10), wl_fixed_from_int(10));
		wl_surface_commit(c->surface);
	} else if (!strcmp(c->mode, "cursor") && c->pointer) {
		wl_pointer_set_cursor(c->pointer, 0, NULL, 0, 0);
		say(c, "cursor-hidden");
	} else if (!strcmp(c->mode, "held")) {
		held_step(c, n);
	}
	wl_display_roundtrip(c->display);
	say(c, "step n=%d", n);
}

/* -- data device -- */

static void source_target(void *data, struct wl_data_source *s, const char *mime) {}

static void source_send(void *data, struct wl_data_source *s, const char *mime, int32_t fd)
{
	struct client *c = data;
	size_t len = strlen(c->text);

	if (write(fd, c->text, len) != (ssize_t)len)
		perror(PROG ": write");
	close(fd);
	say(c, "sent mime=%s", mime);
}

static void source_cancelled(void *data, struct wl_data_source *s)
{
	struct client *c = data;

	say(c, "cancelled");
	wl_data_source_destroy(s);
	c->source = NULL;
}

static const struct wl_data_source_listener source_listener = {
	.target = source_target,
	.send = source_send,
	.cancelled = source_cancelled,
};

static void offer_offer(void *data, struct wl_data_offer *o, const char *mime)
{
	struct client *c = data;

	say(c, "offer mime=%s", mime);
	if (!strcmp(mime, "text/plain;charset=utf-8"))
		c->offer_text = true;
}

static const struct wl_data_offer_listener offer_listener = { .offer = offer_offer };

static void dd_data_offer(void *data, struct wl_data_device *dd, struct wl_data_offer *o)
{
	struct client *c = data;

	c->offer_text = false;
	wl_data_offer_add_listener(o, &offer_listener, c);
}

static void paste(struct client *c, struct wl_data_offer *o)
{
	char buf[4096];
	size_t len = 0;
	ssize_t n;
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	wl_data_offer_receive(o, "text/plain;charset=utf-8", p[1]);
	close(p[1]);
	wl_display_flush(c->display);
	while (len < sizeof(buf) - 1 && (n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(p[0]);
	buf[len] = '\0';
	say(c, "pasted text=%s", buf);
}

static void dd_selection(void *data, struct wl_data_device *dd, struct wl_data_offer *o)
{
	struct client *c = data;

	if (c->offer)
		wl_data_offer_destroy(c->offer);
	c->offer = o;
	if (!o)
		say(c, "selection none");
	else if (c->offer_text && !strcmp(c->mode, "paste"))
		paste(c, o);
}

static void dd_enter(void *d, struct wl_data_device *dd, uint32_t serial, struct wl_surface *s,
		     wl_fixed_t x, wl_fixed_t y, struct wl_data_offer *o) {}
static void dd_leave(void *d, struct wl_data_device *dd) {}
static void dd_motion(void *d, struct wl_data_device *dd, uint32_t t, wl_fixed_t x,
		      wl_fixed_t y) {}
static void dd_drop(void *d, struct wl_data_device *dd) {}

static const struct wl_data_device_listener dd_listener = {
	.data_offer = dd_data_offer,
	.enter = dd_enter,
	.leave = dd_leave,
	.motion = dd_motion,
	.drop = dd_drop,
	.selection = dd_selection,
};

/* -- keyboard and pointer -- */

static void kb_keymap(void *d, struct wl_keyboard *k, uint32_t f, int32_t fd, uint32_t size)
{
	close(fd);
}

static void kb_enter(void *data, struct wl_keyboard *k, uint32_t serial, struct wl_surface *s,
		     struct wl_array *keys)
{
	struct client *c = data;

	say(c, "keyboard_enter");
	if (!strcmp(c->mode, "copy") && !c->source && c->data_device) {
		c->source = wl_data_device_manager_create_data_source(c->ddm);
		wl_data_source_add_listener(c->source, &source_listener, c);
		wl_data_source_offer(c->source, "text/plain;charset=utf-8");
		wl_data_source_offer(c->source, "text/plain");
		wl_data_device_set_selection(c->data_device, c->source, serial);
		say(c, "selection-set");
	}
}

static void kb_leave(void *data, struct wl_keyboard *k, uint32_t serial, struct wl_surface *s)
{
	say(data, "keyboard_leave");
}

static void kb_key(void *d, struct wl_keyboard *k, uint32_t serial, uint32_t t, uint32_t key,
		   uint32_t state) {}
static void kb_mods(void *d, struct wl_keyboard *k, uint32_t serial, uint32_t dep,
		    uint32_t lat, uint32_t lock, uint32_t group) {}
static void kb_repeat(void *d, struct wl_keyboard *k, int32_t rate, int32_t delay) {}

static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = kb_keymap,
	.enter = kb_enter,
	.leave = kb_leave,
	.key = kb_key,
	.modifiers = kb_mods,
	.repeat_info = kb_repeat,
};

static void ptr_enter(void *data, struct wl_pointer *p, uint32_t serial, struct wl_surface *s,
		      wl_fixed_t x, wl_fixed_t y)
{
	struct client *c = data;

	say(c, "pointer_enter x=%d y=%d", wl_fixed_to_int(x), wl_fixed_to_int(y));
	if (strcmp(c->mode, "cursor") || c->steps)
		return;
	if (!c->cursor) {
		c->cursor = wl_compositor_create_surface(c->compositor);
		paint(c, c->cursor, 16, 16, MAGENTA);
	}
	wl_pointer_set_cursor(p, serial, c->cursor, 8, 8);
	wl_display_roundtrip(c->display);
	say(c, "cursor-set");
}

static void ptr_leave(void *data, struct wl_pointer *p, uint32_t serial, struct wl_surface *s)
{
	say(data, "pointer_leave");
}

static void ptr_motion(void *d, struct wl_pointer *p, uint32_t t, wl_fixed_t x, wl_fixed_t y) {}
static void ptr_button(void *d, struct wl_pointer *p, uint32_t serial, uint32_t t, uint32_t b,
		       uint32_t state) {}
static void ptr_axis(void *d, struct wl_pointer *p, uint32_t t, uint32_t axis, wl_fixed_t v) {}
static void ptr_frame(void *d, struct wl_pointer *p) {}
static void ptr_axis_source(void *d, struct wl_pointer *p, uint32_t s) {}
static void ptr_axis_stop(void *d, struct wl_pointer *p, uint32_t t, uint32_t axis) {}
static void ptr_axis_discrete(void *d, struct wl_pointer *p, uint32_t axis, int32_t v) {}

static const struct wl_pointer_listener pointer_listener = {
	.enter = ptr_enter,
	.leave = ptr_leave,
	.motion = ptr_motion,
	.button = ptr_button,
	.axis = ptr_axis,
	.frame = ptr_frame,
	.axis_source = ptr_axis_source,
	.axis_stop = ptr_axis_stop,
	.axis_discrete = ptr_axis_discrete,
};

/* -- shell and registry -- */

static void wm_ping(void *data, struct xdg_wm_base *wm, uint32_t serial)
{
	xdg_wm_base_pong(wm, serial);
}

static const struct xdg_wm_base_listener wm_listener = { .ping = wm_ping };

static void xs_configure(void *data, struct xdg_surface *xs, uint32_t serial)
{
	struct client *c = data;

	xdg_surface_ack_configure(xs, serial);
	if (c->configured)
		return;
	c->configured = true;
	first_frame(c);
	wl_display_roundtrip(c->display);
	c->ready = true;
	say(c, "ready width=%d height=%d", c->width, c->height);
}

static const struct xdg_surface_listener xs_listener = { .configure = xs_configure };

static void tl_configure(void *data, struct xdg_toplevel *tl, int32_t w, int32_t h,
			 struct wl_array *states)
{
	struct client *c = data;

	if (w > 0 && h > 0 && !c->configured) {
		c->width = w;
		c->height = h;
	}
}

static void tl_close(void *data, struct xdg_toplevel *tl)
{
	((struct client *)data)->quit = true;
}

static const struct xdg_toplevel_listener tl_listener = {
	.configure = tl_configure,
	.close = tl_close,
};

static void seat_caps(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct client *c = data;

	if ((caps & WL_SEAT_CAPABILITY_KEYBOARD) && !c->keyboard) {
		c->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(c->keyboard, &keyboard_listener, c);
	}
	if ((caps & WL_SEAT_CAPABILITY_POINTER) && !c->pointer) {
		c->pointer = wl_seat_get_pointer(seat);
		wl_pointer_add_listener(c->pointer, &pointer_listener, c);
	}
}

static void seat_name(void *data, struct wl_seat *seat, const char *name) {}

static const struct wl_seat_listener seat_listener = {
	.capabilities = seat_caps,
	.name = seat_name,
};

static void global(void *data, struct wl_registry *r, uint32_t name, const char *iface,
		   uint32_t version)
{
	struct client *c = data;

	if (!strcmp(iface, wl_compositor_interface.name))
		c->compositor = wl_registry_bind(r, name, &wl_compositor_interface, 4);
	else if (!strcmp(iface, wl_subcompositor_interface.name))
		c->subcompositor = wl_registry_bind(r, name, &wl_subcompositor_interface, 1);
	else if (!strcmp(iface, wl_shm_interface.name))
		c->shm = wl_registry_bind(r, name, &wl_shm_interface, 1);
	else if (!strcmp(iface, xdg_wm_base_interface.name))
		c->wm = wl_registry_bind(r, name, &xdg_wm_base_interface, 1);
	else if (!strcmp(iface, wl_seat_interface.name))
		c->seat = wl_registry_bind(r, name, &wl_seat_interface, 5);
	else if (!strcmp(iface, wl_data_device_manager_interface.name))
		c->ddm = wl_registry_bind(r, name, &wl_data_device_manager_interface, 3);
	else if (!strcmp(iface, wp_viewporter_interface.name))
		c->viewporter = wl_registry_bind(r, name, &wp_viewporter_interface, 1);
	else if (!strcmp(iface, wp_presentation_interface.name))
		c->presentation = wl_registry_bind(r, name, &wp_presentation_interface, 1);
	else if (!strcmp(iface, wl_output_interface.name) && !c->output)
		c->output = wl_registry_bind(r, name, &wl_output_interface, 1);
}

static void global_remove(void *data, struct wl_registry *r, uint32_t name) {}

static const struct wl_registry_listener registry_listener = {
	.global = global,
	.global_remove = global_remove,
};

static int setup(struct client *c)
{
	c->display = wl_display_connect(NULL);
	if (!c->display) {
		fprintf(stderr, PROG ": cannot connect: %m\n");
		return -1;
	}
	wl_registry_add_listener(wl_display_get_registry(c->display), &registry_listener, c);
	wl_display_roundtrip(c->display);
	if (!c->compositor || !c->subcompositor || !c->shm || !c->wm || !c->seat || !c->ddm ||
	    !c->viewporter || !c->presentation) {
		say(c, "missing-global");
		return -1;
	}
	xdg_wm_base_add_listener(c->wm, &wm_listener, c);
	wl_seat_add_listener(c->seat, &seat_listener, c);
	c->data_device = wl_data_device_manager_get_data_device(c->ddm, c->seat);
	wl_data_device_add_listener(c->data_device, &dd_listener, c);
	c->surface = wl_compositor_create_surface(c->compositor);
	c->xdg_surface = xdg_wm_base_get_xdg_surface(c->wm, c->surface);
	xdg_surface_add_listener(c->xdg_surface, &xs_listener, c);
	c->toplevel = xdg_surface_get_toplevel(c->xdg_surface);
	xdg_toplevel_add_listener(c->toplevel, &tl_listener, c);
	xdg_toplevel_set_fullscreen(c->toplevel, NULL);
	c->width = 640;
	c->height = 480;
	wl_surface_commit(c->surface);
	return 0;
}

/* A protocol error ends the client; the log says which. */
static void report_error(struct client *c)
{
	const struct wl_interface *iface = NULL;
	uint32_t id;
	int err = wl_display_get_error(c->display);

	if (err == EPROTO) {
		uint32_t code = wl_display_get_protocol_error(c->display, &iface, &id);

		say(c, "error interface=%s code=%u", iface ? iface->name : "?", code);
	} else {
		say(c, "disconnected errno=%d", err);
	}
}

static void run(struct client *c)
{
	struct pollfd fds[2] = {
		{ .fd = wl_display_get_fd(c->display), .events = POLLIN },
		{ .fd = STDIN_FILENO, .events = POLLIN },
	};
	char line[64];

	while (!c->quit) {
		while (wl_display_prepare_read(c->display) != 0)
			if (wl_display_dispatch_pending(c->display) < 0)
				goto fail;
		if (wl_display_flush(c->display) < 0 && errno != EAGAIN) {
			wl_display_cancel_read(c->display);
			goto fail;
		}
		if (poll(fds, 2, -1) < 0) {
			wl_display_cancel_read(c->display);
			continue;
		}
		if (!(fds[0].revents & POLLIN)) {
			wl_display_cancel_read(c->display);
		} else if (wl_display_read_events(c->display) < 0) {
			goto fail;
		}
		if (wl_display_dispatch_pending(c->display) < 0)
			goto fail;
		if (fds[1].revents & (POLLIN | POLLHUP)) {
			if (!fgets(line, sizeof(line), stdin))
				fds[1].fd = -1;		/* no more steps */
			else if (c->ready && !strncmp(line, "step", 4))
				step(c);
		}
	}
	return;
fail:
	report_error(c);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "text", required_argument, NULL, 't' },
		{ "log", required_argument, NULL, 'l' },
		{ 0 },
	};
	struct client c = { .mode = "plain", .text = "", .log = stdout };
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'm') {
			c.mode = optarg;
		} else if (opt == 't') {
			c.text = optarg;
		} else if (opt == 'l') {
			c.log = fopen(optarg, "a");
			if (!c.log) {
				perror(optarg);
				return 2;
			}
		} else {
			fprintf(stderr, "usage: " PROG " --mode MODE [--text T] [--log FILE]\n");
			return 2;
		}
	}
	if (setup(&c) < 0)
		return 1;
	run(&c);
	return 0;
}
