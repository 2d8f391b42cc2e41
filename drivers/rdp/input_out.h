/* SPDX-License-Identifier: MIT */
/*
 * The client's input on its way to the station's uinput keyboard and
 * pointer, in the order the client sent it, at a pace the session can
 * take.
 *
 * A uinput write goes straight into the buffer the kernel keeps for each
 * reader of the device (evdev), and that buffer is small: 256 events for
 * the station's keyboard (vinput.c), 128 keys pressed or released with
 * their SYN_REPORTs; 64 for an ordinary keyboard. A reader that has not
 * read them when more come loses every event in the buffer (SYN_DROPPED),
 * and libinput carries on from the keys' state after the loss, not from
 * what was typed. An RDP client sends a pasted line, or a fast typist's,
 * in a few packets, and the sink used to write it all at once: the
 * session's compositor lost most of it. A keyboard never sends that fast.
 *
 * Nothing tells the sink how far the session has read, so the input waits
 * here and goes out at most INPUT_OUT_BURST packets at once, then one each
 * INPUT_OUT_INTERVAL_MS: a reader that keeps up never waits, and one that
 * stops for half a second (a compositor drawing under emulation on a busy
 * host: 300 ms have been seen) still loses nothing. Typing is slower than
 * that pace and is never held back; a paste of thousands of keys takes
 * seconds. Pointer motion still waiting when more comes is replaced by
 * the newer position: only where the pointer is matters.
 */
#ifndef SEATMUX_INPUT_OUT_H
#define SEATMUX_INPUT_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INPUT_OUT_BURST 8
#define INPUT_OUT_INTERVAL_MS 5
/* Packets held at most; more are dropped (and counted). A client is no
 * longer read from once HIGH are waiting, so that only what one read of
 * its socket brings can go over: its TCP window holds the rest. */
#define INPUT_OUT_MAX 65536
#define INPUT_OUT_HIGH 4096

/* The pacing rule: a generic cell rate algorithm, a leaky bucket in one
 * number. tat is when the bucket would be empty again. */
struct input_pace {
	uint64_t tat;
	unsigned burst;
	unsigned interval_ms;
};

void input_pace_init(struct input_pace *p, unsigned burst, unsigned interval_ms);
/* Milliseconds until a packet may go (0: now). */
uint64_t input_pace_wait(const struct input_pace *p, uint64_t now_ms);
/* A packet went at now_ms (which input_pace_wait allowed). */
void input_pace_sent(struct input_pace *p, uint64_t now_ms);

struct input_out;

/* Writes to the keyboard and pointer uinput fds (-1: none yet). NULL
 * without memory. */
struct input_out *input_out_new(void);
void input_out_free(struct input_out *out);
void input_out_set_fds(struct input_out *out, int keyboard, int pointer);

/* Queued, in order; false if dropped (the queue is full). */
bool input_out_key(struct input_out *out, unsigned code, bool down);
bool input_out_motion(struct input_out *out, int x, int y);
bool input_out_button(struct input_out *out, unsigned code, bool down);
bool input_out_wheel(struct input_out *out, bool horizontal, int clicks);

/* Writes what may go at now_ms. Returns the milliseconds until more may
 * go, or -1 if nothing waits. */
int input_out_flush(struct input_out *out, uint64_t now_ms);
/* Packets waiting. */
size_t input_out_pending(const struct input_out *out);
/* Whether to stop reading the client until more has gone. */
bool input_out_backlogged(const struct input_out *out);
/* The client is gone: what waits is dropped (returns how many packets)
 * and every key and button still down is released, so that the next
 * connection's typing does not start with a key held. */
size_t input_out_end(struct input_out *out);
/* Packets dropped so far because the queue was full. */
unsigned long input_out_dropped(const struct input_out *out);

#endif
