// SPDX-License-Identifier: MIT
/*
 * Which stations are watched from afar, and for how much longer. A Watch
 * call holds its station watched for WATCH_HOLD_MS; a viewer that goes
 * on watching calls again before then (the dashboard does, while a
 * station is open large). A control held keeps its station watched too.
 *
 * Its user is told in words when watching starts (api_control.c's
 * notice, a screen of the broker's). All the while, a kind that draws
 * its stations' pictures itself (RDP's sink) marks them: every
 * WATCH_TICK_MS it is told the station is watched WATCH_MARK_MS more,
 * never longer, so the mark also goes by itself when seatmuxd does (a
 * restarted one does not know who was watching). Other kinds' heads are
 * their sessions' (DRM master): nothing can be drawn over them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "broker.h"
#include "log.h"
#include "seats.h"
#include "station_control.h"
#include "station_kind.h"

#define WATCH_HOLD_MS 12000
#define WATCH_TICK_MS 2000
#define WATCH_MARK_MS 5000

struct watched {
	struct list link;	/* api->watched */
	uint64_t until_ms;	/* the last Watch call's hold */
	char seat[SEAT_PROTO_MAX_SEAT];
};

static struct watched *watched_find(struct api *a, const char *seat)
{
	struct watched *w, *tmp;

	list_for_each(w, tmp, &a->watched, link)
		if (!strcmp(w->seat, seat))
			return w;
	return NULL;
}

static bool watched_now(struct api *a, const struct watched *w, uint64_t now)
{
	return w->until_ms > now || station_control_taken(a->controls, w->seat);
}

/* The station's kind marks its pictures for ms more (0: no longer). */
static void watched_mark(struct api *a, const char *seat, unsigned ms)
{
	struct seat *s = seats_find(a->b, seat);

	if (s && s->kind && s->kind->watched)
		s->kind->watched(a->b, seat, ms);
}

static void watched_tick(void *data, uint32_t events)
{
	struct api *a = data;
	uint64_t now = loop_now_ms();
	struct watched *w, *tmp;

	(void)events;
	list_for_each(w, tmp, &a->watched, link) {
		bool on = watched_now(a, w, now) && seats_find(a->b, w->seat);

		watched_mark(a, w->seat, on ? WATCH_MARK_MS : 0);
		if (!on) {
			log_info("control: %s: no longer watched", w->seat);
			list_remove(&w->link);
			free(w);
		}
	}
	if (!list_empty(&a->watched))
		loop_timer_arm(a->watch_timer, WATCH_TICK_MS);
}

/* seat's entry, made if there is none (NULL: out of memory); *was says
 * whether it was watched already. */
static struct watched *watched_get(struct api *a, const char *seat, bool *was)
{
	struct watched *w = watched_find(a, seat);

	*was = w && watched_now(a, w, loop_now_ms());
	if (w || strlen(seat) >= sizeof(w->seat) || !(w = calloc(1, sizeof(*w))))
		return w;
	snprintf(w->seat, sizeof(w->seat), "%s", seat);
	/* The first: the ticks start. (Armed again for each, the tick would
	 * wait as long as stations kept coming.) */
	if (list_empty(&a->watched))
		loop_timer_arm(a->watch_timer, WATCH_TICK_MS);
	list_insert(&a->watched, &w->link);
	return w;
}

bool api_watch_hold(struct api *a, const char *seat)
{
	bool was;
	struct watched *w = watched_get(a, seat, &was);

	if (w)
		w->until_ms = loop_now_ms() + WATCH_HOLD_MS;
	if (!was)
		watched_mark(a, seat, WATCH_MARK_MS);
	return !was;
}

void api_watch_controlled(struct api *a, const char *seat)
{
	bool was;

	if (watched_get(a, seat, &was) && !was)
		watched_mark(a, seat, WATCH_MARK_MS);
}

int api_watch_start(struct api *a)
{
	list_init(&a->watched);
	a->watch_timer = loop_add_timer(a->b->loop, watched_tick, a);
	return a->watch_timer ? 0 : -ENOMEM;
}

void api_watch_finish(struct api *a)
{
	struct watched *w, *tmp;

	if (a->watch_timer)
		loop_remove(a->watch_timer);
	a->watch_timer = NULL;
	if (!a->watched.next)
		return;		/* never started */
	list_for_each(w, tmp, &a->watched, link) {
		list_remove(&w->link);
		free(w);
	}
}
