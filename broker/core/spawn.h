/* SPDX-License-Identifier: MIT */
/*
 * The one way seatmuxd starts a child (a session, a sink, a link, the
 * zygote, a job): fork, lay out its fds as asked and close the rest,
 * reset what a signalfd-driven daemon leaves behind (a blocked mask,
 * SIGPIPE ignored), a session of its own, its ids, then its work. The
 * loop learns of its end from its pidfd and reaps it: nothing in
 * seatmuxd waits for a child, and no pid is signalled after it is reused.
 */
#ifndef SEATMUX_SPAWN_H
#define SEATMUX_SPAWN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "loop.h"

struct child;

struct spawn {
	/* fds[i] becomes the child's fd i, every other fd is closed; with
	 * nfds < 0 the child keeps all of seatmuxd's (a job's work runs in
	 * the forked image and closes on exec what is close-on-exec). */
	const int *fds;
	int nfds;
	bool new_session;	/* setsid() */
	/* Runs as root once fds are laid out (joins a scope, say); nonzero
	 * is the child's exit status. */
	int (*prepare)(void *arg);
	bool drop;		/* take uid, gid and groups */
	uid_t uid;
	gid_t gid;
	const char *groups_of;	/* initgroups() of this user; NULL: no groups */
	/* With drop: capabilities (1 << CAP_x) kept through the uid change
	 * and the exec as ambient ones, the child's only privilege. */
	uint64_t keep_caps;
	/* The child's work, last: execs, or returns its exit status. */
	int (*run)(void *arg);
	void *arg;
};

/* The child ended, reaped: status as waitpid() gives it. */
typedef void (*child_ended_fn)(void *data, pid_t pid, int status);

/* NULL with errno set. ended is called once, from the loop, unless the
 * child is detached first: after either the child is no longer the
 * caller's to use. */
struct child *spawn_child(struct loop *loop, const struct spawn *sp, child_ended_fn ended,
			  void *data);
/* A process that is not ours (a session a seatmuxd before this one
 * started, now systemd's child), known by its pidfd, which is taken:
 * ended is called when it ends, with status -1 (its parent reaps it). */
struct child *child_adopt_pidfd(struct loop *loop, int pidfd, child_ended_fn ended,
				void *data);
pid_t child_pid(const struct child *c);
/* Its pidfd, the child's as long as the child is (to keep a copy). */
int child_pidfd(const struct child *c);
/* Through the pidfd: never a reused pid. 0 or -errno. */
int child_signal(struct child *c, int sig);
/* Its end is nobody's business now: it is reaped and freed when it comes. */
void child_detach(struct child *c);
/* Whom its end is told to, from now on (a new owner of the child). */
void child_rebind(struct child *c, child_ended_fn ended, void *data);

#endif
