// SPDX-License-Identifier: MIT
/*
 * Taking control of a station (control/station_control.h) over the bus. polkit
 * decides once, when control is taken (org.seatmux.control); after that
 * the taker's connection alone may send input or let go, without a
 * polkit round trip a keystroke: its unique name is its proof, as a
 * logind session's is.
 *
 * TakeControl answers once the station's session holds both devices, so
 * that the first key sent is not lost on a device nobody reads yet; or,
 * if it takes none (no session, a login screen that reads no pointer),
 * after TAKE_WAIT_MS.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "api_internal.h"
#include "broker.h"
#include "station_control.h"
#include "control_rules.h"
#include "log.h"
#include "polkit.h"
#include "seats.h"

static int not_controlled(sd_bus_message *m, const char *id)
{
	return sd_bus_reply_method_errorf(m, "org.seatmux.Error.NotControlled",
					  "you do not control '%s': take control first (control "
					  "goes to whoever takes it last, and after %d minutes "
					  "unused)", id, CONTROL_IDLE_MS / 60000);
}

#define TAKE_WAIT_MS 3000
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

int api_control_start(struct api *a)
{
	/* Asynchronously, as the rest: the bus may still be starting. */
	return sd_bus_match_signal_async(a->bus, NULL, "org.freedesktop.DBus",
					 "/org/freedesktop/DBus", "org.freedesktop.DBus",
					 "NameOwnerChanged", on_owner_changed, NULL, a);
}

/* A taker that left before its control was made (its NameOwnerChanged
 * came first) is found by asking the bus who owns its name: nobody. */
struct owner_check {
	struct api *a;
	char name[];
};

static int on_owner_checked(sd_bus_message *reply, void *data, sd_bus_error *err)
{
	struct owner_check *oc = data;

	if (sd_bus_message_is_method_error(reply, NULL))
		station_control_drop_owner(oc->a->controls, oc->name);
	return 0;
}

static void check_owner(struct api *a, const char *name)
{
	struct owner_check *oc = malloc(sizeof(*oc) + strlen(name) + 1);
	sd_bus_slot *slot = NULL;

	if (!oc)
		return;
	oc->a = a;
	strcpy(oc->name, name);
	if (sd_bus_call_method_async(a->bus, &slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
				     "org.freedesktop.DBus", "GetNameOwner", on_owner_checked, oc,
				     "s", name) < 0) {
		free(oc);
		return;
	}
	/* The bus frees it, and oc with it, once answered or closed. */
	sd_bus_slot_set_destroy_callback(slot, free);
	sd_bus_slot_set_floating(slot, 1);
	sd_bus_slot_unref(slot);
}

/* A TakeControl call waiting for the session to take the devices. */
struct take {
	struct list link;	/* api->takes */
	struct api *a;
	sd_bus_message *m;
	struct loop_source *timer;
	char seat[SEAT_PROTO_MAX_SEAT];
	uint64_t until_ms;
};

static bool taken_up(struct take *t)
{
	dev_t devs[2];

	if (station_control_devices(t->a->controls, t->seat, devs) < 0)
		return true;	/* gone already: nothing to wait for */
	return devs[0] && devs[1] && seats_device_held(t->a->b, t->seat, devs[0]) &&
	       seats_device_held(t->a->b, t->seat, devs[1]);
}

static void take_answer(struct take *t)
{
	sd_bus_reply_method_return(t->m, "");
	sd_bus_message_unref(t->m);
	loop_remove(t->timer);
	list_remove(&t->link);
	free(t);
}

static void take_poll(void *data, uint32_t events)
{
	struct take *t = data;
	bool up = taken_up(t);

	(void)events;
	if (!up && loop_now_ms() < t->until_ms) {
		loop_timer_arm(t->timer, TAKE_POLL_MS);
		return;
	}
	if (!up)
		log_info("control: %s: its session took no keyboard and pointer of ours in "
			 "%d ms", t->seat, TAKE_WAIT_MS);
	take_answer(t);
}

void api_control_finish(struct api *a)
{
	struct take *t, *tmp;

	list_for_each(t, tmp, &a->takes, link)
		take_answer(t);
}

static int takes_waiting(struct api *a)
{
	struct take *t, *tmp;
	int n = 0;

	list_for_each(t, tmp, &a->takes, link)
		n++;
	return n;
}

static int take_allowed(sd_bus_message *m, void *data)
{
	struct api *a = data;
	struct seat *seat;
	struct take *t;
	int r;

	sd_bus_message_rewind(m, true);
	seat = api_named_station(a, m, &r);
	if (!seat)
		return r;
	r = station_control_take(a->controls, seat->name, sd_bus_message_get_sender(m));
	if (r < 0)
		return sd_bus_reply_method_errno(m, -r, NULL);
	check_owner(a, sd_bus_message_get_sender(m));
	/* Nobody waits for the answer, or too many wait already. */
	if (!sd_bus_message_get_expect_reply(m) || takes_waiting(a) >= TAKES_MAX)
		return sd_bus_reply_method_return(m, "");
	t = calloc(1, sizeof(*t));
	if (!t)
		return sd_bus_reply_method_errno(m, ENOMEM, NULL);
	t->a = a;
	t->m = sd_bus_message_ref(m);
	snprintf(t->seat, sizeof(t->seat), "%s", seat->name);
	t->until_ms = loop_now_ms() + TAKE_WAIT_MS;
	t->timer = loop_add_timer(a->b->loop, take_poll, t);
	if (!t->timer) {
		sd_bus_message_unref(t->m);
		free(t);
		return sd_bus_reply_method_return(m, "");
	}
	list_insert(&a->takes, &t->link);
	take_poll(t, 0);
	return 0;
}

int api_method_take_control(sd_bus_message *m, void *data, sd_bus_error *err)
{
	return polkit_check(m, "org.seatmux.control", take_allowed, data);
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
		station_control_drop_seat(a->controls, id);
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
