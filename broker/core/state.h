/* SPDX-License-Identifier: MIT */
/*
 * What a seatmuxd started again needs to carry on where the last one
 * stopped: one line per thing it held (a session, a client, a device it
 * handed out, a station, a helper), written to /run/seatmux/state after
 * every change, next to the fds kept in systemd's store (fdstore.h). The
 * format is versioned text; a file that does not parse, or is of another
 * version, is not used at all: seatmuxd starts afresh and says why.
 *
 *   seatmux-state 1
 *   next-key 7
 *   session seat0 412 1000 5f3e...
 *   client seat0 3 418 1000 1 4
 *   ...
 *
 * Words are separated by one space; a byte outside '!'..'~', and '%',
 * is written %XX. The parser is pure (no I/O) and fuzzed.
 */
#ifndef SEATMUX_STATE_H
#define SEATMUX_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fdstore.h"

#define STATE_VERSION 1
#define STATE_MAX_WORDS 24
#define STATE_MAX_SIZE (1 << 20)

struct state_record {
	int argc;
	char *argv[STATE_MAX_WORDS];	/* argv[0]: what it is */
	bool taken;
};

/* A state read back, with the fds kept for it. */
struct state {
	struct state_record *v;
	int n;
	uint64_t next_key;	/* keys (of clients, helpers) go on from here */
	struct fdstore fds;
};

void state_init(struct state *st);
/* Pure: 0, or -1 with *why (the state is then empty). */
int state_parse(struct state *st, const char *text, size_t len, const char **why);
/* Reads path: 1 with records, 0 when there is no file, -1 with why. */
int state_load(struct state *st, const char *path, char *why, size_t size);
/* The next record of that kind not taken yet whose next words are the
 * keys given (a NULL-terminated list, maybe empty; "" matches any word),
 * now taken; NULL: none. */
struct state_record *state_take(struct state *st, const char *kind, ...)
	__attribute__((sentinel));
/* state_take's record, left for whoever takes it. */
const struct state_record *state_find(struct state *st, const char *kind, ...)
	__attribute__((sentinel));
/* Word i as a number within [min, max]: 0, or -1. */
int state_number(const struct state_record *r, int i, long long min, long long max,
		 long long *out);
/* Frees the records (fds left in st->fds are the caller's business). */
void state_clear(struct state *st);

/* Writing: a temporary file renamed over path when complete. */
FILE *state_begin(const char *path);
/* One record: the kind, then each word (NULL-terminated list). */
void state_put(FILE *f, const char *kind, ...) __attribute__((sentinel));
/* 0, or -1 (nothing replaced). */
int state_commit(FILE *f, const char *path);

#endif
