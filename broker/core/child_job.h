/* SPDX-License-Identifier: MIT */
/*
 * Work that would stall seatmuxd's loop (a PAM conversation, waiting for
 * evdi's card node and for udev) runs in a child process, while every
 * seat's session and every other connection go on being served. The
 * child's answer, a small record of fixed size, comes back through the
 * loop.
 */
#ifndef SEATMUX_CHILD_JOB_H
#define SEATMUX_CHILD_JOB_H

#include <stddef.h>

#include "loop.h"

#define CHILD_JOB_MAX_ANSWER 512	/* within PIPE_BUF: one atomic write */

struct child_job;

/* Runs in the child (a fork of seatmuxd, all signals unblocked): fills
 * the answer, size bytes, zeroed beforehand. */
typedef void (*child_job_work)(void *arg, void *answer);
/* Runs in seatmuxd, from the loop: the answer, or NULL if the child ended
 * without one (it crashed or was killed). */
typedef void (*child_job_done)(void *data, const void *answer);

/*
 * Forks a child running work(arg, answer); done is called once, unless
 * the job is cancelled first. arg is read in the child only: it need live
 * no longer than this call. NULL with errno set.
 */
struct child_job *child_job_start(struct loop *loop, size_t size, child_job_work work,
				  void *arg, child_job_done done, void *data);
/*
 * As child_job_start, for work that needs nothing of seatmuxd's (a PAM
 * conversation, a user lookup: modules of the system's choosing run in
 * it): the child has /dev/null, seatmuxd's stdout and stderr and its
 * answer pipe, none of the seats' devices, sockets or clients. A child
 * that has not answered within timeout_ms (0: no limit) is killed, and
 * done gets no answer.
 */
struct child_job *child_job_start_bare(struct loop *loop, size_t size, child_job_work work,
				       void *arg, child_job_done done, void *data,
				       int timeout_ms);
/* Waits for the answer (seatmuxd ending: the loop runs no more), up to
 * timeout_ms, then kills the child; done is called either way. */
void child_job_finish(struct child_job *job, int timeout_ms);
/* Kills the child; done is not called. NULL is nothing to cancel. */
void child_job_cancel(struct child_job *job);

#endif
