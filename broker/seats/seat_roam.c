// SPDX-License-Identifier: MIT
/*
 * A session follows its user by staying where it is while stations come
 * and go under it: its seat takes the devices of the station its user is
 * at now, and the station it had leaves, first one in, then the other
 * out, so that the seat (logind's too) always has a head. A station of
 * devices (a physical head) moves by udev's rules (roam.h), and leaves
 * the same way, to a seat of its own where its greeter comes back; a
 * station a kind makes (RDP's) is made for the seat and let go of by its
 * kind. The compositor sees its card go and the seat's other card come,
 * its input devices go and come: its clients, and every process of the
 * session, are the same throughout.
 */
#include <errno.h>
#include <string.h>

#include "broker.h"
#include "leases.h"
#include "log.h"
#include "roam.h"
#include "seat_greeter.h"
#include "seat_mode.h"
#include "seat_roam.h"
#include "seats.h"
#include "station_kind.h"

/* A station's devices on their way: this long, then the move is undone. */
#define ARRIVAL_MS 60000

/* A user's session that may move: their logon at a greeter, or a
 * session a kind holds for them (its stations are the kind's to give
 * up). A station's own auto-logon session belongs to the station. */
static bool roams(const struct seat *seat, const char *user)
{
	const struct session *s = &seat->session;

	if (s->pid <= 0 || s->stopping || s->run_greeter || strcmp(s->user, user))
		return false;
	return seat_greeter_logged_on(seat) || (seat->kind && seat->kind->let_go);
}

/* Whether a head of the seat has the home the seat's devices are moved
 * by (72-zzz-seatmux-home.rules kept it): else a move would move none. */
static bool has_home(const struct seat *seat)
{
	const char *home = roam_home(seat->broker, seat->name);
	struct device *dev, *tmp;

	list_for_each(dev, tmp, &seat->broker->devices.list, link)
		if (dev->counted && !strcmp(dev->seat, seat->name) && !strcmp(dev->home, home))
			return true;
	return false;
}

/* Whether a card the seat has is split into leases: its connectors take
 * the card's seat from udev (73-seat-late), and udev's seat wins over
 * seatmux.conf's, so the card would take the leased seats' heads along. */
static bool has_split_card(const struct seat *seat)
{
	struct device *dev, *tmp;

	list_for_each(dev, tmp, &seat->broker->devices.list, link)
		if (dev->counted && dev->kind == DEVICE_DRM_CARD && !strcmp(dev->seat, seat->name) &&
		    leases_card_split(seat->broker, dev))
			return true;
	return false;
}

/*
 * Whether the station the seat has can leave its session: a kind's own
 * (let go of), or devices udev's rules give the seat as their home.
 * seat0's too (73-seatmux-zy-seat0-home.rules gives them theirs) while
 * seatmuxd keeps the console in graphics mode, so that its card may
 * serve another seat (seat0's session keeps its VT where it is). Not in
 * console mode (one desktop of every device), nor a seat of leased
 * connectors (the configuration, not udev, gives those their seat, and
 * a compositor takes no lease handed to it later), nor a card split
 * into such leases.
 */
static bool can_leave(const struct seat *seat)
{
	struct broker *b = seat->broker;

	if (seat->kind->let_go)
		return true;
	if (!strcmp(roam_home(b, seat->name), "seat0") && !b->console.taken)
		return false;
	return seat->kind->moves_by_rules && !seats_mode_switching(b) && !seats_console_mode() &&
	       !seat->session.drm_devices[0] && !has_split_card(seat) && has_home(seat);
}

struct seat *seats_roam_source(struct broker *b, const char *user, const struct seat *but)
{
	struct seat *seat, *tmp;

	if (!user || !user[0])
		return NULL;
	/* A session whose station cannot leave it stays there. */
	list_for_each(seat, tmp, &b->seats, link)
		if (seat != but && roams(seat, user) && can_leave(seat))
			return seat;
	return NULL;
}

bool seats_roam_away(struct broker *b, const struct seat *seat)
{
	return seat->kind && seat->kind->away && seat->kind->away(b, seat->name);
}

int seats_roam_allowed(struct broker *b, const struct seat *from, const char *user)
{
	if (from->arriving)
		return -EBUSY;	/* coming to another station already */
	if (!seats_roam_away(b, from) && !b->cfg.roaming_takes_over) {
		log_info("%s: %s's session is in use there: roaming = refuse", from->name, user);
		return -EBUSY;
	}
	return 0;
}

static void arrival_late(void *data, uint32_t events);

int seats_roam_expect(struct broker *b, const char *name, const struct station_kind *kind,
		      const char *user)
{
	struct seat *seat = seats_find(b, name);

	if (!seat)
		return -ENOENT;
	if (seat->arriving)
		return -EBUSY;
	if (!can_leave(seat))
		return -EOPNOTSUPP;
	if (!seat->arrival_timer)
		seat->arrival_timer = loop_add_timer(b->loop, arrival_late, seat);
	if (!seat->arrival_timer)
		return -ENOMEM;
	loop_timer_arm(seat->arrival_timer, ARRIVAL_MS);
	seat->arriving = kind;
	snprintf(seat->roaming_user, sizeof(seat->roaming_user), "%s", user);
	/* The devices the seat has now leave once the new ones are in. */
	snprintf(seat->leaving, sizeof(seat->leaving), "%s", roam_home(b, seat->name));
	log_info("%s: %s's session waits for its %s station", name, user, kind->name);
	return 0;
}

void seats_roam_cancel(struct broker *b, const char *name)
{
	struct seat *seat = seats_find(b, name);

	if (seat && seat->arriving) {
		log_warn("%s: the station its session waited for is not coming", name);
		seat_roam_forget(seat);
	}
}

/*
 * The station on its way goes back: the kind that makes it lets go of
 * it, or its devices go back where they were. Its greeter there comes
 * back; the session stays where it is, with the station it has.
 */
static void send_back(struct seat *seat)
{
	struct broker *b = seat->broker;
	const struct station_kind *kind = seat->arriving;
	char home[SEAT_PROTO_MAX_SEAT], back[SEAT_PROTO_MAX_SEAT];

	snprintf(home, sizeof(home), "%s", seat->moved_home);
	snprintf(back, sizeof(back), "%s", seat->moved_back);
	seat_roam_forget(seat);
	if (!kind)
		return;
	if (kind->let_go)
		kind->let_go(b, seat->name);
	else if (home[0] && roam_move(b, home, back) < 0)
		log_error("%s: %s's devices cannot go back to %s", seat->name, home, back);
}

static void arrival_late(void *data, uint32_t events)
{
	struct seat *seat = data;

	if (!seat->arriving)
		return;
	log_warn("%s: its %s station did not come in %d s: it goes back", seat->name,
		 seat->arriving->name, ARRIVAL_MS / 1000);
	send_back(seat);
}

int seats_roam_here(struct broker *b, struct seat *station, struct seat *to, const char *user,
		    const struct session_spec *spec)
{
	char home[SEAT_PROTO_MAX_SEAT];
	int rc;

	if (station->kind->let_go || !can_leave(station))
		return -EOPNOTSUPP;	/* its devices do not move by udev's rules */
	snprintf(home, sizeof(home), "%s", roam_home(b, station->name));
	rc = seats_roam_expect(b, to->name, station->kind, user);
	if (rc < 0)
		return rc;
	snprintf(to->moved_home, sizeof(to->moved_home), "%s", home);
	snprintf(to->moved_back, sizeof(to->moved_back), "%s", station->name);
	if (spec && session_spec_copy(&to->arriving_spec, spec) < 0)
		rc = -ENOMEM;
	to->has_arriving_spec = spec && rc == 0;
	if (rc == 0)
		rc = roam_move(b, home, to->name);
	if (rc < 0)
		seat_roam_forget(to);
	return rc;
}

/* A seat for devices whose session stays without them: their home if
 * it is free (they came to the session from a station of their own), or
 * one no seat and no move has ("seat1-away", "seat1-away2", ...). */
static int away_name(struct broker *b, const char *home, char *out, size_t size)
{
	char base[SEAT_PROTO_MAX_SEAT];

	if (!seats_find(b, home) && !strcmp(roam_home(b, home), home)) {
		snprintf(out, size, "%s", home);
		return 0;
	}
	roam_away_name(home, base, sizeof(base));
	for (int i = 1; i < 10; i++) {
		if (i == 1)
			snprintf(out, size, "%s", base);
		else
			snprintf(out, size, "%.*s%d", (int)(size - 2), base, i);
		if (!seats_find(b, out) && !strcmp(roam_home(b, out), out) &&
		    !strcmp(roam_now(b, out), out))
			return 0;
	}
	return -EEXIST;
}

/* The station the seat had leaves its session: its kind gives it up, or
 * its devices go to a seat of their own (its greeter's). */
static void old_station_leaves(struct seat *seat, const struct station_kind *old)
{
	struct broker *b = seat->broker;
	char away[SEAT_PROTO_MAX_SEAT];
	int rc;

	if (old->let_go) {
		old->let_go(b, seat->name);
		return;
	}
	/* A mode switch seats every device anew: nothing moves meanwhile. */
	if (seats_mode_switching(b) || seats_console_mode()) {
		log_warn("%s: %s's devices stay: the mode is switching or console", seat->name,
			 seat->leaving);
		return;
	}
	rc = away_name(b, seat->leaving, away, sizeof(away));
	if (rc == 0)
		rc = roam_move(b, seat->leaving, away);
	if (rc < 0)
		log_error("%s: %s's devices cannot leave it: %s", seat->name, seat->leaving,
			  strerror(-rc));
}

void seat_roam_arrived(struct seat *seat)
{
	struct broker *b = seat->broker;
	const struct station_kind *old = seat->kind, *kind = seat->arriving;
	const struct session_spec *spec;

	/* The session it came for ended, or is another's now (a logoff, a
	 * greeter's logon): it goes back, and the seat keeps what it has. */
	if (!roams(seat, seat->roaming_user)) {
		log_warn("%s: %s's session is gone: the %s station that came for it goes back",
			 seat->name, seat->roaming_user, kind->name);
		send_back(seat);
		return;
	}
	seat->kind = kind;
	log_info("%s: %s's session is at its %s station now (pid %d)", seat->name,
		 seat->session.user, kind->name, (int)seat->session.pid);
	old_station_leaves(seat, old);
	/* What runs next: the logon's session (its greeter after it), or
	 * what the new kind says; the session that runs goes on. */
	spec = kind->session_spec(b, seat->name);
	seat_greeter_sync(seat, spec);
	if (seat->has_arriving_spec)
		spec = &seat->arriving_spec;
	if (spec && session_set_spec(&seat->session, spec) < 0)
		log_error("%s: no memory for its next session", seat->name);
	seat_roam_forget(seat);
	broker_changed(b);
}

void seat_roam_forget(struct seat *seat)
{
	seat->arriving = NULL;
	seat->leaving[0] = '\0';
	seat->roaming_user[0] = '\0';
	seat->moved_home[0] = '\0';
	seat->moved_back[0] = '\0';
	if (seat->arrival_timer)
		loop_timer_arm(seat->arrival_timer, 0);
	if (seat->has_arriving_spec)
		session_spec_free(&seat->arriving_spec);
	seat->has_arriving_spec = false;
}

bool seats_roam_pending(struct broker *b, const char *name)
{
	struct seat *seat = seats_find(b, name);

	return seat && seat->arriving;
}

void seat_roam_finish(struct seat *seat, bool going)
{
	/* A station on its way to a seat that goes goes back (a session it
	 * came for is no more); across a restart it is left as it is. */
	if (going && seat->broker->running)
		send_back(seat);
	seat_roam_forget(seat);
	if (seat->arrival_timer)
		loop_remove(seat->arrival_timer);
	seat->arrival_timer = NULL;
}

/* home's devices go back to their own seat (the rule for them dropped). */
static void go_home(struct broker *b, const char *home)
{
	if (roam_move(b, home, home) < 0)
		log_warn("roam: %s's devices cannot go home", home);
}

void seats_roam_reset(struct broker *b)
{
	struct roam_table before = b->roam;
	struct seat *seat, *tmp;

	/* A station a kind makes (RDP's) arrives as it would: no mode
	 * seats its devices. */
	list_for_each(seat, tmp, &b->seats, link)
		if (seat->arriving && !seat->arriving->let_go)
			seat_roam_forget(seat);
	for (int i = 0; i < before.n; i++) {
		log_info("roam: %s's devices go home from %s", before.moves[i].home,
			 before.moves[i].now);
		go_home(b, before.moves[i].home);
	}
}

/*
 * A seat goes (its session over, its station with it): devices of other
 * homes it had go home (a USB/IP station away past its grace comes back
 * there), and devices of its home that went to a seat of their own come
 * home again, unless someone logged on there since (they stay that
 * session's).
 */
void seat_roam_gone(struct seat *seat)
{
	struct broker *b = seat->broker;
	struct roam_table before;
	const char *now;
	struct seat *away;

	if (!b->running)
		return;
	/* Home only if nobody has that seat now (a session that came to
	 * other devices): else they stay to come back to a seat of their
	 * own. The table changes as they go: its copy is walked. */
	before = b->roam;
	for (int i = 0; i < before.n; i++) {
		const struct roam_move *mv = &before.moves[i];

		if (!strcmp(mv->now, seat->name) && !seats_find(b, mv->home))
			go_home(b, mv->home);
	}
	now = roam_now(b, seat->name);
	if (!strcmp(now, seat->name))
		return;
	/* A seat without a head (its USB/IP station away) keeps them: its
	 * station's grace ends it, and they come home then. */
	away = seats_find(b, now);
	if (away && (away->arriving || seat_greeter_logged_on(away) || away->masters <= 0))
		return;
	if (roam_move(b, seat->name, seat->name) < 0)
		log_warn("%s: its station's devices cannot come home from %s", seat->name, now);
}

/*
 * A session that its user brought to another station's devices is over
 * (logged off there): those devices go home, when nobody has their seat,
 * and the seat, left without a head, goes; its own home's devices come
 * back with it (seat_roam_gone). Each station is its own seat again,
 * with its own greeter, as it was before the user came.
 */
void seat_roam_logged_off(struct seat *seat)
{
	struct broker *b = seat->broker;
	char home[SEAT_PROTO_MAX_SEAT];

	/* A seat without a head (its station away) waits: its devices
	 * come back to it, or its grace ends it (and they go home then). */
	snprintf(home, sizeof(home), "%s", roam_home(b, seat->name));
	if (!strcmp(home, seat->name) || seats_find(b, home) || seat->arriving ||
	    seat->masters <= 0)
		return;
	log_info("%s: the session that came to %s's station is over: it goes home", seat->name,
		 home);
	go_home(b, home);
}

void seats_roam_tidy(struct broker *b)
{
	struct roam_table before = b->roam;

	for (int i = 0; i < before.n; i++) {
		const struct roam_move *mv = &before.moves[i];

		/* Not into a seat of the home's name that has another
		 * station's devices (a session that came there). */
		if (seats_find(b, mv->now) || seats_find(b, mv->home))
			continue;
		log_info("roam: no seat has %s's devices at %s any more: they go home", mv->home,
			 mv->now);
		go_home(b, mv->home);
	}
}

void seat_roam_save(const struct seat *seat, FILE *f)
{
	if (seat->arriving && seat->moved_home[0])
		state_put(f, "roam-arriving", seat->moved_home, seat->moved_back, (char *)NULL);
}

int seats_disconnect(struct broker *b, const char *name)
{
	struct seat *seat = seats_find(b, name);

	if (!seat)
		return -ENOENT;
	if (!roams(seat, seat->session.user))
		return -ESRCH;
	if (seats_roam_away(b, seat))
		return -EALREADY;
	if (seat->arriving)
		return -EBUSY;
	if (seat->kind->disconnect)
		return seat->kind->disconnect(b, name);
	if (!can_leave(seat))
		return -EOPNOTSUPP;
	/* A station of devices: a kind that makes stations holds it. */
	for (int i = 0; i < b->nkinds; i++)
		if (b->kinds[i]->adopt && b->kinds[i] != seat->kind) {
			log_info("%s: %s disconnects: the session goes on without the station",
				 name, seat->session.user);
			return b->kinds[i]->adopt(b, name, seat->session.user);
		}
	return -EOPNOTSUPP;
}
