// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "login.h"
#include "utf8.h"

void login_init(struct login *l, const char *const *cmd, const char *const *env)
{
	memset(l, 0, sizeof(*l));
	l->stage = LOGIN_USER;
	l->cmd = cmd;
	l->env = env;
}

void login_wipe(struct login *l)
{
	explicit_bzero(l->answer, sizeof(l->answer));
}

bool login_typing_secret(const struct login *l)
{
	return l->stage == LOGIN_ANSWER && l->secret;
}

static void say(struct login *l, const char *text, bool error)
{
	snprintf(l->message, sizeof(l->message), "%s", text);
	l->message_is_error = error;
}

/* Sends a request: *request set, the stage waits for its reply. */
static int request_out(struct login *l, enum login_pending what, char *json, char **request)
{
	if (!json)
		return -ENOMEM;
	*request = json;
	l->pending = what;
	l->stage = LOGIN_WAITING;
	return 0;
}

/* Text appended to field, whole characters only, printable ones only. */
static void field_append(char *field, const char *text)
{
	size_t len = strlen(field);
	const unsigned char *s = (const unsigned char *)text;
	uint32_t cp;
	int n;

	while (*s && (n = utf8_char(s, &cp)) > 0) {
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || len + (size_t)n >= LOGIN_FIELD)
			break;
		memcpy(field + len, s, (size_t)n);
		len += (size_t)n;
		s += n;
	}
	field[len] = '\0';
}

/* The field's last character off. */
static void field_backspace(char *field)
{
	size_t len = strlen(field);

	while (len && ((unsigned char)field[len - 1] & 0xc0) == 0x80)
		len--;
	if (len)
		len--;
	explicit_bzero(field + len, strlen(field + len));
}

/* The field keys edit: the answer's from the user name's Enter on. */
static char *typed(struct login *l)
{
	return l->stage == LOGIN_USER ? l->user : l->answer;
}

static bool typing_ahead(const struct login *l)
{
	return l->stage == LOGIN_WAITING && l->pending == LOGIN_CREATE;
}

static int submit(struct login *l, char **request)
{
	char *json;

	if (l->stage == LOGIN_USER) {
		if (!l->user[0])
			return 0;
		say(l, "", false);
		l->answered = l->pam_error = l->typed_ahead = false;
		return request_out(l, LOGIN_CREATE, greetd_create_session(l->user), request);
	}
	json = greetd_post_response(l->answer);
	login_wipe(l);
	l->answered = true;
	return request_out(l, LOGIN_RESPONSE, json, request);
}

int login_key(struct login *l, enum login_key key, const char *text, char **request)
{
	*request = NULL;
	if (typing_ahead(l)) {
		if (key == LOGIN_KEY_ENTER)
			l->typed_ahead = true;
		else if (key == LOGIN_KEY_TEXT && !l->typed_ahead)
			field_append(l->answer, text ? text : "");
		else if (key == LOGIN_KEY_BACKSPACE && !l->typed_ahead)
			field_backspace(l->answer);
		return 0;
	}
	if (l->stage != LOGIN_USER && l->stage != LOGIN_ANSWER)
		return 0;	/* an answer is awaited: typing waits */
	switch (key) {
	case LOGIN_KEY_TEXT:
		field_append(typed(l), text ? text : "");
		return 0;
	case LOGIN_KEY_BACKSPACE:
		field_backspace(typed(l));
		return 0;
	case LOGIN_KEY_CLEAR:
		explicit_bzero(typed(l), LOGIN_FIELD);
		return 0;
	case LOGIN_KEY_ENTER:
		return submit(l, request);
	case LOGIN_KEY_ESCAPE:
		if (l->stage == LOGIN_USER) {
			memset(l->user, 0, sizeof(l->user));
			return 0;
		}
		login_wipe(l);
		l->retry = false;
		say(l, "", false);
		return request_out(l, LOGIN_CANCEL, greetd_cancel_session(), request);
	}
	return 0;
}

/* A prompt or a line from PAM, in the middle of the conversation. */
static int auth_message(struct login *l, const struct greetd_reply *r, char **request)
{
	switch (r->auth_type) {
	case GREETD_AUTH_VISIBLE:
	case GREETD_AUTH_SECRET:
		snprintf(l->prompt, sizeof(l->prompt), "%s", r->text);
		l->secret = r->auth_type == GREETD_AUTH_SECRET;
		l->stage = LOGIN_ANSWER;
		l->pending = LOGIN_NONE;
		if (l->typed_ahead) {
			l->typed_ahead = false;
			return submit(l, request);
		}
		return 0;
	case GREETD_AUTH_INFO:
	case GREETD_AUTH_ERROR:
		say(l, r->text, r->auth_type == GREETD_AUTH_ERROR);
		l->pam_error |= r->auth_type == GREETD_AUTH_ERROR;
		return request_out(l, LOGIN_RESPONSE, greetd_post_response(NULL), request);
	}
	return 0;
}

/* A failure: said, and the half-made session cancelled. */
static int failed(struct login *l, const struct greetd_reply *r, char **request)
{
	/* PAM's own words (an account locked, say) say more than ours. */
	if (!l->pam_error)
		say(l, r->auth_error ? "Wrong user name or password" : r->text[0] ? r->text :
		    "The session could not be started", true);
	login_wipe(l);
	l->typed_ahead = false;
	/* Asked again only after a wrong answer: a refusal before any
	 * answer (a locked account) would come back at once, for ever. */
	l->retry = r->auth_error && l->answered;
	return request_out(l, LOGIN_CANCEL, greetd_cancel_session(), request);
}

static int cancelled(struct login *l, char **request)
{
	l->pending = LOGIN_NONE;
	l->stage = LOGIN_USER;
	if (l->retry && l->user[0]) {
		l->retry = l->answered = l->pam_error = false;
		return request_out(l, LOGIN_CREATE, greetd_create_session(l->user), request);
	}
	return 0;
}

int login_reply(struct login *l, const struct greetd_reply *r, char **request)
{
	*request = NULL;
	if (l->stage != LOGIN_WAITING)
		return 0;	/* not asked for: nothing to do with it */
	if (l->pending == LOGIN_CANCEL)
		return cancelled(l, request);	/* an error too: greetd has nothing left */
	if (r->type == GREETD_REPLY_ERROR)
		return failed(l, r, request);
	if (l->pending == LOGIN_START) {
		l->stage = LOGIN_DONE;
		l->pending = LOGIN_NONE;
		say(l, "Starting your session", false);
		return 0;
	}
	if (r->type == GREETD_REPLY_AUTH_MESSAGE)
		return auth_message(l, r, request);
	say(l, "", false);
	return request_out(l, LOGIN_START, greetd_start_session(l->cmd, l->env), request);
}
