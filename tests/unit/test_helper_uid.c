// SPDX-License-Identifier: MIT
/* The helpers' uid block: out of every identity source's default range,
 * uids not coming back soon, none the user database names. */
#include <stdint.h>
#include <string.h>

#include "helper_uid.h"
#include "test.h"

#define SSSD_IDMAP_MAX 2000200000u	/* ldap_idmap_range_max's default */
#define NSPAWN_MAX 0x6fffffffu		/* systemd-nspawn's container uids */
#define FOREIGN_FIRST 0x7ffe0000u	/* systemd 258's foreign range */

static void test_block(struct test_state *t)
{
	CHECK(t, HELPER_UID_BASE > SSSD_IDMAP_MAX && HELPER_UID_BASE > NSPAWN_MAX);
	CHECK(t, HELPER_UID_END <= FOREIGN_FIRST && HELPER_UID_END <= 0x80000000u);
	CHECK(t, SINK_UID_FIRST >= HELPER_UID_BASE && LINK_UID_FIRST >= SINK_UID_FIRST + SINK_UID_COUNT);
	CHECK(t, LINK_UID_FIRST + LINK_UID_COUNT <= HELPER_UID_END);
}

/* A million sinks in a row, none sharing a uid; the block wraps. */
static void test_sink_uids(struct test_state *t)
{
	uint32_t start = 0xfffff000u;	/* a random start may be anywhere */
	uid_t first = helper_uid_sink(start);
	bool in_block = true, repeats = false;

	for (uint32_t n = 1; n < 1000000; n++) {
		uid_t uid = helper_uid_sink(start + n);

		in_block &= uid >= SINK_UID_FIRST && uid < SINK_UID_FIRST + SINK_UID_COUNT;
		repeats |= uid == first;
	}
	CHECK(t, in_block && !repeats);
	CHECK(t, helper_uid_sink(SINK_UID_COUNT) == SINK_UID_FIRST);
}

static void test_named(struct test_state *t)
{
	char name[64] = "";

	CHECK(t, helper_uid_named(0, name, sizeof(name)) && !strcmp(name, "root"));
	CHECK(t, !helper_uid_named(SINK_UID_FIRST, name, sizeof(name)));
	CHECK(t, !helper_uid_named(LINK_UID_FIRST, name, sizeof(name)));
}

/* What a helper left running is gone once swept; another uid's is not. */
static void test_sweep(struct test_state *t)
{
	pid_t left, other;
	int status = 0;

	if (geteuid() != 0) {
		printf("  (skipped: needs root)\n");
		return;
	}
	left = test_leftover(LINK_UID_FIRST + 7);
	other = test_leftover(LINK_UID_FIRST + 8);
	CHECK(t, left > 0 && other > 0);
	CHECK(t, helper_uid_sweep(LINK_UID_FIRST + 7) == 0);
	CHECK(t, waitpid(left, &status, 0) == left && WIFSIGNALED(status) &&
		 WTERMSIG(status) == SIGKILL);
	CHECK(t, waitpid(other, &status, WNOHANG) == 0);
	/* Nothing left: no error either. */
	CHECK(t, helper_uid_sweep(LINK_UID_FIRST + 7) == 0);
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_block);
	RUN(&t, test_sink_uids);
	RUN(&t, test_named);
	RUN(&t, test_sweep);
	return TEST_SUMMARY(&t);
}
