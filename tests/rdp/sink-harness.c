// SPDX-License-Identifier: MIT
/*
 * rdp-sink-harness: drivers/rdp/sink on the host, with a painted pattern
 * in place of a virtual head and a fixed account in place of the broker,
 * so that the RDP path (TLS, logon, frames, input) is tested against a
 * real FreeRDP client without a VM. Serves one connection at a time.
 *
 *   rdp-sink-harness --port P --tls-dir DIR --user U --password PW [--log F]
 *
 * The pattern: the left half red, the right half blue, a white bar
 * moving down one line a frame. Log lines: listening port=P
 *   | logon user=U result=accepted|refused | activated width=W height=H
 *   | key code=N down=0|1 | motion x=X y=Y | button code=N down=0|1
 *   | wheel horizontal=0|1 clicks=N | frames n=N codec=C (every 30) | closed
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sink.h"
#include "tls_cert.h"

struct harness {
	const char *user, *password;
	FILE *log;
	int width, height, bar;
	uint32_t *pixels;
	bool dirty;
	unsigned long frames;
};

__attribute__((format(printf, 2, 3)))
static void say(struct harness *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(h->log, fmt, ap);
	va_end(ap);
	fputc('\n', h->log);
	fflush(h->log);
}

static bool logon(void *data, const char *user, const char *password, int w, int hh,
		  uint32_t layout)
{
	struct harness *h = data;
	bool ok = !strcmp(user, h->user) && password[0] && !strcmp(password, h->password);

	say(h, "logon user=%s layout=0x%x result=%s", user, layout, ok ? "accepted" : "refused");
	return ok;
}

static void paint(struct harness *h)
{
	for (int y = 0; y < h->height; y++)
		for (int x = 0; x < h->width; x++)
			h->pixels[y * h->width + x] = y == h->bar ? 0xffffff :
						      x < h->width / 2 ? 0xff0000 : 0x0000ff;
}

static void activated(void *data, int w, int hh)
{
	struct harness *h = data;

	free(h->pixels);
	h->width = w;
	h->height = hh;
	h->pixels = calloc((size_t)w * (size_t)hh, 4);
	h->bar = 0;
	if (h->pixels)
		paint(h);
	h->dirty = true;
	say(h, "activated width=%d height=%d", w, hh);
}

static void key(void *data, unsigned code, bool down)
{
	say(data, "key code=%u down=%d", code, down);
}

static void motion(void *data, int x, int y)
{
	say(data, "motion x=%d y=%d", x, y);
}

static void button(void *data, unsigned code, bool down)
{
	say(data, "button code=%u down=%d", code, down);
}

static void wheel(void *data, bool horizontal, int clicks)
{
	say(data, "wheel horizontal=%d clicks=%d", horizontal, clicks);
}

static void refresh(void *data)
{
	((struct harness *)data)->dirty = true;
}

static const struct rdp_sink_ops ops = {
	.logon = logon,
	.activated = activated,
	.key = key,
	.motion = motion,
	.button = button,
	.wheel = wheel,
	.refresh = refresh,
};

/* Moves the bar one line: two lines of damage. */
static void next_frame(struct rdp_sink *sink, struct harness *h)
{
	struct damage_rect full = { 0, 0, h->width, h->height };
	struct damage_rect lines[2] = { { 0, h->bar, h->width, 1 }, { 0, 0, h->width, 1 } };

	if (h->dirty) {
		rdp_sink_send(sink, h->pixels, h->width * 4, &full, 1);
		h->dirty = false;
	} else {
		h->bar = (h->bar + 1) % h->height;
		lines[1].y = h->bar;
		paint(h);
		rdp_sink_send(sink, h->pixels, h->width * 4, lines, 2);
	}
	if (++h->frames % 30 == 0)
		say(h, "frames n=%lu codec=%s", h->frames, rdp_sink_codec(sink));
}

static char *slurp(const char *dir, const char *name)
{
	char path[512];
	char *text;
	long n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	if (text && fread(text, 1, (size_t)n, f) != (size_t)n) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

static void serve(int fd, const struct rdp_sink_config *cfg, struct harness *h)
{
	struct rdp_sink *sink = rdp_sink_new(fd, cfg, &ops, h);
	struct timespec last = { 0 };

	if (!sink) {
		say(h, "closed");
		return;
	}
	for (;;) {
		struct pollfd pfd[4];
		int fds[4], n = rdp_sink_fds(sink, fds, 4);
		struct timespec now;

		for (int i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		poll(pfd, (nfds_t)n, 16);
		if (!rdp_sink_dispatch(sink))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		/* About 60 frames a second, when the client takes them. */
		if (h->pixels && rdp_sink_can_send(sink) &&
		    (now.tv_sec - last.tv_sec) * 1000000000L + (now.tv_nsec - last.tv_nsec) >= 16000000L) {
			next_frame(sink, h);
			last = now;
		}
	}
	rdp_sink_free(sink);
	free(h->pixels);
	h->pixels = NULL;
	say(h, "closed");
}

int main(int argc, char **argv)
{
	struct harness h = { .log = stdout };
	struct rdp_sink_config cfg = { .max_frames_in_flight = 2 };
	struct sockaddr_in addr = { .sin_family = AF_INET };
	const char *dir = NULL;
	char why[256];
	int port = 0, lfd, one = 1;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--port"))
			port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--tls-dir"))
			dir = argv[i + 1];
		else if (!strcmp(argv[i], "--user"))
			h.user = argv[i + 1];
		else if (!strcmp(argv[i], "--password"))
			h.password = argv[i + 1];
		else if (!strcmp(argv[i], "--log") && (h.log = fopen(argv[i + 1], "a")))
			;
		else
			return 2;
	}
	if (!dir || !h.user || !h.password || port <= 0)
		return 2;
	if (tls_cert_ensure(dir, "rdp-sink-harness", why, sizeof(why)) < 0) {
		fprintf(stderr, "rdp-sink-harness: %s\n", why);
		return 1;
	}
	cfg.certificate_pem = slurp(dir, "cert.pem");
	cfg.key_pem = slurp(dir, "key.pem");
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (!cfg.certificate_pem || !cfg.key_pem || lfd < 0 ||
	    bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, 4) < 0) {
		perror("rdp-sink-harness");
		return 1;
	}
	say(&h, "listening port=%d", port);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0)
			serve(fd, &cfg, &h);
	}
}
