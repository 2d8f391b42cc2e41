/* SPDX-License-Identifier: MIT */
/*
 * A station opened large, over a WebSocket (RFC 6455, framed by wslay):
 * its picture, fitted to the view's size, is taken again as soon as the
 * last one is sent, and only the tiles that changed go to the browser,
 * joined into rectangles (tiles.h); the teacher's input (events as seatmuxctl input takes
 * them, a text message each) comes back the same way. One thread a
 * stream, with the session's bridge, until the browser closes it, the
 * session ends, or the bridge breaks.
 *
 * A binary message is one picture's change, little-endian: width and
 * height (16 bits each), the number of pieces (16 bits), then each
 * piece's x, y, w, h (16 bits each), its PNG's length (32 bits) and the
 * PNG. A
 * text message from the server is an error in JSON ({"status", "error"}:
 * 409 when input comes without control, as /api/input says it).
 */
#ifndef SEATMUX_DASHBOARD_STREAM_H
#define SEATMUX_DASHBOARD_STREAM_H

#include <microhttpd.h>

#include "http.h"
#include "websession.h"

/* The handshake's answer to the client's Sec-WebSocket-Key: out holds
 * 29 bytes. 0, or -1 if the key is not 16 bytes in base64. */
int stream_accept_key(const char *key, char out[29]);
/*
 * What a stream is to be, kept in its request's context (http.c): MHD
 * frees that context whether or not the connection is ever switched, so
 * a connection that fails before the switch leaves nothing behind.
 */
struct stream_want {
	struct dashboard *d;
	char session[WEBSESSION_HEX + 1];
	char id[WEBSESSION_STATION_MAX + 1];
};

/* Answers conn 101 with accept, and streams station id to it once the
 * connection is switched (want, in the request's context, says what),
 * holding a reference to s's session meanwhile. */
enum MHD_Result stream_start(struct dashboard *d, struct MHD_Connection *conn,
			     struct websession *s, const char *id, const char *accept,
			     struct stream_want *want);

#endif
