// SPDX-License-Identifier: MIT
/*
 * A session follows its user by staying where it is while stations come
 * and go under it: its seat takes the devices of the station its user is
 * at now, and the station it had leaves, first one in, then the other
 * out, so that the seat (logind's too) always has a head. A station of
 * devices (a physical head, a USB/IP station) moves by udev's rules
 * (roam.h), and leaves the same way, to a seat of its own where its
 * greeter comes back; a station a kind makes (RDP's) is made for the
 * seat and let go of by its kind. The compositor sees its card go and
 * the seat's other card come, its input devices go and come: its
 * clients, and every process of the session, are the same throughout.
 */
#include <errno.h>
#include <string.h>

#include "broker.h"
#include "log.h"
#include "roam.h"
#include "seat_greeter.h"
#include "seat_roam.h"
#include "seats.h"
#include "station_kind.h"

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

struct seat *seats_roam_source(struct broker *b, const char *user, const struct seat *but)
{
	struct seat *seat, *tmp;

	if (!user || !user[0])
		return NULL;
	list_for_each(seat, tmp, &b->seats, link)
		if (seat != but && !seat->arriving && roams(seat, user))
			return seat;
	return NULL;
}

bool seats_roam_away(struct broker *b, const struct seat *seat)
{
	return seat->kind && seat->kind->away && seat->kind->away(b, seat->name);
}

int seats_roam_expect(struct broker *b, const char *name, const struct station_kind *kind)
{
	struct seat *seat = seats_find(b, name);

	if (!seat)
		return -ENOENT;
	if (seat->arriving)
		return -EBUSY;
	seat->arriving = kind;
	/* The devices the seat has now leave once the new ones are in. */
	snprintf(seat->leaving, sizeof(seat->leaving), "%s", roam_home(b, seat->name));
	log_info("%s: %s's session waits for its %s station", name, seat->session.user,
		 kind->name);
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

int seats_roam_here(struct broker *b, struct seat *station, struct seat *to,
		    const struct session_spec *spec)
{
	char home[SEAT_PROTO_MAX_SEAT];
	int rc;

	if (station->kind->let_go)
		return -EOPNOTSUPP;	/* its kind makes its stations for a seat */
	snprintf(home, sizeof(home), "%s", roam_home(b, station->name));
	rc = seats_roam_expect(b, to->name, station->kind);
	if (rc < 0)
		return rc;
	if (spec) {
		if (session_spec_copy(&to->arriving_spec, spec) < 0) {
			to->arriving = NULL;
			return -ENOMEM;
		}
		to->has_arriving_spec = true;
	}
	rc = roam_move(b, home, to->name);
	if (rc < 0)
		seat_roam_forget(to);
	return rc;
}

/* A seat for devices whose session stays without them: one no seat and
 * no move has ("seat1-away", "seat1-away2", ...). */
static int away_name(struct broker *b, const char *home, char *out, size_t size)
{
	char base[SEAT_PROTO_MAX_SEAT];

	roam_away_name(home, base, sizeof(base));
	for (int i = 1; i < 10; i++) {
		if (i == 1)
			snprintf(out, size, "%s", base);
		else if ((size_t)snprintf(out, size, "%.*s%d", (int)(size - 2), base, i) >= size)
			return -ENAMETOOLONG;
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
	const struct station_kind *old = seat->kind;
	const struct session_spec *spec;

	seat->kind = seat->arriving;
	seat->arriving = NULL;
	log_info("%s: %s's session is at its %s station now (pid %d)", seat->name,
		 seat->session.user, seat->kind->name, (int)seat->session.pid);
	old_station_leaves(seat, old);
	/* What runs next: the logon's session (its greeter after it), or
	 * what the new kind says; the session that runs goes on. */
	spec = seat->kind->session_spec(b, seat->name);
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
	if (seat->has_arriving_spec)
		session_spec_free(&seat->arriving_spec);
	seat->has_arriving_spec = false;
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
	/* A station of devices: a kind that makes stations holds it. */
	for (int i = 0; i < b->nkinds; i++)
		if (b->kinds[i]->adopt && b->kinds[i] != seat->kind) {
			log_info("%s: %s disconnects: the session goes on without the station",
				 name, seat->session.user);
			return b->kinds[i]->adopt(b, name, seat->session.user);
		}
	return -EOPNOTSUPP;
}
