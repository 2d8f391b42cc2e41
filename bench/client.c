// SPDX-License-Identifier: MIT
/*
 * seatmux-bench-client: a Wayland client that keeps a compositor busy for
 * a benchmark and counts how many frames it was given.
 *
 *   seatmux-bench-client --mode full|small [--seconds N] [--progress]
 *
 * It maps a fullscreen xdg_toplevel (1920x1080 when the compositor leaves
 * the size to it) and draws into wl_shm XRGB8888 buffers, one commit per
 * frame callback:
 *
 *   full   every frame repaints the whole buffer with shifting stripes and
 *          damages all of it: the cost of moving every pixel.
 *   small  every frame moves and recolours a 64x64 square and damages the
 *          square's old and new places only: the cost of a frame that is
 *          almost all unchanged.
 *
 * The clock starts at the first frame callback; the client then counts
 * frame callbacks for N seconds and prints, flushed per line:
 *
 *   first-frame width=W height=H     (when the clock starts)
 *   frames=N seconds=F               (at the end; then it exits 0)
 *   progress frames=N t=T            (--progress: about once a second,
 *                                     T monotonic seconds, for a reader
 *                                     that wants the client's own rate)
 *
 * Drawing uses row fills the compiler vectorises, so that the client costs
 * little next to the compositor it measures.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <wayland-client.h>

#include "xdg-shell-client-protocol.h"

#define PROG "seatmux-bench-client"
#define DEFAULT_WIDTH 1920
#define DEFAULT_HEIGHT 1080
#define BUFFER_COUNT 3
#define SQUARE 64
#define BACKGROUND 0x00303030u
/* Time allowed to connect and get the first frame on screen. */
#define STARTUP_SECONDS 10

/* Listeners take every argument of their event; many need few. */
#define UNUSED __attribute__((unused))

enum mode { MODE_FULL, MODE_SMALL };

struct rect {
	int32_t x, y, w, h;
};

struct buffer {
	struct wl_buffer *wl_buffer;
	uint32_t *data;
	size_t size;
	int32_t width, height;
	bool busy;
	/* What this buffer holds besides background: its square, if any. */
	bool has_square;
	struct rect square;
	struct bench *bench;
};

struct bench {
	enum mode mode;
	double seconds;
	bool progress;
	double progress_at;		/* monotonic seconds of the last line */

	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct wl_callback *frame_callback;
	struct buffer buffers[BUFFER_COUNT];

	int32_t width, height;		/* from the newest configure */
	bool configured;
	bool redraw_pending;		/* waiting for a buffer release */
	bool quit;
	int status;

	uint32_t serial;		/* frames drawn, drives the pattern */
	/* What the compositor shows now, to damage what changes. */
	int32_t shown_width, shown_height;
	bool shown_square;
	struct rect shown_rect;

	bool started;
	struct timespec start, last;
	uint64_t frames;
};

static double timespec_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) +
	       (double)(a->tv_nsec - b->tv_nsec) / 1e9;
}

static void bench_fail(struct bench *bench, const char *what)
{
	fprintf(stderr, PROG ": %s\n", what);
	bench->quit = true;
	bench->status = EXIT_FAILURE;
}

/* -- drawing -- */

static void fill_row(uint32_t *row, int32_t n, uint32_t color)
{
	for (int32_t i = 0; i < n; i++)
		row[i] = color;
}

static void fill_rect(struct buffer *buf, const struct rect *r, uint32_t color)
{
	uint32_t *first = buf->data + (size_t)r->y * (size_t)buf->width + r->x;

	fill_row(first, r->w, color);
	/* Copying the first row is cheaper than filling each again. */
	for (int32_t y = 1; y < r->h; y++)
		memcpy(first + (size_t)y * (size_t)buf->width, first,
		       (size_t)r->w * 4);
}

/* Horizontal stripes that scroll by 4 rows a frame. */
static void draw_full(struct bench *bench, struct buffer *buf)
{
	for (int32_t y = 0; y < buf->height; y++) {
		uint32_t v = (uint32_t)(y + (int32_t)bench->serial * 4) & 0xff;

		fill_row(buf->data + (size_t)y * (size_t)buf->width, buf->width,
			 v << 16 | (255 - v) << 8 | (v ^ 0x80));
	}
	buf->has_square = false;
	wl_surface_damage_buffer(bench->surface, 0, 0, buf->width, buf->height);
}

/* The square walks diagonally, wrapping at the edges, a new colour a frame. */
static struct rect square_at(const struct bench *bench)
{
	int32_t span_x = bench->width > SQUARE ? bench->width - SQUARE : 1;
	int32_t span_y = bench->height > SQUARE ? bench->height - SQUARE : 1;
	struct rect r = {
		.x = (int32_t)((bench->serial * 24u) % (uint32_t)span_x),
		.y = (int32_t)((bench->serial * 13u) % (uint32_t)span_y),
		.w = bench->width < SQUARE ? bench->width : SQUARE,
		.h = bench->height < SQUARE ? bench->height : SQUARE,
	};

	return r;
}

static void damage_rect(struct bench *bench, const struct rect *r)
{
	wl_surface_damage_buffer(bench->surface, r->x, r->y, r->w, r->h);
}

static void draw_small(struct bench *bench, struct buffer *buf, bool fresh)
{
	struct rect all = { 0, 0, buf->width, buf->height };
	struct rect sq = square_at(bench);
	uint32_t c = bench->serial * 0x00070b0du;

	/*
	 * A reused buffer is some frames behind: erase the square it holds
	 * so that all of it is right, not only what this frame damages.
	 */
	if (fresh)
		fill_rect(buf, &all, BACKGROUND);
	else if (buf->has_square)
		fill_rect(buf, &buf->square, BACKGROUND);
	fill_rect(buf, &sq, (c | 0x00404040u) & 0x00ffffffu);
	buf->has_square = true;
	buf->square = sq;

	/* Against what is shown: the old square goes, the new one comes. */
	if (!bench->shown_square || bench->shown_width != buf->width ||
	    bench->shown_height != buf->height) {
		damage_rect(bench, &all);
	} else {
		damage_rect(bench, &bench->shown_rect);
		damage_rect(bench, &sq);
	}
	bench->shown_square = true;
	bench->shown_rect = sq;
}

/* -- buffers -- */

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

static void bench_redraw(struct bench *bench);

static void buffer_handle_release(void *data, struct wl_buffer *wl_buffer UNUSED)
{
	struct buffer *buf = data;

	buf->busy = false;
	if (buf->bench->redraw_pending)
		bench_redraw(buf->bench);
}

static const struct wl_buffer_listener buffer_listener = {
	.release = buffer_handle_release,
};

static int buffer_create(struct bench *bench, struct buffer *buf)
{
	int32_t stride = bench->width * 4;
	struct wl_shm_pool *pool;
	int fd;

	buf->width = bench->width;
	buf->height = bench->height;
	buf->size = (size_t)stride * (size_t)bench->height;
	buf->has_square = false;
	buf->bench = bench;

	fd = memfd_create(PROG, MFD_CLOEXEC);
	if (fd < 0)
		goto err;
	if (ftruncate(fd, (off_t)buf->size) < 0)
		goto err_fd;
	buf->data = mmap(NULL, buf->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (buf->data == MAP_FAILED)
		goto err_fd;
	pool = wl_shm_create_pool(bench->shm, fd, (int32_t)buf->size);
	buf->wl_buffer = wl_shm_pool_create_buffer(pool, 0, buf->width, buf->height,
						   stride, WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	wl_buffer_add_listener(buf->wl_buffer, &buffer_listener, buf);
	return 0;

err_fd:
	buf->data = NULL;
	close(fd);
err:
	fprintf(stderr, PROG ": cannot allocate %dx%d buffer: %s\n",
		bench->width, bench->height, strerror(errno));
	return -1;
}

/* A free buffer of the current size, or NULL while all are held. */
static struct buffer *bench_next_buffer(struct bench *bench, bool *fresh)
{
	struct buffer *buf = NULL;

	for (int i = 0; i < BUFFER_COUNT && !buf; i++)
		if (!bench->buffers[i].busy)
			buf = &bench->buffers[i];
	if (!buf)
		return NULL;
	if (buf->wl_buffer &&
	    (buf->width != bench->width || buf->height != bench->height))
		buffer_destroy(buf);
	*fresh = !buf->wl_buffer;
	if (!buf->wl_buffer && buffer_create(bench, buf) < 0) {
		bench_fail(bench, "out of memory for buffers");
		return NULL;
	}
	return buf;
}

/* -- frames -- */

static const struct wl_callback_listener frame_listener;

static void bench_redraw(struct bench *bench)
{
	struct buffer *buf;
	bool fresh;

	bench->redraw_pending = true;
	if (!bench->configured || bench->quit)
		return;
	buf = bench_next_buffer(bench, &fresh);
	if (!buf)
		return;
	bench->redraw_pending = false;

	wl_surface_attach(bench->surface, buf->wl_buffer, 0, 0);
	if (bench->mode == MODE_FULL)
		draw_full(bench, buf);
	else
		draw_small(bench, buf, fresh);
	bench->frame_callback = wl_surface_frame(bench->surface);
	wl_callback_add_listener(bench->frame_callback, &frame_listener, bench);
	wl_surface_commit(bench->surface);
	buf->busy = true;
	bench->shown_width = buf->width;
	bench->shown_height = buf->height;
	bench->serial++;
}

static void frame_handle_done(void *data, struct wl_callback *callback,
			      uint32_t time UNUSED)
{
	struct bench *bench = data;

	wl_callback_destroy(callback);
	bench->frame_callback = NULL;
	clock_gettime(CLOCK_MONOTONIC, &bench->last);
	if (!bench->started) {
		bench->started = true;
		bench->start = bench->last;
		printf("first-frame width=%d height=%d\n", bench->width, bench->height);
		fflush(stdout);
	} else {
		bench->frames++;
	}
	if (bench->progress) {
		double now = (double)bench->last.tv_sec + (double)bench->last.tv_nsec / 1e9;

		if (now - bench->progress_at >= 1.0) {
			bench->progress_at = now;
			printf("progress frames=%llu t=%.3f\n", (unsigned long long)bench->frames, now);
			fflush(stdout);
		}
	}
	if (timespec_diff(&bench->last, &bench->start) >= bench->seconds) {
		bench->quit = true;
		return;
	}
	bench_redraw(bench);
}

static const struct wl_callback_listener frame_listener = {
	.done = frame_handle_done,
};

/* -- xdg-shell -- */

static void xdg_surface_handle_configure(void *data, struct xdg_surface *xdg_surface,
					 uint32_t serial)
{
	struct bench *bench = data;
	bool first = !bench->configured;

	xdg_surface_ack_configure(xdg_surface, serial);
	bench->configured = true;
	/* Later frames come from frame callbacks; a resize waits for one. */
	if (first)
		bench_redraw(bench);
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = xdg_surface_handle_configure,
};

static void toplevel_handle_configure(void *data, struct xdg_toplevel *toplevel UNUSED,
				      int32_t width, int32_t height,
				      struct wl_array *states UNUSED)
{
	struct bench *bench = data;

	bench->width = width > 0 ? width : DEFAULT_WIDTH;
	bench->height = height > 0 ? height : DEFAULT_HEIGHT;
}

static void toplevel_handle_close(void *data, struct xdg_toplevel *toplevel UNUSED)
{
	bench_fail(data, "closed by the compositor before the end");
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = toplevel_handle_configure,
	.close = toplevel_handle_close,
};

static void wm_base_handle_ping(void *data UNUSED, struct xdg_wm_base *wm_base,
				uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = wm_base_handle_ping,
};

static void registry_handle_global(void *data, struct wl_registry *registry,
				   uint32_t name, const char *interface,
				   uint32_t version)
{
	struct bench *bench = data;

	if (!strcmp(interface, wl_compositor_interface.name) && version >= 4) {
		bench->compositor = wl_registry_bind(registry, name,
						     &wl_compositor_interface, 4);
	} else if (!strcmp(interface, wl_shm_interface.name)) {
		bench->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (!strcmp(interface, xdg_wm_base_interface.name)) {
		bench->wm_base = wl_registry_bind(registry, name,
						  &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(bench->wm_base, &wm_base_listener, bench);
	}
}

static void registry_handle_global_remove(void *data UNUSED,
					  struct wl_registry *registry UNUSED,
					  uint32_t name UNUSED)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = registry_handle_global,
	.global_remove = registry_handle_global_remove,
};

/* -- setup and main loop -- */

static int bench_connect(struct bench *bench)
{
	bench->display = wl_display_connect(NULL);
	if (!bench->display) {
		fprintf(stderr, PROG ": cannot connect to the Wayland display: %s\n",
			strerror(errno));
		return -1;
	}
	bench->registry = wl_display_get_registry(bench->display);
	wl_registry_add_listener(bench->registry, &registry_listener, bench);
	if (wl_display_roundtrip(bench->display) < 0)
		return -1;
	if (!bench->compositor || !bench->shm || !bench->wm_base) {
		fprintf(stderr, PROG ": compositor lacks wl_compositor v4, wl_shm or xdg_wm_base\n");
		return -1;
	}
	bench->surface = wl_compositor_create_surface(bench->compositor);
	bench->xdg_surface = xdg_wm_base_get_xdg_surface(bench->wm_base, bench->surface);
	xdg_surface_add_listener(bench->xdg_surface, &xdg_surface_listener, bench);
	bench->toplevel = xdg_surface_get_toplevel(bench->xdg_surface);
	xdg_toplevel_add_listener(bench->toplevel, &toplevel_listener, bench);
	xdg_toplevel_set_title(bench->toplevel, PROG);
	xdg_toplevel_set_fullscreen(bench->toplevel, NULL);
	/* The initial commit, without a buffer, asks for the first configure. */
	wl_surface_commit(bench->surface);
	return 0;
}

static void bench_disconnect(struct bench *bench)
{
	for (int i = 0; i < BUFFER_COUNT; i++)
		buffer_destroy(&bench->buffers[i]);
	if (bench->frame_callback)
		wl_callback_destroy(bench->frame_callback);
	if (bench->toplevel)
		xdg_toplevel_destroy(bench->toplevel);
	if (bench->xdg_surface)
		xdg_surface_destroy(bench->xdg_surface);
	if (bench->surface)
		wl_surface_destroy(bench->surface);
	if (bench->wm_base)
		xdg_wm_base_destroy(bench->wm_base);
	if (bench->shm)
		wl_shm_destroy(bench->shm);
	if (bench->compositor)
		wl_compositor_destroy(bench->compositor);
	if (bench->registry)
		wl_registry_destroy(bench->registry);
	if (bench->display)
		wl_display_disconnect(bench->display);
}

/*
 * wl_display_dispatch() would wait forever on a compositor that stopped
 * answering; poll with a deadline instead.
 */
static int bench_dispatch(struct bench *bench, const struct timespec *deadline)
{
	struct pollfd pfd = {
		.fd = wl_display_get_fd(bench->display),
		.events = POLLIN,
	};
	struct timespec now;
	int ret;

	while (wl_display_prepare_read(bench->display) != 0)
		if (wl_display_dispatch_pending(bench->display) < 0)
			return -1;
	if (wl_display_flush(bench->display) < 0 && errno != EAGAIN)
		goto cancel;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (timespec_diff(deadline, &now) <= 0) {
		errno = ETIMEDOUT;
		goto cancel;
	}
	ret = poll(&pfd, 1, 1000);
	if (ret < 0 && errno != EINTR)
		goto cancel;
	if (ret <= 0) {
		wl_display_cancel_read(bench->display);
		return 0;
	}
	if (wl_display_read_events(bench->display) < 0)
		return -1;
	return wl_display_dispatch_pending(bench->display) < 0 ? -1 : 0;

cancel:
	wl_display_cancel_read(bench->display);
	return -1;
}

static int bench_run(struct bench *bench)
{
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += STARTUP_SECONDS + (time_t)bench->seconds + 1;
	while (!bench->quit) {
		if (bench_dispatch(bench, &deadline) < 0) {
			fprintf(stderr, PROG ": %s\n", errno == ETIMEDOUT ?
				"no frames from the compositor in time" :
				"lost the Wayland connection");
			return EXIT_FAILURE;
		}
	}
	if (bench->status != EXIT_SUCCESS)
		return bench->status;
	printf("frames=%llu seconds=%.3f\n", (unsigned long long)bench->frames,
	       timespec_diff(&bench->last, &bench->start));
	fflush(stdout);
	return EXIT_SUCCESS;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " --mode full|small [--seconds N] [--progress]\n");
}

static int parse_args(int argc, char **argv, struct bench *bench)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "seconds", required_argument, NULL, 's' },
		{ "progress", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool have_mode = false;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "m:s:ph", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "full"))
				bench->mode = MODE_FULL;
			else if (!strcmp(optarg, "small"))
				bench->mode = MODE_SMALL;
			else
				return -1;
			have_mode = true;
			break;
		case 's':
			bench->seconds = strtod(optarg, &end);
			if (*end || !(bench->seconds > 0 && bench->seconds <= 3600))
				return -1;
			break;
		case 'p':
			bench->progress = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_SUCCESS);
		default:
			return -1;
		}
	}
	return have_mode && optind == argc ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct bench bench = { .seconds = 10, .status = EXIT_SUCCESS };
	int status = EXIT_FAILURE;

	if (parse_args(argc, argv, &bench) < 0) {
		usage(stderr);
		return 2;
	}
	if (bench_connect(&bench) == 0)
		status = bench_run(&bench);
	bench_disconnect(&bench);
	return status;
}
