/* SPDX-License-Identifier: MIT */
/*
 * greetd's IPC (greetd-ipc(7)) as both ends of it see the wire: each
 * message is a 32-bit length in native byte order, then that many bytes
 * of UTF-8 JSON. seatmuxd serves it (broker/greeter/), our greeter
 * speaks it (greeter/).
 */
#ifndef SEATMUX_GREETD_IPC_H
#define SEATMUX_GREETD_IPC_H

#define GREETD_MAX_MSG 16384	/* a message's JSON, at most */

/* What an auth_message asks: an answer shown as typed, an answer kept
 * secret, or nothing (a line to show). */
enum greetd_auth_type {
	GREETD_AUTH_VISIBLE,
	GREETD_AUTH_SECRET,
	GREETD_AUTH_INFO,
	GREETD_AUTH_ERROR,
};

#endif
