/* SPDX-License-Identifier: MIT */
/*
 * The names a room knows its stations by ("Front row 1"), given by an
 * administrator and kept across reboots in one file (state.h's format:
 * "name SEAT TEXT"), apart from the seat ids that udev rules, sockets
 * and the state use, which never change. A station without a name of
 * its own is called by its seat id.
 */
#ifndef SEATMUX_STATION_NAMES_H
#define SEATMUX_STATION_NAMES_H

#include <stdbool.h>

#include "seat_proto.h"

#define STATION_NAME_MAX 64	/* bytes with the NUL */

struct station_name {
	char seat[SEAT_PROTO_MAX_SEAT];
	char name[STATION_NAME_MAX];
};

struct station_names {
	struct station_name *v;
	int n;
	char path[256];
	bool unreadable;	/* its file was there but would not load */
};

/* Reads path (none there: no names): 0, or -1 with why (no names). */
int station_names_load(struct station_names *names, const char *path, char *why,
		       size_t size);
/* seat's name, or seat itself. */
const char *station_names_get(const struct station_names *names, const char *seat);
/* 1 to STATION_NAME_MAX - 1 bytes, no control characters. Pure. */
bool station_name_valid(const char *name);
/* Names seat ("" gives it its seat id back) and writes the file: 0, or
 * -EINVAL (an invalid name), -ENOMEM, -EIO (the file could not be
 * written, or could not be read at start: writing it would lose the
 * names it holds; nothing changed). */
int station_names_set(struct station_names *names, const char *seat, const char *name);
void station_names_free(struct station_names *names);

#endif
