/* SPDX-License-Identifier: MIT */
/*
 * What a seat's session is: whom it runs as and what it runs. The
 * configuration's [seat.NAME] sections hold one each, read-only once
 * loaded; a seat owns a copy, and a station (an RDP logon, say) hands its
 * seat a new one rather than editing the configuration.
 */
#ifndef SEATMUX_SESSION_SPEC_H
#define SEATMUX_SESSION_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#define SESSION_SPEC_MAX_ENV 16

struct session_spec {
	char *user;		/* whom the session runs as */
	char *command;		/* run with /bin/sh -c */
	char *application;	/* run inside seatmux-compositor instead */
	char mode[16];		/* "WxH" for seatmux-compositor, or "" */
	char *log_path;		/* session stdout and stderr */
	char *env[SESSION_SPEC_MAX_ENV + 1];
	int nenv;
	int restart_max_s;	/* cap of the restart backoff */
	/* A login screen: command is a greetd greeter, run as user (the
	 * greeter's account), offered the seat's greetd socket. */
	bool greeter;
	/* The PAM service its logons are checked with; NULL: [broker]'s. */
	char *logon_service;
	/* The group whoever logs on must be in; NULL: any account. */
	char *logon_group;
};

/* Whether it says to run anything at all. */
bool session_spec_runs(const struct session_spec *spec);
/* A deep copy into dst (whose own strings are freed first); src NULL
 * empties dst. 0, or -1 without memory (dst is then empty). */
int session_spec_copy(struct session_spec *dst, const struct session_spec *src);
void session_spec_free(struct session_spec *spec);
/* Whether a and b would run the same session (NULL is the empty spec). */
bool session_spec_equal(const struct session_spec *a, const struct session_spec *b);
/* A fingerprint of everything session_spec_equal compares (FNV-1a): a
 * restarted seatmuxd tells by it whether a session it takes back still
 * runs what the configuration says. NULL is the empty spec. */
unsigned long long session_spec_digest(const struct session_spec *spec);

#endif
