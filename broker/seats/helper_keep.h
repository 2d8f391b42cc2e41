/* SPDX-License-Identifier: MIT */
/*
 * A helper seatmuxd started (an RDP station's sink, a USB/IP station's
 * link) that must outlive a restart of seatmuxd once it serves a station:
 * a child job asks systemd to move it (and what it started) into a scope
 * of its own, seatmux-KIND-PID.scope, out of seatmuxd's cgroup; then its
 * pidfd and channel are kept in systemd's store as KIND/KEY/pid and
 * KIND/KEY/control. A seatmuxd started again takes both back under the
 * same names (helper_keep_take).
 */
#ifndef SEATMUX_HELPER_KEEP_H
#define SEATMUX_HELPER_KEEP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "loop.h"
#include "state.h"

struct child_job;

struct helper_keep {
	const char *kind;		/* "sink", "link": in names and the scope's */
	uint64_t key;
	int pidfd, control;		/* the owner's, lent while it is kept */
	struct child_job *job;		/* the move, under way */
	bool kept;			/* moved, and both fds in the store */
	/* After the move: kept or not (the helper then ends with seatmuxd). */
	void (*done)(void *data, bool kept);
	void *data;
};

/* Moves the helper (pid, known by pidfd, talking on control) into its
 * scope, then keeps both fds; done() says how it went. Nothing happens
 * without systemd. 0, or -1 (not started: done is not called). */
int helper_keep_start(struct helper_keep *h, struct loop *loop, pid_t pid, int pidfd,
		      int control);
/* Kept no more (it ended, or is ended by seatmuxd); a move under way is
 * cancelled. */
void helper_keep_drop(struct helper_keep *h);
/* seatmuxd restarts: a move under way is cancelled, what is kept stays
 * kept. */
void helper_keep_release(struct helper_keep *h);
/* Its fds kept by a seatmuxd before this one: 0 with both taken, or -1
 * (any taken is closed). */
int helper_keep_take(struct helper_keep *h, struct state *st, int *pidfd, int *control);
/* Kills everything in the helper's scope (what it started included). */
void helper_keep_kill_scope(const char *kind, pid_t pid);

#endif
