// SPDX-License-Identifier: MIT
/*
 * seat_login: a user's session made from a greeter's logon keeps the
 * seat's own settings, refuses more env than a spec holds, and comes
 * back the same from the state file after a restart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seat_login.h"
#include "test.h"

static void test_spec(struct test_state *t)
{
	char *seat_env[] = { "WLR_RENDERER=pixman" }, *asked[] = { "XDG_CURRENT_DESKTOP=sway" };
	struct session_spec seat = { .user = "seatmux-greeter", .command = "agreety", .greeter = true,
				     .log_path = "/run/seat0.log", .restart_max_s = 7,
				     .env = { seat_env[0] }, .nenv = 1 };
	struct session_spec out;
	char *many[SESSION_SPEC_MAX_ENV];

	CHECK(t, seat_login_spec(&seat, "station0", "sway -d", asked, 1, &out) == 0);
	CHECK(t, !strcmp(out.user, "station0") && !strcmp(out.command, "sway -d") && !out.greeter);
	CHECK(t, !strcmp(out.log_path, "/run/seat0.log") && out.restart_max_s == 7);
	CHECK(t, out.nenv == 2 && !strcmp(out.env[0], seat_env[0]) && !strcmp(out.env[1], asked[0]));
	session_spec_free(&out);
	for (int i = 0; i < SESSION_SPEC_MAX_ENV; i++)
		many[i] = "A=b";
	CHECK(t, seat_login_spec(&seat, "station0", "sh", many, SESSION_SPEC_MAX_ENV, &out) < 0);
	CHECK(t, seat_login_spec(&seat, "", "sh", NULL, 0, &out) < 0);
	CHECK(t, seat_login_spec(&seat, "station0", "", NULL, 0, &out) < 0);
}

static void test_round_trip(struct test_state *t)
{
	char *seat_env[] = { "WLR_RENDERER=pixman" }, *asked[] = { "LANG=de_DE.UTF-8" };
	struct session_spec seat = { .user = "seatmux-greeter", .command = "agreety", .greeter = true,
				     .log_path = "/run/seat0.log", .restart_max_s = 7,
				     .env = { seat_env[0] }, .nenv = 1 };
	struct session_spec spec, back;
	const struct state_record *r;
	struct state st;
	const char *why;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	CHECK(t, seat_login_spec(&seat, "station0", "cage -- 'a b'", asked, 1, &spec) == 0);
	fprintf(f, "seatmux-state %d\n", STATE_VERSION);
	seat_login_save("seat0", &spec, f);
	seat_login_save("seat1", &seat, f);	/* a greeter's: nothing */
	fclose(f);
	state_init(&st);
	CHECK(t, state_parse(&st, text, len, &why) == 0 && st.n == 1);
	r = state_find(&st, "login", "seat0", (char *)NULL);
	CHECK(t, r && seat_login_restore(&seat, r, &back) == 0);
	CHECK(t, session_spec_equal(&spec, &back));
	session_spec_free(&back);
	state_clear(&st);
	session_spec_free(&spec);
	free(text);
}

/* A login screen's PAM service is part of what it is: copied, compared,
 * and in its digest; a spec without one digests as before. */
static void test_logon_service(struct test_state *t)
{
	struct session_spec a = { .user = "seatmux-greeter", .command = "greeter", .greeter = true };
	struct session_spec b = { 0 };
	unsigned long long plain = session_spec_digest(&a);

	a.logon_service = "seatmux-rdp";
	CHECK(t, session_spec_copy(&b, &a) == 0 && b.logon_service &&
		 !strcmp(b.logon_service, "seatmux-rdp") && session_spec_equal(&a, &b));
	CHECK(t, session_spec_digest(&a) != plain && session_spec_digest(&a) == session_spec_digest(&b));
	a.logon_service = NULL;
	CHECK(t, !session_spec_equal(&a, &b) && session_spec_digest(&a) == plain);
	session_spec_free(&b);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_spec);
	RUN(&t, test_logon_service);
	RUN(&t, test_round_trip);
	return TEST_SUMMARY(&t);
}
