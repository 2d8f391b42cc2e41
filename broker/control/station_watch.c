// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "list.h"
#include "log.h"
#include "loop.h"
#include "seats.h"
#include "state.h"
#include "station_control.h"
#include "station_kind.h"
#include "station_watch.h"

struct watched {
	struct list link;	/* sw->list */
	uint64_t until_ms;	/* the last hold's end */
	char seat[SEAT_PROTO_MAX_SEAT];
};

struct station_watch {
	struct broker *b;
	struct list list;
	struct loop_source *tick;
};

static struct watched *find(struct station_watch *sw, const char *seat)
{
	struct watched *w, *tmp;

	list_for_each(w, tmp, &sw->list, link)
		if (!strcmp(w->seat, seat))
			return w;
	return NULL;
}

static bool watched_now(struct station_watch *sw, const struct watched *w, uint64_t now)
{
	return w->until_ms > now || station_control_taken(sw->b->controls, w->seat);
}

/* The station's kind marks its pictures for ms more (0: no longer). */
static void mark(struct station_watch *sw, const char *seat, unsigned ms)
{
	struct seat *s = seats_find(sw->b, seat);

	if (s && s->kind && s->kind->watched)
		s->kind->watched(sw->b, seat, ms);
}

static void on_tick(void *data, uint32_t events)
{
	struct station_watch *sw = data;
	uint64_t now = loop_now_ms();
	struct watched *w, *tmp;

	(void)events;
	list_for_each(w, tmp, &sw->list, link) {
		bool on = watched_now(sw, w, now) && seats_find(sw->b, w->seat);

		mark(sw, w->seat, on ? STATION_WATCH_MARK_MS : 0);
		if (!on) {
			log_info("control: %s: no longer watched", w->seat);
			list_remove(&w->link);
			free(w);
		}
	}
	if (!list_empty(&sw->list))
		loop_timer_arm(sw->tick, STATION_WATCH_TICK_MS);
}

/* seat's entry, made if there is none (NULL: out of memory); *was says
 * whether it was watched already. */
static struct watched *get(struct station_watch *sw, const char *seat, bool *was)
{
	struct watched *w = find(sw, seat);

	*was = w && watched_now(sw, w, loop_now_ms());
	if (w || strlen(seat) >= sizeof(w->seat) || !(w = calloc(1, sizeof(*w))))
		return w;
	snprintf(w->seat, sizeof(w->seat), "%s", seat);
	/* The first: the ticks start. (Armed again for each, the tick would
	 * wait as long as stations kept coming.) */
	if (list_empty(&sw->list))
		loop_timer_arm(sw->tick, STATION_WATCH_TICK_MS);
	list_insert(&sw->list, &w->link);
	return w;
}

bool station_watch_hold(struct station_watch *sw, const char *seat)
{
	bool was;
	struct watched *w = get(sw, seat, &was);

	if (w)
		w->until_ms = loop_now_ms() + STATION_WATCH_HOLD_MS;
	if (!was)
		mark(sw, seat, STATION_WATCH_MARK_MS);
	return !was;
}

void station_watch_controlled(struct station_watch *sw, const char *seat)
{
	bool was;

	if (get(sw, seat, &was) && !was)
		mark(sw, seat, STATION_WATCH_MARK_MS);
}

void station_watch_save(const struct station_watch *sw, FILE *f)
{
	uint64_t now = loop_now_ms();
	struct watched *w, *tmp;

	list_for_each(w, tmp, &sw->list, link) {
		char left[24];

		if (w->until_ms <= now)
			continue;	/* a control's: its own record keeps it */
		snprintf(left, sizeof(left), "%llu", (unsigned long long)(w->until_ms - now));
		state_put(f, "watched", w->seat, left, (char *)NULL);
	}
}

void station_watch_restore(struct station_watch *sw, struct state *st)
{
	struct state_record *r;
	long long left;
	bool was;

	while ((r = state_take(st, "watched", (char *)NULL))) {
		struct watched *w;

		if (r->argc != 3 || strlen(r->argv[1]) >= SEAT_PROTO_MAX_SEAT ||
		    state_number(r, 2, 1, STATION_WATCH_HOLD_MS, &left) < 0) {
			log_warn("restart: a watched record is not valid: dropped");
			continue;
		}
		/* Its seat may not be made yet: the first tick, later, marks
		 * it (or lets it go if it never comes). */
		w = get(sw, r->argv[1], &was);
		if (w)
			w->until_ms = loop_now_ms() + (uint64_t)left;
		log_info("restart: %s is still watched, %lld ms more", r->argv[1], left);
	}
}

struct station_watch *station_watch_create(struct broker *b)
{
	struct station_watch *sw = calloc(1, sizeof(*sw));

	if (!sw)
		return NULL;
	sw->b = b;
	list_init(&sw->list);
	sw->tick = loop_add_timer(b->loop, on_tick, sw);
	if (!sw->tick) {
		free(sw);
		return NULL;
	}
	return sw;
}

void station_watch_destroy(struct station_watch *sw)
{
	struct watched *w, *tmp;

	if (!sw)
		return;
	loop_remove(sw->tick);
	list_for_each(w, tmp, &sw->list, link) {
		list_remove(&w->link);
		free(w);
	}
	free(sw);
}
