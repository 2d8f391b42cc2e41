/* SPDX-License-Identifier: MIT */
/*
 * What the login screen asks and sends, apart from how it is drawn or
 * typed: the fields being typed, and greetd's conversation driven by the
 * keys and by seatmuxd's replies. Pure (no I/O): each step gives the
 * request to send, if any.
 *
 * The conversation: a user name, then create_session; every prompt
 * (a password, or another question PAM asks) is answered in turn; on
 * success start_session with the greeter's command. A wrong answer is
 * cancelled and the same user is asked again (a refusal before any
 * answer goes back to the user name: asking again would loop); Escape
 * goes back to the user name. What is typed after the user name, before
 * the prompt comes, is the answer: a quick typist loses nothing.
 */
#ifndef SEATMUX_GREETER_LOGIN_H
#define SEATMUX_GREETER_LOGIN_H

#include <stdbool.h>

#include "greetd_client.h"

#define LOGIN_FIELD 256	/* a user name or an answer, in bytes with the NUL */

enum login_stage {
	LOGIN_USER,	/* the user name is being typed */
	LOGIN_ANSWER,	/* an answer to seatmuxd's prompt is being typed */
	LOGIN_WAITING,	/* a request is out: keys wait */
	LOGIN_DONE,	/* the session started: the greeter's work is over */
};

enum login_key {
	LOGIN_KEY_TEXT,		/* text typed (UTF-8) */
	LOGIN_KEY_BACKSPACE,	/* one character off the field */
	LOGIN_KEY_CLEAR,	/* the whole field off (Ctrl+U) */
	LOGIN_KEY_ENTER,
	LOGIN_KEY_ESCAPE,
};

enum login_pending { LOGIN_NONE, LOGIN_CREATE, LOGIN_RESPONSE, LOGIN_START, LOGIN_CANCEL };

struct login {
	enum login_stage stage;
	enum login_pending pending;	/* the request out, while waiting */
	bool retry;			/* after the cancel, ask the same user again */
	bool answered;			/* an answer was sent since create_session */
	bool pam_error;			/* PAM's own error line is the message */
	bool typed_ahead;		/* Enter typed before the prompt came */
	char user[LOGIN_FIELD];
	char answer[LOGIN_FIELD];	/* wiped once sent */
	bool secret;			/* the answer is not shown */
	char prompt[GREETD_REPLY_TEXT];
	char message[GREETD_REPLY_TEXT];	/* the last word for the user */
	bool message_is_error;
	const char *const *cmd;		/* the session to start */
	const char *const *env;
};

void login_init(struct login *l, const char *const *cmd, const char *const *env);
/* A key typed. 0 with *request the JSON to send (malloc'd) or NULL for
 * none; -ENOMEM. */
int login_key(struct login *l, enum login_key key, const char *text, char **request);
/* A reply from seatmuxd: as login_key. */
int login_reply(struct login *l, const struct greetd_reply *reply, char **request);
/* Whether the field being typed is the secret one. */
bool login_typing_secret(const struct login *l);
/* The answer wiped (before the greeter exits). */
void login_wipe(struct login *l);

#endif
