// SPDX-License-Identifier: MIT
/*
 * Taking control of a station (control/station_control.h) over the bus. polkit
 * decides once, when control is taken (org.seatmux.control); after that
 * the taker's connection alone may send input or let go, without a
 * polkit round trip a keystroke: its unique name is its proof, as a
 * logind session's is.
 *
 * A new taker is announced on the station first: its user sees for
 * NOTICE_SECONDS that the screen is watched and controlled (a screen the
 * broker draws, whatever the station's kind and compositor), unless the
 * station said it is watched less than TOLD_MS ago (a viewer opening it
 * large calls Watch, and takes control from there): each notice takes
 * the station from its session for a while. The devices are made once
 * the station is its session's again, and TakeControl answers once the
 * session holds both, so that the first key or click sent is not lost on
 * a device nobody reads yet; or, if it takes none (no session, a login
 * screen that reads no pointer), TAKE_WAIT_MS later.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "api_internal.h"
#include "broker.h"
#include "station_control.h"
#include "station_watch.h"
#include "control_rules.h"
#include "log.h"
#include "polkit.h"
#include "screens.h"
#include "seats.h"

static int not_controlled(sd_bus_message *m, const char *id)
{
	return sd_bus_reply_method_errorf(m, "org.seatmux.Error.NotControlled",
					  "you do not control '%s': take control first (control "
					  "goes to whoever takes it last, and after %d minutes "
					  "unused)", id, CONTROL_IDLE_MS / 60000);
}

#define TAKE_WAIT_MS 3000
#define NOTICE_SECONDS 3
/* From the notice's asking to its end and the station given back. */
#define NOTICE_WAIT_MS (NOTICE_SECONDS * 1000 + 2000)
/* A station told it is watched is not told again for control so soon. */
#define TOLD_MS 60000

/* A station told it is watched, and when. */
struct told {
	struct list link;	/* api->told */
	uint64_t at_ms;
	char seat[SEAT_PROTO_MAX_SEAT];
};

/* The station's entry in a->told, those past TOLD_MS gone first. */
static struct told *told_find(struct api *a, const char *seat)
{
	uint64_t now = loop_now_ms();
	struct told *t, *tmp, *found = NULL;

	list_for_each(t, tmp, &a->told, link) {
		if (now - t->at_ms >= TOLD_MS) {
			list_remove(&t->link);
			free(t);
		} else if (!strcmp(t->seat, seat)) {
			found = t;
		}
	}
	return found;
}

static void told_now(struct api *a, const char *seat)
{
	struct told *t = told_find(a, seat);

	if (!t && strlen(seat) < sizeof(t->seat) && (t = calloc(1, sizeof(*t)))) {
		snprintf(t->seat, sizeof(t->seat), "%s", seat);
		list_insert(&a->told, &t->link);
	}
	if (t)
		t->at_ms = loop_now_ms();
}
#define TAKE_POLL_MS 50
/* TakeControl calls waiting at once; more are answered without waiting. */
#define TAKES_MAX 16

/* A name leaving the bus lets go of what it held. */
static int on_owner_changed(sd_bus_message *m, void *data, sd_bus_error *err)
{
	struct api *a = data;
	const char *name, *was, *now;

	if (sd_bus_message_read(m, "sss", &name, &was, &now) >= 0 && name[0] == ':' && !now[0])
		station_control_drop_owner(a->controls, name);
	return 0;
}

/* A taker that left before its control was made (its NameOwnerChanged
 * came first), or while seatmuxd restarted, is found by asking the bus
 * whose its name is: nobody's. So is one whose name is another user's
 * now: a bus daemon started again gives its names out afresh. */
struct owner_check {
	struct api *a;
	uid_t uid;
	char name[];
};

static int on_owner_checked(sd_bus_message *reply, void *data, sd_bus_error *err)
{
	struct owner_check *oc = data;
	uint32_t uid;

	/* Not on a timeout or a broken bus: the owner may well be there. */
	if (sd_bus_message_is_method_error(reply, "org.freedesktop.DBus.Error.NameHasNoOwner")) {
		station_control_drop_owner(oc->a->controls, oc->name);
	} else if (!sd_bus_message_is_method_error(reply, NULL) &&
		   sd_bus_message_read(reply, "u", &uid) >= 0 && (uid_t)uid != oc->uid) {
		log_warn("control: %s is another user's now: what it held is let go", oc->name);
		station_control_drop_owner(oc->a->controls, oc->name);
	}
	return 0;
}

static void check_owner(struct api *a, const char *name, uid_t uid)
{
	struct owner_check *oc = malloc(sizeof(*oc) + strlen(name) + 1);
	sd_bus_slot *slot = NULL;

	if (!oc)
		return;
	oc->a = a;
	oc->uid = uid;
	strcpy(oc->name, name);
	if (sd_bus_call_method_async(a->bus, &slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
				     "org.freedesktop.DBus", "GetConnectionUnixUser",
				     on_owner_checked, oc, "s", name) < 0) {
		/* Not known to be there: nobody would let go of it. */
		station_control_drop_owner(a->controls, name);
		free(oc);
		return;
	}
	/* The bus frees it, and oc with it, once answered or closed. */
	sd_bus_slot_set_destroy_callback(slot, free);
	sd_bus_slot_set_floating(slot, 1);
	sd_bus_slot_unref(slot);
}

/* A control taken back after a restart: its station must have come
 * back too, and its owner still be there; it keeps the station watched. */
static void control_restored(void *data, const char *seat, const char *owner, uid_t uid)
{
	struct api *a = data;

	if (!seats_find(a->b, seat)) {
		station_control_drop_seat(a->controls, seat, "its station did not come back");
		return;
	}
	check_owner(a, owner, uid);
	station_watch_controlled(a->b->watch, seat);
}

int api_control_start(struct api *a)
{
	/* Asynchronously, as the rest: the bus may still be starting. */
	int r = sd_bus_match_signal_async(a->bus, NULL, "org.freedesktop.DBus",
					  "/org/freedesktop/DBus", "org.freedesktop.DBus",
					  "NameOwnerChanged", on_owner_changed, NULL, a);

	if (r >= 0)
		station_controls_each(a->controls, control_restored, a);
	return r;
}

/* A TakeControl call under way: the station first shows its notice and
 * is given back, then the devices are made, then its session takes them. */
struct take {
	struct list link;	/* api->takes */
	struct api *a;
	sd_bus_message *m;	/* NULL: nobody waits for the answer */
	struct loop_source *timer;
	char seat[SEAT_PROTO_MAX_SEAT];
	char owner[CONTROL_OWNER_MAX + 1];
	uint64_t until_ms;
	uid_t uid;		/* the owner's */
	bool made;		/* the control is the owner's: its devices are made */
};

static void take_free(struct take *t)
{
	sd_bus_message_unref(t->m);
	loop_remove(t->timer);
	list_remove(&t->link);
	free(t);
}

static void take_answer(struct take *t, int err)
{
	if (t->m && err)
		sd_bus_reply_method_errno(t->m, err, NULL);
	else if (t->m)
		sd_bus_reply_method_return(t->m, "");
	take_free(t);
}

/*
 * The station is its session's (no notice or other screen of the broker's
 * on it). Devices made while it is taken would be opened by its
 * compositor only among everything it reopens when given it back; made
 * after, they come to a running session as any plugged device does, and
 * the answer waits for it to take them.
 */
static bool station_free(struct take *t)
{
	struct seat *seat = seats_find(t->a->b, t->seat);

	return !screens_transient(t->a->b, t->seat) && (!seat || !seat->taken);
}

static bool taken_up(struct take *t)
{
	dev_t devs[2];

	if (station_control_devices(t->a->controls, t->seat, devs) < 0)
		return true;	/* gone already: nothing to wait for */
	return devs[0] && devs[1] && seats_device_held(t->a->b, t->seat, devs[0]) &&
	       seats_device_held(t->a->b, t->seat, devs[1]);
}

/* The control is made the owner's: 0, or -errno. */
static int take_make(struct take *t)
{
	int r = station_control_take(t->a->controls, t->seat, t->owner, t->uid);

	if (r < 0)
		return r;
	t->made = true;
	t->until_ms = loop_now_ms() + TAKE_WAIT_MS;
	check_owner(t->a, t->owner, t->uid);
	station_watch_controlled(t->a->b->watch, t->seat);
	return 0;
}

static void take_poll(void *data, uint32_t events)
{
	struct take *t = data;
	uint64_t now = loop_now_ms();
	int r;

	(void)events;
	if (!t->made && !seats_find(t->a->b, t->seat)) {	/* it went during the notice */
		if (t->m)
			api_no_such_station(t->m, t->seat);
		take_free(t);
		return;
	}
	if (!t->made && (station_free(t) || now >= t->until_ms)) {
		if (!station_free(t))
			log_info("control: %s: its devices are made while the station is "
				 "taken from its session", t->seat);
		r = take_make(t);
		if (r < 0) {
			take_answer(t, -r);
			return;
		}
	}
	if (t->made && (taken_up(t) || now >= t->until_ms)) {
		if (!taken_up(t))
			log_info("control: %s: its session took no keyboard and pointer of "
				 "ours in %d ms", t->seat, TAKE_WAIT_MS);
		take_answer(t, 0);
		return;
	}
	loop_timer_arm(t->timer, TAKE_POLL_MS);
}

void api_control_finish(struct api *a)
{
	struct take *t, *tmp;
	struct told *w, *wtmp;

	list_for_each(t, tmp, &a->takes, link)
		take_answer(t, 0);
	list_for_each(w, wtmp, &a->told, link) {
		list_remove(&w->link);
		free(w);
	}
}

static int takes_waiting(struct api *a)
{
	struct take *t, *tmp;
	int n = 0;

	list_for_each(t, tmp, &a->takes, link)
		n++;
	return n;
}

/* The station's user is told that someone watches (and controls) it. A
 * station that cannot show it now (its keyboard being mapped) is not
 * kept from being watched: the log says so. */
static bool announce(struct api *a, const char *seat, bool control)
{
	int r = screens_show(a->b, seat, SCREEN_WATCHED, control ?
			     "and controlled: someone else's keyboard and pointer work on it "
			     "beside yours" : "by the room's teacher or administrator",
			     NOTICE_SECONDS);

	if (r < 0)
		log_info("control: %s: its user cannot be told it is %s now (%s)", seat,
			 control ? "controlled" : "watched", strerror(-r));
	else
		told_now(a, seat);
	return r == 0;
}

static int take_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	const char *owner = sd_bus_message_get_sender(m);
	sd_bus_creds *creds = NULL;
	struct seat *seat;
	struct take *t;
	uid_t uid;
	int r;

	sd_bus_message_rewind(m, true);
	seat = api_named_station(a, m, &r);
	if (!seat)
		return r;
	r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
	if (r >= 0)
		r = sd_bus_creds_get_euid(creds, &uid);
	sd_bus_creds_unref(creds);
	if (r < 0)
		return sd_bus_reply_method_errno(m, -r, NULL);
	if (strlen(seat->name) >= sizeof(t->seat) || strlen(owner) >= sizeof(t->owner))
		return sd_bus_reply_method_errno(m, ENAMETOOLONG, NULL);
	if (takes_waiting(a) >= TAKES_MAX)
		return sd_bus_reply_method_errorf(m, "org.seatmux.Error.Busy",
						  "%d takings of control are under way: try again",
						  TAKES_MAX);
	t = calloc(1, sizeof(*t));
	if (!t)
		return sd_bus_reply_method_errno(m, ENOMEM, NULL);
	t->a = a;
	t->m = sd_bus_message_get_expect_reply(m) ? sd_bus_message_ref(m) : NULL;
	snprintf(t->seat, sizeof(t->seat), "%s", seat->name);
	snprintf(t->owner, sizeof(t->owner), "%s", owner);
	t->uid = uid;
	t->until_ms = loop_now_ms() + TAKE_WAIT_MS;
	t->timer = loop_add_timer(a->b->loop, take_poll, t);
	if (!t->timer) {
		sd_bus_message_unref(t->m);
		free(t);
		return sd_bus_reply_method_errno(m, ENOMEM, NULL);
	}
	list_insert(&a->takes, &t->link);
	/* A new taker is announced first, unless the station said it is
	 * watched a moment ago. Whoever held it loses it now, devices and
	 * all: the station is taken for the notice (see station_free). */
	if (!station_control_holds(a->controls, t->seat, owner) && !told_find(a, t->seat) &&
	    announce(a, t->seat, true)) {
		station_control_drop_seat(a->controls, t->seat, "taken over");
		t->until_ms = loop_now_ms() + NOTICE_WAIT_MS;
	}
	take_poll(t, 0);
	return 0;
}

int api_method_take_control(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.control", take_allowed, data);
}

static int watch_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	struct seat *seat;
	int r;

	sd_bus_message_rewind(m, true);
	seat = api_named_station(a, m, &r);
	if (!seat)
		return r;
	/* Told when watching starts, not at each call of a viewer that
	 * goes on watching (station_watch.h), nor again after a restart. */
	if (station_watch_hold(a->b->watch, seat->name)) {
		log_info("control: %s: watched from afar", seat->name);
		announce(a, seat->name, false);
	}
	return sd_bus_reply_method_return(m, "");
}

/* Whoever may look at a station may watch it; what Watch adds is that
 * its user is told, and that an RDP station's picture is framed. */
int api_method_watch(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.observe", watch_allowed, data);
}

int api_method_release_control(sd_bus_message *m, void *data, sd_bus_error *err)
{
	struct api *a = data;
	const char *id;
	int r = sd_bus_message_read(m, "s", &id);

	if (r < 0)
		return r;
	if (station_control_release(a->controls, id, sd_bus_message_get_sender(m)) < 0)
		return not_controlled(m, id);
	return sd_bus_reply_method_return(m, "");
}

/* The call's events, at most one more than allowed: their count, or a
 * reading error. */
static int read_events(sd_bus_message *m, struct control_input *ev, int max)
{
	int n = 0, r;

	r = sd_bus_message_enter_container(m, 'a', "(qqi)");
	while (r >= 0 && n < max) {
		r = sd_bus_message_read(m, "(qqi)", &ev[n].type, &ev[n].code, &ev[n].value);
		if (r <= 0)
			break;
		n++;
	}
	return r < 0 ? r : n;
}

int api_method_send_input(sd_bus_message *m, void *data, sd_bus_error *err)
{
	struct control_input ev[CONTROL_EVENTS_MAX + 1];
	struct api *a = data;
	const char *id;
	int r, n, bad = 0;

	r = sd_bus_message_read(m, "s", &id);
	if (r < 0)
		return r;
	if (!seats_find(a->b, id)) {
		station_control_drop_seat(a->controls, id, "the station went");
		return api_no_such_station(m, id);
	}
	n = read_events(m, ev, CONTROL_EVENTS_MAX + 1);
	if (n < 0)
		return n;
	r = station_control_send(a->controls, id, sd_bus_message_get_sender(m), ev, n, &bad);
	switch (r) {
	case 0:
		return sd_bus_reply_method_return(m, "");
	case -E2BIG:
		return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_INVALID_ARGS,
						  "at most %d events a call", CONTROL_EVENTS_MAX);
	case -EINVAL:
		return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_INVALID_ARGS,
						  "event %d (type %u, code %u, value %d) is no key, "
						  "button, position or wheel a controller may send",
						  bad, ev[bad].type, ev[bad].code, ev[bad].value);
	case -ENOENT:
		return not_controlled(m, id);
	default:
		log_warn("control: %s: input not sent: %s", id, strerror(-r));
		return sd_bus_reply_method_errno(m, -r, NULL);
	}
}
