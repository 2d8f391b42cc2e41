// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "config.h"
#include "roam_rules.h"

static struct roam_move *find(struct roam_table *t, const char *home)
{
	for (int i = 0; i < t->n; i++)
		if (!strcmp(t->moves[i].home, home))
			return &t->moves[i];
	return NULL;
}

int roam_table_set(struct roam_table *t, const char *home, const char *now)
{
	struct roam_move *m;

	if (!config_valid_seat_name(home) || !config_valid_seat_name(now))
		return -EINVAL;
	m = find(t, home);
	if (!strcmp(home, now)) {
		if (m)
			*m = t->moves[--t->n];
		return 0;
	}
	if (!m) {
		if (t->n == ROAM_MAX)
			return -ENOSPC;
		m = &t->moves[t->n++];
		snprintf(m->home, sizeof(m->home), "%s", home);
	}
	snprintf(m->now, sizeof(m->now), "%s", now);
	return 0;
}

const char *roam_table_now(const struct roam_table *t, const char *home)
{
	const struct roam_move *m = find((struct roam_table *)t, home);

	return m ? m->now : home;
}

const char *roam_table_home(const struct roam_table *t, const char *seat)
{
	for (int i = 0; i < t->n; i++)
		if (!strcmp(t->moves[i].now, seat))
			return t->moves[i].home;
	return seat;
}

void roam_away_name(const char *home, char *out, size_t size)
{
	const char *suffix = "-away";
	size_t keep = size - 1 - strlen(suffix);

	snprintf(out, size, "%.*s%s", (int)keep, home, suffix);
}

/*
 * A device's home is the seat the seat rules gave it itself, kept by
 * 72-zzz-seatmux-home.rules before anything moves it. A device that takes
 * its parent's seat (73-seat-late) has no home of its own and follows its
 * parent wherever the parent went, as do the devices a station makes for
 * a seat (an RDP station's virtual head and input). So each move applies
 * once, whichever seat a home's devices go to (another station's home,
 * even), and never to what was made for a seat.
 */
void roam_table_rules(const struct roam_table *t, FILE *f)
{
	for (int i = 0; i < t->n; i++)
		fprintf(f, "ENV{SEATMUX_HOME_SEAT}==\"%s\", ENV{ID_SEAT}=\"%s\"\n",
			t->moves[i].home, t->moves[i].now);
}
