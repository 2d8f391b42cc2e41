/* SPDX-License-Identifier: MIT */
/*
 * Screens the broker draws on a station: identify, message, block, and
 * the notice that it is watched or controlled from afar. The
 * station is taken from its session as a VT switch takes it (seats_take:
 * its compositor lets go of the devices, input stops reaching it), the
 * screen is painted on the seat's heads by seatmux-screen, a helper of
 * its own uid holding the cards' DRM master, and the station is given
 * back (seats_give_back) when the screen ends. The session runs on
 * meanwhile and draws again when it gets its devices back.
 *
 * A projection shows another station's heads the same way: its painter
 * reads the source's scanout (fb_read.h) whatever draws it.
 *
 * A leased connector's station (a card split between seats) is taken
 * the same way, but its compositor keeps its lease (the kernel cannot
 * take master from a lessee, and a revoked lease is not given back): it
 * stops drawing on disable_seat, the painter draws on the seat's
 * connectors alone through seatmuxd's lessor fd, and the seat is given
 * back once that painter is gone (screens_cards.h).
 *
 * A block holds until it is lifted: across a restart of seatmuxd, the
 * station's session restarting, and its station going away and coming
 * back while its seat is kept (a remote one reconnecting); it ends with
 * the seat, so that a remote station's name handed to someone else later
 * comes unblocked. Identify and message end after their time; a station
 * blocked shows its block again then. Calls go one way:
 * screens call seats, never the reverse.
 */
#ifndef SEATMUX_SCREENS_H
#define SEATMUX_SCREENS_H

#include <stdbool.h>
#include <stdio.h>

#include "screen_proto.h"

struct broker;
struct state;

#define SCREENS_TEXT_MAX SCREEN_PROTO_BODY	/* bytes with the NUL */
#define SCREENS_MAX_SECONDS 3600

/* 0, or -ENOENT (no such station), -EINVAL (text too long), -EBUSY (its
 * keyboard is being mapped: screens_map_letter). */
int screens_block(struct broker *b, const char *seat, const char *message);
/* 0, or -ENOENT (no such station), -EALREADY (it is not blocked). */
int screens_unblock(struct broker *b, const char *seat);
/* SCREEN_IDENTIFY, SCREEN_MESSAGE or SCREEN_WATCHED for seconds (1 to
 * SCREENS_MAX_SECONDS); errors as screens_block's. */
int screens_show(struct broker *b, const char *seat, enum screen_look look,
		 const char *text, unsigned seconds);
/* Whether seat has an identify, message or watched screen still to show
 * or showing (its session gets the station back after it). */
bool screens_transient(struct broker *b, const char *seat);
/*
 * Shows source's heads on every target (NULL: on every other station a
 * screen can take), live, until screens_unproject; a target's identify
 * or message shows over it, its block comes back after it. The number
 * of stations it shows on, or -errno with *bad the station at fault:
 * -ENOENT (no such station), -ELOOP (the source among the targets),
 * -EOPNOTSUPP (the source has no head to read). With one target wrong, nothing is
 * projected.
 */
int screens_project(struct broker *b, const char *source, const char *const *targets,
		    const char **bad);
/* Ends the projections of source (NULL: all of them): how many ended,
 * or -ENOENT (no such station), -EALREADY (it is projected nowhere). */
int screens_unproject(struct broker *b, const char *source);
/*
 * A head waiting for its keyboard shows letter (station_map.h), over a
 * projection, under an identify or a message; 0 puts it away. 0, or as
 * screens_block, -EBUSY meaning the station is blocked (the letter would
 * lift the block's screen).
 */
int screens_map_letter(struct broker *b, const char *seat, char letter);
/* The station projected on seat, or NULL. */
const char *screens_projected(struct broker *b, const char *seat);
/* The message of a block on seat, or NULL if it is not blocked. */
const char *screens_blocked(struct broker *b, const char *seat);

/* From the main loop after every dispatch: every station shows what it
 * should (a seat that appeared is taken, a seat nobody draws on is
 * given back, a helper that died is started again after a pause). */
void screens_sync(struct broker *b);

/* Across a restart: blocks go in the state file; the next seatmuxd
 * takes them back (screens_restore, before screens_sync) and paints
 * them again. screens_release ends the painters and leaves the seats
 * taken; screens_finish ends everything and gives every seat back. */
void screens_save(struct broker *b, FILE *f);
void screens_restore(struct broker *b, struct state *st);
void screens_release(struct broker *b);
void screens_finish(struct broker *b);

#endif
