/* SPDX-License-Identifier: MIT */
/*
 * What the room's interface shows of a station: a snapshot of its seat,
 * taken without I/O, so that what changed between two snapshots is a
 * plain comparison (and a unit test needs no bus).
 */
#ifndef SEATMUX_STATION_VIEW_H
#define SEATMUX_STATION_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "account.h"
#include "protocol.h"
#include "station_names.h"

struct broker;
struct seat;

#define STATION_VIEW_TEXT 64

struct station_view {
	char id[SEAT_PROTO_MAX_SEAT];	/* the seat's name: never changes */
	char name[STATION_NAME_MAX];	/* what the room calls it (Rename) */
	const char *kind;		/* "local", "rdp", "usbip" */
	char user[ACCOUNT_NAME_MAX];	/* of the running session, or "" */
	uint32_t uid;			/* of that user; (uint32_t)-1: none */
	uint32_t pid;			/* the session's leader, or 0 */
	const char *state;		/* "none", "running", "stopping", "waiting" */
	const char *session_class;	/* "user", "greeter" (its login screen), or "" */
	char logind[STATION_VIEW_TEXT];	/* logind's id for the session, or "" */
	char address[STATION_VIEW_TEXT];	/* a remote user's, or "" */
	bool blocked;			/* a block screen holds it (screens.h) */
	char projected_from[SEAT_PROTO_MAX_SEAT];	/* shows this station, or "" */
	uint64_t devices;		/* a fingerprint of its devices (Devices) */
	/* What its head shows, as an id: the same while its kind vouches
	 * the head unchanged (station_kind.h's still_since), another after;
	 * 0 while none does. It changes as the head does: not signalled. */
	uint64_t picture;
};

void station_view_of(struct broker *b, const struct seat *seat, struct station_view *v);
/* Whether what a client sees of the station differs. */
bool station_view_differs(const struct station_view *a, const struct station_view *b);
/* The kind's name as the interface says it. */
const char *station_view_kind(const char *kind_name);

#endif
