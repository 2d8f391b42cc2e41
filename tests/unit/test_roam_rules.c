// SPDX-License-Identifier: MIT
/* Where a station's devices are when its user's session is elsewhere,
 * and the udev rule that says so. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "roam_rules.h"
#include "test.h"

static char *rules_text(const struct roam_table *t)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	roam_table_rules(t, f);
	fclose(f);
	return text;
}

static void test_moves_and_back(struct test_state *t)
{
	struct roam_table rt = { 0 };

	CHECK(t, roam_table_set(&rt, "seat1", "seat1-away") == 0);
	CHECK(t, !strcmp(roam_table_now(&rt, "seat1"), "seat1-away"));
	CHECK(t, !strcmp(roam_table_home(&rt, "seat1-away"), "seat1"));
	/* Seats nothing moved to or from are themselves. */
	CHECK(t, !strcmp(roam_table_now(&rt, "seat2"), "seat2"));
	CHECK(t, !strcmp(roam_table_home(&rt, "seat2"), "seat2"));
	/* Another station's devices to the session seat1's were: both move. */
	CHECK(t, roam_table_set(&rt, "seat2", "seat1") == 0);
	CHECK(t, !strcmp(roam_table_home(&rt, "seat1"), "seat2"));
	CHECK(t, rt.n == 2);
	/* Moving again replaces the move; home again forgets it. */
	CHECK(t, roam_table_set(&rt, "seat1", "seat1-away2") == 0);
	CHECK(t, rt.n == 2 && !strcmp(roam_table_now(&rt, "seat1"), "seat1-away2"));
	CHECK(t, roam_table_set(&rt, "seat1", "seat1") == 0);
	CHECK(t, rt.n == 1 && !strcmp(roam_table_now(&rt, "seat1"), "seat1"));
	CHECK(t, roam_table_set(&rt, "seat2", "seat2") == 0);
	CHECK(t, rt.n == 0);
}

static void test_refuses(struct test_state *t)
{
	struct roam_table rt = { 0 };
	char name[SEAT_PROTO_MAX_SEAT];

	/* What goes into a rule is a seat name, nothing a rule could parse
	 * as more (quotes, commas, newlines). */
	CHECK(t, roam_table_set(&rt, "seat1\", ENV{X}=\"1", "seat2") == -EINVAL);
	CHECK(t, roam_table_set(&rt, "seat1", "seat2\nRUN+=\"/bin/sh\"") == -EINVAL);
	CHECK(t, roam_table_set(&rt, "", "seat2") == -EINVAL);
	CHECK(t, roam_table_set(&rt, "input1", "seat2") == -EINVAL);
	CHECK(t, rt.n == 0);
	for (int i = 0; i < ROAM_MAX; i++) {
		snprintf(name, sizeof(name), "seat%d", i);
		/* Two homes to one seat: a session's new station comes in
		 * before its old one leaves. */
		CHECK(t, roam_table_set(&rt, name, "seat-x") == 0);
	}
	CHECK(t, roam_table_set(&rt, "seat-full", "seat-y") == -ENOSPC);
}

static void test_rules(struct test_state *t)
{
	struct roam_table rt = { 0 };
	char *text;

	roam_table_set(&rt, "seat1", "seat1-away");
	roam_table_set(&rt, "seat2", "seat1");
	text = rules_text(&rt);
	/* By each device's home, not its seat now: seat2's devices, now
	 * seat1's, are not moved on to seat1-away. */
	CHECK(t, !strcmp(text, "ENV{SEATMUX_HOME_SEAT}==\"seat1\", ENV{ID_SEAT}=\"seat1-away\"\n"
			       "ENV{SEATMUX_HOME_SEAT}==\"seat2\", ENV{ID_SEAT}=\"seat1\"\n"));
	free(text);
	roam_table_set(&rt, "seat1", "seat1");
	roam_table_set(&rt, "seat2", "seat2");
	text = rules_text(&rt);
	CHECK(t, !strcmp(text, ""));
	free(text);
}

static void test_away_name(struct test_state *t)
{
	char out[SEAT_PROTO_MAX_SEAT], long_name[SEAT_PROTO_MAX_SEAT];

	roam_away_name("seat1", out, sizeof(out));
	CHECK(t, !strcmp(out, "seat1-away"));
	memset(long_name, 'x', sizeof(long_name) - 1);
	memcpy(long_name, "seat", 4);
	long_name[sizeof(long_name) - 1] = '\0';
	roam_away_name(long_name, out, sizeof(out));
	CHECK(t, strlen(out) == sizeof(out) - 1);
	CHECK(t, !strcmp(out + strlen(out) - 5, "-away"));
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_moves_and_back);
	RUN(&t, test_refuses);
	RUN(&t, test_rules);
	RUN(&t, test_away_name);
	return TEST_SUMMARY(&t);
}
