// SPDX-License-Identifier: MIT
/* The state file across restarts: what is written reads back the same;
 * a file cut short, garbled or of another version is refused whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"
#include "test.h"

static int parse(struct state *st, const char *text)
{
	const char *why = NULL;
	int rc = state_parse(st, text, strlen(text), &why);

	if (rc < 0 && !why)
		return -2;
	return rc;
}

static void test_round_trip(struct test_state *t)
{
	char path[] = "/tmp/seatmux-state-XXXXXX", why[256];
	const struct state_record *r;
	struct state st;
	long long v;
	FILE *f;
	int fd = mkstemp(path);

	CHECK(t, fd >= 0);
	close(fd);
	f = state_begin(path);
	CHECK(t, f != NULL);
	state_put(f, "next-key", "42", (char *)NULL);
	state_put(f, "session", "seat0", "412", "1000", "ab", "running", (char *)NULL);
	/* Words with spaces, '%' and bytes past '~' come back as they were. */
	state_put(f, "station", "1", "a user%name", "\xc3\xa9t\xc3\xa9", (char *)NULL);
	CHECK(t, state_commit(f, path) == 0);
	state_init(&st);
	CHECK(t, state_load(&st, path, why, sizeof(why)) == 1);
	CHECK(t, st.next_key == 42 && st.n == 2);
	r = state_take(&st, "station", "1", (char *)NULL);
	CHECK(t, r && r->argc == 4 && !strcmp(r->argv[2], "a user%name") &&
		 !strcmp(r->argv[3], "\xc3\xa9t\xc3\xa9"));
	/* Taken once. */
	CHECK(t, state_take(&st, "station", "1", (char *)NULL) == NULL);
	r = state_take(&st, "session", "seat0", "412", (char *)NULL);
	CHECK(t, r && state_number(r, 3, 1, 65535, &v) == 0 && v == 1000);
	CHECK(t, state_number(r, 4, 0, 100, &v) < 0);	/* "ab" is no number */
	state_clear(&st);
	unlink(path);
	/* No file: nothing to take back, no error. */
	CHECK(t, state_load(&st, path, why, sizeof(why)) == 0);
}

static void test_refused(struct test_state *t)
{
	struct state st;

	state_init(&st);
	CHECK(t, parse(&st, "seatmux-state 1\nsession seat0 1 2 3\n") == 0 && st.n == 1);
	/* Cut short, of another version, garbled: refused whole, with why. */
	CHECK(t, parse(&st, "seatmux-state 1\nsession seat0 1") == -1 && st.n == 0);
	CHECK(t, parse(&st, "seatmux-state 2\nsession seat0 1 2 3\n") == -1 && st.n == 0);
	CHECK(t, parse(&st, "seatmux-state 99999999999999999999\n") == -1);
	CHECK(t, parse(&st, "other 1\n") == -1);
	CHECK(t, parse(&st, "") == -1);
	CHECK(t, parse(&st, "seatmux-state 1\nsession  seat0\n") == -1);
	CHECK(t, parse(&st, "seatmux-state 1\nsession seat%0\n") == -1);
	CHECK(t, parse(&st, "seatmux-state 1\nsession seat%00\n") == -1);
	CHECK(t, parse(&st, "seatmux-state 1\nsession \x01\n") == -1);
	CHECK(t, parse(&st, "seatmux-state 1\nnext-key -1\n") == -1);
	/* One word more than a record holds (STATE_MAX_WORDS). */
	CHECK(t, parse(&st, "seatmux-state 1\na b c d e f g h i j k l m n o p q r s t u v w x y\n") == -1);
	CHECK(t, parse(&st, "seatmux-state 1\na b c d e f g h i j k l m n o p q r s t u v w x\n") == 0);
	CHECK(t, parse(&st, "seatmux-state 1\n\n") == -1);
	state_clear(&st);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_round_trip);
	RUN(&t, test_refused);
	return TEST_SUMMARY(&t);
}
