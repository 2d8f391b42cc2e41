// SPDX-License-Identifier: MIT
/*
 * seatmux-compositor: a station's compositor for simple KMS devices.
 *
 *   seatmux-compositor [--headless WxH[@Hz] | --kms [--legacy] [--force] [--mode WxH]]
 *                      [--socket NAME] [--dump-on-signal FILE] [--test-control FIFO]
 *                      [-- APP ARGS...]
 *
 * --kms drives the seat's head, opened through libseat (seatmuxd), in its
 * preferred mode or the --mode given; --legacy and --force are
 * drivers/drm/kms's KMS_FORCE_LEGACY and KMS_FORCE_CONNECTED.
 *
 * For tests: --dump-on-signal makes SIGUSR1 write the head as a PPM, and
 * --test-control reads input and head changes from a FIFO (test_control.c).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "build_config.h"
#include "data_device.h"
#include "input.h"
#include "kms.h"
#include "output.h"
#include "output_global.h"
#include "presentation.h"
#include "render.h"
#include "seat.h"
#include "server.h"
#include "subsurface.h"
#include "surface.h"
#include "test_control.h"
#include "viewporter.h"
#include "xdg_shell.h"

static void on_idle_repaint(void *data)
{
	struct server *server = data;

	server->repaint_idle = NULL;
	render_schedule(server);
}

/*
 * Repainting waits until the event loop is idle: a request may damage
 * before and after changing state (a move), and every request of a batch
 * should land in one frame.
 */
void server_damage(struct server *server, const pixman_region32_t *region)
{
	if (region)
		pixman_region32_union(&server->damage, &server->damage,
				      (pixman_region32_t *)region);
	if (!server->repaint_idle)
		server->repaint_idle = wl_event_loop_add_idle(server->loop, on_idle_repaint,
							      server);
}

bool server_keep_source(struct server *server, struct wl_event_source *source)
{
	if (!source || server->nsources == (int)(sizeof(server->sources) / sizeof(server->sources[0])))
		return false;
	server->sources[server->nsources++] = source;
	return true;
}

static int on_terminate(int signo, void *data)
{
	wl_display_terminate(data);
	return 0;
}

static int on_dump(int signo, void *data)
{
	struct server *server = data;

	if (output_dump_ppm(server->output, server->dump_path) < 0)
		fprintf(stderr, "seatmux-compositor: dump to %s: %m\n", server->dump_path);
	return 0;
}

struct options {
	int width, height, refresh_mhz;
	bool kms;
	unsigned kms_flags;
	const char *socket;
	const char *dump;
	const char *control;
	char **app;
};

static int parse_size(const char *arg, struct options *o)
{
	int hz = 60;
	char tail;

	if (sscanf(arg, "%dx%d@%d%c", &o->width, &o->height, &hz, &tail) < 2 ||
	    o->width < 1 || o->height < 1 || o->width > 16384 || o->height > 16384 ||
	    hz < 1 || hz > 1000)
		return -1;
	o->refresh_mhz = hz * 1000;
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			o->app = argv + i + 1;
			return 0;
		} else if (!strcmp(argv[i], "--headless") && i + 1 < argc) {
			if (parse_size(argv[++i], o) < 0)
				return -1;
		} else if (!strcmp(argv[i], "--kms")) {
			o->kms = true;
		} else if (!strcmp(argv[i], "--legacy")) {
			o->kms_flags |= KMS_FORCE_LEGACY;
		} else if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
			if (parse_size(argv[++i], o) < 0)
				return -1;
		} else if (!strcmp(argv[i], "--test-control") && i + 1 < argc) {
			o->control = argv[++i];
		} else if (!strcmp(argv[i], "--force")) {
			o->kms_flags |= KMS_FORCE_CONNECTED;
		} else if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			o->socket = argv[++i];
		} else if (!strcmp(argv[i], "--dump-on-signal") && i + 1 < argc) {
			o->dump = argv[++i];
		} else {
			return -1;
		}
	}
	return 0;
}

/* A new mode: everything is redrawn and clients fill the new size. */
static void on_output_changed(struct output *output, void *data)
{
	struct server *server = data;

	fprintf(stderr, "seatmux-compositor: head is now %dx%d\n", output->width, output->height);
	output_global_changed(server);
	xdg_shell_reconfigure(server);
	server->frame_pending = false;
	pixman_region32_union_rect(&server->damage, &server->damage, 0, 0,
				   (unsigned)output->width, (unsigned)output->height);
	render_schedule(server);
}

/* Without its head the station cannot go on: the session starts anew. */
static void on_output_lost(struct output *output, void *data)
{
	struct server *server = data;

	server->exit_status = 1;
	wl_display_terminate(server->display);
}

/*
 * The seat was taken (a VT switch, or seatmuxd's own screen on the head)
 * or given back. Clients run on either way. A commit refused before the
 * taking was heard of left its damage and no frame on its way: the
 * repaint asked for here lets the output pace frames again. Back, the
 * head shows another's picture: all of it is drawn again, idle clients'
 * too.
 */
static void on_output_active(struct output *output, bool active, void *data)
{
	struct server *server = data;

	if (!active) {
		input_suspend(server);
	} else {
		if (input_resume(server) < 0)
			fprintf(stderr, "seatmux-compositor: input did not come back\n");
		pixman_region32_union_rect(&server->damage, &server->damage, 0, 0,
					   (unsigned)output->width, (unsigned)output->height);
	}
	server_damage(server, NULL);
}

static int setup_globals(struct server *server)
{
	if (wl_display_init_shm(server->display) < 0 ||
	    surface_compositor_create(server) < 0 || subsurface_create(server) < 0 ||
	    xdg_shell_create(server) < 0 || output_global_create(server) < 0 ||
	    seat_create(server) < 0 || data_device_create(server) < 0 ||
	    viewporter_create(server) < 0 || presentation_create(server) < 0)
		return -1;
	return 0;
}

static int setup(struct server *server, const struct options *o)
{
	const char *name;

	server->output = o->kms ? output_kms_create(server->loop, o->kms_flags, o->width,
						    o->height) :
			 output_headless_create(server->loop, o->width, o->height,
						o->refresh_mhz);
	if (!server->output)
		return -1;
	server->output->frame_done = render_frame_done;
	server->output->changed = on_output_changed;
	server->output->lost = on_output_lost;
	server->output->active = on_output_active;
	server->output->data = server;
	if (setup_globals(server) < 0 || input_start(server, server->output->seat) < 0)
		return -1;
	if (o->control && test_control_start(server, o->control) < 0)
		return -1;
	/* Before the socket: whoever sees it may signal us. */
	if (!server_keep_source(server, wl_event_loop_add_signal(server->loop, SIGTERM,
								   on_terminate, server->display)) ||
	    !server_keep_source(server, wl_event_loop_add_signal(server->loop, SIGINT,
								   on_terminate, server->display)))
		return -1;
	if (o->dump && !server_keep_source(server, wl_event_loop_add_signal(server->loop, SIGUSR1,
									      on_dump, server)))
		return -1;
	if (o->socket) {
		if (wl_display_add_socket(server->display, o->socket) < 0)
			return -1;
		name = o->socket;
	} else {
		name = wl_display_add_socket_auto(server->display);
		if (!name)
			return -1;
	}
	setenv("WAYLAND_DISPLAY", name, 1);
	fprintf(stderr, "seatmux-compositor: %dx%d@%d on %s\n", server->output->width,
		server->output->height, server->output->refresh_mhz / 1000, name);
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { .width = 0 };
	struct server server = { .background = 0x202020 };
	int rc = 1;

	static const char usage[] =
		"usage: seatmux-compositor [--headless WxH[@Hz] | --kms [--legacy] [--force] "
		"[--mode WxH]] [--socket NAME] [--dump-on-signal FILE] [--test-control FIFO] "
		"[-- APP ARGS...]\n";

	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("seatmux-compositor %s\n", SEATMUX_VERSION);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (parse_args(argc, argv, &o) < 0 || (!o.width && !o.kms)) {
		fputs(usage, stderr);
		return 2;
	}
	server.display = wl_display_create();
	if (!server.display)
		return 1;
	server.loop = wl_display_get_event_loop(server.display);
	server.dump_path = o.dump;
	server.app_argv = o.app;
	wl_list_init(&server.surfaces);
	wl_list_init(&server.all_surfaces);
	wl_list_init(&server.presenting);
	wl_list_init(&server.output_resources);
	pixman_region32_init(&server.damage);
	if (setup(&server, &o) < 0) {
		fprintf(stderr, "seatmux-compositor: cannot start: %m\n");
		goto out;
	}
	pixman_region32_union_rect(&server.damage, &server.damage, 0, 0,
				   (unsigned)server.output->width, (unsigned)server.output->height);
	render_schedule(&server);
	if (app_start(&server) < 0)
		goto out;
	wl_display_run(server.display);
	rc = server.exit_status;
	app_stop(&server);
out:
	wl_display_destroy_clients(server.display);
	input_stop(&server);
	for (int i = 0; i < server.nsources; i++)
		wl_event_source_remove(server.sources[i]);
	test_control_stop(&server);
	if (server.repaint_idle)
		wl_event_source_remove(server.repaint_idle);
	data_device_destroy(&server);
	seat_destroy(&server);
	if (server.output)
		server.output->impl->destroy(server.output);
	pixman_region32_fini(&server.damage);
	wl_display_destroy(server.display);
	return rc;
}
