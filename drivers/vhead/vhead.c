// SPDX-License-Identifier: MIT
/*
 * libevdi does the talking to the evdi module: connect with our EDID,
 * learn the mode the session sets, register one buffer of that size and
 * ask for updates; each update copies the changed rectangles into the
 * buffer. The next update is asked for as soon as one is taken, so the
 * sink always holds the newest frame and evdi never queues old ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* evdi_lib.h uses these types without including their headers. */
#include <evdi_lib.h>

#include "edid.h"
#include "vhead.h"

#define BUFFER_ID 1

struct vhead {
	evdi_handle evdi;
	const struct vhead_listener *listener;
	void *data;
	int width, height, stride;
	uint32_t *pixels;
	bool registered;
	char card[32];
};

static void grab(struct vhead *vh)
{
	struct evdi_rect rects[VHEAD_MAX_RECTS];
	struct vhead_rect out[VHEAD_MAX_RECTS];
	int n = VHEAD_MAX_RECTS;

	evdi_grab_pixels(vh->evdi, rects, &n);
	for (int i = 0; i < n && i < VHEAD_MAX_RECTS; i++)
		out[i] = (struct vhead_rect){ rects[i].x1, rects[i].y1, rects[i].x2, rects[i].y2 };
	if (vh->listener->frame)
		vh->listener->frame(vh, out, n < VHEAD_MAX_RECTS ? n : VHEAD_MAX_RECTS, vh->data);
}

/*
 * Leaves a request pending with evdi, which answers it with an
 * update-ready event once something changed. evdi may have changes at
 * once (the request returns true): take them and ask again. This ends as
 * soon as nothing new was drawn since the last grab.
 */
static void request(struct vhead *vh)
{
	while (vh->registered && evdi_request_update(vh->evdi, BUFFER_ID))
		grab(vh);
}

static void on_update_ready(int buffer, void *data)
{
	struct vhead *vh = data;

	if (buffer != BUFFER_ID || !vh->registered)
		return;
	grab(vh);
	request(vh);
}

static void unregister(struct vhead *vh)
{
	if (vh->registered)
		evdi_unregister_buffer(vh->evdi, BUFFER_ID);
	vh->registered = false;
	if (vh->pixels)
		munmap(vh->pixels, (size_t)vh->height * (size_t)vh->stride);
	vh->pixels = NULL;
}

static void on_mode_changed(struct evdi_mode mode, void *data)
{
	struct vhead *vh = data;
	struct evdi_buffer b = { .id = BUFFER_ID };

	unregister(vh);
	vh->width = mode.width;
	vh->height = mode.height;
	if (mode.width > 0 && mode.height > 0) {
		vh->stride = mode.width * 4;
		/* Pages of its own, which the sink may give back (screen_store). */
		vh->pixels = mmap(NULL, (size_t)mode.height * (size_t)vh->stride,
				  PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (vh->pixels == MAP_FAILED)
			vh->pixels = NULL;
		if (vh->pixels) {
			b.buffer = vh->pixels;
			b.width = mode.width;
			b.height = mode.height;
			b.stride = vh->stride;
			evdi_register_buffer(vh->evdi, b);
			vh->registered = true;
		}
	}
	if (vh->listener->mode)
		vh->listener->mode(vh, vh->width, vh->height, vh->data);
	request(vh);
}

static void on_dpms(int mode, void *data) {}
static void on_crtc_state(int state, void *data) {}
static void on_cursor_set(struct evdi_cursor_set c, void *data) {}
static void on_cursor_move(struct evdi_cursor_move c, void *data) {}
static void on_ddcci(struct evdi_ddcci_data d, void *data) {}

void vhead_dispatch(struct vhead *vh)
{
	struct evdi_event_context ctx = {
		.dpms_handler = on_dpms,
		.mode_changed_handler = on_mode_changed,
		.update_ready_handler = on_update_ready,
		.crtc_state_handler = on_crtc_state,
		.cursor_set_handler = on_cursor_set,
		.cursor_move_handler = on_cursor_move,
		.ddcci_data_handler = on_ddcci,
		.user_data = vh,
	};

	evdi_handle_events(vh->evdi, &ctx);
}

/* The card node of the device evdi gave us: the newest evdi card. */
static void find_card(struct vhead *vh)
{
	char path[64], link[256];
	struct stat st;

	for (int i = 63; i >= 0; i--) {
		ssize_t n;

		snprintf(path, sizeof(path), "/sys/class/drm/card%d/device/driver", i);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strcmp(strrchr(link, '/') ? strrchr(link, '/') + 1 : link, "evdi"))
			continue;
		snprintf(vh->card, sizeof(vh->card), "/dev/dri/card%d", i);
		if (stat(vh->card, &st) == 0)
			return;
	}
	vh->card[0] = '\0';
}

int vhead_add_device(void)
{
	int before[VHEAD_MAX_CARDS];
	char path[64];

	/* The card that appears is the new one. */
	for (int i = 0; i < VHEAD_MAX_CARDS; i++) {
		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		before[i] = access(path, F_OK) == 0;
	}
	/* libevdi would report a missing module as a refused device. */
	if (access("/sys/devices/evdi", F_OK) < 0)
		return -ENODEV;
	if (!evdi_add_device())
		return -ENOSPC;
	/* A child job, away from the loop: a busy udev may take seconds. */
	for (int tries = 0; tries < 500; tries++) {
		for (int i = 0; i < VHEAD_MAX_CARDS; i++) {
			snprintf(path, sizeof(path), "/dev/dri/card%d", i);
			if (!before[i] && access(path, F_OK) == 0 && evdi_check_device(i) == AVAILABLE)
				return i;
		}
		usleep(20000);	/* udev makes the node */
	}
	return -ETIMEDOUT;
}

int vhead_unknown_device(const bool known[VHEAD_MAX_CARDS])
{
	char path[64], driver[PATH_MAX];
	ssize_t n;

	for (int i = 0; i < VHEAD_MAX_CARDS; i++) {
		if (known[i])
			continue;
		snprintf(path, sizeof(path), "/sys/class/drm/card%d/device/driver", i);
		n = readlink(path, driver, sizeof(driver) - 1);
		if (n <= 0)
			continue;
		driver[n] = '\0';
		if (!strcmp(basename(driver), "evdi") && evdi_check_device(i) == AVAILABLE)
			return i;
	}
	return -ENOENT;
}

/*
 * libevdi's evdi_open first waits, up to 5 s, for another process to hold
 * the card open, which it finds by reading every /proc/PID/fd: a sink (a
 * user of its own) cannot read the compositor's, so it would always wait
 * the whole time. A child of ours holding the card open while evdi_open
 * runs is what it looks for. The pid, or -1 (then evdi_open just waits).
 */
static pid_t hold_card(int card)
{
	char path[32], ok = 0;
	int pipefd[2];
	pid_t pid;

	snprintf(path, sizeof(path), "/dev/dri/card%d", card);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int fd = open(path, O_RDWR | O_CLOEXEC);

		if (fd >= 0 && write(pipefd[1], "k", 1) == 1)
			pause();
		_exit(0);
	}
	close(pipefd[1]);
	if (pid > 0) {
		struct pollfd p = { pipefd[0], POLLIN, 0 };

		/* Opened (or failed, and closed the pipe) within a second. */
		if (poll(&p, 1, 1000) <= 0 || read(pipefd[0], &ok, 1) != 1) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			pid = -1;
		}
	}
	close(pipefd[0]);
	return pid;
}

static void release_card(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

struct vhead *vhead_open(int card, int width, int height, const char *name,
			 const struct vhead_listener *l, void *data)
{
	unsigned char edid[EDID_SIZE];
	struct vhead *vh;

	if (edid_generate(edid, width, height, name) < 0) {
		errno = EINVAL;
		return NULL;
	}
	vh = calloc(1, sizeof(*vh));
	if (!vh)
		return NULL;
	vh->listener = l;
	vh->data = data;
	/* NULL: a device of its own, added through evdi's sysfs if need be. */
	if (card >= 0) {
		pid_t holder = hold_card(card);

		vh->evdi = evdi_open(card);
		release_card(holder);
	} else {
		vh->evdi = evdi_open_attached_to(NULL);
	}
	if (vh->evdi == EVDI_INVALID_HANDLE) {
		free(vh);
		errno = ENODEV;
		return NULL;
	}
	if (card >= 0)
		snprintf(vh->card, sizeof(vh->card), "/dev/dri/card%d", card);
	else
		find_card(vh);
	/* The cursor drawn into the frames: the sink sends pixels only. */
	evdi_enable_cursor_events(vh->evdi, false);
	/* Limits: the requested area, at most 60 frames a second of it. */
	evdi_connect(vh->evdi, edid, EDID_SIZE, (uint32_t)(width * height),
		     (uint32_t)(width * height) * 60u);
	return vh;
}

void vhead_close(struct vhead *vh)
{
	if (!vh)
		return;
	unregister(vh);
	evdi_disconnect(vh->evdi);
	evdi_close(vh->evdi);
	free(vh);
}

int vhead_fd(const struct vhead *vh)
{
	return evdi_get_event_ready(vh->evdi);
}

uint32_t *vhead_pixels(const struct vhead *vh, int *width, int *height, int *stride)
{
	*width = vh->width;
	*height = vh->height;
	*stride = vh->stride;
	return vh->pixels;
}

const char *vhead_card(const struct vhead *vh)
{
	return vh->card;
}
