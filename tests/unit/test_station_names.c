// SPDX-License-Identifier: MIT
/*
 * station_names: a name set is read back by the next seatmuxd, "" gives
 * the seat id back, invalid names are refused, and a file that cannot
 * be written changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "station_names.h"
#include "test.h"

static char dir[] = "/tmp/test_station_names.XXXXXX";

static void test_set_and_read_back(struct test_state *t)
{
	struct station_names names, again;
	char path[128], why[256];

	snprintf(path, sizeof(path), "%s/names", dir);
	CHECK(t, station_names_load(&names, path, why, sizeof(why)) == 0);	/* none yet */
	CHECK(t, !strcmp(station_names_get(&names, "seat1"), "seat1"));
	CHECK(t, station_names_set(&names, "seat1", "Front row, left") == 0);
	CHECK(t, station_names_set(&names, "seat-rdp2", "Écran 2 — ☀") == 0);
	CHECK(t, !strcmp(station_names_get(&names, "seat1"), "Front row, left"));

	CHECK(t, station_names_load(&again, path, why, sizeof(why)) == 0);
	CHECK(t, !strcmp(station_names_get(&again, "seat1"), "Front row, left"));
	CHECK(t, !strcmp(station_names_get(&again, "seat-rdp2"), "Écran 2 — ☀"));
	station_names_free(&again);

	/* "" : the seat id again, in the file too. */
	CHECK(t, station_names_set(&names, "seat1", "") == 0);
	CHECK(t, !strcmp(station_names_get(&names, "seat1"), "seat1"));
	CHECK(t, station_names_load(&again, path, why, sizeof(why)) == 0);
	CHECK(t, !strcmp(station_names_get(&again, "seat1"), "seat1") && again.n == 1);
	station_names_free(&again);
	station_names_free(&names);
}

static void test_invalid_names(struct test_state *t)
{
	struct station_names names;
	char path[128], why[256], long_name[STATION_NAME_MAX + 1];

	snprintf(path, sizeof(path), "%s/names", dir);
	CHECK(t, station_names_load(&names, path, why, sizeof(why)) == 0);
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	CHECK(t, station_names_set(&names, "seat1", long_name) == -EINVAL);
	CHECK(t, station_names_set(&names, "seat1", "two\nlines") == -EINVAL);
	CHECK(t, station_names_set(&names, "seat1", "tab\there") == -EINVAL);
	CHECK(t, !strcmp(station_names_get(&names, "seat1"), "seat1"));
	long_name[STATION_NAME_MAX - 1] = '\0';	/* 63 bytes: the most */
	CHECK(t, station_names_set(&names, "seat1", long_name) == 0);
	station_names_free(&names);
}

static void test_unwritable_changes_nothing(struct test_state *t)
{
	struct station_names names;
	char why[256];

	CHECK(t, station_names_load(&names, "/nonexistent/dir/names", why, sizeof(why)) == 0);
	CHECK(t, station_names_set(&names, "seat1", "Back row") == -EIO);
	CHECK(t, !strcmp(station_names_get(&names, "seat1"), "seat1") && names.n == 0);
	station_names_free(&names);
}

/* A file there that does not load is never written over. */
static void test_unreadable_kept(struct test_state *t)
{
	struct station_names names;
	char path[128], why[256], text[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/broken", dir);
	f = fopen(path, "w");
	if (f) {
		fputs("not a state file\n", f);
		fclose(f);
	}
	CHECK(t, station_names_load(&names, path, why, sizeof(why)) == -1);
	CHECK(t, station_names_set(&names, "seat1", "Back row") == -EIO);
	f = fopen(path, "r");
	CHECK(t, f && fgets(text, sizeof(text), f) && !strcmp(text, "not a state file\n"));
	if (f)
		fclose(f);
	station_names_free(&names);
}

int main(void)
{
	struct test_state t = { 0 };
	char cmd[128];

	if (geteuid() != 0) {
		printf("SKIP: the file must be root's, as seatmuxd's is\n");
		return 77;
	}
	if (!mkdtemp(dir))
		return 1;
	RUN(&t, test_set_and_read_back);
	RUN(&t, test_invalid_names);
	RUN(&t, test_unwritable_changes_nothing);
	RUN(&t, test_unreadable_kept);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return TEST_SUMMARY(&t);
}
