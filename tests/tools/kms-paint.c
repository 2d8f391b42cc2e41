// SPDX-License-Identifier: MIT
/*
 * kms-paint: a station session for tests that drives its seat's heads with
 * drivers/drm/kms and nothing else: no compositor, no GPU. It opens the
 * seat through Debian's libseat (so through seatmuxd), lights every
 * connected connector of the seat's cards in the seat's colour and moves a
 * black square, presenting only the damaged rectangles, paced by page
 * flips.
 *
 *   kms-paint [--seat NAME | --color RRGGBB] [--legacy] [--force] [--log FILE]
 *
 * --force lights connectors that report no monitor, at 1024x768.
 */
#include <errno.h>
#include <fcntl.h>
#include <libseat.h>
#include <libudev.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "../clients/seat-colors.h"
#include "kms.h"

#define MAX_CARDS 4
#define MAX_HEADS 8
#define SQUARE 48
#define STEP 8
/*
 * Virtual heads (virtio-gpu) complete flips at once: pace to about 60 Hz
 * so a test tool does not spin the guest's CPUs.
 */
#define FRAME_MS 16

struct card {
	int fd;
	int device_id;
};

struct paint {
	struct libseat *seat;
	bool enabled;
	uint32_t color;
	unsigned kms_flags;
	FILE *log;
	struct card cards[MAX_CARDS];
	int ncards;
	struct kms_head heads[MAX_HEADS];
	int square_x[MAX_HEADS][2];	/* square position in each buffer */
	int x[MAX_HEADS];
	unsigned long flips[MAX_HEADS];
	bool due[MAX_HEADS];		/* flipped; next frame waits for its slot */
	uint64_t presented[MAX_HEADS];	/* ms */
	int nheads;
	bool failed;
};

__attribute__((format(printf, 2, 3)))
static void say(struct paint *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(p->log, fmt, ap);
	va_end(ap);
	fputc('\n', p->log);
	fflush(p->log);
}

static void seat_enable(struct libseat *seat, void *data)
{
	struct paint *p = data;

	p->enabled = true;
}

static void seat_disable(struct libseat *seat, void *data)
{
	struct paint *p = data;

	p->enabled = false;
	libseat_disable_seat(seat);
}

static struct libseat_seat_listener seat_listener = {
	.enable_seat = seat_enable,
	.disable_seat = seat_disable,
};

static uint32_t seat_color(const char *name)
{
#define SEAT_ENTRY(n, c) if (!strcmp(name, n)) return c;
	SEAT_COLOR_TABLE(SEAT_ENTRY)
#undef SEAT_ENTRY
	return 0x808080;
}

static void fill(struct kms_buffer *b, int w, int h, int x0, int y0, int x1,
		 int y1, uint32_t color)
{
	for (int y = y0 < 0 ? 0 : y0; y < y1 && y < h; y++) {
		uint32_t *row = (uint32_t *)((char *)b->map + (size_t)y * b->stride);

		for (int x = x0 < 0 ? 0 : x0; x < x1 && x < w; x++)
			row[x] = color;
	}
}

/*
 * Each buffer is two frames old when drawn again: restore the colour
 * where its square was, draw the new square, and report as damage both
 * places (what changed since the buffer was last on screen).
 */
static int draw_and_present(struct paint *p, int i)
{
	struct kms_head *h = &p->heads[i];
	struct kms_buffer *b = kms_head_back(h);
	int w = h->mode.hdisplay, hh = h->mode.vdisplay;
	int y = hh / 2 - SQUARE / 2;
	int *old = &p->square_x[i][h->back];
	struct kms_rect damage[2] = {
		{ *old, y, *old + SQUARE, y + SQUARE },
		{ p->x[i], y, p->x[i] + SQUARE, y + SQUARE },
	};

	if (*old < 0) {
		fill(b, w, hh, 0, 0, w, hh, p->color);
	} else {
		fill(b, w, hh, *old, y, *old + SQUARE, y + SQUARE, p->color);
	}
	fill(b, w, hh, p->x[i], y, p->x[i] + SQUARE, y + SQUARE, 0);
	*old = p->x[i];
	p->x[i] = (p->x[i] + STEP) % (w - SQUARE);
	return kms_head_present(h, damage[0].x1 < 0 ? NULL : damage,
				damage[0].x1 < 0 ? 0 : 2);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void flipped(struct kms_head *h, uint64_t usec, uint64_t seq, void *data)
{
	struct paint *p = data;
	int i = (int)(h - p->heads);

	if (++p->flips[i] % 60 == 0)
		say(p, "flip head=%s n=%lu", h->name, p->flips[i]);
	p->due[i] = true;
}

/* Presents the heads whose slot came; returns ms to the next slot or -1. */
static int present_due(struct paint *p)
{
	uint64_t now = now_ms();
	int wait = -1, rc;

	for (int i = 0; i < p->nheads; i++) {
		if (!p->due[i])
			continue;
		if (now - p->presented[i] < FRAME_MS) {
			int left = (int)(FRAME_MS - (now - p->presented[i]));

			wait = wait < 0 || left < wait ? left : wait;
			continue;
		}
		p->due[i] = false;
		p->presented[i] = now;
		rc = draw_and_present(p, i);
		if (rc < 0) {
			say(p, "error head=%s present: %s", p->heads[i].name, strerror(-rc));
			p->failed = true;
		}
	}
	return wait;
}

static int open_card(struct paint *p, const char *path)
{
	struct card *c = &p->cards[p->ncards];
	uint32_t ids[MAX_HEADS];
	int n;

	c->device_id = libseat_open_device(p->seat, path, &c->fd);
	if (c->device_id < 0) {
		say(p, "error card=%s open: %s", path, strerror(errno));
		return -1;
	}
	p->ncards++;
	n = kms_connectors(c->fd, ids, MAX_HEADS, p->kms_flags & KMS_FORCE_CONNECTED);
	for (int k = 0; k < n && p->nheads < MAX_HEADS; k++) {
		struct kms_head *h = &p->heads[p->nheads];
		int rc = kms_head_init(h, c->fd, ids[k], 0, 0, p->kms_flags, flipped, p);

		if (rc < 0) {
			say(p, "error card=%s connector=%u: %s", path, ids[k], strerror(-rc));
			continue;
		}
		say(p, "head card=%s connector=%s mode=%dx%d@%d path=%s", path, h->name,
		    h->mode.hdisplay, h->mode.vdisplay, h->mode.vrefresh, kms_head_path(h));
		p->square_x[p->nheads][0] = p->square_x[p->nheads][1] = -1;
		p->nheads++;
	}
	return 0;
}

/* Cards named by the broker (seats that hold a card's connector by lease). */
static void open_listed(struct paint *p, const char *list)
{
	char copy[256], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", list);
	for (char *path = strtok_r(copy, ":", &save); path && p->ncards < MAX_CARDS;
	     path = strtok_r(NULL, ":", &save))
		open_card(p, path);
}

/* The seat's cards, as udev (and so libinput and wlroots) sees them. */
static int open_cards(struct paint *p)
{
	const char *seat = libseat_seat_name(p->seat);
	const char *listed = getenv("WLR_DRM_DEVICES");
	struct udev *udev = udev_new();
	struct udev_enumerate *en = udev ? udev_enumerate_new(udev) : NULL;
	struct udev_list_entry *e;

	if (listed && listed[0])
		open_listed(p, listed);
	if (!en)
		return -1;
	udev_enumerate_add_match_subsystem(en, "drm");
	udev_enumerate_add_match_sysname(en, "card[0-9]*");
	udev_enumerate_scan_devices(en);
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) {
		struct udev_device *d = udev_device_new_from_syspath(udev, udev_list_entry_get_name(e));
		const char *id_seat = d ? udev_device_get_property_value(d, "ID_SEAT") : NULL;
		const char *node = d ? udev_device_get_devnode(d) : NULL;

		if (node && !strcmp(id_seat ? id_seat : "seat0", seat) && p->ncards < MAX_CARDS)
			open_card(p, node);
		udev_device_unref(d);
	}
	udev_enumerate_unref(en);
	udev_unref(udev);
	return p->nheads > 0 ? 0 : -1;
}

static int run(struct paint *p, int sigfd)
{
	struct pollfd fds[2 + MAX_CARDS];
	int n = 2;

	fds[0] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = libseat_get_fd(p->seat), .events = POLLIN };
	for (int i = 0; i < p->ncards; i++)
		fds[n++] = (struct pollfd){ .fd = p->cards[i].fd, .events = POLLIN };
	for (int i = 0; i < p->nheads; i++)
		if (draw_and_present(p, i) < 0)
			say(p, "error head=%s first present failed", p->heads[i].name);
	while (!p->failed) {
		if (poll(fds, (nfds_t)n, present_due(p)) < 0 && errno != EINTR)
			return -1;
		if (fds[0].revents) {
			say(p, "exit signal");
			return 0;
		}
		if (fds[1].revents && libseat_dispatch(p->seat, 0) < 0) {
			say(p, "exit seat connection lost");
			return -1;
		}
		for (int i = 2; i < n; i++)
			if (fds[i].revents & POLLIN)
				kms_dispatch(fds[i].fd);
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct paint p = { .log = stdout, .color = 0 };
	const char *seat_name = NULL, *color = NULL;
	sigset_t mask;
	int sigfd, rc = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seat") && i + 1 < argc)
			seat_name = argv[++i];
		else if (!strcmp(argv[i], "--color") && i + 1 < argc)
			color = argv[++i];
		else if (!strcmp(argv[i], "--legacy"))
			p.kms_flags |= KMS_FORCE_LEGACY;
		else if (!strcmp(argv[i], "--force"))
			p.kms_flags |= KMS_FORCE_CONNECTED;
		else if (!strcmp(argv[i], "--log") && i + 1 < argc) {
			p.log = fopen(argv[++i], "ae");
			if (!p.log) {
				perror("kms-paint: --log");
				return 1;
			}
		} else {
			fprintf(stderr, "usage: kms-paint [--seat NAME | --color RRGGBB] [--legacy] [--force] [--log FILE]\n");
			return 2;
		}
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	p.seat = libseat_open_seat(&seat_listener, &p);
	if (!p.seat) {
		say(&p, "error libseat_open_seat: %s", strerror(errno));
		return 1;
	}
	while (!p.enabled)
		if (libseat_dispatch(p.seat, -1) < 0)
			goto out;
	p.color = color ? (uint32_t)strtoul(color, NULL, 16) :
		  seat_color(seat_name ? seat_name : libseat_seat_name(p.seat));
	say(&p, "ready pid=%d seat=%s color=%06x", (int)getpid(),
	    libseat_seat_name(p.seat), p.color);
	if (open_cards(&p) < 0) {
		say(&p, "error no connected head on seat %s", libseat_seat_name(p.seat));
		goto out;
	}
	rc = run(&p, sigfd) < 0;
out:
	for (int i = 0; i < p.nheads; i++)
		kms_head_finish(&p.heads[i]);
	for (int i = 0; i < p.ncards; i++)
		libseat_close_device(p.seat, p.cards[i].device_id);
	libseat_close_seat(p.seat);
	return rc;
}
