// SPDX-License-Identifier: MIT
/* Watches across a restart: what the state file keeps of a hold, what a
 * new seatmuxd takes back, and what it refuses. */
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "loop.h"
#include "seats.h"
#include "state.h"
#include "station_control.h"
#include "station_kind.h"
#include "station_watch.h"
#include "test.h"

/* The marks a kind was asked for: the last seat and ms. */
static char marked_seat[64];
static unsigned marked_ms;
static int marks;

static void fake_watched(struct broker *b, const char *seat, unsigned ms)
{
	snprintf(marked_seat, sizeof(marked_seat), "%s", seat);
	marked_ms = ms;
	marks++;
}

static const struct station_kind fake_rdp = { .name = "rdp", .watched = fake_watched };
static struct seat seat1 = { .name = "seat1", .kind = &fake_rdp };

/* Seats are seats.c's: seat1 alone, here. */
struct seat *seats_find(struct broker *b, const char *name)
{
	return !strcmp(name, "seat1") ? &seat1 : NULL;
}

/* Controls are station_control.c's: none taken. */
bool station_control_taken(struct controls *ctls, const char *seat)
{
	return false;
}

/* sw's records as the state file has them, read back into st. */
static void save_and_read(struct station_watch *sw, struct state *st)
{
	char *text = NULL;
	size_t len = 0;
	const char *why = NULL;
	FILE *f = open_memstream(&text, &len);

	fprintf(f, "seatmux-state 1\n");	/* state_begin's header */
	station_watch_save(sw, f);
	fclose(f);
	state_init(st);
	if (state_parse(st, text, len, &why) < 0)
		fprintf(stderr, "  state: %s\n", why);
	free(text);
}

static void test_kept(struct test_state *t)
{
	struct broker b = { 0 };
	struct station_watch *sw, *again;
	const struct state_record *r;
	struct state st;
	long long left = 0;

	b.loop = loop_create();
	sw = station_watch_create(&b);
	marks = 0;
	CHECK(t, station_watch_hold(sw, "seat1"));
	CHECK(t, marks == 1 && !strcmp(marked_seat, "seat1") && marked_ms == STATION_WATCH_MARK_MS);
	/* Held again: not new, nobody is told again. */
	CHECK(t, !station_watch_hold(sw, "seat1") && marks == 1);
	save_and_read(sw, &st);
	r = state_find(&st, "watched", "seat1", (char *)NULL);
	CHECK(t, r && r->argc == 3 && state_number(r, 2, 1, STATION_WATCH_HOLD_MS, &left) == 0 &&
		 left > STATION_WATCH_HOLD_MS - 2000);
	station_watch_destroy(sw);

	/* The next seatmuxd: the hold taken back is not a new watch. */
	again = station_watch_create(&b);
	station_watch_restore(again, &st);
	CHECK(t, state_find(&st, "watched", (char *)NULL) == NULL);
	marks = 0;
	CHECK(t, !station_watch_hold(again, "seat1") && marks == 0);
	station_watch_destroy(again);
	state_clear(&st);
	loop_destroy(b.loop);
}

/* Records a seatmuxd never writes: dropped, the station not watched. */
static void test_refused(struct test_state *t)
{
	static const char *const bad[] = {
		"seatmux-state 1\nwatched seat1 0\n",
		"seatmux-state 1\nwatched seat1 12001\n",
		"seatmux-state 1\nwatched seat1 -5\n",
		"seatmux-state 1\nwatched seat1 ten\n",
		"seatmux-state 1\nwatched seat1\n",
		"seatmux-state 1\nwatched seat1 100 more\n",
		"seatmux-state 1\nwatched seat1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx 100\n",
	};
	struct broker b = { 0 };

	b.loop = loop_create();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct station_watch *sw = station_watch_create(&b);
		const char *why = NULL;
		struct state st;

		state_init(&st);
		CHECK(t, state_parse(&st, bad[i], strlen(bad[i]), &why) == 0);
		station_watch_restore(sw, &st);
		state_clear(&st);
		/* Nothing held: nothing to save. */
		save_and_read(sw, &st);
		if (state_find(&st, "watched", (char *)NULL)) {
			fprintf(stderr, "  taken back: %s", bad[i]);
			CHECK(t, false);
		}
		CHECK(t, station_watch_hold(sw, "seat1"));
		station_watch_destroy(sw);
		state_clear(&st);
	}
	loop_destroy(b.loop);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_kept);
	RUN(&t, test_refused);
	return TEST_SUMMARY(&t);
}
