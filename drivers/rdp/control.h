/* SPDX-License-Identifier: MIT */
/*
 * The narrow channel between seatmuxd and an RDP sink: a SOCK_SEQPACKET
 * pair, one message a datagram. The broker gives the TLS identity; the
 * sink asks for a logon with what the client sent; the broker answers
 * with the station (its evdi card and, as fds, its keyboard and pointer)
 * or a refusal; later, in the same words, the station of the session a
 * user who logged on at the login screen has elsewhere; and, while the
 * station is watched from afar, for how much longer (the sink frames
 * what it sends, seatmuxd renews it). And for pictures of the station
 * (thumbnails): seatmuxd asks to be told when the head next changes, and
 * the sink, which sees every update of it, says so once. Nothing else
 * crosses: the broker is not on the frame or input path.
 */
#ifndef SEATMUX_RDP_CONTROL_H
#define SEATMUX_RDP_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#define CONTROL_MAX_MSG 16384
#define CONTROL_MAX_TEXT 256	/* user names and passwords, bytes */

enum control_type {
	CONTROL_TLS = 1,	/* broker -> sink: certificate and key, PEM */
	CONTROL_LOGON = 2,	/* sink -> broker: user, password, size, keyboard layout */
	CONTROL_ACCEPTED = 3,	/* broker -> sink: card number; fds: keyboard, pointer */
	CONTROL_REFUSED = 4,	/* broker -> sink: why */
	CONTROL_WATCHED = 5,	/* broker -> sink: watched for ms more (0: no longer) */
	CONTROL_LOOK = 6,	/* broker -> sink: say when the head next changes */
	CONTROL_CHANGED = 7,	/* sink -> broker: it changed (once a look) */
};

/* The longest a station is marked watched at one word. */
#define CONTROL_WATCHED_MAX_MS 60000

struct control_msg {
	enum control_type type;
	/* CONTROL_TLS */
	const char *cert, *key;
	/* CONTROL_LOGON */
	char user[CONTROL_MAX_TEXT + 1], password[CONTROL_MAX_TEXT + 1];
	int width, height;
	uint32_t layout;	/* Windows keyboard layout id, 0: unknown */
	/* CONTROL_ACCEPTED */
	int card;
	/* CONTROL_REFUSED */
	char reason[CONTROL_MAX_TEXT + 1];
	/* CONTROL_WATCHED */
	uint32_t watched_ms;
};

/* Encodes msg into buf; the length, or -1 if it does not fit. */
int control_encode(const struct control_msg *msg, uint8_t *buf, size_t size);
/* Decodes len bytes (TLS strings point into buf, which must be writable
 * and outlive msg); 0, or -1 for a malformed message. */
int control_decode(uint8_t *buf, size_t len, struct control_msg *msg);
/* One message with up to two fds; 0 or -errno. */
int control_send(int sock, const struct control_msg *msg, const int *fds, int nfds);
/* One message without fds that is said again and again (watched):
 * never waits, so a peer that does not read its end gets nothing more
 * (-EAGAIN) and holds nobody up. 0 or -errno. */
int control_notify(int sock, const struct control_msg *msg);
/* Blocks up to timeout_ms for one message and its fds (-1 where none);
 * buf of CONTROL_MAX_MSG bytes. 0, or -errno (-ETIMEDOUT, -ECONNRESET
 * for the peer's end, -EBADMSG for a malformed message, zero bytes with
 * fds or more than two fds included: then every fd that came is closed). */
int control_recv(int sock, uint8_t *buf, struct control_msg *msg, int fds[2], int timeout_ms);

#endif
