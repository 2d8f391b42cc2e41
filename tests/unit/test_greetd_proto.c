// SPDX-License-Identifier: MIT
/*
 * greetd_proto: greetd's requests as greeters send them are understood;
 * anything else a greeter (an unprivileged process) sends is refused with
 * a reason and leaves nothing allocated.
 */
#include <stdlib.h>
#include <string.h>

#include "greetd_proto.h"
#include "test.h"

#define J(s) s, sizeof(s) - 1

static int parse(const char *json, size_t len, struct greetd_request *r)
{
	char why[128];

	return greetd_request_parse(json, len, r, why, sizeof(why));
}

static void test_agreety_flow(struct test_state *t)
{
	struct greetd_request r;

	CHECK(t, parse(J("{\"type\": \"create_session\", \"username\": \"me\"}"), &r) == 0);
	CHECK(t, r.type == GREETD_CREATE_SESSION && !strcmp(r.username, "me"));
	greetd_request_free(&r);
	CHECK(t, parse(J("{\"type\":\"post_auth_message_response\",\"response\":\"s3cr\\u00e9t\"}"),
		       &r) == 0);
	CHECK(t, r.type == GREETD_POST_AUTH_MESSAGE_RESPONSE && r.response &&
		 !strcmp(r.response, "s3cr\xc3\xa9t"));
	greetd_request_free(&r);
	CHECK(t, r.response == NULL);
	/* An informative message's answer: none, or null. */
	CHECK(t, parse(J("{\"type\":\"post_auth_message_response\"}"), &r) == 0 && !r.response);
	CHECK(t, parse(J("{\"type\":\"post_auth_message_response\",\"response\":null}"), &r) == 0 &&
		 !r.response);
	CHECK(t, parse(J("{\"type\":\"start_session\",\"cmd\":[\"sway\",\"-d\"],"
			 "\"env\":[\"XDG_CURRENT_DESKTOP=sway\"]}"), &r) == 0);
	CHECK(t, r.type == GREETD_START_SESSION && r.ncmd == 2 && !strcmp(r.cmd[1], "-d") &&
		 !r.cmd[2] && r.nenv == 1 && !strcmp(r.env[0], "XDG_CURRENT_DESKTOP=sway"));
	greetd_request_free(&r);
	CHECK(t, parse(J("{\"type\":\"start_session\",\"cmd\":[\"sh\"]}"), &r) == 0 && r.nenv == 0);
	greetd_request_free(&r);
	CHECK(t, parse(J("{\"type\":\"cancel_session\"}"), &r) == 0 && r.type == GREETD_CANCEL_SESSION);
}

static void test_refused(struct test_state *t)
{
	static const char *const bad[] = {
		"", "null", "[]", "\"create_session\"", "{}", "{\"type\":1}",
		"{\"type\":\"create_session\"}",
		"{\"type\":\"create_session\",\"username\":\"\"}",
		"{\"type\":\"create_session\",\"username\":\"a\\nb\"}",
		"{\"type\":\"create_session\",\"username\":\"a\\u0000b\"}",
		"{\"type\":\"create_session\",\"username\":7}",
		"{\"type\":\"create_session\",\"username\":\"me\"} {}",
		"{\"type\":\"create_session\",\"username\":\"me\"",
		"{\"type\":\"post_auth_message_response\",\"response\":5}",
		"{\"type\":\"post_auth_message_response\",\"response\":\"a\\u0000b\"}",
		"{\"type\":\"start_session\"}",
		"{\"type\":\"start_session\",\"cmd\":[]}",
		"{\"type\":\"start_session\",\"cmd\":\"sway\"}",
		"{\"type\":\"start_session\",\"cmd\":[\"\"]}",
		"{\"type\":\"start_session\",\"cmd\":[1]}",
		"{\"type\":\"start_session\",\"cmd\":[\"sh\"],\"env\":[\"NOEQUALS\"]}",
		"{\"type\":\"start_session\",\"cmd\":[\"sh\"],\"env\":[\"=v\"]}",
		"{\"type\":\"start_session\",\"cmd\":[\"sh\"],\"env\":[\"1A=v\"]}",
		"{\"type\":\"start_session\",\"cmd\":[\"sh\"],\"env\":\"A=b\"}",
		"{\"type\":\"lock_session\"}",
	};
	struct greetd_request r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i], strlen(bad[i]), &r);

		CHECK(t, rc < 0);
		if (rc == 0)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
		CHECK(t, !r.response && !r.ncmd && !r.nenv);
	}
	/* Bytes that are not UTF-8, a NUL inside. */
	CHECK(t, parse(J("{\"type\":\"create_session\",\"username\":\"\xff\"}"), &r) < 0);
	CHECK(t, parse(J("{\"type\":\"cancel_session\"}\0"), &r) < 0);
}

static void test_bounds(struct test_state *t)
{
	static char json[GREETD_MAX_MSG * 2];
	struct greetd_request r;
	int n;

	/* 65 arguments: one too many. */
	n = snprintf(json, sizeof(json), "{\"type\":\"start_session\",\"cmd\":[");
	for (int i = 0; i < 65; i++)
		n += snprintf(json + n, sizeof(json) - n, "%s\"a\"", i ? "," : "");
	n += snprintf(json + n, sizeof(json) - n, "]}");
	CHECK(t, parse(json, (size_t)n, &r) < 0);
	/* A 256-byte user name: one too long; 255 fits. */
	n = snprintf(json, sizeof(json), "{\"type\":\"create_session\",\"username\":\"%0256d\"}", 0);
	CHECK(t, parse(json, (size_t)n, &r) < 0);
	n = snprintf(json, sizeof(json), "{\"type\":\"create_session\",\"username\":\"%0255d\"}", 0);
	CHECK(t, parse(json, (size_t)n, &r) == 0 && strlen(r.username) == 255);
	/* Deeper than any request, longer than any. */
	n = snprintf(json, sizeof(json), "{\"type\":\"cancel_session\",\"x\":");
	for (int i = 0; i < 40; i++)
		json[n++] = '[';
	for (int i = 0; i < 40; i++)
		json[n++] = ']';
	json[n++] = '}';
	CHECK(t, parse(json, (size_t)n, &r) < 0);
	memset(json, ' ', sizeof(json));
	memcpy(json, "{\"type\":\"cancel_session\"}", 25);
	CHECK(t, parse(json, GREETD_MAX_MSG + 1, &r) < 0);
}

static void test_replies(struct test_state *t)
{
	char *s = greetd_reply_success();

	CHECK(t, s && !strcmp(s, "{\"type\":\"success\"}"));
	free(s);
	s = greetd_reply_error(true, "wrong \"password\"");
	CHECK(t, s && !strcmp(s, "{\"type\":\"error\",\"error_type\":\"auth_error\","
				 "\"description\":\"wrong \\\"password\\\"\"}"));
	free(s);
	s = greetd_reply_auth_message(GREETD_AUTH_SECRET, "Password:");
	CHECK(t, s && !strcmp(s, "{\"type\":\"auth_message\",\"auth_message_type\":\"secret\","
				 "\"auth_message\":\"Password:\"}"));
	free(s);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_agreety_flow);
	RUN(&t, test_refused);
	RUN(&t, test_bounds);
	RUN(&t, test_replies);
	return TEST_SUMMARY(&t);
}
