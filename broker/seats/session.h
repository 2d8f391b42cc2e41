/* SPDX-License-Identifier: MIT */
/*
 * A seat's session: the configured command, run as the configured user
 * with a clean environment pointing at the seat's socket, restarted with
 * backoff when it exits.
 */
#ifndef SEATMUX_SESSION_H
#define SEATMUX_SESSION_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "account.h"
#include "config.h"
#include "loop.h"
#include "session_spec.h"
#include "scope.h"
#include "session_proto.h"
#include "station_names.h"

/* The processes of one run of a session: its scope, or (without
 * systemd) its process group. */
struct session_procs {
	char scope[SCOPE_NAME_MAX];	/* "" without a scope */
	pid_t pgid;			/* 0: nothing */
};

struct child;

struct session {
	struct session_spec spec;	/* the seat's own copy */
	struct loop *loop;
	char seat[SEAT_PROTO_MAX_SEAT];
	char socket_path[108];
	char drm_devices[256];	/* WLR_DRM_DEVICES for lease-only seats */
	char greetd_sock[108];	/* a greeter's GREETD_SOCK, "" without */
	char station[STATION_NAME_MAX];	/* SEATMUX_STATION: its name in the room */
	struct child *child;	/* its leader, while it runs */
	pid_t pid;
	uid_t uid;		/* the running session's user; (uid_t)-1: none */
	gid_t gid;		/* its primary group */
	char user[ACCOUNT_NAME_MAX];	/* its name then ("": none), not the next run's */
	/* The next run's account, being looked up (account_job.h): the
	 * session starts when the user database answers. */
	struct account_job *resolving;
	struct session_procs procs;	/* the running session's */
	const char *pam_service;	/* the configuration's: opens the session */
	const char *helper;		/* seatmux-session (a test's own build) */
	int vt;			/* seat0's VT, which logind wants; 0: none */
	/* Until its PAM session is open: where seatmux-session says the
	 * session lives (session_proto.h), and logind's id for it then. */
	int status_fd;
	struct loop_source *status_src;
	char logind_id[SESSION_PROTO_ID_MAX];	/* "": none (yet) */
	struct session_procs leftovers;	/* an ended run's, killed after the grace */
	int failures;		/* quick exits in a row: drives the backoff */
	struct timespec started;
	struct loop_source *restart_timer;
	struct loop_source *kill_timer;	/* the SIGTERM grace of a stop */
	bool stopped;		/* not to be restarted when it exits */
	bool stopping;		/* SIGTERM sent, not reaped yet */
	bool start_when_gone;	/* started again while stopping */
	bool warned_no_scope;	/* said once: later runs are the same */
	bool run_greeter;	/* the run that runs (or just ended) is a greeter */
	/* A run ended (its leader reaped), its rights with it (uid is none
	 * again); what it left behind is asked to end and killed after the
	 * grace; then the restart is scheduled. */
	void (*ended)(void *data);
	void *ended_data;
	/* Started or ended: what the state file says of it changed. */
	void (*changed)(void *data);
	/* A start from the loop failed (it is tried again after the
	 * backoff): what is to run may be changed here. */
	void (*start_failed)(void *data);
};

/* With no spec: nothing to run until session_set_spec. ended(data) is
 * called when a run of it has ended (its leader reaped), before any
 * next run starts. */
int session_init(struct session *s, struct loop *loop, const char *seat,
		 const char *socket_path, void (*ended)(void *data), void *data);
/* What the next start runs (a copy is kept); a running session goes on
 * as it is. 0, or -1 without memory. */
int session_set_spec(struct session *s, const struct session_spec *spec);
/* For a seat that goes for good: every process of the session is
 * killed at once, without waiting (the leader is reaped as any child). */
void session_finish(struct session *s);
/*
 * Runs argv (argv[0] looked up in the session's PATH) in the running
 * session: as its user, in its scope (so that logging off ends it too),
 * with the session's environment and the Wayland display its compositor
 * offers, its output in the session's log. Its pid, or -errno: -ESRCH
 * (no session runs), -EOPNOTSUPP (no scope: it would outlive the
 * session), -ENXIO (the session offers no Wayland display).
 */
pid_t session_launch(struct session *s, char *const *argv);
/* Whether pid is one of the running session's processes (in its scope):
 * a greeter's account is every greeter's, its scope is one seat's. */
bool session_has_pid(struct session *s, pid_t pid);
/*
 * Starts the session: once its user's account is looked up (away from the
 * loop), and while the last one is stopping, once that is gone. -1 if the
 * lookup cannot even start; a start that fails later is told through
 * start_failed, as one from the loop is.
 */
int session_start(struct session *s);
/*
 * Asks every process of the session to end and returns: the leader is
 * reaped from the loop (its pidfd), and the rest killed if it takes
 * longer than its grace. The loop serves every other seat meanwhile.
 */
void session_stop(struct session *s);
/*
 * Sessions of an earlier seatmuxd (crashed or stopped): every process of
 * the scopes this one does not take back (keep() says no) is killed.
 */
/* The scope of a session a state record names ("session SEAT PID UID
 * DIGEST STATE SCOPE USER GID"; one without SCOPE: ours for SEAT
 * and PID).
 * 0 or -errno. */
struct state_record;
int session_record_scope(const struct state_record *r, char *out, size_t size);
void session_kill_orphans(bool (*keep)(void *data, const char *scope), void *data);

/*
 * Across a restart of seatmuxd: the leader's pidfd is kept in systemd's
 * store while the session runs; session_save writes the rest, and
 * session_adopt takes a running session back (its pidfd taken, as uid)
 * instead of starting one. session_release lets go of the session and
 * leaves it running: seatmuxd is restarting.
 */
void session_save(const struct session *s, FILE *f);
/* acct: as the state file has it; a name of "" (a record of an older
 * seatmuxd) is looked up. */
int session_adopt(struct session *s, int pidfd, const struct account *acct);
void session_release(struct session *s);

#endif
