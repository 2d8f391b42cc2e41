/* SPDX-License-Identifier: MIT */
/*
 * Kinds of station (a physical head, an RDP connection, a USB/IP zero
 * client) behind one set of operations, as libseat's backends are. A
 * seat asks the kind its head comes from and knows none by name; a kind
 * calls the seats (seats_session_start/stop), never the other way.
 */
#ifndef SEATMUX_STATION_KIND_H
#define SEATMUX_STATION_KIND_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "devices.h"

struct broker;
struct session_spec;

/* What a seat's login screen tells the seat's kind. */
enum greeter_event {
	GREETER_LOGGED_ON,	/* user authenticated: may their session start there? */
	GREETER_FAILED,		/* a logon failed (user as typed) */
	GREETER_BACK,		/* the greeter runs again: nobody is logged on (user NULL) */
};

struct station_kind {
	const char *name;
	enum device_origin origin;	/* the heads it makes stations of */
	/* 0, or -1 on an error that must stop seatmuxd; a kind that merely
	 * cannot serve here logs why, cleans up and returns 0. */
	int (*start)(struct broker *b);
	void (*stop)(struct broker *b);
	/* Whether head (of the kind's origin) makes a station now. */
	bool (*wants_head)(struct broker *b, const struct device *head);
	/* Logs why head makes no station. */
	void (*leave_alone)(struct broker *b, const struct device *head);
	/* The session a new seat of the kind runs: the configuration's, or
	 * one a station made for it; NULL: none. */
	const struct session_spec *(*session_spec)(struct broker *b, const char *seat);
	/* Whether seat outlives its last head while its station is away. */
	bool (*keeps_seat)(struct broker *b, const char *seat);
	/* Across a restart (optional): what the state file must say of the
	 * kind's stations and helpers; and, instead of stop when seatmuxd
	 * goes for a restart, letting go of them, left running. A kind's
	 * start takes back what b->restored holds of it. */
	void (*save)(struct broker *b, FILE *f);
	void (*release)(struct broker *b);
	/* SIGHUP (optional): b->cfg was read again; the kind's stations
	 * follow their sections, unchanged ones untouched. */
	void (*reload)(struct broker *b);
	/* For the room's interface (optional): where seat's remote user is
	 * connected from ("" if nobody is); and logging that user off, when
	 * it means more than the seat's session starting again. */
	void (*address)(struct broker *b, const char *seat, char *out, size_t size);
	void (*log_off)(struct broker *b, const char *seat);
	/* Also for the room (optional), in a kind that draws its stations'
	 * pictures itself: seat is watched from afar for ms more (0: no
	 * longer), and its pictures are to show it that long. */
	void (*watched)(struct broker *b, const char *seat, unsigned ms);
	/* Also for the room (optional), in a kind that sees its stations'
	 * heads change (RDP's sinks, from the head's every update; USB/IP's
	 * links, from what a display is sent; head_looks.h): look,
	 * just before a picture of seat is read, has the kind watch for
	 * changes, and gives that look's token (0: it cannot); unchanged
	 * says whether seat's head is known not to have changed since the
	 * look of that token. A head that did not change is not read again. */
	unsigned (*look)(struct broker *b, const char *seat);
	bool (*unchanged)(struct broker *b, const char *seat, unsigned since);
	/* With those: the token of the look since which seat's head is
	 * known unchanged, for picture-max-age at most (0: it is not), so
	 * that the room's viewers need not even ask for its picture. */
	unsigned (*still_since)(struct broker *b, const char *seat);
	/* A login screen's word (optional). For GREETER_LOGGED_ON, 0 lets
	 * the user's session start, 1 says the kind took the user to a
	 * session of theirs elsewhere (nothing starts), -1 refuses it;
	 * otherwise 0. A remote kind holds its station for that user,
	 * applies its own rules (a group), and counts failures against the
	 * connection's address. */
	int (*greeter_event)(struct broker *b, const char *seat, enum greeter_event ev,
			     const char *user);
	/*
	 * Roaming (optional; seat_roam.c). A kind whose stations it makes
	 * itself (RDP's) holds sessions left without a station: adopt makes
	 * a station of the kind for seat's session, user's, which goes on
	 * meanwhile (0, or -errno); let_go gives the seat's station up when
	 * the session has another, the session left running; away says
	 * whether its user disconnected from it; disconnect ends the
	 * connection, keeping the station (0, or -EALREADY). A kind without
	 * let_go whose stations' devices udev's rules may move to another
	 * seat (their seat rules give each its home, roam_rules.h) says so
	 * in moves_by_rules; a kind with neither does not roam.
	 */
	bool moves_by_rules;
	int (*adopt)(struct broker *b, const char *seat, const char *user);
	void (*let_go)(struct broker *b, const char *seat);
	bool (*away)(struct broker *b, const char *seat);
	int (*disconnect)(struct broker *b, const char *seat);
};

extern const struct station_kind physical_station_kind;
extern const struct station_kind rdp_station_kind;
extern const struct station_kind usbip_station_kind;

#endif
