// SPDX-License-Identifier: MIT
/*
 * session_status: what seatmux-session says of the session it opened is
 * taken only as a logind id and a scope, never a path seatmuxd would kill
 * more than the session through.
 */
#include <string.h>

#include "session_status.h"
#include "test.h"

#define LINE(s) s, sizeof(s) - 1

static void test_logind_session(struct test_state *t)
{
	struct session_status st;

	CHECK(t, session_status_parse(LINE("3 /user.slice/user-1000.slice/session-3.scope\n"),
				      &st) == 0);
	CHECK(t, !strcmp(st.id, "3"));
	CHECK(t, !strcmp(st.cgroup, "user.slice/user-1000.slice/session-3.scope"));
	CHECK(t, session_status_parse(LINE("c12 /system.slice/seatmux-seat0-42.scope\n"), &st) == 0);
	CHECK(t, !strcmp(st.id, "c12") && !strcmp(st.cgroup, "system.slice/seatmux-seat0-42.scope"));
}

/* Without logind, or PAM moving it nowhere: dashes. */
static void test_nothing_known(struct test_state *t)
{
	struct session_status st;

	CHECK(t, session_status_parse(LINE("- -\n"), &st) == 0);
	CHECK(t, !st.id[0] && !st.cgroup[0]);
	CHECK(t, session_status_parse(LINE("- /system.slice/seatmux-seat1-7.scope\n"), &st) == 0);
	CHECK(t, !st.id[0] && !strcmp(st.cgroup, "system.slice/seatmux-seat1-7.scope"));
}

/* The root, a slice, a parent, a relative path, odd bytes: refused. */
static void test_no_wider_cgroup(struct test_state *t)
{
	struct session_status st;

	CHECK(t, session_status_parse(LINE("3 /\n"), &st) < 0);
	CHECK(t, session_status_parse(LINE("3 /user.slice\n"), &st) < 0);
	CHECK(t, session_status_parse(LINE("3 /user.slice/user-1000.slice\n"), &st) < 0);
	CHECK(t, session_status_parse(LINE("3 /user.slice/../x.scope\n"), &st) < 0);
	CHECK(t, session_status_parse(LINE("3 /user.slice//x.scope\n"), &st) < 0);
	CHECK(t, session_status_parse(LINE("3 /./x.scope\n"), &st) < 0);
	CHECK(t, session_status_parse(LINE("3 user.slice/x.scope\n"), &st) < 0);
	CHECK(t, session_status_parse(LINE("3 /.scope\n"), &st) < 0);
	CHECK(t, session_status_parse(LINE("3 /a b.scope\n"), &st) < 0);
	CHECK(t, session_status_parse(LINE("3 /a\nb.scope\n"), &st) < 0);
}

/* Not one line: no newline, two, a NUL, no space, a bad id, too long. */
static void test_not_a_line(struct test_state *t)
{
	struct session_status st;
	char longline[SESSION_PROTO_LINE_MAX + 8];

	CHECK(t, session_status_parse(LINE("3 /x.scope"), &st) < 0);
	CHECK(t, session_status_parse(LINE("3 /x.scope\n\n"), &st) < 0);
	CHECK(t, session_status_parse(LINE("3 /x\0.scope\n"), &st) < 0);
	CHECK(t, session_status_parse(LINE("3\n"), &st) < 0);
	CHECK(t, session_status_parse(LINE("\n"), &st) < 0);
	CHECK(t, session_status_parse(LINE(" /x.scope\n"), &st) < 0);
	CHECK(t, session_status_parse(LINE("3/4 /x.scope\n"), &st) < 0);
	CHECK(t, session_status_parse("", 0, &st) < 0);
	memset(longline, 'a', sizeof(longline));
	longline[0] = '3';
	longline[1] = ' ';
	longline[2] = '/';
	memcpy(longline + sizeof(longline) - 7, ".scope\n", 7);
	CHECK(t, session_status_parse(longline, sizeof(longline), &st) < 0);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_logind_session);
	RUN(&t, test_nothing_known);
	RUN(&t, test_no_wider_cgroup);
	RUN(&t, test_not_a_line);
	return TEST_SUMMARY(&t);
}
