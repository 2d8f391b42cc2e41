// SPDX-License-Identifier: MIT
/*
 * spawn: a child dropped to another uid keeps exactly the capabilities
 * asked for (keep_caps), as ambient ones that survive its exec, and none
 * when none are asked for. Needs root (skipped otherwise).
 */
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "spawn.h"
#include "test.h"

#define NOBODY 65534

struct ended {
	bool done;
	int status;
};

static void child_ended(void *data, pid_t pid, int status)
{
	struct ended *e = data;

	e->done = true;
	e->status = status;
}

/* The child's stdout is the pipe: what its /proc/self/status says. */
static int show_status(void *arg)
{
	execl("/bin/grep", "grep", "-E", "^(Uid|CapEff|CapPrm|CapAmb):", "/proc/self/status",
	      (char *)NULL);
	return 127;
}

/* The child's status lines, after it ran as nobody keeping caps. */
static int run_child(uint64_t caps, char *out, size_t size)
{
	struct loop *loop = loop_create();
	struct ended e = { 0 };
	int p[2], fds[3], n = 0, got;
	struct spawn sp = {
		.fds = fds, .nfds = 3, .drop = true, .uid = NOBODY, .gid = NOBODY,
		.keep_caps = caps, .run = show_status,
	};

	if (!loop || pipe(p) < 0)
		return -1;
	fds[0] = -1;
	fds[1] = p[1];
	fds[2] = STDERR_FILENO;
	if (!spawn_child(loop, &sp, child_ended, &e))
		return -1;
	close(p[1]);
	while (!e.done && loop_dispatch(loop, 5000) >= 0)
		;
	while (n < (int)size - 1 && (got = (int)read(p[0], out + n, size - 1 - (size_t)n)) > 0)
		n += got;
	out[n] = 0;
	close(p[0]);
	loop_destroy(loop);
	return e.done ? e.status : -1;
}

static void test_keeps_only_what_is_asked(struct test_state *t)
{
	char out[512], want[64];

	CHECK(t, run_child(1ULL << CAP_SYS_ADMIN, out, sizeof(out)) == 0);
	snprintf(want, sizeof(want), "CapEff:\t%016llx", 1ULL << CAP_SYS_ADMIN);
	CHECK(t, strstr(out, want) != NULL);
	snprintf(want, sizeof(want), "CapAmb:\t%016llx", 1ULL << CAP_SYS_ADMIN);
	CHECK(t, strstr(out, want) != NULL);
	CHECK(t, strstr(out, "Uid:\t65534\t65534\t65534\t65534") != NULL);
	if (t->checks_failed)
		fprintf(stderr, "%s", out);
}

static void test_keeps_none_by_default(struct test_state *t)
{
	char out[512];

	CHECK(t, run_child(0, out, sizeof(out)) == 0);
	CHECK(t, strstr(out, "CapEff:\t0000000000000000") != NULL);
	CHECK(t, strstr(out, "CapPrm:\t0000000000000000") != NULL);
	CHECK(t, strstr(out, "CapAmb:\t0000000000000000") != NULL);
	if (t->checks_failed)
		fprintf(stderr, "%s", out);
}

int main(void)
{
	struct test_state t = { 0 };

	if (geteuid() != 0) {
		printf("SKIP: needs root to change uid\n");
		return 77;
	}
	RUN(&t, test_keeps_only_what_is_asked);
	RUN(&t, test_keeps_none_by_default);
	return TEST_SUMMARY(&t);
}
