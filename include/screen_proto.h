/* SPDX-License-Identifier: MIT */
/*
 * What seatmuxd asks of seatmux-screen, the unprivileged helper that
 * paints a screen the broker shows on a station taken from its session:
 * one request of fixed size on the helper's stdin (a pipe), the seat's
 * DRM cards as fds 3 onwards, each already DRM master; one byte back on
 * its stdout (a pipe) once the screen is on the heads.
 *
 * SCREEN_PROJECT shows another station's heads instead: its card comes
 * after the seat's (not master: its session draws on it), the helper
 * keeps CAP_SYS_ADMIN to read its framebuffer (the kernel hands another
 * client's framebuffer to root or its master only), and the title is the
 * source station's name.
 *
 * A card split between stations by DRM leases is the seat's only on the
 * connectors its lease holds: that card's fd is seatmuxd's own lessor fd
 * (master of the whole card, shared: the kernel cannot take master from
 * a lessee, so the seat's lease cannot be lent), and the helper drives
 * exactly the outputs listed (each connector on the CRTC and plane its
 * lease holds) and commits synchronously (its events would be anyone's
 * who reads that fd). That fd is more than the helper needs (it could
 * touch other leases' heads, or read their framebuffers): the helper's
 * own code keeps to the list, and its uid of its own and dropped
 * capabilities keep it from anything beyond the card. A projection's
 * source is read from its listed connectors only.
 */
#ifndef SEATMUX_SCREEN_PROTO_H
#define SEATMUX_SCREEN_PROTO_H

#include <stdint.h>

#define SCREEN_PROTO_TITLE 128
#define SCREEN_PROTO_BODY 1024
#define SCREEN_PROTO_MAX_CARDS 4
#define SCREEN_PROTO_FIRST_CARD 3
#define SCREEN_PROTO_MAX_OUTPUTS 8

enum screen_look {
	SCREEN_IDENTIFY = 1,	/* the station's name, large */
	SCREEN_MESSAGE = 2,	/* a message for the station's user */
	SCREEN_BLOCK = 3,	/* blocked, with the teacher's message */
	SCREEN_PROJECT = 4,	/* another station's picture, live */
	SCREEN_MAP = 5,		/* a head waiting for its keyboard: a letter */
	SCREEN_WATCHED = 6,	/* the user told the station is watched from afar */
};

/* Background colours (0xRRGGBB): tests tell the screens apart by them. */
#define SCREEN_IDENTIFY_COLOR 0x1c3a7a
#define SCREEN_MESSAGE_COLOR 0x1c5a3a
#define SCREEN_BLOCK_COLOR 0x7a1c1c
#define SCREEN_MAP_COLOR 0x5a3a8a
#define SCREEN_WATCHED_COLOR 0x8a5a14
/* The frame around a watched RDP station's picture, all the while
 * (drivers/rdp/frame_mark.h), and its width in pixels. */
#define SCREEN_WATCHED_FRAME_COLOR 0xf0a020
#define SCREEN_WATCHED_FRAME_WIDTH 6
#define SCREEN_TEXT_COLOR 0xffffff

/* A connector and the CRTC and primary plane to drive it with (KMS ids). */
struct screen_output {
	uint32_t connector, crtc, plane;
};

/* The heads of one card that are the seat's. */
struct screen_heads {
	uint32_t shared;	/* the fd is the lessor's, seatmuxd's too */
	uint32_t noutputs;	/* 0: every connected connector, any CRTC */
	struct screen_output outputs[SCREEN_PROTO_MAX_OUTPUTS];
};

/* Both strings NUL-terminated UTF-8 within their arrays. */
struct screen_request {
	uint32_t look;
	uint32_t ncards;
	char title[SCREEN_PROTO_TITLE];
	char body[SCREEN_PROTO_BODY];
	struct screen_heads cards[SCREEN_PROTO_MAX_CARDS];
	struct screen_heads source;	/* SCREEN_PROJECT's */
};

#endif
