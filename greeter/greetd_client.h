/* SPDX-License-Identifier: MIT */
/*
 * The greeter's end of greetd's IPC: requests made, replies parsed
 * (json-c), and the framing on a non-blocking socket. Replies come from
 * seatmuxd, but are still bounded and checked: a bad one ends the
 * conversation, never the greeter's memory.
 */
#ifndef SEATMUX_GREETER_GREETD_CLIENT_H
#define SEATMUX_GREETER_GREETD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "greetd_ipc.h"

#define GREETD_REPLY_TEXT 512	/* a prompt or an error, with the NUL */

enum greetd_reply_type { GREETD_REPLY_SUCCESS, GREETD_REPLY_ERROR, GREETD_REPLY_AUTH_MESSAGE };

struct greetd_reply {
	enum greetd_reply_type type;
	bool auth_error;			/* error: the answers were wrong */
	enum greetd_auth_type auth_type;	/* auth_message */
	char text[GREETD_REPLY_TEXT];		/* the description or the prompt */
};

/* 0, or -1 for a reply that is not one of greetd's. Pure. */
int greetd_reply_parse(const char *json, size_t len, struct greetd_reply *out);

/* The requests' JSON, malloc'd; NULL without memory. */
char *greetd_create_session(const char *user);
/* response NULL: the answer to an info or error message (none). */
char *greetd_post_response(const char *response);
char *greetd_start_session(const char *const *cmd, const char *const *env);
char *greetd_cancel_session(void);

/* A reply being read, a piece at a time. */
struct greetd_reader {
	uint32_t want;		/* its length, once the header is in */
	size_t have;		/* bytes of header + JSON in buf */
	char buf[sizeof(uint32_t) + GREETD_MAX_MSG + 1];
};

/* Sends json, framed, and wipes and frees it (it may hold a password):
 * 0 or -errno. A request is small: it is written whole, waiting if the
 * socket is full. */
int greetd_send(int fd, char *json);
/* Reads what fd has: 1 with a whole reply in out, 0 for more to come,
 * -EPIPE once seatmuxd hung up, -EPROTO for a reply that is not one,
 * or -errno. */
int greetd_read(int fd, struct greetd_reader *r, struct greetd_reply *out);

#endif
