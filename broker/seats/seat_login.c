// SPDX-License-Identifier: MIT
#include <string.h>

#include "seat_login.h"

int seat_login_spec(const struct session_spec *seat, const char *user, const char *command,
		    char *const *env, int nenv, struct session_spec *out)
{
	struct session_spec s = {
		.user = (char *)user, .command = (char *)command,
		.log_path = seat ? seat->log_path : NULL,
		.restart_max_s = seat ? seat->restart_max_s : 30,
	};
	int n = 0;

	memset(out, 0, sizeof(*out));
	if (!user || !user[0] || !command || !command[0])
		return -1;
	for (int i = 0; seat && i < seat->nenv; i++) {
		if (n == SESSION_SPEC_MAX_ENV)
			return -1;
		s.env[n++] = seat->env[i];
	}
	for (int i = 0; i < nenv; i++) {
		if (n == SESSION_SPEC_MAX_ENV)
			return -1;
		s.env[n++] = env[i];
	}
	s.nenv = n;
	return session_spec_copy(out, &s);
}

void seat_login_save(const char *seat, const struct session_spec *spec, FILE *f)
{
	const char *w[STATE_MAX_WORDS] = { 0 };
	int n = 0;

	if (spec->greeter || !spec->user || !spec->command)
		return;
	w[n++] = seat;
	w[n++] = spec->user;
	w[n++] = spec->command;
	for (int i = 0; i < spec->nenv && n < STATE_MAX_WORDS - 2; i++)
		w[n++] = spec->env[i];
	/* state_put takes a NULL-ended list: the unused words end it. */
	state_put(f, "login", w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10],
		  w[11], w[12], w[13], w[14], w[15], w[16], w[17], w[18], w[19], w[20], w[21],
		  (char *)NULL);
}

int seat_login_restore(const struct session_spec *seat, const struct state_record *r,
		       struct session_spec *out)
{
	struct session_spec s;
	int nenv = r->argc - 4;

	memset(out, 0, sizeof(*out));
	if (r->argc < 4 || strcmp(r->argv[0], "login") || nenv > SESSION_SPEC_MAX_ENV)
		return -1;
	/* The env saved is the whole of it, the seat's included. */
	s = (struct session_spec){ .log_path = seat ? seat->log_path : NULL,
				   .restart_max_s = seat ? seat->restart_max_s : 30 };
	s.user = r->argv[2];
	s.command = r->argv[3];
	for (int i = 0; i < nenv; i++)
		s.env[i] = r->argv[4 + i];
	s.nenv = nenv;
	return s.user[0] && s.command[0] ? session_spec_copy(out, &s) : -1;
}
