/*
 * seatmux-screen: paints a screen the broker shows on a station it has
 * taken from its session (identify, message, block) on every connected
 * connector of the seat's cards, and keeps it there until seatmuxd ends
 * it. It runs as a uid of its own (claimed by seatmuxd before the exec),
 * with nothing but the request on stdin (a byte on stdout says when the
 * screen reached the heads)
 * and the cards, DRM master already, as fds 3 onwards (screen_proto.h).
 * seatmuxd takes master back from those fds when the seat is given back:
 * whatever this process still does then reaches no screen.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "kms.h"
#include "paint.h"
#include "screen_proto.h"

#define MAX_CONNECTORS 8
#define MAX_HEADS (SCREEN_PROTO_MAX_CARDS * MAX_CONNECTORS)

struct painter {
	struct screen_request req;
	struct kms_head heads[MAX_HEADS];
	int nheads;
};

static int read_request(struct screen_request *req)
{
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(*req)) {
		n = read(STDIN_FILENO, (char *)req + got, sizeof(*req) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	if (req->look < SCREEN_IDENTIFY || req->look > SCREEN_BLOCK ||
	    req->ncards < 1 || req->ncards > SCREEN_PROTO_MAX_CARDS ||
	    !memchr(req->title, 0, sizeof(req->title)) || !memchr(req->body, 0, sizeof(req->body)))
		return -1;
	return 0;
}

/* The size the connector shows now (the session's mode), or 0 x 0. */
static void current_size(int fd, uint32_t connector, int *w, int *h)
{
	drmModeConnector *conn = drmModeGetConnector(fd, connector);
	drmModeEncoder *enc = conn && conn->encoder_id ? drmModeGetEncoder(fd, conn->encoder_id) : NULL;
	drmModeCrtc *crtc = enc && enc->crtc_id ? drmModeGetCrtc(fd, enc->crtc_id) : NULL;

	*w = *h = 0;
	if (crtc && crtc->mode_valid) {
		*w = crtc->mode.hdisplay;
		*h = crtc->mode.vdisplay;
	}
	drmModeFreeCrtc(crtc);
	drmModeFreeEncoder(enc);
	drmModeFreeConnector(conn);
}

/* Heads that only copy out what a commit says changed (evdi, udl). */
static unsigned driver_flags(int fd)
{
	drmVersionPtr v = drmGetVersion(fd);
	unsigned flags = 0;

	if (v && v->name && !strcmp(v->name, "evdi"))
		flags = KMS_SINGLE_BUFFER | KMS_DAMAGE_NEEDS_NEW_FB;
	else if (v && v->name && !strcmp(v->name, "udl"))
		flags = KMS_SINGLE_BUFFER;
	drmFreeVersion(v);
	return flags;
}

static int paint_head(struct painter *p, int fd, uint32_t connector, unsigned flags)
{
	struct kms_head *head = &p->heads[p->nheads];
	struct kms_buffer *buf;
	int w, h, rc;

	current_size(fd, connector, &w, &h);
	rc = kms_head_init(head, fd, connector, w, h, flags, NULL, NULL);
	if (rc < 0)
		return rc;
	p->nheads++;
	buf = kms_head_back(head);
	if (paint_screen(buf->map, head->mode.hdisplay, head->mode.vdisplay, (int)buf->stride,
			 &p->req) < 0)
		return -ENOMEM;
	return kms_head_present(head, NULL, 0);
}

static int paint_card(struct painter *p, int fd)
{
	uint32_t ids[MAX_CONNECTORS];
	unsigned flags = driver_flags(fd);
	int n = kms_connectors(fd, ids, MAX_CONNECTORS, false), shown = 0, rc;

	for (int i = 0; i < n && p->nheads < MAX_HEADS; i++) {
		rc = paint_head(p, fd, ids[i], flags);
		if (rc < 0)
			fprintf(stderr, "seatmux-screen: connector %u: %s\n", ids[i], strerror(-rc));
		else
			shown++;
	}
	return n < 0 ? n : shown;
}

/* Until SIGTERM; page flip events are read so that none piles up. */
static int wait_for_end(const struct screen_request *req)
{
	struct pollfd pfd[1 + SCREEN_PROTO_MAX_CARDS];
	sigset_t set;
	int n = 1;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pfd[0] = (struct pollfd){ .fd = signalfd(-1, &set, SFD_CLOEXEC), .events = POLLIN };
	if (pfd[0].fd < 0)
		return 1;
	for (uint32_t i = 0; i < req->ncards; i++)
		pfd[n++] = (struct pollfd){ .fd = SCREEN_PROTO_FIRST_CARD + (int)i, .events = POLLIN };
	for (;;) {
		if (poll(pfd, (nfds_t)n, -1) < 0 && errno != EINTR)
			return 1;
		if (pfd[0].revents)
			return 0;
		for (int i = 1; i < n; i++)
			if (pfd[i].revents & POLLIN)
				kms_dispatch(pfd[i].fd);
	}
}

int main(void)
{
	static struct painter p;
	int shown = 0, rc;

	if (read_request(&p.req) < 0) {
		fprintf(stderr, "seatmux-screen: no valid request on stdin\n");
		return 2;
	}
	for (uint32_t i = 0; i < p.req.ncards; i++) {
		rc = paint_card(&p, SCREEN_PROTO_FIRST_CARD + (int)i);
		if (rc < 0)
			fprintf(stderr, "seatmux-screen: card fd %u: %s\n",
				SCREEN_PROTO_FIRST_CARD + i, strerror(-rc));
		else
			shown += rc;
	}
	if (!shown) {
		fprintf(stderr, "seatmux-screen: no head to show the screen on\n");
		return 3;
	}
	/* When it reached the heads: seatmuxd times a screen from this
	 * byte, and the journal's line is what the bench reads. */
	fprintf(stderr, "seatmux-screen: shown on %d head%s\n", shown, shown == 1 ? "" : "s");
	if (write(STDOUT_FILENO, "1", 1) != 1)
		fprintf(stderr, "seatmux-screen: cannot tell seatmuxd: %m\n");
	return wait_for_end(&p.req);
}
