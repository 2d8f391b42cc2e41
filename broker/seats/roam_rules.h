/* SPDX-License-Identifier: MIT */
/*
 * Where each station's devices are, when a session followed its user:
 * the devices udev's seat rules give seat "home" are given seat "now"
 * instead, by a runtime rule. Pure bookkeeping and the rules' text, no
 * I/O (roam.c writes them and tells udev).
 */
#ifndef SEATMUX_ROAM_RULES_H
#define SEATMUX_ROAM_RULES_H

#include <stdio.h>

#include "seat_proto.h"

#define ROAM_MAX 64

struct roam_move {
	char home[SEAT_PROTO_MAX_SEAT];	/* what udev's seat rules say */
	char now[SEAT_PROTO_MAX_SEAT];	/* where the devices are */
};

struct roam_table {
	struct roam_move moves[ROAM_MAX];
	int n;
};

/* home's devices go to seat now (now == home: back where the rules put
 * them). Two homes may go to one seat for a while: a session's new
 * station comes in before its old one leaves. 0, or -EINVAL (not seat
 * names), -ENOSPC. */
int roam_table_set(struct roam_table *t, const char *home, const char *now);
/* Where home's devices are: now, or home itself. */
const char *roam_table_now(const struct roam_table *t, const char *home);
/* Whose devices seat holds: the home they came from, or seat itself. */
const char *roam_table_home(const struct roam_table *t, const char *seat);
/* The seat home's devices go to when its session stays without them:
 * "<home>-away" (cut to fit). */
void roam_away_name(const char *home, char *out, size_t size);
/* The rules: after systemd's seat rules and seatmuxd's stations' own. */
void roam_table_rules(const struct roam_table *t, FILE *f);

#endif
