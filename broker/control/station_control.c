// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/input-event-codes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "station_control.h"
#include "broker.h"
#include "config.h"
#include "control_rules.h"
#include "devices.h"
#include "fdstore.h"
#include "list.h"
#include "log.h"
#include "loop.h"
#include "seat_proto.h"
#include "state.h"
#include "vinput.h"

/* How often idle controls, and keys held without input, are looked for. */
#define SWEEP_MS 5000
/* Keys and buttons held this long without any input are let go: the
 * station's session repeats a held key, and a controller that went away
 * between a press and its release would leave it repeating. */
#define STUCK_MS 10000
/* The codes a control may hold down: keys and buttons (control_rules.h). */
#define DOWN_CODES 512
/* A control let go keeps its devices this long: events written just
 * before are still queued in them, and a device destroyed before the
 * session read them takes them along (under emulation a busy session
 * took over 50 ms to read). Whoever takes the seat meanwhile gets the
 * same devices back, with nothing for the session to open again. */
#define LEAVE_MS 2000

struct control {
	struct list link;
	char seat[SEAT_PROTO_MAX_SEAT];
	char owner[CONTROL_OWNER_MAX + 1];
	uid_t uid;		/* the owner's, when it took control */
	struct vinput *input;
	int x, y;		/* the pointer's position, sent at a frame's end */
	bool moved;
	uint64_t used_ms;
	uint64_t leave_ms;	/* let go: its devices go then (0: held) */
	uint64_t down[DOWN_CODES / 64];	/* keys and buttons pressed, not released */
	bool any_down;
	bool kept;		/* its fds are in systemd's store: it is saved */
};

struct controls {
	struct list list;
	struct loop_source *sweeper;
	struct devices *devs;
	struct broker *b;	/* told when what the state file records changed */
};

/* The fd store's names of a control's keyboard and pointer: 0, or -1
 * (then both ""). */
static int kept_names(const struct control *c, char *kbd, char *ptr)
{
	if (fdstore_name(kbd, FDSTORE_NAME_MAX, "control/%s/keyboard", c->seat) == 0 &&
	    fdstore_name(ptr, FDSTORE_NAME_MAX, "control/%s/pointer", c->seat) == 0)
		return 0;
	*kbd = *ptr = '\0';
	return -1;
}

/* Its devices outlive seatmuxd, so that its session keeps them, and its
 * owner its control, across a restart. */
static void keep(struct controls *ctls, struct control *c)
{
	char kbd[FDSTORE_NAME_MAX], ptr[FDSTORE_NAME_MAX];

	kept_names(c, kbd, ptr);
	c->kept = devices_keep_input(c->input, kbd, ptr) == 0;
	if (!c->kept)
		log_warn("control: %s: its keyboard and pointer are not kept across a restart",
			 c->seat);
	broker_changed(ctls->b);
}

static struct control *find(struct controls *ctls, const char *seat)
{
	struct control *c, *tmp;

	list_for_each(c, tmp, &ctls->list, link)
		if (!strcmp(c->seat, seat))
			return c;
	return NULL;
}

/* The seat's control if owner holds it. */
static struct control *held(struct controls *ctls, const char *seat, const char *owner)
{
	struct control *c = find(ctls, seat);

	return c && !c->leave_ms && !strcmp(c->owner, owner) ? c : NULL;
}

static void mark(struct control *c, unsigned code, bool down)
{
	if (down)
		c->down[code / 64] |= 1ull << (code % 64);
	else
		c->down[code / 64] &= ~(1ull << (code % 64));
	c->any_down = false;
	for (size_t i = 0; i < sizeof(c->down) / sizeof(c->down[0]) && !c->any_down; i++)
		c->any_down = c->down[i] != 0;
}

/* Every key and button held goes up, as its controller would have let
 * it: before another takes over, and when one stopped sending. */
static void let_go_all(struct control *c)
{
	for (unsigned code = 0; code < DOWN_CODES && c->any_down; code++) {
		if (!(c->down[code / 64] & (1ull << (code % 64))))
			continue;
		if (control_event_classify(EV_KEY, code, 0) == CONTROL_BUTTON)
			vinput_button(c->input, code, false);
		else
			vinput_key(c->input, code, false);
		mark(c, code, false);
	}
	c->any_down = false;
}

static void drop(struct controls *ctls, struct control *c, const char *why)
{
	char kbd[FDSTORE_NAME_MAX], ptr[FDSTORE_NAME_MAX];

	log_info("control: %s: its keyboard and pointer go (%s)", c->seat, why);
	kept_names(c, kbd, ptr);
	list_remove(&c->link);
	devices_destroy_input(ctls->devs, c->input, kbd, ptr);
	free(c);
	broker_changed(ctls->b);
}

/* The sweeper comes back when the next control let go is due, or for
 * the next look at idle ones; it sleeps while there is none. */
static void arm(struct controls *ctls, uint64_t now)
{
	uint64_t next = SWEEP_MS;
	struct control *c, *tmp;

	list_for_each(c, tmp, &ctls->list, link) {
		if (!c->leave_ms)
			continue;
		if (c->leave_ms <= now)
			next = 1;
		else if (c->leave_ms - now < next)
			next = c->leave_ms - now;
	}
	loop_timer_arm(ctls->sweeper, list_empty(&ctls->list) ? 0 : (int)next);
}

/* Its owner is done with it: nobody sends through it any more, and its
 * devices go after LEAVE_MS, with every key it held up. */
static void let_go(struct controls *ctls, struct control *c, const char *why)
{
	uint64_t now = loop_now_ms();

	log_info("control: %s: let go (%s)", c->seat, why);
	let_go_all(c);
	c->leave_ms = now + LEAVE_MS;
	arm(ctls, now);
	broker_changed(ctls->b);	/* nobody's: not taken back after a restart */
}

static void sweep(void *data, uint32_t events)
{
	struct controls *ctls = data;
	uint64_t now = loop_now_ms();
	struct control *c, *tmp;

	(void)events;
	list_for_each(c, tmp, &ctls->list, link) {
		if (c->leave_ms) {
			if (now >= c->leave_ms)
				drop(ctls, c, "let go");
		} else if (now - c->used_ms >= CONTROL_IDLE_MS) {
			drop(ctls, c, "unused");
		} else if (c->any_down && now - c->used_ms >= STUCK_MS) {
			log_info("control: %s: keys held %d s without input let go", c->seat,
				 STUCK_MS / 1000);
			let_go_all(c);
		}
	}
	arm(ctls, now);
}

struct controls *station_controls_create(struct broker *b)
{
	struct controls *ctls = calloc(1, sizeof(*ctls));

	if (!ctls)
		return NULL;
	list_init(&ctls->list);
	ctls->b = b;
	ctls->devs = &b->devices;
	ctls->sweeper = loop_add_timer(b->loop, sweep, ctls);
	if (!ctls->sweeper) {
		free(ctls);
		return NULL;
	}
	return ctls;
}

void station_controls_destroy(struct controls *ctls, bool restarting)
{
	struct control *c, *tmp;

	if (!ctls)
		return;
	list_for_each(c, tmp, &ctls->list, link) {
		if (restarting && !c->leave_ms && c->kept) {
			/* Left in systemd's store for the next seatmuxd, with
			 * nothing held down: the session repeats a held key
			 * all the while nobody sends. */
			let_go_all(c);
			list_remove(&c->link);
			devices_disown_input(ctls->devs, c->input);
			vinput_release(c->input);
			free(c);
		} else {
			drop(ctls, c, "seatmuxd stops");
		}
	}
	loop_remove(ctls->sweeper);
	free(ctls);
}

void station_controls_save(struct controls *ctls, FILE *f)
{
	struct control *c, *tmp;

	list_for_each(c, tmp, &ctls->list, link) {
		char uid[16];

		if (c->leave_ms || !c->kept)
			continue;
		snprintf(uid, sizeof(uid), "%u", (unsigned)c->uid);
		state_put(f, "control", c->seat, c->owner, uid, (char *)NULL);
	}
}

/* Every key and button goes up: which of them its controller held when
 * the last seatmuxd stopped is not known, and the kernel passes on only
 * the release of one that is down. */
static void let_go_unknown(struct control *c)
{
	for (unsigned code = 1; code < DOWN_CODES; code++) {
		int kind = control_event_classify(EV_KEY, code, 0);

		if (kind == CONTROL_BUTTON)
			vinput_button(c->input, code, false);
		else if (kind == CONTROL_KEY)
			vinput_key(c->input, code, false);
	}
}

/* A D-Bus unique name (":1.42"): what the bus gave a taker, and all
 * a record may name, since the state file is read as untrusted. */
static bool unique_name_ok(const char *name)
{
	bool dot = false;

	if (name[0] != ':' || !name[1] || strlen(name) > CONTROL_OWNER_MAX)
		return false;
	for (const char *p = name + 1; *p; p++) {
		if (*p == '.')
			dot = true;
		else if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
			 !(*p >= '0' && *p <= '9') && *p != '_' && *p != '-')
			return false;
	}
	return dot;
}

/* One "control SEAT OWNER UID" record, with its two fds: taken back, or
 * its devices gone (and out of systemd's store: kept, a next control of
 * the seat would be kept beside them under the same names). */
static void restore_one(struct controls *ctls, struct state *st, const struct state_record *r)
{
	char kbd[FDSTORE_NAME_MAX], ptr[FDSTORE_NAME_MAX];
	struct control *c;
	long long uid;

	if (r->argc != 4 || !config_valid_seat_name(r->argv[1]) ||
	    strlen(r->argv[1]) >= sizeof(c->seat) || !unique_name_ok(r->argv[2]) ||
	    state_number(r, 3, 0, UINT32_MAX - 1, &uid) < 0 || find(ctls, r->argv[1])) {
		log_warn("restart: a control record of the last seatmuxd is not valid: ignored");
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	snprintf(c->seat, sizeof(c->seat), "%s", r->argv[1]);
	snprintf(c->owner, sizeof(c->owner), "%s", r->argv[2]);
	c->uid = (uid_t)uid;
	if (kept_names(c, kbd, ptr) < 0) {
		free(c);
		return;
	}
	c->input = devices_adopt_input(ctls->devs, &st->fds, kbd, ptr, true);
	if (!c->input) {
		log_warn("restart: the control of %s cannot be taken back: its keyboard and "
			 "pointer go", c->seat);
		free(c);
		return;
	}
	let_go_unknown(c);
	c->kept = true;
	c->used_ms = loop_now_ms();
	list_insert(&ctls->list, &c->link);
	arm(ctls, c->used_ms);
	log_info("restart: control of %s taken back for %s", c->seat, c->owner);
}

void station_controls_restore(struct controls *ctls, struct state *st)
{
	struct state_record *r;

	while ((r = state_take(st, "control", (char *)NULL)))
		restore_one(ctls, st, r);
}

void station_controls_each(struct controls *ctls,
			   void (*fn)(void *data, const char *seat, const char *owner, uid_t uid),
			   void *data)
{
	struct control *c, *tmp;

	list_for_each(c, tmp, &ctls->list, link)
		if (!c->leave_ms)
			fn(data, c->seat, c->owner, c->uid);
}

int station_control_take(struct controls *ctls, const char *seat, const char *owner, uid_t uid)
{
	struct control *c = find(ctls, seat);
	int rc;

	if (strlen(seat) >= sizeof(c->seat) || strlen(owner) >= sizeof(c->owner))
		return -ENAMETOOLONG;
	if (c) {
		bool same = !strcmp(c->owner, owner);

		if (!same) {
			log_info("control: %s: %s takes over from %s%s", seat, owner, c->owner,
				 c->leave_ms ? ", who let go a moment ago" : "");
			let_go_all(c);
		}
		snprintf(c->owner, sizeof(c->owner), "%s", owner);
		c->uid = uid;
		c->leave_ms = 0;
		c->used_ms = loop_now_ms();
		broker_changed(ctls->b);
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	snprintf(c->seat, sizeof(c->seat), "%s", seat);
	snprintf(c->owner, sizeof(c->owner), "%s", owner);
	c->uid = uid;
	/* The pointer's range is the rules', not the head's: a controller
	 * need not know the station's size. */
	c->input = vinput_create_at("control", seat, CONTROL_ABS_MAX + 1, CONTROL_ABS_MAX + 1);
	rc = c->input ? devices_own_input(ctls->devs, c->input) : -errno;
	if (rc < 0) {
		vinput_destroy(c->input);
		free(c);
		return rc;
	}
	c->used_ms = loop_now_ms();
	list_insert(&ctls->list, &c->link);
	arm(ctls, c->used_ms);
	keep(ctls, c);
	log_info("control: %s: a keyboard and pointer for %s (%s, %s)", seat, owner,
		 vinput_keyboard_node(c->input), vinput_pointer_node(c->input));
	return 0;
}

bool station_control_taken(struct controls *ctls, const char *seat)
{
	struct control *c = find(ctls, seat);

	return c && !c->leave_ms;
}

bool station_control_holds(struct controls *ctls, const char *seat, const char *owner)
{
	struct control *c = find(ctls, seat);

	return c && !strcmp(c->owner, owner);
}

int station_control_devices(struct controls *ctls, const char *seat, dev_t out[2])
{
	struct control *c = find(ctls, seat);

	if (!c)
		return -ENOENT;
	if (vinput_devnums(c->input, out) < 0)
		out[0] = out[1] = 0;
	return 0;
}

void station_control_drop_owner(struct controls *ctls, const char *owner)
{
	struct control *c, *tmp;

	list_for_each(c, tmp, &ctls->list, link)
		if (!c->leave_ms && !strcmp(c->owner, owner))
			let_go(ctls, c, "its controller left");
}

void station_control_drop_seat(struct controls *ctls, const char *seat, const char *why)
{
	struct control *c = find(ctls, seat);

	if (c)
		drop(ctls, c, why);
}

int station_control_release(struct controls *ctls, const char *seat, const char *owner)
{
	struct control *c = held(ctls, seat, owner);

	if (!c)
		return -ENOENT;
	let_go(ctls, c, "released");
	return 0;
}

static int flush_move(struct control *c)
{
	if (!c->moved)
		return 0;
	c->moved = false;
	return vinput_move(c->input, c->x, c->y);
}

static int send_one(struct control *c, int kind, const struct control_input *ev)
{
	int rc;

	if (kind == CONTROL_KEY) {
		rc = vinput_key(c->input, ev->code, ev->value);
		if (rc == 0)
			mark(c, ev->code, ev->value);
		return rc;
	}
	if (kind == CONTROL_ABS_X || kind == CONTROL_ABS_Y) {
		*(kind == CONTROL_ABS_X ? &c->x : &c->y) = ev->value;
		c->moved = true;
		return 0;
	}
	/* A click or a wheel where the pointer is now, not where it was. */
	rc = flush_move(c);
	if (rc < 0 || kind == CONTROL_SYN)
		return rc;
	if (kind == CONTROL_BUTTON) {
		rc = vinput_button(c->input, ev->code, ev->value);
		if (rc == 0)
			mark(c, ev->code, ev->value);
		return rc;
	}
	return vinput_wheel(c->input, kind == CONTROL_HWHEEL, ev->value);
}

int station_control_send(struct controls *ctls, const char *seat, const char *owner,
		 const struct control_input *ev, int n, int *bad)
{
	signed char kind[CONTROL_EVENTS_MAX];
	struct control *c;
	int rc = 0;

	if (n > CONTROL_EVENTS_MAX)
		return -E2BIG;
	for (int i = 0; i < n; i++) {
		int k = control_event_classify(ev[i].type, ev[i].code, ev[i].value);

		if (k < 0) {
			*bad = i;
			return -EINVAL;
		}
		kind[i] = (signed char)k;
	}
	c = held(ctls, seat, owner);
	if (!c)
		return -ENOENT;
	c->used_ms = loop_now_ms();
	for (int i = 0; i < n && rc == 0; i++)
		rc = send_one(c, kind[i], &ev[i]);
	return rc < 0 ? rc : flush_move(c);
}
