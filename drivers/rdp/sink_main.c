// SPDX-License-Identifier: MIT
/*
 * seatmux-rdp-sink: one RDP connection of a remote station. seatmuxd
 * accepts the connection and starts this program, already running as an
 * unprivileged user, with
 *
 *   fd 3: the client's TCP socket
 *   fd 4: the control channel to seatmuxd (control.h)
 *
 * It speaks RDP (sink.c), hands the client's credentials to seatmuxd and
 * waits for its answer, then connects the station's evdi card as the
 * client's monitor (drivers/vhead) and sends what the session draws there,
 * and writes the client's input to the station's uinput keyboard and
 * pointer. It exits when the client goes; the seat and its session stay
 * with seatmuxd.
 *
 * With --zygote it is the process sinks are forked from (zygote.h).
 */
#include <errno.h>
#include <malloc.h>
#include <linux/input.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <pixman.h>

#include "control.h"
#include "frame_mark.h"
#include "head_look.h"
#include "input_out.h"
#include "screen_store.h"
#include "sink.h"
#include "tile_diff.h"
#include "vhead.h"
#include "zygote.h"

#define CLIENT_FD 3
#define CONTROL_FD 4
/* Longer than seatmuxd's own bound on a logon (its handshake timer). */
#define BROKER_TIMEOUT_MS 45000
#define MAX_DAMAGE 64

struct station {
	struct rdp_sink *sink;
	struct vhead *head;
	int card;
	int width, height;	/* the client's desktop, once activated */
	unsigned head_gen;	/* bumped at every (re)opening of head */
	int keyboard, pointer;	/* uinput fds from seatmuxd */
	struct input_out *input;	/* what goes to them, paced */
	char name[64];
	/* What changed since the last frame sent: the union of the head's
	 * updates meanwhile, which may be many while the client is slow. */
	pixman_region32_t damage;
	bool full;		/* send everything next */
	struct tile_diff *tiles;	/* what the client has, tile by tile */
	struct screen_store *store;	/* the head's still bands, compressed */
	struct damage_rect rects[MAX_DAMAGE];
	/* For the log when the client goes: what the head gave, what went. */
	unsigned long updates, frames;
	unsigned long long pixels;
	/* Watched from afar until then (seatmuxd renews it): what is sent
	 * is framed, in mark's buffer, and marked says so of the client's. */
	uint64_t watched_until;
	bool marked;
	struct frame_mark *mark;
	/* When seatmuxd is told the head changed (it gives its last
	 * picture of the station again until then). */
	struct head_look look;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Whether a name the client typed may go into the journal as it is: a
 * plain account name (seatmuxd logs any other, escaped). */
static bool plain_name(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= 64 &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@") == n;
}

static bool on_logon(void *data, const char *user, const char *password, int w, int h,
		     uint32_t layout)
{
	struct station *st = data;
	struct control_msg msg = { .type = CONTROL_LOGON, .width = w, .height = h, .layout = layout };
	uint8_t buf[CONTROL_MAX_MSG];
	int fds[2];

	if (strlen(user) > CONTROL_MAX_TEXT || strlen(password) > CONTROL_MAX_TEXT)
		return false;
	strcpy(msg.user, user);
	strcpy(msg.password, password);
	if (control_send(CONTROL_FD, &msg, NULL, 0) < 0)
		return false;
	memset(msg.password, 0, sizeof(msg.password));
	/* seatmuxd answers once PAM has; the client waits meanwhile. */
	if (control_recv(CONTROL_FD, buf, &msg, fds, BROKER_TIMEOUT_MS) < 0)
		return false;
	if (msg.type != CONTROL_ACCEPTED || fds[0] < 0 || fds[1] < 0) {
		/* The user name as the client typed it is not written here:
		 * seatmuxd logs it, escaped, beside the reason. */
		fprintf(stderr, "seatmux-rdp-sink: logon refused: %s\n",
			msg.type == CONTROL_REFUSED ? msg.reason : "no station");
		for (int i = 0; i < 2; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		return false;
	}
	st->card = msg.card;
	st->keyboard = fds[0];
	st->pointer = fds[1];
	input_out_set_fds(st->input, st->keyboard, st->pointer);
	snprintf(st->name, sizeof(st->name), "rdp %s", user);
	fprintf(stderr, "seatmux-rdp-sink: %s logged on: card %d\n",
		plain_name(user) ? user : "(a user)", st->card);
	return true;
}

/* seatmuxd is told the head changed. Never waits: a seatmuxd that does
 * not read (restarting) asked nothing of its own; the next look hears it. */
static void say_changed(struct station *st)
{
	struct control_msg msg = { .type = CONTROL_CHANGED };

	if (control_notify(CONTROL_FD, &msg) < 0)
		head_look_unsaid(&st->look);
}

static void on_head_mode(struct vhead *vh, int w, int h, void *data)
{
	struct station *st = data;
	int stride;
	uint32_t *px = vhead_pixels(vh, &w, &h, &stride);

	screen_store_free(st->store);
	/* Without a store (no memory), the buffer simply stays whole. */
	st->store = px ? screen_store_new(px, w, h, stride) : NULL;
	st->full = true;
	if (head_look_changed(&st->look))
		say_changed(st);
}

static void on_head_frame(struct vhead *vh, const struct vhead_rect *r, int n, void *data)
{
	struct station *st = data;
	pixman_box32_t boxes[VHEAD_MAX_RECTS];

	st->updates++;
	if (head_look_changed(&st->look))
		say_changed(st);
	for (int i = 0; i < n; i++) {
		boxes[i] = (pixman_box32_t){ r[i].x1, r[i].y1, r[i].x2, r[i].y2 };
		pixman_region32_union_rect(&st->damage, &st->damage, r[i].x1, r[i].y1,
					   (unsigned)(r[i].x2 - r[i].x1),
					   (unsigned)(r[i].y2 - r[i].y1));
	}
	if (st->store && !screen_store_written(st->store, boxes, n, now_ms()))
		fprintf(stderr, "seatmux-rdp-sink: a stored tile could not be restored\n");
}

static const struct vhead_listener head_listener = {
	.mode = on_head_mode,
	.frame = on_head_frame,
};

static void on_activated(void *data, int w, int h)
{
	struct station *st = data;

	screen_store_free(st->store);
	st->store = NULL;
	st->width = w;
	st->height = h;
	st->head_gen++;
	vhead_close(st->head);
	st->head = vhead_open(st->card, w, h, st->name, &head_listener, st);
	if (!st->head)
		fprintf(stderr, "seatmux-rdp-sink: card %d: %m\n", st->card);
	else
		fprintf(stderr, "seatmux-rdp-sink: activated at %dx%d: monitor connected\n", w, h);
	st->full = true;
	if (head_look_changed(&st->look))	/* another head, or the same anew */
		say_changed(st);
}

/* Watched for ms more (0: no longer): the frame comes or goes with the
 * next frame sent, which is then whole. */
static void on_watched(struct station *st, uint32_t ms)
{
	uint64_t now = now_ms();
	bool was = st->watched_until > now;

	if (ms && !st->mark)
		st->mark = frame_mark_new();
	st->watched_until = ms ? now + ms : 0;
	if (was != (ms != 0))
		fprintf(stderr, "seatmux-rdp-sink: %s\n", !ms ? "no longer watched" : st->mark ?
			"watched: the picture is framed" : "watched, but no memory for the frame");
}

/*
 * seatmuxd's word once the connection is up. Watched, for how long. A
 * station again: the user who logged on at the login screen has a
 * session elsewhere, and the connection goes to it, its head and input
 * for these (the login screen's station ends). Anything else, or
 * seatmuxd's hang-up, ends the station. False: the connection ends.
 */
static bool on_control(struct station *st)
{
	static uint8_t buf[CONTROL_MAX_MSG];
	struct control_msg msg;
	int fds[2];

	if (control_recv(CONTROL_FD, buf, &msg, fds, 0) < 0)
		return false;
	if (msg.type == CONTROL_WATCHED && fds[0] < 0) {
		on_watched(st, msg.watched_ms);
		return true;
	}
	if (msg.type == CONTROL_LOOK && fds[0] < 0) {
		if (head_look_looked(&st->look))
			say_changed(st);
		return true;
	}
	if (msg.type != CONTROL_ACCEPTED || fds[0] < 0 || fds[1] < 0) {
		for (int i = 0; i < 2; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		return false;
	}
	/* Nothing typed at the login screen goes on to the session, and
	 * nothing stays held there. */
	input_out_end(st->input);
	if (st->keyboard >= 0)
		close(st->keyboard);
	if (st->pointer >= 0)
		close(st->pointer);
	st->keyboard = fds[0];
	st->pointer = fds[1];
	input_out_set_fds(st->input, st->keyboard, st->pointer);
	st->card = msg.card;
	fprintf(stderr, "seatmux-rdp-sink: the connection goes to the user's session: card %d\n",
		st->card);
	if (st->head)
		on_activated(st, st->width, st->height);
	return true;
}

/* Input is queued (input_out.h): the loop writes it out at the pace the
 * session's readers can take. */
static void dropped(struct station *st, bool queued)
{
	if (!queued && input_out_dropped(st->input) == 1)
		fprintf(stderr, "seatmux-rdp-sink: input comes faster than it can go: "
			"some is dropped\n");
}

static void on_key(void *data, unsigned code, bool down)
{
	struct station *st = data;

	dropped(st, input_out_key(st->input, code, down));
}

static void on_motion(void *data, int x, int y)
{
	struct station *st = data;

	dropped(st, input_out_motion(st->input, x, y));
}

static void on_button(void *data, unsigned code, bool down)
{
	struct station *st = data;

	dropped(st, input_out_button(st->input, code, down));
}

static void on_wheel(void *data, bool horizontal, int clicks)
{
	struct station *st = data;

	dropped(st, input_out_wheel(st->input, horizontal, clicks));
}

static void on_refresh(void *data)
{
	((struct station *)data)->full = true;
}

static const struct rdp_sink_ops sink_ops = {
	.logon = on_logon,
	.activated = on_activated,
	.key = on_key,
	.motion = on_motion,
	.button = on_button,
	.wheel = on_wheel,
	.refresh = on_refresh,
};

/* The damage as rectangles; too fragmented, its bounding box. */
static int damage_rects(pixman_region32_t *region, struct damage_rect *out)
{
	int n;
	const pixman_box32_t *b = pixman_region32_rectangles(region, &n);

	if (n > MAX_DAMAGE) {
		b = pixman_region32_extents(region);
		n = 1;
	}
	for (int i = 0; i < n; i++)
		out[i] = (struct damage_rect){ b[i].x1, b[i].y1, b[i].x2 - b[i].x1, b[i].y2 - b[i].y1 };
	return n;
}

/*
 * The tiles of the damage that changed since sent; with a full refresh
 * (a new mode, the client asking), all of them. Without a tile_diff (out
 * of memory), the damage as it is.
 */
static const struct damage_rect *changed(struct station *st, const uint32_t *px, int w, int h,
					 int stride, int *n)
{
	struct damage_rect *rects = st->rects;

	if (!tile_diff_fits(st->tiles, w, h)) {
		tile_diff_free(st->tiles);
		st->tiles = tile_diff_new(w, h);
		st->full = true;
	}
	if (st->full) {
		rects[0] = (struct damage_rect){ 0, 0, w, h };
		*n = 1;
		if (st->tiles)
			tile_diff_reset(st->tiles);
	} else {
		*n = damage_rects(&st->damage, rects);
	}
	/* All that is read must be in the buffer: a whole frame, or a
	 * bounding box that spans bands put away meanwhile. */
	for (int i = 0; st->store && i < *n; i++) {
		pixman_box32_t b = { rects[i].x, rects[i].y, rects[i].x + rects[i].w,
				     rects[i].y + rects[i].h };

		if (!screen_store_restore(st->store, &b))
			fprintf(stderr, "seatmux-rdp-sink: a stored tile could not be restored\n");
	}
	return st->tiles ? tile_diff_changed(st->tiles, px, stride, rects, *n, n) : rects;
}

/* The newest frame, once the client can take one; framed while watched. */
static void flush(struct station *st)
{
	bool watched = st->watched_until > now_ms() && st->mark;
	const struct damage_rect *rects;
	int w, h, stride, n, out_stride;
	const uint32_t *px, *out;

	/* The frame comes or goes: the whole picture again. */
	if (watched != st->marked) {
		st->marked = watched;
		st->full = true;
	}
	if (!st->head || (!st->full && !pixman_region32_not_empty(&st->damage)) ||
	    !rdp_sink_can_send(st->sink))
		return;
	px = vhead_pixels(st->head, &w, &h, &stride);
	if (!px)
		return;
	rects = changed(st, px, w, h, stride, &n);
	st->full = false;
	pixman_region32_clear(&st->damage);
	if (n == 0)
		return;		/* drawn again, the same */
	out = st->marked ? frame_mark_apply(st->mark, px, w, h, stride, rects, n, &out_stride) : NULL;
	/* Not sent: the tiles were taken as sent; all of them next time. */
	if (!rdp_sink_send(st->sink, out ? out : px, out ? out_stride : stride, rects, n))
		st->full = true;
	for (int i = 0; i < n; i++)
		st->pixels += (unsigned long long)rects[i].w * (unsigned long long)rects[i].h;
	st->frames++;
}

/* The client's socket, not read while input waits, reports its end. */
static bool hung_up(const struct pollfd *pfd, int n)
{
	for (int i = 0; i < n; i++)
		if (pfd[i].revents & (POLLHUP | POLLERR))
			return true;
	return false;
}

static int sink_main(void)
{
	struct station st = { .keyboard = -1, .pointer = -1 };
	/* Four frames unacknowledged at most: at 60 fps that covers a round
	 * trip (network, the client's decoding) of 67 ms. In bench/rdp.py two
	 * let a relayed small-64 client have 41 of its 60 frames; with three,
	 * weston-simple-shm got 0.82 of its frames, with four 0.88. */
	struct rdp_sink_config cfg = { .max_frames_in_flight = 4 };
	static uint8_t tls_buf[CONTROL_MAX_MSG];
	struct control_msg tls;
	int fds[2], rc = 0, paced = -1;
	size_t left;

	head_look_init(&st.look);
	st.input = input_out_new();
	if (!st.input)
		return 1;
	pixman_region32_init(&st.damage);
	/* A whole frame (the first, a refresh) has FreeRDP allocate large
	 * buffers and free them after. glibc would raise its mmap threshold
	 * past them and keep them in the heap for good; a fixed threshold
	 * gives them back to the kernel once freed. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);

	if (control_recv(CONTROL_FD, tls_buf, &tls, fds, BROKER_TIMEOUT_MS) < 0 ||
	    tls.type != CONTROL_TLS) {
		fprintf(stderr, "seatmux-rdp-sink: no TLS identity from seatmuxd\n");
		return 1;
	}
	cfg.certificate_pem = tls.cert;
	cfg.key_pem = tls.key;
	st.sink = rdp_sink_new(CLIENT_FD, &cfg, &sink_ops, &st);
	/* FreeRDP keeps its own copy: ours goes now. */
	memset(tls_buf, 0, sizeof(tls_buf));
	if (!st.sink) {
		input_out_free(st.input);
		return 1;
	}
	for (;;) {
		struct pollfd pfd[8];
		int n = rdp_sink_fds(st.sink, fds, 2), m = n;
		/* The head polled: the client or seatmuxd may open another
		 * meanwhile, whose fd this poll did not see. */
		unsigned head_gen = st.head_gen;
		int timeout = rdp_sink_write_blocked(st.sink) ? 16 : -1;
		int still = st.store ? screen_store_put_away(st.store, now_ms(), &st.damage) : -1;
		/* Input waiting by the thousand: the client waits too (its
		 * socket is not read) until some of it has gone. */
		bool backlog = input_out_backlogged(st.input);

		for (int i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ .fd = fds[i], .events = backlog ? 0 : POLLIN };
		if (st.head)
			pfd[m++] = (struct pollfd){ .fd = vhead_fd(st.head), .events = POLLIN };
		pfd[m++] = (struct pollfd){ .fd = CONTROL_FD, .events = POLLIN };
		/* Everything comes as an fd event, except a socket ready to take
		 * more output (then poll comes back within a frame to drain it),
		 * a band of the head about to be still long enough to be put
		 * away and input due to go. An idle station sleeps. */
		if (still >= 0 && (timeout < 0 || still < timeout))
			timeout = still;
		if (paced >= 0 && (timeout < 0 || paced < timeout))
			timeout = paced;
		/* The frame goes when its time is up, renewed or not. */
		if (st.marked) {
			uint64_t now = now_ms();
			int left_ms = st.watched_until > now ? (int)(st.watched_until - now) : 0;

			if (timeout < 0 || left_ms < timeout)
				timeout = left_ms;
		}
		if (poll(pfd, (nfds_t)m, timeout) < 0 && errno != EINTR)
			break;
		if ((pfd[m - 1].revents & (POLLIN | POLLHUP)) && !on_control(&st))
			break;		/* seatmuxd ends the station */
		if (backlog ? hung_up(pfd, n) : !rdp_sink_dispatch(st.sink))
			break;
		if (st.head && head_gen == st.head_gen && (pfd[n].revents & POLLIN))
			vhead_dispatch(st.head);
		flush(&st);
		paced = input_out_flush(st.input, now_ms());
	}
	left = input_out_end(st.input);
	if (left || input_out_dropped(st.input))
		fprintf(stderr, "seatmux-rdp-sink: input not written: %zu packets still waiting "
			"when the client went, %lu dropped\n", left, input_out_dropped(st.input));
	fprintf(stderr, "seatmux-rdp-sink: connection ended: %lu updates from the head, "
		"%lu frames sent, %llu pixels a frame\n", st.updates, st.frames,
		st.frames ? st.pixels / st.frames : 0);
	if (st.store) {
		struct screen_store_stats ss;

		screen_store_stats(st.store, &ss);
		fprintf(stderr, "seatmux-rdp-sink: still screen: %lu bands put away, "
			"%lu tiles restored, %zu bytes stored at the end\n",
			ss.bands_put_away, ss.tiles_restored, ss.stored_bytes);
		screen_store_free(st.store);
	}
	vhead_close(st.head);
	rdp_sink_free(st.sink);
	tile_diff_free(st.tiles);
	frame_mark_free(st.mark);
	pixman_region32_fini(&st.damage);
	input_out_free(st.input);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--zygote"))
		return zygote_run(ZYGOTE_FD, sink_main);
	if (argc != 1) {
		fprintf(stderr, "usage: seatmux-rdp-sink [--zygote] (started by seatmuxd)\n");
		return 2;
	}
	return sink_main();
}
