/* SPDX-License-Identifier: MIT */
/*
 * Taking control of a station from afar, as a teacher at the dashboard
 * does: a keyboard and an absolute pointer of the broker's (uinput, named
 * "seatmux control keyboard" and "... pointer", their phys the seat's
 * name), which udev seats by that name (73-seatmux-control.rules). The
 * station's session takes them as it takes any device that comes to its
 * seat, whatever its compositor and whatever the station's kind, and its
 * own keyboard and mouse keep working beside them.
 *
 * A control is its taker's (an owner: a D-Bus caller's unique name), who
 * alone sends through it or lets it go, until it leaves the bus; whoever
 * takes it next takes it over, with every key the last one held let go.
 * A control let go keeps its devices a moment, so that what was sent
 * last is read before they go. A control nobody uses for CONTROL_IDLE_MS
 * goes by itself: a dashboard that vanished leaves no device behind for
 * long. A control held outlives a restart of seatmuxd: its devices stay
 * in systemd's store (its session keeps them), and its owner in the state
 * file (the bus keeps the owner's connection, and with it its name).
 * Errors are -errno.
 */
#ifndef SEATMUX_STATION_CONTROL_H
#define SEATMUX_STATION_CONTROL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define CONTROL_IDLE_MS (5 * 60 * 1000)

struct broker;
struct controls;
struct state;

/* An event as evdev has it (linux/input.h's type, code, value). */
struct control_input {
	uint16_t type, code;
	int32_t value;
};

/* NULL on ENOMEM. The devices made are the broker's own
 * (devices_own_input): udev's seat for them holds. */
struct controls *station_controls_create(struct broker *b);
/* Every control's devices go (a session sees them unplugged); when
 * seatmuxd restarts, those held are left to the next one. */
void station_controls_destroy(struct controls *ctls, bool restarting);
/* A "control SEAT OWNER UID" record for each control held. */
void station_controls_save(struct controls *ctls, FILE *f);
/* The controls the last seatmuxd held, taken back with their devices
 * (their keys and buttons let go). Their owners may have left the bus
 * meanwhile: station_controls_each names them, to be asked after. */
void station_controls_restore(struct controls *ctls, struct state *st);
/* fn for each control held, with its owner's uid (fn may drop that one). */
void station_controls_each(struct controls *ctls,
			   void (*fn)(void *data, const char *seat, const char *owner, uid_t uid),
			   void *data);
/* The largest owner's name (D-Bus's limit on a name). */
#define CONTROL_OWNER_MAX 255

/* The seat's devices, owner's now (made if there are none yet, taken
 * from another owner if there are): 0, or -errno (-ENAMETOOLONG: a seat
 * or owner name too long). */
int station_control_take(struct controls *ctls, const char *seat, const char *owner, uid_t uid);
/* Whether anyone holds the seat's control (not let go). */
bool station_control_taken(struct controls *ctls, const char *seat);
/* Whether owner holds the seat's control, or let go of it a moment ago. */
bool station_control_holds(struct controls *ctls, const char *seat, const char *owner);
/* The seat's keyboard's and pointer's device numbers: 0, or -ENOENT. */
int station_control_devices(struct controls *ctls, const char *seat, dev_t out[2]);
/* owner left the bus: whatever it held goes. */
void station_control_drop_owner(struct controls *ctls, const char *owner);
/* The seat's control goes, devices and all, now (why is logged): the
 * station went (a new station of its name is nobody's to control yet),
 * or a new taker is announced on it. */
void station_control_drop_seat(struct controls *ctls, const char *seat, const char *why);
/* 0, or -ENOENT if owner does not hold the seat. */
int station_control_release(struct controls *ctls, const char *seat, const char *owner);
/* Sends n events to the seat's devices: every one is checked first
 * (control_rules.h) and none is sent unless all are good: -EINVAL with
 * *bad the first bad one's index; -E2BIG over CONTROL_EVENTS_MAX;
 * -ENOENT if owner does not hold the seat; else 0 or a write's error. */
int station_control_send(struct controls *ctls, const char *seat, const char *owner,
		 const struct control_input *ev, int n, int *bad);

#endif
