/* SPDX-License-Identifier: MIT */
/*
 * seatmuxd and seatmux-session, the helper that opens a seat's session
 * through PAM: how it is started, and the one line it says back.
 *
 * seatmuxd starts it as root, as the session's leader (a process group
 * and a scope of its own):
 *
 *   seatmux-session --service NAME --user NAME [--uid UID] --seat SEAT
 *                   [--class CLASS] [--vt N] [--status-fd FD] [--env-fd FD]
 *                   -- PROGRAM [ARG...]
 *
 * with a clean environment of its own; the session's is on the env fd,
 * NAME=VALUE entries each ended by a NUL (64 at most, 64 KiB in all),
 * for PROGRAM only, with HOME, USER, LOGNAME and SHELL set from the
 * account over any it names. UID is the user's as seatmuxd looked it up
 * (and gave the seat's socket to): a name the database now gives another
 * uid is refused. Once the PAM session is open, before PROGRAM is
 * started as the user, it writes one line to the status fd and closes it:
 *
 *   "<logind session id or -> <cgroup path>\n"
 *
 * the cgroup being the one PAM left it in (pam_systemd: logind's
 * session-N.scope), where every process of the session is; seatmuxd
 * reads it from the helper's /proc entry while it runs. Nothing is
 * written when the session cannot be opened: the helper says why on
 * stderr (the session's log) and exits with SESSION_EXIT_PAM.
 */
#ifndef SEATMUX_SESSION_PROTO_H
#define SEATMUX_SESSION_PROTO_H

#define SESSION_PROTO_ID_MAX 64
#define SESSION_PROTO_CGROUP_MAX 256
#define SESSION_PROTO_LINE_MAX (SESSION_PROTO_ID_MAX + SESSION_PROTO_CGROUP_MAX + 2)

#define SESSION_EXIT_USAGE 2	/* seatmuxd called it wrong */
#define SESSION_EXIT_PAM 3	/* PAM refused the session */

#endif
