// SPDX-License-Identifier: MIT
/*
 * A ring of packets (an event or two, and the SYN_REPORT that ends them),
 * grown as needed up to INPUT_OUT_MAX. Each packet is one write(2): uinput
 * takes whole events, never blocks, and hands them to evdev's readers
 * before it returns.
 */
#include <errno.h>
#include <linux/input.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "input_out.h"

enum { KEYBOARD, POINTER };

struct packet {
	uint8_t device;
	uint8_t n;
	struct {
		uint16_t type, code;
		int32_t value;
	} ev[2];
};

struct input_out {
	int fd[2];
	struct packet *ring;
	size_t size, head, count;
	struct input_pace pace;
	unsigned long dropped;
	unsigned long failed;	/* writes: only the first is logged */
	/* Keys and buttons written down and not yet up (both devices). */
	uint8_t down[2][KEY_CNT / 8];
};

/* -- pacing -- */

void input_pace_init(struct input_pace *p, unsigned burst, unsigned interval_ms)
{
	*p = (struct input_pace){ .tat = 0, .burst = burst ? burst : 1, .interval_ms = interval_ms };
}

/* The bucket holds burst packets: one may go while tat is less than that
 * many intervals ahead. */
uint64_t input_pace_wait(const struct input_pace *p, uint64_t now_ms)
{
	uint64_t tau = (uint64_t)(p->burst - 1) * p->interval_ms;

	return p->tat > now_ms + tau ? p->tat - now_ms - tau : 0;
}

void input_pace_sent(struct input_pace *p, uint64_t now_ms)
{
	p->tat = (p->tat > now_ms ? p->tat : now_ms) + p->interval_ms;
}

/* -- the queue -- */

struct input_out *input_out_new(void)
{
	struct input_out *out = calloc(1, sizeof(*out));

	if (!out)
		return NULL;
	out->fd[KEYBOARD] = out->fd[POINTER] = -1;
	input_pace_init(&out->pace, INPUT_OUT_BURST, INPUT_OUT_INTERVAL_MS);
	return out;
}

void input_out_free(struct input_out *out)
{
	if (!out)
		return;
	free(out->ring);
	free(out);
}

void input_out_set_fds(struct input_out *out, int keyboard, int pointer)
{
	out->fd[KEYBOARD] = keyboard;
	out->fd[POINTER] = pointer;
	out->failed = 0;	/* new devices: their first failure is logged */
}

static struct packet *slot(struct input_out *out, size_t i)
{
	return &out->ring[(out->head + i) % out->size];
}

static bool grow(struct input_out *out)
{
	size_t size = out->size ? out->size * 2 : 256;
	struct packet *ring;

	if (out->size >= INPUT_OUT_MAX)
		return false;
	ring = malloc(size * sizeof(*ring));
	if (!ring)
		return false;
	for (size_t i = 0; i < out->count; i++)
		ring[i] = *slot(out, i);
	free(out->ring);
	out->ring = ring;
	out->size = size;
	out->head = 0;
	return true;
}

static bool push(struct input_out *out, const struct packet *p)
{
	if (out->count == out->size && !grow(out)) {
		out->dropped++;
		return false;
	}
	*slot(out, out->count++) = *p;
	return true;
}

static struct packet one(uint8_t device, unsigned type, unsigned code, int value)
{
	struct packet p = { .device = device, .n = 1 };

	p.ev[0].type = (uint16_t)type;
	p.ev[0].code = (uint16_t)code;
	p.ev[0].value = value;
	return p;
}

bool input_out_key(struct input_out *out, unsigned code, bool down)
{
	struct packet p = one(KEYBOARD, EV_KEY, code, down);

	return push(out, &p);
}

static bool is_motion(const struct packet *p)
{
	return p->device == POINTER && p->ev[0].type == EV_ABS;
}

bool input_out_motion(struct input_out *out, int x, int y)
{
	struct packet p = one(POINTER, EV_ABS, ABS_X, x);

	p.n = 2;
	p.ev[1].type = EV_ABS;
	p.ev[1].code = ABS_Y;
	p.ev[1].value = y;
	/* Where the pointer went meanwhile matters to nobody. */
	if (out->count && is_motion(slot(out, out->count - 1))) {
		*slot(out, out->count - 1) = p;
		return true;
	}
	return push(out, &p);
}

bool input_out_button(struct input_out *out, unsigned code, bool down)
{
	struct packet p = one(POINTER, EV_KEY, code, down);

	return push(out, &p);
}

bool input_out_wheel(struct input_out *out, bool horizontal, int clicks)
{
	struct packet p = one(POINTER, EV_REL, horizontal ? REL_HWHEEL : REL_WHEEL, clicks);

	return push(out, &p);
}

/* -- writing -- */

static void note_state(struct input_out *out, const struct packet *p)
{
	uint16_t code = p->ev[0].code;

	if (p->ev[0].type != EV_KEY || code >= KEY_CNT)
		return;
	if (p->ev[0].value)
		out->down[p->device][code / 8] |= (uint8_t)(1u << (code % 8));
	else
		out->down[p->device][code / 8] &= (uint8_t)~(1u << (code % 8));
}

static void write_packet(struct input_out *out, const struct packet *p)
{
	struct input_event ev[3];
	struct timeval tv;
	int fd = out->fd[p->device];
	ssize_t len;

	note_state(out, p);
	if (fd < 0)
		return;
	gettimeofday(&tv, NULL);
	memset(ev, 0, sizeof(ev));
	for (int i = 0; i < p->n; i++) {
		ev[i].time = tv;
		ev[i].type = p->ev[i].type;
		ev[i].code = p->ev[i].code;
		ev[i].value = p->ev[i].value;
	}
	ev[p->n].time = tv;
	ev[p->n].type = EV_SYN;
	ev[p->n].code = SYN_REPORT;
	do
		len = write(fd, ev, sizeof(ev[0]) * (size_t)(p->n + 1));
	while (len < 0 && errno == EINTR);
	if (len != (ssize_t)(sizeof(ev[0]) * (size_t)(p->n + 1)) && out->failed++ == 0)
		fprintf(stderr, "seatmux-rdp-sink: input: %s\n",
			len < 0 ? strerror(errno) : "short write");
}

int input_out_flush(struct input_out *out, uint64_t now_ms)
{
	uint64_t wait;

	while (out->count) {
		wait = input_pace_wait(&out->pace, now_ms);
		if (wait)
			return (int)wait;	/* at most an interval */
		write_packet(out, slot(out, 0));
		input_pace_sent(&out->pace, now_ms);
		out->head = (out->head + 1) % out->size;
		out->count--;
	}
	return -1;
}

size_t input_out_pending(const struct input_out *out)
{
	return out->count;
}

bool input_out_backlogged(const struct input_out *out)
{
	return out->count >= INPUT_OUT_HIGH;
}

unsigned long input_out_dropped(const struct input_out *out)
{
	return out->dropped;
}

size_t input_out_end(struct input_out *out)
{
	size_t left = out->count;

	out->count = 0;
	out->head = 0;
	for (uint8_t dev = KEYBOARD; dev <= POINTER; dev++)
		for (unsigned code = 0; code < KEY_CNT; code++) {
			struct packet p = one(dev, EV_KEY, code, 0);

			if (out->down[dev][code / 8] & (1u << (code % 8)))
				write_packet(out, &p);
		}
	return left;
}
