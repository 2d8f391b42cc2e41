/* SPDX-License-Identifier: MIT */
/*
 * The line seatmux-session says once the PAM session is open
 * (session_proto.h): logind's id for it and the scope it lives in.
 * Pure: the reading is session.c's.
 */
#ifndef SEATMUX_SESSION_STATUS_H
#define SEATMUX_SESSION_STATUS_H

#include <stddef.h>

#include "scope.h"
#include "session_proto.h"

struct session_status {
	char id[SESSION_PROTO_ID_MAX];		/* "" without logind */
	char cgroup[SCOPE_NAME_MAX];	/* "" when PAM moved it nowhere */
};

/* line: up to len bytes, one '\n'-ended line. 0, or -EINVAL (not such a
 * line: nothing in out is to be used). */
int session_status_parse(const char *line, size_t len, struct session_status *out);

#endif
