// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "relay.h"

#define RELAY_BUF (256 * 1024)
#define RELAY_DRAIN_MS 5000

/* One direction: bytes read from `from`, not yet written to `to`. */
struct way {
	int from, to;
	unsigned char *data;
	size_t start, end;
	bool eof;		/* from closed: what is left goes, then the end */
};

/* Reads what fits: 0, or -errno. */
static int way_read(struct way *w, const struct usbip_relay_tap *tap)
{
	ssize_t n;

	if (w->start == w->end)
		w->start = w->end = 0;
	if (w->start > 0 && w->end == RELAY_BUF) {
		memmove(w->data, w->data + w->start, w->end - w->start);
		w->end -= w->start;
		w->start = 0;
	}
	if (w->eof || w->end == RELAY_BUF)
		return 0;
	n = recv(w->from, w->data + w->end, RELAY_BUF - w->end, MSG_DONTWAIT);
	if (n > 0 && tap)
		tap->read(tap->data, w->data + w->end, (size_t)n);
	if (n > 0)
		w->end += (size_t)n;
	else if (n == 0)
		w->eof = true;
	else if (errno != EAGAIN && errno != EINTR)
		return -errno;
	return 0;
}

/* Writes what the other side takes: 0, or -errno. */
static int way_write(struct way *w)
{
	ssize_t n;

	if (w->start == w->end)
		return 0;
	n = send(w->to, w->data + w->start, w->end - w->start, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n > 0)
		w->start += (size_t)n;
	else if (n < 0 && errno != EAGAIN && errno != EINTR)
		return -errno;
	return 0;
}

static short way_events(const struct way *w, bool from)
{
	if (from)
		return !w->eof && w->end < RELAY_BUF ? POLLIN : 0;
	return w->end > w->start ? POLLOUT : 0;
}

static int relay_loop(struct way *up, struct way *down, const struct usbip_relay_tap *tap)
{
	struct pollfd p[2];
	int rc;

	for (;;) {
		rc = way_read(up, tap);
		if (rc == 0)
			rc = way_read(down, NULL);
		if (rc == 0)
			rc = way_write(up);
		if (rc == 0)
			rc = way_write(down);
		if (rc < 0)
			return rc;
		/* A side closed and what it sent is through: the end. */
		if ((up->eof && up->start == up->end) || (down->eof && down->start == down->end))
			return 0;
		/* The kernel's socket, then the station's. One asked nothing
		 * is left out: a side that hung up says so at every poll. */
		p[0].events = (short)(way_events(up, true) | way_events(down, false));
		p[0].fd = p[0].events ? up->from : -1;
		p[1].events = (short)(way_events(down, true) | way_events(up, false));
		p[1].fd = p[1].events ? down->from : -1;
		rc = poll(p, 2, up->eof || down->eof ? RELAY_DRAIN_MS : -1);
		if (rc == 0)
			return 0;	/* the other side does not take the rest */
		if (rc < 0 && errno != EINTR)
			return -errno;
		if ((p[0].revents | p[1].revents) & (POLLERR | POLLNVAL))
			return -ECONNRESET;
	}
}

int usbip_plain_relay(int net, int kernel, const struct usbip_relay_tap *tap)
{
	struct way up = { .from = kernel, .to = net }, down = { .from = net, .to = kernel };
	int rc = -ENOMEM;

	up.data = malloc(RELAY_BUF);
	down.data = malloc(RELAY_BUF);
	if (up.data && down.data)
		rc = relay_loop(&up, &down, tap);
	free(up.data);
	free(down.data);
	return rc;
}
