// SPDX-License-Identifier: MIT
/*
 * vhead-sink: a virtual head with nothing behind it but this process, for
 * tests of virtual stations before RDP or USB/IP carry their pixels away.
 * It opens an evdi head of the given size (drivers/vhead), takes every
 * update, logs what it sees and on SIGUSR1 writes the newest frame as a
 * binary PPM. With --input it also makes the station's virtual keyboard
 * and pointer (uinput), and on SIGUSR2 moves the pointer to the middle of
 * the head, clicks, and types "a". Runs as root (evdi's sysfs add).
 * With --input-only it makes the keyboard and pointer and no head: what
 * any user given /dev/uinput can make, named for any station.
 *
 *   vhead-sink --size WxH [--name NAME] [--dump FILE] [--log FILE]
 *              [--input | --input-only]
 *
 * Log lines: card path=/dev/dri/cardN | mode width=W height=H
 *   | frames n=N rects=R   (every 60 updates)
 *   | input keyboard=/dev/input/eventN pointer=/dev/input/eventM | typed
 */
#include <errno.h>
#include <linux/input-event-codes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "vhead.h"
#include "vinput.h"

struct sink {
	FILE *log;
	const char *dump;
	unsigned long frames, rects;
};

static void on_mode(struct vhead *vh, int w, int h, void *data)
{
	struct sink *s = data;

	fprintf(s->log, "mode width=%d height=%d\n", w, h);
	fflush(s->log);
}

static void on_frame(struct vhead *vh, const struct vhead_rect *r, int n, void *data)
{
	struct sink *s = data;

	s->rects += (unsigned long)n;
	if (++s->frames % 60 == 0) {
		fprintf(s->log, "frames n=%lu rects=%lu\n", s->frames, s->rects);
		fflush(s->log);
	}
}

static int dump(const struct vhead *vh, const char *path)
{
	int w, h, stride;
	const uint32_t *px = vhead_pixels(vh, &w, &h, &stride);
	char tmp[4096];
	FILE *f;

	if (!px)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -1;
	fprintf(f, "P6\n%d %d\n255\n", w, h);
	for (int y = 0; y < h; y++) {
		const uint32_t *row = (const uint32_t *)((const char *)px + (size_t)y * (size_t)stride);

		for (int x = 0; x < w; x++) {
			unsigned char rgb[3] = { (unsigned char)(row[x] >> 16),
						 (unsigned char)(row[x] >> 8), (unsigned char)row[x] };

			fwrite(rgb, 1, 3, f);
		}
	}
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

static void type(struct vinput *vi, int w, int h)
{
	vinput_move(vi, w / 2, h / 2);
	vinput_button(vi, BTN_LEFT, true);
	vinput_button(vi, BTN_LEFT, false);
	vinput_key(vi, KEY_A, true);
	vinput_key(vi, KEY_A, false);
}

int main(int argc, char **argv)
{
	static const struct vhead_listener listener = { .mode = on_mode, .frame = on_frame };
	struct sink s = { .log = stdout, .dump = "/run/vhead.ppm" };
	const char *name = "vhead-sink";
	int w = 0, h = 0, sfd;
	struct vinput *vi = NULL;
	bool input = false, head = true;
	struct vhead *vh = NULL;
	sigset_t mask;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--size") && i + 1 < argc) {
			if (sscanf(argv[++i], "%dx%d", &w, &h) != 2)
				w = 0;
		} else if (!strcmp(argv[i], "--name") && i + 1 < argc) {
			name = argv[++i];
		} else if (!strcmp(argv[i], "--input")) {
			input = true;
		} else if (!strcmp(argv[i], "--input-only")) {
			input = true;
			head = false;
		} else if (!strcmp(argv[i], "--dump") && i + 1 < argc) {
			s.dump = argv[++i];
		} else if (!strcmp(argv[i], "--log") && i + 1 < argc) {
			s.log = fopen(argv[++i], "a");
			if (!s.log) {
				perror(argv[i]);
				return 2;
			}
		} else {
			w = 0;
			break;
		}
	}
	if (w <= 0 || h <= 0) {
		fprintf(stderr, "usage: vhead-sink --size WxH [--name NAME] [--dump FILE] [--log FILE]\n");
		return 2;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (head)
		vh = vhead_open(-1, w, h, name, &listener, &s);
	if ((head && !vh) || sfd < 0) {
		fprintf(stderr, "vhead-sink: cannot open a virtual head: %s\n", strerror(errno));
		return 1;
	}
	if (vh)
		fprintf(s.log, "card path=%s\n", vhead_card(vh));
	if (input) {
		vi = vinput_create(name, w, h);
		if (!vi) {
			fprintf(stderr, "vhead-sink: cannot make input devices: %s\n", strerror(errno));
			return 1;
		}
		fprintf(s.log, "input keyboard=%s pointer=%s\n", vinput_keyboard_node(vi),
			vinput_pointer_node(vi));
	}
	fflush(s.log);
	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = vh ? vhead_fd(vh) : -1, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		struct signalfd_siginfo si;

		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (vh && (fds[0].revents & POLLIN))
			vhead_dispatch(vh);
		if (!(fds[1].revents & POLLIN) || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGUSR2 && vi) {
			type(vi, w, h);
			fprintf(s.log, "typed\n");
			fflush(s.log);
			continue;
		}
		if (si.ssi_signo != SIGUSR1)
			break;
		if (!vh || dump(vh, s.dump) < 0)
			fprintf(stderr, "vhead-sink: no frame to dump yet\n");
	}
	vinput_destroy(vi);
	vhead_close(vh);
	return 0;
}
