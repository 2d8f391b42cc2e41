/*
 * A seat's session: the configured command, run as the configured user
 * with a clean environment pointing at the seat's socket, restarted with
 * backoff when it exits.
 */
#ifndef SEATMUX_SESSION_H
#define SEATMUX_SESSION_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"
#include "loop.h"

struct session {
	const struct seat_config *cfg;
	struct loop *loop;
	char seat[SEAT_PROTO_MAX_SEAT];
	char socket_path[108];
	char drm_devices[256];	/* WLR_DRM_DEVICES for lease-only seats */
	pid_t pid;
	int failures;		/* quick exits in a row: drives the backoff */
	struct timespec started;
	struct loop_source *restart_timer;
	struct loop_source *kill_timer;	/* the SIGTERM grace of a stop */
	bool stopped;		/* not to be restarted when it exits */
	bool stopping;		/* SIGTERM sent, not reaped yet */
	bool start_when_gone;	/* started again while stopping */
};

int session_init(struct session *s, struct loop *loop,
		 const struct seat_config *cfg, const char *seat,
		 const char *socket_path);
/* For a seat that goes for good: nothing would be left to reap its
 * session later, so this one waits for it, bounded by the grace. */
void session_finish(struct session *s);
/* Starts the session; while the last one is stopping, once it is gone. */
int session_start(struct session *s);
/*
 * Asks the session's process group to end and returns: the leader is
 * reaped from the loop (session_reap), and the group killed if it takes
 * longer than its grace. The loop serves every other seat meanwhile.
 */
void session_stop(struct session *s);
/* Returns true when pid was this session's; schedules the restart. */
bool session_reap(struct session *s, pid_t pid, int status);

#endif
