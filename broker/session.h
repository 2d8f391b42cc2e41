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
	bool stopped;
};

int session_init(struct session *s, struct loop *loop,
		 const struct seat_config *cfg, const char *seat,
		 const char *socket_path);
void session_finish(struct session *s);
int session_start(struct session *s);
/* Terminates the session's process group and waits for it, bounded. */
void session_stop(struct session *s);
/* Returns true when pid was this session's; schedules the restart. */
bool session_reap(struct session *s, pid_t pid, int status);

#endif
