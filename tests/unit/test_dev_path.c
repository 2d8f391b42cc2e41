// SPDX-License-Identifier: MIT
/* dev_path: a client's device path is resolved beneath /dev only. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dev_path.h"
#include "test.h"

static int resolve(const char *path, char *real)
{
	struct stat st;

	return dev_path_resolve(path, real, PATH_MAX, &st);
}

static void test_node_resolves(struct test_state *t)
{
	char real[PATH_MAX];
	struct stat st;

	CHECK(t, dev_path_resolve("/dev/null", real, sizeof(real), &st) == 0);
	CHECK(t, !strcmp(real, "/dev/null"));
	CHECK(t, S_ISCHR(st.st_mode));
	/* A detour that stays beneath /dev is the node it names. */
	CHECK(t, dev_path_resolve("/dev/./null", real, sizeof(real), &st) == 0);
	CHECK(t, !strcmp(real, "/dev/null"));
}

/* udev's links (by-path, by-id) lead to their node; links are made here
 * beneath /dev, as udev would (the test runs as root, as CI does). */
static void test_links_within_dev(struct test_state *t)
{
	char real[PATH_MAX];

	mkdir("/dev/seatmux-test", 0755);
	CHECK(t, symlink("../null", "/dev/seatmux-test/rel") == 0);
	CHECK(t, symlink("/dev/seatmux-test/rel", "/dev/seatmux-test/abs") == 0);
	CHECK(t, symlink("/etc/passwd", "/dev/seatmux-test/out") == 0);
	CHECK(t, symlink("loop", "/dev/seatmux-test/loop") == 0);
	CHECK(t, resolve("/dev/seatmux-test/rel", real) == 0 && !strcmp(real, "/dev/null"));
	CHECK(t, resolve("/dev/seatmux-test/abs", real) == 0 && !strcmp(real, "/dev/null"));
	CHECK(t, resolve("/dev/seatmux-test/out", real) == -EPERM);
	CHECK(t, resolve("/dev/seatmux-test/loop", real) == -EPERM);
	unlink("/dev/seatmux-test/rel");
	unlink("/dev/seatmux-test/abs");
	unlink("/dev/seatmux-test/out");
	unlink("/dev/seatmux-test/loop");
	rmdir("/dev/seatmux-test");
}

/* Where users may write, links could be swapped between look and use. */
static void test_user_writable_refused(struct test_state *t)
{
	char real[PATH_MAX];
	struct stat st;

	if (stat("/dev/shm", &st) < 0 || !(st.st_mode & S_IWOTH))
		return;
	CHECK(t, resolve("/dev/shm/anything", real) == -EPERM);
	CHECK(t, resolve("/dev/shm/../null", real) == -EPERM);
}

static void test_outside_dev_refused(struct test_state *t)
{
	char real[PATH_MAX];

	CHECK(t, resolve("/etc/shadow", real) == -EPERM);
	CHECK(t, resolve("/root/.nothing-here", real) == -EPERM);
	CHECK(t, resolve("dev/null", real) == -EPERM);
	CHECK(t, resolve("/dev", real) == -EPERM);
	CHECK(t, resolve("/devnull", real) == -EPERM);
}

static void test_escapes_refused(struct test_state *t)
{
	char real[PATH_MAX];

	/* Up and out of /dev. */
	CHECK(t, resolve("/dev/../etc/passwd", real) == -EPERM);
	CHECK(t, resolve("/dev/../dev/null", real) == -EPERM);
	/* /dev/fd is a link to /proc/self/fd: the broker's own files. */
	CHECK(t, resolve("/dev/fd/0", real) == -EPERM);
	CHECK(t, resolve("/dev/stdin", real) == -EPERM);
}

static void test_missing(struct test_state *t)
{
	char real[PATH_MAX];

	/* A seat device that went away may be told so... */
	CHECK(t, resolve("/dev/input/event999", real) == -ENOENT);
	CHECK(t, resolve("/dev/dri/card99", real) == -ENOENT);
	/* ...any other name learns nothing. */
	CHECK(t, resolve("/dev/nothing-here", real) == -EPERM);
	CHECK(t, resolve("/dev/input/../nothing-here", real) == -EPERM);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_node_resolves);
	RUN(&t, test_links_within_dev);
	RUN(&t, test_user_writable_refused);
	RUN(&t, test_outside_dev_refused);
	RUN(&t, test_escapes_refused);
	RUN(&t, test_missing);
	return TEST_SUMMARY(&t);
}
