/* SPDX-License-Identifier: MIT */
/*
 * greetd's IPC (greetd-ipc(7)), which seatmuxd speaks on each seat so that
 * greeters written for greetd (agreety, gtkgreet, ours) log users on at a
 * station: a 32-bit length in native byte order, then a UTF-8 JSON
 * object. Pure: requests parsed (json-c), replies made; the socket and
 * what a request does are greeter.c's. Everything here comes from the
 * greeter, an unprivileged process: nothing is trusted, every field
 * bounded.
 */
#ifndef SEATMUX_GREETD_PROTO_H
#define SEATMUX_GREETD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "greetd_ipc.h"

#define GREETD_MAX_USER 255	/* a user name, in bytes */
#define GREETD_MAX_TEXT 4096	/* an answer, an argument, an env entry */
#define GREETD_MAX_ARGS 64	/* start_session's cmd and env, each */

enum greetd_request_type {
	GREETD_CREATE_SESSION,
	GREETD_POST_AUTH_MESSAGE_RESPONSE,
	GREETD_START_SESSION,
	GREETD_CANCEL_SESSION,
};

struct greetd_request {
	enum greetd_request_type type;
	char username[GREETD_MAX_USER + 1];	/* create_session */
	char *response;				/* post_auth_message_response; NULL: none */
	char *cmd[GREETD_MAX_ARGS + 1];		/* start_session: NULL-ended */
	int ncmd;
	char *env[GREETD_MAX_ARGS + 1];		/* start_session: "NAME=value", NULL-ended */
	int nenv;
};

/* 0, or -1 with why set (a line for the greeter's error reply and the
 * log): out is then empty, nothing to free. */
int greetd_request_parse(const char *json, size_t len, struct greetd_request *out, char *why,
			 size_t why_size);
/* Frees what parse allocated; an answer (a password) is wiped first. */
void greetd_request_free(struct greetd_request *r);

/* The replies' JSON, malloc'd (NULL without memory). */
char *greetd_reply_success(void);
char *greetd_reply_error(bool auth_error, const char *description);
char *greetd_reply_auth_message(enum greetd_auth_type type, const char *message);

#endif
