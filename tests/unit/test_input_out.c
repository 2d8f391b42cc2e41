// SPDX-License-Identifier: MIT
/*
 * The sink's input path (input_out.h) writing into pipes in place of the
 * uinput devices, read by a model of the session's reader: evdev keeps 64
 * events for a keyboard, and a reader that lets more pile up loses them.
 */
#include <fcntl.h>
#include <linux/input.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "input_out.h"
#include "test.h"

/* evdev's buffer for the station's keyboard (vinput.c): 8 packets of 17
 * events, to a power of two. */
#define EVDEV_KEYBOARD_BUFFER 256
#define BURST 2000

static const unsigned pattern[] = {
	KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I, KEY_J, KEY_K, KEY_L,
	KEY_M, KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X,
	KEY_Y, KEY_Z, KEY_1, KEY_2, KEY_3, KEY_4, KEY_5, KEY_6, KEY_7, KEY_8, KEY_9, KEY_0,
};
#define PATTERN_LEN (sizeof(pattern) / sizeof(pattern[0]))

static int make_pipe(int p[2])
{
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	return 0;
}

static int unread(int fd)
{
	int bytes = 0;

	ioctl(fd, FIONREAD, &bytes);
	return bytes / (int)sizeof(struct input_event);
}

static void test_pace(struct test_state *t)
{
	struct input_pace p;
	int sent = 0;

	input_pace_init(&p, 4, 5);
	while (input_pace_wait(&p, 0) == 0 && sent < 100) {
		input_pace_sent(&p, 0);
		sent++;
	}
	CHECK(t, sent == 4);
	CHECK(t, input_pace_wait(&p, 0) == 5 && input_pace_wait(&p, 3) == 2);
	CHECK(t, input_pace_wait(&p, 5) == 0);
	input_pace_sent(&p, 5);
	CHECK(t, input_pace_wait(&p, 5) == 5);
	/* Idle for long: the burst again, no more. */
	sent = 0;
	while (input_pace_wait(&p, 1000) == 0 && sent < 100) {
		input_pace_sent(&p, 1000);
		sent++;
	}
	CHECK(t, sent == 4);
}

/* The model reader: takes everything in the pipe, checks it is the keys
 * sent, each its own packet, in order. */
struct reader {
	int next;		/* key events read so far */
	bool wrong, syn_wanted;
};

static void read_all(struct test_state *t, struct reader *r, int fd)
{
	struct input_event ev[64];
	ssize_t len;

	while ((len = read(fd, ev, sizeof(ev))) > 0)
		for (size_t i = 0; i < (size_t)len / sizeof(ev[0]); i++) {
			if (ev[i].type == EV_SYN) {
				r->wrong |= !r->syn_wanted || ev[i].code != SYN_REPORT;
				r->syn_wanted = false;
				continue;
			}
			r->wrong |= r->syn_wanted || ev[i].type != EV_KEY ||
				    ev[i].code != pattern[(r->next / 2) % PATTERN_LEN] ||
				    ev[i].value != !(r->next % 2);
			r->next++;
			r->syn_wanted = true;
		}
	CHECK(t, len < 0);
}

/*
 * BURST keys pressed and released, all queued at once (as a FreeRDP
 * client's paste arrives), written out as the clock runs. The reader reads
 * every 8 ms, but twice stops for 500 ms (a compositor busy drawing): it
 * must never find more waiting than evdev would have kept, and must get
 * every key, in order.
 */
static void test_burst_reaches_a_slow_reader(struct test_state *t)
{
	struct input_out *out = input_out_new();
	struct reader r = { 0 };
	int kb[2], ptr[2], most = 0, wait = 0;
	uint64_t now = 1000;

	if (!out || make_pipe(kb) < 0 || make_pipe(ptr) < 0) {
		CHECK(t, !"setup");
		return;
	}
	input_out_set_fds(out, kb[1], ptr[1]);
	for (int i = 0; i < BURST; i++) {
		CHECK(t, input_out_key(out, pattern[i % PATTERN_LEN], true));
		CHECK(t, input_out_key(out, pattern[i % PATTERN_LEN], false));
	}
	CHECK(t, input_out_pending(out) == 2 * BURST && !input_out_backlogged(out));
	for (uint64_t ms = 0; wait >= 0 && ms < 600000; ms++, now++) {
		bool stalled = (ms >= 300 && ms < 800) || (ms >= 5000 && ms < 5500);

		wait = input_out_flush(out, now);
		if (unread(kb[0]) > most)
			most = unread(kb[0]);
		if (!stalled && ms % 8 == 0)
			read_all(t, &r, kb[0]);
	}
	read_all(t, &r, kb[0]);
	CHECK(t, most < EVDEV_KEYBOARD_BUFFER);
	CHECK(t, r.next == 2 * BURST && !r.wrong && !r.syn_wanted);
	CHECK(t, unread(ptr[0]) == 0);
	if (most >= EVDEV_KEYBOARD_BUFFER || r.next != 2 * BURST || r.wrong)
		fprintf(stderr, "  at most %d events unread; %d key events read%s\n", most, r.next,
			r.wrong ? ", not as sent" : "");
	input_out_free(out);
	for (int i = 0; i < 2; i++) {
		close(kb[i]);
		close(ptr[i]);
	}
}

/* Typing goes at once: a key now and then is never held back. */
static void test_typing_is_not_delayed(struct test_state *t)
{
	struct input_out *out = input_out_new();
	struct reader r = { 0 };
	int kb[2], ptr[2];
	uint64_t now = 50;

	if (!out || make_pipe(kb) < 0 || make_pipe(ptr) < 0) {
		CHECK(t, !"setup");
		return;
	}
	input_out_set_fds(out, kb[1], ptr[1]);
	for (int i = 0; i < 50; i++, now += 60) {
		input_out_key(out, pattern[i % PATTERN_LEN], true);
		input_out_key(out, pattern[i % PATTERN_LEN], false);
		CHECK(t, input_out_flush(out, now) == -1);
	}
	read_all(t, &r, kb[0]);
	CHECK(t, r.next == 100 && !r.wrong);
	input_out_free(out);
	for (int i = 0; i < 2; i++) {
		close(kb[i]);
		close(ptr[i]);
	}
}

static int read_events(int fd, struct input_event *ev, int max)
{
	ssize_t len = read(fd, ev, sizeof(*ev) * (size_t)max);

	return len > 0 ? (int)(len / (ssize_t)sizeof(*ev)) : 0;
}

/*
 * Pointer motion waiting is replaced by the newer position, in its place
 * among the rest; the client gone, what waits is dropped and what is down
 * goes up.
 */
static void test_motion_and_end(struct test_state *t)
{
	struct input_out *out = input_out_new();
	struct input_event ev[32];
	int kb[2], ptr[2], n;

	if (!out || make_pipe(kb) < 0 || make_pipe(ptr) < 0) {
		CHECK(t, !"setup");
		return;
	}
	input_out_set_fds(out, kb[1], ptr[1]);
	input_out_key(out, KEY_LEFTSHIFT, true);
	input_out_motion(out, 1, 1);
	input_out_motion(out, 2, 2);
	input_out_motion(out, 3, 4);
	input_out_button(out, BTN_LEFT, true);
	input_out_motion(out, 5, 6);
	CHECK(t, input_out_pending(out) == 4);
	input_out_flush(out, 0);
	n = read_events(ptr[0], ev, 32);
	CHECK(t, n == 8);
	CHECK(t, n == 8 && ev[0].type == EV_ABS && ev[0].code == ABS_X && ev[0].value == 3 &&
		 ev[1].code == ABS_Y && ev[1].value == 4 && ev[2].type == EV_SYN &&
		 ev[3].type == EV_KEY && ev[3].code == BTN_LEFT && ev[3].value == 1 &&
		 ev[5].value == 5 && ev[6].value == 6);
	CHECK(t, read_events(kb[0], ev, 32) == 2 && ev[0].code == KEY_LEFTSHIFT);
	/* More than the burst: the rest waits, and is dropped when the
	 * client goes; Shift, still down, goes up. */
	for (int i = 0; i < INPUT_OUT_BURST; i++) {
		input_out_key(out, KEY_A, true);
		input_out_key(out, KEY_A, false);
	}
	CHECK(t, input_out_flush(out, 0) > 0);
	n = (int)input_out_pending(out);
	CHECK(t, n > 0 && input_out_end(out) == (size_t)n && input_out_pending(out) == 0);
	n = read_events(kb[0], ev, 32);
	CHECK(t, n >= 2 && n % 4 == 2 && ev[n - 2].type == EV_KEY &&
		 ev[n - 2].code == KEY_LEFTSHIFT && ev[n - 2].value == 0 && ev[n - 1].type == EV_SYN);
	n = read_events(ptr[0], ev, 32);
	CHECK(t, n == 2 && ev[0].type == EV_KEY && ev[0].code == BTN_LEFT && ev[0].value == 0);
	input_out_free(out);
	for (int i = 0; i < 2; i++) {
		close(kb[i]);
		close(ptr[i]);
	}
}

/* A client sending without end: the queue is bounded, the excess counted. */
static void test_bounded(struct test_state *t)
{
	struct input_out *out = input_out_new();
	unsigned long refused = 0;

	if (!out) {
		CHECK(t, !"setup");
		return;
	}
	for (int i = 0; i < INPUT_OUT_MAX + 10; i++)
		refused += !input_out_key(out, KEY_A, i % 2 == 0);
	CHECK(t, refused == 10 && input_out_dropped(out) == 10);
	CHECK(t, input_out_pending(out) == INPUT_OUT_MAX && input_out_backlogged(out));
	input_out_free(out);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_pace);
	RUN(&t, test_burst_reaches_a_slow_reader);
	RUN(&t, test_typing_is_not_delayed);
	RUN(&t, test_motion_and_end);
	RUN(&t, test_bounded);
	return TEST_SUMMARY(&t);
}
