// SPDX-License-Identifier: MIT
/*
 * seatmux-screen: paints a screen the broker shows on a station it has
 * taken from its session (identify, message, block) on the seat's heads
 * (every connected connector of its cards, or its leased ones), and
 * keeps it there until seatmuxd ends it; or, for a projection, shows
 * another station's head there, read from that card's scanout at most
 * PROJECT_FRAME_MS apart. It runs as a uid of its own (claimed by
 * seatmuxd before the exec), with nothing but the request on stdin (a
 * byte on stdout says when the screen reached the heads) and the cards,
 * DRM master already, as fds 3 onwards (screen_proto.h).
 * seatmuxd takes master back from those fds when the seat is given back:
 * whatever this process still does then reaches no screen. A card split
 * between stations by leases is seatmuxd's own lessor fd instead, whose
 * master cannot be taken back: only the seat's connectors are touched,
 * and seatmuxd gives the seat back once this process is gone.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "fb_read.h"
#include "kms.h"
#include "paint.h"
#include "project.h"
#include "screen_proto.h"

#define MAX_CONNECTORS 8
#define MAX_HEADS (SCREEN_PROTO_MAX_CARDS * MAX_CONNECTORS)
/* A projection's frames: at most about 30 a second. */
#define PROJECT_FRAME_MS 33

_Static_assert(FB_HEADS_MAX >= SCREEN_PROTO_MAX_OUTPUTS, "a source's heads as asked");

/* A projection's source: its last picture, to draw only what changed. */
struct source {
	int fd;
	struct fb_heads heads;	/* its connectors, on a card split by leases */
	uint32_t *last;		/* width * height, packed */
	uint32_t width, height;
	int last_error;		/* said once until it reads again */
	unsigned long drawn, unchanged;
};

struct painter {
	struct screen_request req;
	struct kms_head heads[MAX_HEADS];
	int nheads;
	struct source *source;	/* a projection's, or NULL */
	bool shown;		/* seatmuxd was told */
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
	if (req->look < SCREEN_IDENTIFY || req->look > SCREEN_WATCHED ||
	    req->ncards < 1 || req->ncards > SCREEN_PROTO_MAX_CARDS ||
	    !memchr(req->title, 0, sizeof(req->title)) || !memchr(req->body, 0, sizeof(req->body)) ||
	    req->source.noutputs > SCREEN_PROTO_MAX_OUTPUTS)
		return -1;
	for (uint32_t i = 0; i < req->ncards; i++)
		if (req->cards[i].noutputs > SCREEN_PROTO_MAX_OUTPUTS ||
		    (req->cards[i].shared && !req->cards[i].noutputs))
			return -1;	/* a shared card without its list: all of it */
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

/* A still screen (identify, message, block) on one head. */
static int paint_head(struct painter *p, struct kms_head *head)
{
	struct kms_buffer *buf = kms_head_back(head);

	if (paint_screen(buf->map, head->mode.hdisplay, head->mode.vdisplay, (int)buf->stride,
			 &p->req) < 0)
		return -ENOMEM;
	return kms_head_present(head, NULL, 0);
}

static int open_head(struct painter *p, int fd, uint32_t connector, uint32_t crtc,
		     uint32_t plane, unsigned flags)
{
	struct kms_head *head = &p->heads[p->nheads];
	int w, h, rc;

	current_size(fd, connector, &w, &h);
	rc = kms_head_init_on(head, fd, connector, crtc, plane, w, h, flags, NULL, NULL);
	if (rc < 0)
		return rc;
	p->nheads++;
	/* A projection's first frame comes from the source, at once. */
	return p->source ? 0 : paint_head(p, head);
}

/* Every connected connector of a card that is the seat's whole. */
static int open_whole_card(struct painter *p, int fd)
{
	uint32_t ids[MAX_CONNECTORS];
	unsigned flags = driver_flags(fd);
	int n = kms_connectors(fd, ids, MAX_CONNECTORS, false), shown = 0, rc;

	for (int i = 0; i < n && p->nheads < MAX_HEADS; i++) {
		rc = open_head(p, fd, ids[i], 0, 0, flags);
		if (rc < 0)
			fprintf(stderr, "seatmux-screen: connector %u: %s\n", ids[i], strerror(-rc));
		else
			shown++;
	}
	return n < 0 ? n : shown;
}

/*
 * The outputs listed on a card split by leases (its fd the lessor's,
 * shared): each connector on the CRTC and plane its lease holds, nothing
 * else of the card touched, in the mode the session left (KMS_KEEP_MODE).
 */
static int open_outputs(struct painter *p, int fd, const struct screen_heads *heads)
{
	unsigned flags = driver_flags(fd) | KMS_SYNC | KMS_KEEP_MODE;
	int shown = 0, rc;

	for (uint32_t i = 0; i < heads->noutputs && p->nheads < MAX_HEADS; i++) {
		const struct screen_output *o = &heads->outputs[i];

		rc = open_head(p, fd, o->connector, o->crtc, o->plane, flags);
		if (rc < 0)
			fprintf(stderr, "seatmux-screen: connector %u: %s\n", o->connector,
				strerror(-rc));
		else
			shown++;
	}
	return shown;
}

static int open_card(struct painter *p, uint32_t card)
{
	const struct screen_heads *heads = &p->req.cards[card];
	int fd = SCREEN_PROTO_FIRST_CARD + (int)card;

	return heads->shared ? open_outputs(p, fd, heads) : open_whole_card(p, fd);
}

/* Tell seatmuxd once: it times a screen from this byte, and the
 * journal's line is what the bench reads. */
static void tell_shown(struct painter *p)
{
	if (p->shown)
		return;
	p->shown = true;
	fprintf(stderr, "seatmux-screen: shown on %d head%s\n", p->nheads,
		p->nheads == 1 ? "" : "s");
	if (write(STDOUT_FILENO, "1", 1) != 1)
		fprintf(stderr, "seatmux-screen: cannot tell seatmuxd: %m\n");
}

/* CAP_SYS_ADMIN (seatmuxd's keep_caps) is the projection's to read the
 * source's framebuffer, and nothing else's: it stays in the permitted set
 * only, effective around that one read, never handed on to a program. */
static int caps_set(bool effective)
{
	struct __user_cap_header_struct head = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	data[CAP_SYS_ADMIN / 32].permitted = 1u << (CAP_SYS_ADMIN % 32);
	if (effective)
		data[CAP_SYS_ADMIN / 32].effective = 1u << (CAP_SYS_ADMIN % 32);
	return (int)syscall(SYS_capset, &head, data);
}

static int caps_confine(void)
{
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return caps_set(false);
}

/* The source's picture now, kept in src->last: 1 if it changed, 0 if
 * not, -errno if it cannot be read (its head dark, say). */
static int source_read(struct source *src)
{
	struct fb_map m;
	bool same;
	int rc;

	caps_set(true);
	rc = fb_map_card(src->fd, &src->heads, &m);
	caps_set(false);
	if (rc < 0)
		return rc;
	same = src->last && m.width == src->width && m.height == src->height;
	if (!same) {
		free(src->last);
		src->last = malloc((size_t)m.width * m.height * 4);
		src->width = src->last ? m.width : 0;
		src->height = src->last ? m.height : 0;
	}
	for (uint32_t y = 0; src->last && y < m.height; y++) {
		uint32_t *row = src->last + (size_t)y * m.width;
		const uint8_t *from = m.pixels + (size_t)y * m.stride;

		if (same && !memcmp(row, from, (size_t)m.width * 4))
			continue;
		memcpy(row, from, (size_t)m.width * 4);
		same = false;
	}
	fb_unmap(&m);
	return !src->last ? -ENOMEM : !same;
}

/* One frame of a projection on every head that is free to draw. */
static void project_frame(struct painter *p)
{
	struct source *src = p->source;
	int rc;

	for (int i = 0; i < p->nheads; i++)
		if (p->heads[i].flip_pending)
			return;		/* the next tick, when they are all free */
	rc = source_read(src);
	if (rc < 0 && rc != src->last_error)
		fprintf(stderr, "seatmux-screen: %s cannot be read: %s\n", p->req.title,
			strerror(-rc));
	src->last_error = rc < 0 ? rc : 0;
	if (rc == 0)
		src->unchanged++;
	if (rc <= 0 && p->shown)
		return;
	for (int i = 0; i < p->nheads; i++) {
		struct kms_head *head = &p->heads[i];
		struct kms_buffer *buf = kms_head_back(head);

		if (!src->last)
			memset(buf->map, 0, buf->size);	/* nothing read yet: dark */
		else if (project_draw(src->last, (int)src->width, (int)src->height,
				      (int)src->width * 4, buf->map, head->mode.hdisplay,
				      head->mode.vdisplay, (int)buf->stride) < 0)
			continue;	/* an older frame stays rather than a stale one */
		kms_head_present(head, NULL, 0);
	}
	src->drawn += src->last != NULL;
	tell_shown(p);
}

/* What a projection cost, for the journal and the bench. */
static void project_report(const struct painter *p, uint64_t start_ms)
{
	struct rusage ru;
	struct timespec now;
	double cpu_ms, wall_s;

	getrusage(RUSAGE_SELF, &ru);
	clock_gettime(CLOCK_MONOTONIC, &now);
	cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
		 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	wall_s = ((double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6 - (double)start_ms) / 1e3;
	fprintf(stderr, "seatmux-screen: projected %s on %d head%s: %lu frames drawn, %lu unchanged "
		"in %.1f s, %.2f ms CPU a drawn frame\n", p->req.title, p->nheads,
		p->nheads == 1 ? "" : "s", p->source->drawn, p->source->unchanged, wall_s,
		p->source->drawn ? cpu_ms / (double)p->source->drawn : 0.0);
}

static int frame_timer(void)
{
	struct itimerspec every = {
		.it_interval = { 0, PROJECT_FRAME_MS * 1000000L },
		.it_value = { 0, 1 },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd >= 0 && timerfd_settime(fd, 0, &every, NULL) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Until SIGTERM; page flip events are read so that none piles up, and a
 * projection draws a frame at every tick of its timer. */
static int run(struct painter *p, const sigset_t *set)
{
	struct pollfd pfd[2 + SCREEN_PROTO_MAX_CARDS];
	struct timespec start;
	uint64_t ticks;
	int n = 2;

	clock_gettime(CLOCK_MONOTONIC, &start);
	pfd[0] = (struct pollfd){ .fd = signalfd(-1, set, SFD_CLOEXEC), .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = p->source ? frame_timer() : -1, .events = POLLIN };
	if (pfd[0].fd < 0 || (p->source && pfd[1].fd < 0))
		return 1;
	/* A shared card's events are not ours to read (KMS_SYNC). */
	for (uint32_t i = 0; i < p->req.ncards; i++)
		if (!p->req.cards[i].shared)
			pfd[n++] = (struct pollfd){ .fd = SCREEN_PROTO_FIRST_CARD + (int)i,
						    .events = POLLIN };
	for (;;) {
		if (poll(pfd, (nfds_t)n, -1) < 0 && errno != EINTR)
			return 1;
		if (pfd[0].revents)
			break;
		for (int i = 2; i < n; i++)
			if (pfd[i].revents & POLLIN)
				kms_dispatch(pfd[i].fd);
		if ((pfd[1].revents & POLLIN) && read(pfd[1].fd, &ticks, sizeof(ticks)) > 0)
			project_frame(p);
	}
	if (p->source)
		project_report(p, (uint64_t)start.tv_sec * 1000 + (uint64_t)start.tv_nsec / 1000000);
	return 0;
}

int main(void)
{
	static struct painter p;
	static struct source source;
	int shown = 0, rc;
	sigset_t set;

	/* SIGTERM is read from run()'s loop, and waits until then: on a
	 * shared card our framebuffers outlive us unless we remove them,
	 * which every way out below does (all but SIGKILL). */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (read_request(&p.req) < 0) {
		fprintf(stderr, "seatmux-screen: no valid request on stdin\n");
		return 2;
	}
	if (p.req.look == SCREEN_PROJECT) {
		source.fd = SCREEN_PROTO_FIRST_CARD + (int)p.req.ncards;
		for (uint32_t i = 0; i < p.req.source.noutputs; i++)
			source.heads.connectors[source.heads.n++] =
				p.req.source.outputs[i].connector;
		p.source = &source;
		if (caps_confine() < 0) {
			fprintf(stderr, "seatmux-screen: cannot confine CAP_SYS_ADMIN: %m\n");
			return 2;
		}
	}
	for (uint32_t i = 0; i < p.req.ncards; i++) {
		rc = open_card(&p, i);
		if (rc < 0)
			fprintf(stderr, "seatmux-screen: card fd %u: %s\n",
				SCREEN_PROTO_FIRST_CARD + i, strerror(-rc));
		else
			shown += rc;
	}
	if (!shown) {
		fprintf(stderr, "seatmux-screen: no head to show the screen on\n");
		rc = 3;
	} else {
		if (!p.source)
			tell_shown(&p);
		rc = run(&p, &set);
	}
	for (int i = 0; i < p.nheads; i++)
		kms_head_finish(&p.heads[i]);
	return rc;
}
