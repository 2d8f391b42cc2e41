/* SPDX-License-Identifier: MIT */
/*
 * Seats: made from the device registry (a seat exists while it has a
 * master-of-seat card), each with its own libseat socket and session.
 */
#ifndef SEATMUX_SEATS_H
#define SEATMUX_SEATS_H

#include <stdio.h>
#include <sys/types.h>

#include "account.h"
#include "broker.h"
#include "session.h"

struct station_kind;

#define SEAT_MAX_CLIENTS 8

struct seat {
	struct list link;
	struct broker *broker;
	const struct station_kind *kind;	/* of the head that made it */
	char name[SEAT_PROTO_MAX_SEAT];
	int masters;
	int listen_fd;
	struct loop_source *listen_src;
	char socket_path[108];
	struct list clients;
	struct session session;
	/* Taken from its session by the broker (seats_take): its clients are
	 * disabled, and new ones start so, until it is given back. */
	bool taken;
	/* A login screen's seat: greetd's IPC for its greeter (seat_greeter.c). */
	struct greeter *greeter;
	/*
	 * Its user picked the session up at a station of this kind
	 * (seat_roam.c), whose devices are on their way: the first of its
	 * heads to come makes the seat that station's, and the station it
	 * had leaves (the kind lets go of it, or its devices go to a seat
	 * of their own). What the seat runs next is then arriving_spec
	 * (a logon's), or the new kind's. If the session is no longer
	 * roaming_user's then, or nothing came in time, the new station
	 * goes back (its devices to where they were: moved_home's to
	 * moved_back).
	 */
	const struct station_kind *arriving;
	struct session_spec arriving_spec;
	bool has_arriving_spec;
	char leaving[SEAT_PROTO_MAX_SEAT];	/* the home of the devices it has */
	char roaming_user[ACCOUNT_NAME_MAX];
	char moved_home[SEAT_PROTO_MAX_SEAT];	/* "": the kind makes the station */
	char moved_back[SEAT_PROTO_MAX_SEAT];
	struct loop_source *arrival_timer;
};

void seats_device_added(struct broker *b, struct device *dev);
void seats_device_removed(struct broker *b, struct device *dev);
struct seat *seats_find(struct broker *b, const char *name);
/* Whether a client of the seat named holds the device (opened, not
 * revoked): its session took it. */
bool seats_device_held(struct broker *b, const char *name, dev_t devnum);
/* The name the room knows the seat's station by: its sessions' SEATMUX_STATION
 * from their next start. */
void seat_set_station_name(struct seat *seat, const char *name);
/* Revokes everything and stops every session: shutdown. */
void seats_destroy_all(struct broker *b);
/* The configuration was reloaded: a seat whose session is now another
 * (or none) restarts it (or stops it); the others are not touched. */
void seats_reload(struct broker *b);
/*
 * A remote station changed hands or its user is gone: its session
 * (re)starts as the seat's configured user, or stops. Either way every
 * client of the session before is cut off first: a slot handed to a new
 * user starts with no old client connected.
 */
void seats_session_start(struct broker *b, const char *name,
			 const struct session_spec *spec);
void seats_session_stop(struct broker *b, const char *name);
/* Its user is logged off: the kind ends what it must (a remote
 * connection), or the seat's session starts again, as it does when it
 * ends by itself (its greeter or auto-logon comes back). */
void seats_log_off(struct broker *b, const char *name);
/* A program run in the seat's session (session_launch): its pid, or
 * -ENOENT (no such seat) or session_launch's errors. */
pid_t seats_launch(struct broker *b, const char *name, char *const *argv);

/*
 * Taking a seat from its session the way a VT switch does, for a screen
 * the broker draws (screens.h): every client is cut off its devices and
 * told to let go; giving it back tells them to carry on. The session
 * keeps running meanwhile. -ENOENT: no such seat. (A lessee cannot be
 * made to drop master: a leased head's compositor is trusted to stop
 * drawing, as every libseat compositor does; its input is revoked.)
 */
int seats_take(struct broker *b, const char *name);
/* What seats_take would say, without taking it. */
int seats_takeable(struct broker *b, const char *name);
void seats_give_back(struct broker *b, const char *name);

/* Across a restart: what the state file says of every seat, its session
 * and clients (seats_save); and, when seatmuxd goes for a restart, every
 * seat let go of with its session left running and its kept fds kept
 * (seats_release_all). A seat made while b->restored holds the last
 * seatmuxd's state takes its socket, session and clients back. */
void seats_save(struct broker *b, FILE *f);
void seats_release_all(struct broker *b);
/* Once the devices are enumerated after a restart: every device taken
 * back is still its seat's, or is revoked (client_check_devices). */
void seats_check_devices(struct broker *b);
/* A station whose seat outlived its head is gone for good (its section
 * removed): its seat goes with its session, unless a head holds it. */
void seats_station_gone(struct broker *b, const char *name);

/*
 * Sessions that follow their user (seat_roam.c). A user's session on a
 * seat may be picked up at another station: one they logged on at, at a
 * greeter (not a station's own auto-logon), or one a kind holds for them
 * (an RDP connection's). NULL: none but on seat but.
 */
struct seat *seats_roam_source(struct broker *b, const char *user, const struct seat *but);
/* Whether user's session on from may come to them now: 0, or -EBUSY (it
 * is in use at its station, and [broker] roaming = refuse). */
int seats_roam_allowed(struct broker *b, const struct seat *from, const char *user);
/* Whether that seat's station is away (its user disconnected): picking
 * the session up then takes it from nobody. */
bool seats_roam_away(struct broker *b, const struct seat *seat);
/*
 * A station of kind is on its way to the session of seat, user's: its
 * first head makes it the seat's station (the kind's own making, an RDP
 * station's say, whose devices udev gives that seat). 0, or -errno:
 * -ENOENT (no such seat), -EBUSY (a station is on its way already),
 * -EOPNOTSUPP (the station the seat has cannot leave it).
 */
int seats_roam_expect(struct broker *b, const char *seat, const struct station_kind *kind,
		      const char *user);
/* That station will not come (it could not be made): the seat keeps the
 * one it has. */
void seats_roam_cancel(struct broker *b, const char *seat);
/* Whether a station is on its way to seat's session. */
bool seats_roam_pending(struct broker *b, const char *seat);
/*
 * The devices of station (a greeter's seat: a physical head) go to the
 * session of seat to, user's, which spec runs next (its logon's). 0, or
 * -errno: -EOPNOTSUPP (station's devices cannot move), -EBUSY,
 * roam_move's.
 */
int seats_roam_here(struct broker *b, struct seat *station, struct seat *to, const char *user,
		    const struct session_spec *spec);
int seats_disconnect(struct broker *b, const char *seat);
/* At the start, once the devices are known: a move the last seatmuxd
 * made to a seat that no device made again (a USB/IP station away when
 * it went, a head unplugged) is dropped; its devices come home. */
void seats_roam_tidy(struct broker *b);
/* Every station's devices go home and every move under way is dropped:
 * a mode switch seats every device anew, and a move made before it
 * would take seat0's devices (every one, in console mode) elsewhere. */
void seats_roam_reset(struct broker *b);

#endif
