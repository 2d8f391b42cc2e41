/* SPDX-License-Identifier: MIT */
/*
 * A station's login screen, greetd's way: the seat runs a greeter (any
 * greetd greeter: agreety in a terminal, ours) as the unprivileged
 * greeter user, which seatmuxd serves greetd's IPC on a socket of the
 * seat's own (GREETD_SOCK). A user name and an answer are checked by PAM
 * away from the loop; only then may the greeter start a session, which is
 * the user's, on this seat. Wrong answers are logged and slowed, for this
 * seat only: a greeter that guesses makes no other station wait.
 */
#ifndef SEATMUX_GREETER_H
#define SEATMUX_GREETER_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "auth.h"
#include "loop.h"

struct greeter;

/* A user authenticated and their session asked for: cmd (joined, as
 * greetd does, and run by /bin/sh -c) and the greeter's env entries. */
struct greeter_login {
	const char *user;	/* the account PAM settled on */
	uid_t uid;		/* its uid, as the check found it: never 0 */
	const char *command;
	char *const *env;	/* NULL-ended, NAME=value each */
	int nenv;
};

struct greeter_hooks {
	/* Whether a peer is the seat's greeter, running now (its user, in
	 * its session): only it may talk, not another seat's greeter. */
	bool (*is_greeter)(void *data, const struct ucred *peer);
	/* The user's session is to replace the greeter: 0, or -1 (the
	 * greeter is told it could not be started). */
	int (*login)(void *data, const struct greeter_login *login);
	/* A logon failed (or was hung up on while PAM was asked): user is the
	 * name the greeter sent. Optional. */
	void (*failed)(void *data, const char *user);
	void *data;
};

/* Listens on dir/SEAT.greetd.sock; logons are checked as auth says (its
 * PAM service, NULL: "seatmux", and group), in a child with the account
 * looked up there: a slow directory holds no loop. NULL with errno set. */
struct greeter *greeter_create(struct loop *loop, const char *seat, const char *dir,
			       const struct auth_config *auth, const struct greeter_hooks *hooks);
void greeter_destroy(struct greeter *g);
/* The socket's path, for the greeter session's GREETD_SOCK. */
const char *greeter_socket(const struct greeter *g);
/* The greeter session ended or another runs: its connection is closed,
 * a logon half way through forgotten. */
void greeter_reset(struct greeter *g);

#endif
