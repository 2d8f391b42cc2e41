/* SPDX-License-Identifier: MIT */
/*
 * A user who logged on at a seat's greeter: their session's spec, made
 * from what the greeter asked (the account PAM settled on, the command,
 * its env entries) and the seat's configuration (its log, its env, its
 * restart cap); recorded in the state file as "login SEAT USER COMMAND
 * ENV..." so that a restarted seatmuxd takes the session back as the
 * user's, not as a greeter that changed. Pure but for the record's
 * writing.
 */
#ifndef SEATMUX_SEAT_LOGIN_H
#define SEATMUX_SEAT_LOGIN_H

#include <stdio.h>

#include "session_spec.h"
#include "state.h"

/* 0, or -1: out of memory, or more env entries than a spec holds (out is
 * then empty). */
int seat_login_spec(const struct session_spec *seat, const char *user, const char *command,
		    char *const *env, int nenv, struct session_spec *out);
/* The record of a running login's spec (nothing for a greeter's). */
void seat_login_save(const char *seat, const struct session_spec *spec, FILE *f);
/* The spec a "login" record says, on top of the seat's configured one:
 * 0, or -1 (not a login record this seat could have written). */
int seat_login_restore(const struct session_spec *seat, const struct state_record *r,
		       struct session_spec *out);

#endif
