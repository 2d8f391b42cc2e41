/* SPDX-License-Identifier: MIT */
/*
 * A logged-on user's bridge: the connection to seatmux-dashboard-session,
 * which checked the password with PAM, became that user and runs
 * `seatmuxctl --serve` on it. Every request goes to seatmuxd as the user,
 * and polkit judges it. One request at a time: the caller serializes.
 * Functions return 0, or -1 once the bridge is broken (gone, late, or
 * saying what seatmuxctl never says); a broken bridge stays broken. The
 * bridge runs as the user, who may make it say anything: its answers are
 * bounded in size and in time (a whole call, not each read).
 */
#ifndef SEATMUX_DASHBOARD_BRIDGE_H
#define SEATMUX_DASHBOARD_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>

#define BRIDGE_USER_MAX 32
#define BRIDGE_PASSWORD_MAX 512
/* The largest answer taken: a station's screenshot, as PNG (a 1920x1080
 * screen of noise is 6 MB; a desktop's, a few hundred KB). */
#define BRIDGE_REPLY_MAX (4u << 20)

struct bridge {
	int fd;
	int passed;		/* an fd that came with the answer being read, or -1 */
	bool broken;
	/* Read ahead for the answers' header lines: in[pos..len). Only
	 * ever the answer under way's (the bridge says nothing unasked). */
	char in[512];
	size_t in_pos, in_len;
	char user[BRIDGE_USER_MAX + 1];	/* as PAM settled it */
	char role[8];			/* "teacher" or "admin" */
};

enum bridge_logon {
	BRIDGE_LOGGED_ON,
	BRIDGE_REFUSED,		/* why says: wrong password, no role... */
	BRIDGE_UNREACHABLE,	/* the helper could not be asked */
};

/* Logs user on from rhost (the browser's address) through the helper at
 * socket_path; on BRIDGE_LOGGED_ON *out is the user's bridge. */
enum bridge_logon bridge_logon(const char *socket_path, const char *user, const char *password,
			       const char *rhost, struct bridge **out, char *why, size_t size);

struct bridge_reply {
	int status;		/* seatmuxctl's exit status */
	char error[256];	/* the D-Bus error that failed it, or "" */
	char *out, *err;	/* NUL-terminated too */
	size_t outlen, errlen;
	/* The fd the answer carried (seatmuxctl --raw screenshot ... -: a
	 * sealed memfd), the caller's to check; closed by
	 * bridge_reply_free. At most one is taken. */
	bool has_fd;
	int fd;
};

/* Runs seatmuxctl with args (none may hold a TAB or a newline: the
 * caller checks, see bridge_field_ok). */
int bridge_call(struct bridge *b, const char *const *args, int nargs, struct bridge_reply *r);
bool bridge_field_ok(const char *s);
/* A failed command's reason: seatmuxctl's error line, without its name
 * and newline (cut in r->err). */
const char *bridge_error_text(struct bridge_reply *r);
/* Its HTTP status: who is at fault, by the D-Bus error (400, 403, 404,
 * 409, or 502 when seatmuxd did not answer). */
unsigned bridge_status(const struct bridge_reply *r);
void bridge_reply_free(struct bridge_reply *r);
void bridge_free(struct bridge *b);

#endif
