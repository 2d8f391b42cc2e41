/* dev_path: a client's device path is resolved beneath /dev only. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

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
	RUN(&t, test_outside_dev_refused);
	RUN(&t, test_escapes_refused);
	RUN(&t, test_missing);
	return TEST_SUMMARY(&t);
}
