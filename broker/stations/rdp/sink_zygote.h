/* SPDX-License-Identifier: MIT */
/*
 * seatmuxd's end of the sink zygote (drivers/rdp/zygote.h): a
 * seatmux-rdp-sink process kept as root, with its libraries loaded, that
 * forks each connection's sink and drops it to its uid. A sink so made is
 * not seatmuxd's child: its pidfd tells when it ends and takes the
 * signals. Without a zygote (it failed to start, or died), sinks are
 * exec'd as before.
 */
#ifndef SEATMUX_SINK_ZYGOTE_H
#define SEATMUX_SINK_ZYGOTE_H

#include <stdbool.h>
#include <sys/types.h>

#include "loop.h"
#include "spawn.h"

struct sink_zygote {
	int fd;		/* our end of its socket; -1: no zygote */
	pid_t pid;
	bool ready;	/* it said so: its libraries are loaded */
};

/* Starts `path --zygote` as seatmuxd's child (spawn.h: its end is
 * ended(data, pid, status), from loop; *child is it). 0, or -errno
 * (z->fd is then -1). */
int sink_zygote_start(struct sink_zygote *z, struct loop *loop, const char *path,
		      child_ended_fn ended, void *data, struct child **child);
/*
 * Reads the zygote's word that it is ready, once its fd is readable: 0
 * (ready; also if it was already), -EAGAIN (nothing yet), or -errno: it
 * went or said something else, and is given up (z->fd is then -1).
 */
int sink_zygote_take_ready(struct sink_zygote *z);
/*
 * A sink running as uid:gid with the client's socket and its control
 * channel: its pidfd, with its pid in *pid. -ECONNABORTED when the zygote
 * did not answer in step (it is given up): a sink may have been made, so
 * the connection must not be given another. -EAGAIN: the zygote has not
 * said it is ready (never waited for). Any other -errno: no sink was made (an
 * exec'd sink may serve the connection).
 */
int sink_zygote_spawn(struct sink_zygote *z, uid_t uid, gid_t gid, int client, int control,
		      pid_t *pid);
/* seatmuxd reaped pid: true if it was the zygote, now gone. */
bool sink_zygote_reaped(struct sink_zygote *z, pid_t pid);
void sink_zygote_stop(struct sink_zygote *z);
/* SIGKILL through a pidfd: never another process that took its pid. */
int pidfd_kill(int pidfd);

#endif
