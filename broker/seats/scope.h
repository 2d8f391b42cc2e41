/* SPDX-License-Identifier: MIT */
/*
 * A session's processes, all of them: each session runs in a systemd
 * scope of its own, as logind's sessions do, so that ending a session
 * ends every process it left behind (a setsid daemon included, which a
 * process group would miss), and so that sessions live outside
 * seatmuxd's own cgroup. Without systemd (or cgroup v2) a session falls
 * back to its process group, and the log says so once.
 *
 * A session opened through PAM with logind running is moved by
 * pam_systemd into logind's scope for it (user.slice/user-UID.slice/
 * session-N.scope): the functions below that take a name take either a
 * unit of system.slice ("seatmux-seat0-42.scope") or such a path from
 * the cgroup root, which scope_of_pid() gives.
 */
#ifndef SEATMUX_SCOPE_H
#define SEATMUX_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SCOPE_NAME_MAX 128

/* Whether sessions can have scopes here: systemd is PID 1 with its
 * private bus, and cgroup v2 is mounted where systemd mounts it. */
bool scope_available(void);

/* The scope unit's name for a session leader of seat: the seat's name
 * with what a unit name cannot hold replaced, and the leader's pid. */
int scope_name(char *out, size_t size, const char *seat, pid_t leader);

/*
 * In the forked leader, still root, before anything else runs: asks
 * systemd for a transient scope holding this process and waits until it
 * is in it. Blocks (the child may; seatmuxd's loop never calls this).
 * 0, or -1 with a reason on stderr (the session's log).
 */
int scope_enter(const char *name, const char *description);

/* The same for another process (a helper seatmuxd started, which must
 * outlive it): it is moved into the new scope, and so are the processes
 * it started before (a link's relays). Blocks: from a child job. */
int scope_move(const char *name, const char *description, pid_t pid);

/* In a child, as root: the calling process joins an existing scope (a
 * program started later for its session). 0 or -errno. */
int scope_join(const char *name);

/* The pids in the scope, up to max: how many, or -errno. */
int scope_pids(const char *name, pid_t *out, int max);

/* Signals every process of the scope; SIGKILL kills the whole cgroup at
 * once (cgroup.kill), so nothing forks its way out. A scope that is gone
 * is no error. 0 or -errno. */
int scope_signal(const char *name, int sig);

/* Whether any process still runs in the scope. */
bool scope_populated(const char *name);

/* Whether path can name a session's scope: relative to the cgroup root,
 * a .scope, nothing but plain names (no "..", no empty parts). Pure. */
bool scope_path_valid(const char *path);

/* The scope pid is in, as a path from the cgroup root: 0, or -ENOENT
 * (gone, or in no scope), -ENAMETOOLONG. */
int scope_of_pid(pid_t pid, char *out, size_t size);

#endif
