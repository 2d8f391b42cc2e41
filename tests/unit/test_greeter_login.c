// SPDX-License-Identifier: MIT
/*
 * greeter_login: the login screen's conversation (greeter/login.c) sends
 * what seatmuxd's greetd server parses (broker/greeter/greetd_proto.c) at
 * each step: a user name, each answer, start_session with its command; a
 * wrong password is cancelled and asked again; typing edits whole
 * characters; replies that are not greetd's are refused. Its picture
 * (draw.c) never shows a secret answer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "draw.h"
#include "greetd_client.h"
#include "greetd_proto.h"
#include "login.h"
#include "test.h"

static const char *const cmd[] = { "cage -- foot", NULL };
static const char *const env[] = { "XDG_CURRENT_DESKTOP=cage", NULL };

/* The request as seatmuxd's parser reads it; request is freed. */
static int parsed(char *request, struct greetd_request *r)
{
	char why[128];
	int rc = request ? greetd_request_parse(request, strlen(request), r, why, sizeof(why)) : -1;

	free(request);
	return rc;
}

static struct greetd_reply reply(const char *json)
{
	struct greetd_reply r;

	if (greetd_reply_parse(json, strlen(json), &r) < 0)
		r.type = (enum greetd_reply_type)-1;
	return r;
}

static void type(struct login *l, const char *s)
{
	char *req;
	char one[2] = { 0 };

	for (; *s; s++) {
		one[0] = *s;
		login_key(l, LOGIN_KEY_TEXT, one, &req);
	}
}

static char *enter(struct login *l)
{
	char *req = NULL;

	login_key(l, LOGIN_KEY_ENTER, NULL, &req);
	return req;
}

static char *answer(struct login *l, const char *json)
{
	struct greetd_reply r = reply(json);
	char *req = NULL;

	login_reply(l, &r, &req);
	return req;
}

static void test_logon(struct test_state *t)
{
	struct login l;
	struct greetd_request r;

	login_init(&l, cmd, env);
	CHECK(t, enter(&l) == NULL);	/* no name yet: nothing sent */
	type(&l, "pupil1");
	CHECK(t, parsed(enter(&l), &r) == 0 && r.type == GREETD_CREATE_SESSION &&
		 !strcmp(r.username, "pupil1"));
	greetd_request_free(&r);
	CHECK(t, !strcmp(l.user, "pupil1") && l.stage == LOGIN_WAITING);
	CHECK(t, answer(&l, "{\"type\":\"auth_message\",\"auth_message_type\":\"secret\","
			    "\"auth_message\":\"Password:\"}") == NULL);
	CHECK(t, l.stage == LOGIN_ANSWER && login_typing_secret(&l) &&
		 !strcmp(l.prompt, "Password:"));
	type(&l, "s3cret");
	CHECK(t, parsed(enter(&l), &r) == 0 && r.type == GREETD_POST_AUTH_MESSAGE_RESPONSE &&
		 r.response && !strcmp(r.response, "s3cret"));
	greetd_request_free(&r);
	CHECK(t, l.answer[0] == '\0');	/* wiped once sent */
	CHECK(t, parsed(answer(&l, "{\"type\":\"success\"}"), &r) == 0 &&
		 r.type == GREETD_START_SESSION && r.ncmd == 1 && !strcmp(r.cmd[0], "cage -- foot") &&
		 r.nenv == 1 && !strcmp(r.env[0], "XDG_CURRENT_DESKTOP=cage"));
	greetd_request_free(&r);
	CHECK(t, answer(&l, "{\"type\":\"success\"}") == NULL && l.stage == LOGIN_DONE);
}

static void test_wrong_password(struct test_state *t)
{
	struct login l;
	struct greetd_request r;

	login_init(&l, cmd, NULL);
	type(&l, "pupil1");
	free(enter(&l));
	answer(&l, "{\"type\":\"auth_message\",\"auth_message_type\":\"secret\","
		   "\"auth_message\":\"Password:\"}");
	type(&l, "wrong");
	free(enter(&l));
	CHECK(t, parsed(answer(&l, "{\"type\":\"error\",\"error_type\":\"auth_error\","
				   "\"description\":\"no\"}"), &r) == 0 &&
		 r.type == GREETD_CANCEL_SESSION);
	CHECK(t, l.message_is_error && strstr(l.message, "Wrong"));
	/* Cancelled: the same user is asked again, at once. */
	CHECK(t, parsed(answer(&l, "{\"type\":\"success\"}"), &r) == 0 &&
		 r.type == GREETD_CREATE_SESSION && !strcmp(r.username, "pupil1"));
	answer(&l, "{\"type\":\"auth_message\",\"auth_message_type\":\"secret\","
		   "\"auth_message\":\"Password:\"}");
	CHECK(t, l.stage == LOGIN_ANSWER && l.message_is_error);
	/* Escape: back to the user name, the session cancelled. */
	{
		char *req;

		login_key(&l, LOGIN_KEY_ESCAPE, NULL, &req);
		CHECK(t, parsed(req, &r) == 0 && r.type == GREETD_CANCEL_SESSION);
	}
	CHECK(t, answer(&l, "{\"type\":\"success\"}") == NULL && l.stage == LOGIN_USER &&
		 !strcmp(l.user, "pupil1"));
	/* start_session refused: said, and cancelled; not asked again. */
	free(enter(&l));
	answer(&l, "{\"type\":\"auth_message\",\"auth_message_type\":\"secret\","
		   "\"auth_message\":\"Password:\"}");
	free(enter(&l));
	CHECK(t, parsed(answer(&l, "{\"type\":\"success\"}"), &r) == 0 &&
		 r.type == GREETD_START_SESSION && r.nenv == 0);
	greetd_request_free(&r);
	CHECK(t, parsed(answer(&l, "{\"type\":\"error\",\"error_type\":\"error\","
				   "\"description\":\"the session cannot be started\"}"), &r) == 0 &&
		 r.type == GREETD_CANCEL_SESSION);
	CHECK(t, !strcmp(l.message, "the session cannot be started"));
	CHECK(t, answer(&l, "{\"type\":\"success\"}") == NULL && l.stage == LOGIN_USER);
}

static void test_info_messages(struct test_state *t)
{
	struct login l;
	struct greetd_request r;

	login_init(&l, cmd, NULL);
	type(&l, "u");
	free(enter(&l));
	/* A line from PAM is shown and answered with nothing. */
	CHECK(t, parsed(answer(&l, "{\"type\":\"auth_message\",\"auth_message_type\":\"info\","
				   "\"auth_message\":\"Your password expires\\nsoon\"}"), &r) == 0 &&
		 r.type == GREETD_POST_AUTH_MESSAGE_RESPONSE && !r.response);
	CHECK(t, !strcmp(l.message, "Your password expires soon") && !l.message_is_error);
	answer(&l, "{\"type\":\"auth_message\",\"auth_message_type\":\"visible\","
		   "\"auth_message\":\"Code:\"}");
	CHECK(t, l.stage == LOGIN_ANSWER && !login_typing_secret(&l));
}

static void test_editing(struct test_state *t)
{
	struct login l;
	char *req;

	login_init(&l, cmd, NULL);
	login_key(&l, LOGIN_KEY_TEXT, "\xc3\xa9l\xc3\xa8ve", &req);
	CHECK(t, !strcmp(l.user, "\xc3\xa9l\xc3\xa8ve"));
	login_key(&l, LOGIN_KEY_BACKSPACE, NULL, &req);
	login_key(&l, LOGIN_KEY_BACKSPACE, NULL, &req);
	login_key(&l, LOGIN_KEY_BACKSPACE, NULL, &req);
	CHECK(t, !strcmp(l.user, "\xc3\xa9l"));	/* whole characters off */
	/* Control characters and broken UTF-8: not typed. */
	login_key(&l, LOGIN_KEY_TEXT, "\r", &req);
	login_key(&l, LOGIN_KEY_TEXT, "\x1b", &req);
	login_key(&l, LOGIN_KEY_TEXT, "\xff", &req);
	login_key(&l, LOGIN_KEY_TEXT, "\xc2\x85", &req);	/* C1 NEL */
	login_key(&l, LOGIN_KEY_TEXT, "\xe2\x82", &req);	/* cut short */
	CHECK(t, !strcmp(l.user, "\xc3\xa9l"));
	for (int i = 0; i < 300; i++)
		login_key(&l, LOGIN_KEY_TEXT, "\xe2\x82\xac", &req);
	CHECK(t, strlen(l.user) == 255);
	login_key(&l, LOGIN_KEY_CLEAR, NULL, &req);
	CHECK(t, l.user[0] == '\0' && req == NULL);
}

/* PAM refuses before asking anything (a locked account): its words are
 * shown and the greeter goes back to the user name, not round again. */
static void test_refused_unasked(struct test_state *t)
{
	struct login l;
	struct greetd_request r;

	login_init(&l, cmd, NULL);
	type(&l, "locked");
	free(enter(&l));
	CHECK(t, parsed(answer(&l, "{\"type\":\"auth_message\",\"auth_message_type\":\"error\","
				   "\"auth_message\":\"The account is locked\"}"), &r) == 0 &&
		 r.type == GREETD_POST_AUTH_MESSAGE_RESPONSE && !r.response);
	CHECK(t, parsed(answer(&l, "{\"type\":\"error\",\"error_type\":\"auth_error\","
				   "\"description\":\"no\"}"), &r) == 0 &&
		 r.type == GREETD_CANCEL_SESSION);
	CHECK(t, answer(&l, "{\"type\":\"success\"}") == NULL && l.stage == LOGIN_USER);
	CHECK(t, !strcmp(l.message, "The account is locked") && l.message_is_error);
}

/* A quick typist: the password typed before the prompt came is the
 * answer, Enter included. */
static void test_typed_ahead(struct test_state *t)
{
	struct login l;
	struct greetd_request r;

	login_init(&l, cmd, NULL);
	type(&l, "pupil1");
	free(enter(&l));
	type(&l, "s3cret");
	CHECK(t, enter(&l) == NULL);
	CHECK(t, parsed(answer(&l, "{\"type\":\"auth_message\",\"auth_message_type\":\"secret\","
				   "\"auth_message\":\"Password:\"}"), &r) == 0 &&
		 r.type == GREETD_POST_AUTH_MESSAGE_RESPONSE && r.response &&
		 !strcmp(r.response, "s3cret"));
	greetd_request_free(&r);
	CHECK(t, l.answer[0] == '\0' && l.stage == LOGIN_WAITING);
}

/* Answers with JSON's special characters reach seatmuxd as typed. */
static void test_answer_escaped(struct test_state *t)
{
	struct greetd_request r;

	CHECK(t, parsed(greetd_post_response("a\"b\\c/\xc3\xa9\x01"), &r) == 0 && r.response &&
		 !strcmp(r.response, "a\"b\\c/\xc3\xa9\x01"));
	greetd_request_free(&r);
	CHECK(t, parsed(greetd_post_response(NULL), &r) == 0 && !r.response);
}

/* The framing on a socket: a reply in pieces, two in one read, and
 * lengths no reply has. */
static void test_framing(struct test_state *t)
{
	static const char one[] = "{\"type\":\"success\"}";
	struct greetd_reader rd = { 0 };
	struct greetd_reply r;
	uint32_t n = sizeof(one) - 1;
	int sv[2];

	CHECK(t, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	CHECK(t, write(sv[1], &n, 2) == 2);
	CHECK(t, greetd_read(sv[0], &rd, &r) == 0);
	CHECK(t, write(sv[1], (char *)&n + 2, 2) == 2 && write(sv[1], one, 5) == 5);
	CHECK(t, greetd_read(sv[0], &rd, &r) == 0 && greetd_read(sv[0], &rd, &r) == 0);
	CHECK(t, write(sv[1], one + 5, n - 5) == (ssize_t)(n - 5));
	CHECK(t, greetd_read(sv[0], &rd, &r) == 1 && r.type == GREETD_REPLY_SUCCESS);
	/* Two at once. */
	CHECK(t, write(sv[1], &n, 4) == 4 && write(sv[1], one, n) == (ssize_t)n);
	CHECK(t, write(sv[1], &n, 4) == 4 && write(sv[1], one, n) == (ssize_t)n);
	CHECK(t, greetd_read(sv[0], &rd, &r) == 0 && greetd_read(sv[0], &rd, &r) == 1);
	CHECK(t, greetd_read(sv[0], &rd, &r) == 0 && greetd_read(sv[0], &rd, &r) == 1);
	CHECK(t, greetd_read(sv[0], &rd, &r) == 0);	/* nothing more */
	/* A request sent arrives framed. */
	{
		char buf[64];
		uint32_t len;

		CHECK(t, greetd_send(sv[0], greetd_cancel_session()) == 0);
		CHECK(t, read(sv[1], &len, 4) == 4 && len < sizeof(buf) &&
			 read(sv[1], buf, len) == (ssize_t)len &&
			 !memcmp(buf, "{\"type\":\"cancel_session\"}", len));
	}
	n = 0;
	CHECK(t, write(sv[1], &n, 4) == 4 && greetd_read(sv[0], &rd, &r) == -EPROTO);
	memset(&rd, 0, sizeof(rd));
	n = GREETD_MAX_MSG + 1;
	CHECK(t, write(sv[1], &n, 4) == 4 && greetd_read(sv[0], &rd, &r) == -EPROTO);
	memset(&rd, 0, sizeof(rd));
	close(sv[1]);
	CHECK(t, greetd_read(sv[0], &rd, &r) == -EPIPE);
	close(sv[0]);
}

static void test_bad_replies(struct test_state *t)
{
	static const char *const bad[] = {
		"", "[]", "null", "{}", "{\"type\":1}", "{\"type\":\"win\"}",
		"{\"type\":\"error\"}", "{\"type\":\"error\",\"error_type\":\"other\"}",
		"{\"type\":\"auth_message\",\"auth_message_type\":\"loud\",\"auth_message\":\"x\"}",
		"{\"type\":\"success\"} {}", "{\"type\":\"success\"",
	};
	struct greetd_reply r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(t, greetd_reply_parse(bad[i], strlen(bad[i]), &r) < 0);
	CHECK(t, greetd_reply_parse("{\"type\":\"success\"}\0", 20, &r) < 0);
	/* Not asked: a reply changes nothing. */
	{
		struct login l;
		char *req;

		login_init(&l, cmd, NULL);
		r = reply("{\"type\":\"success\"}");
		CHECK(t, login_reply(&l, &r, &req) == 0 && !req && l.stage == LOGIN_USER);
	}
}

static bool has_color(const uint32_t *px, int n, uint32_t rgb)
{
	for (int i = 0; i < n; i++)
		if ((px[i] & 0xffffff) == rgb)
			return true;
	return false;
}

/* A secret answer is drawn as dots: two of one length look the same. */
static void test_picture(struct test_state *t)
{
	enum { W = 640, H = 480 };
	static uint32_t a[W * H], b[W * H];
	struct greeter_view v = { "Front row 1", "09:41", "Monday 7 December", "Keyboard: English (US)" };
	struct login l;
	char *req;

	login_init(&l, cmd, NULL);
	CHECK(t, draw_login(a, W, H, W * 4, &l, &v) == 0);
	/* The user name's box is the one typed in: no other box yet. */
	CHECK(t, (a[0] & 0xffffff) == GREETER_BACKGROUND && !has_color(a, W * H, GREETER_FIELD));
	type(&l, "u");
	free(enter(&l));
	answer(&l, "{\"type\":\"auth_message\",\"auth_message_type\":\"secret\","
		   "\"auth_message\":\"Password:\"}");
	type(&l, "abc");
	draw_login(a, W, H, W * 4, &l, &v);
	CHECK(t, has_color(a, W * H, GREETER_FIELD));	/* the user name's box, done */
	login_key(&l, LOGIN_KEY_CLEAR, NULL, &req);
	type(&l, "xyz");
	draw_login(b, W, H, W * 4, &l, &v);
	CHECK(t, !memcmp(a, b, sizeof(a)));
	type(&l, "w");
	draw_login(b, W, H, W * 4, &l, &v);
	CHECK(t, memcmp(a, b, sizeof(a)) != 0);
	/* An error is said in the error colour. */
	free(enter(&l));
	free(answer(&l, "{\"type\":\"error\",\"error_type\":\"auth_error\",\"description\":\"no\"}"));
	draw_login(a, W, H, W * 4, &l, &v);
	CHECK(t, has_color(a, W * H, GREETER_ERROR));
	login_wipe(&l);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_logon);
	RUN(&t, test_wrong_password);
	RUN(&t, test_info_messages);
	RUN(&t, test_editing);
	RUN(&t, test_refused_unasked);
	RUN(&t, test_typed_ahead);
	RUN(&t, test_answer_escaped);
	RUN(&t, test_framing);
	RUN(&t, test_bad_replies);
	RUN(&t, test_picture);
	return TEST_SUMMARY(&t);
}
