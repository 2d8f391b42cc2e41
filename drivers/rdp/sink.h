/* SPDX-License-Identifier: MIT */
/*
 * The RDP side of a remote station, for one connection: FreeRDP's server
 * peer over an accepted socket, TLS only, the client's credentials handed
 * to a logon callback (the broker decides), then frames out and input in.
 * Input comes out as evdev codes and head coordinates; frames go in as
 * XRGB8888 pixels with their damaged rectangles.
 */
#ifndef SEATMUX_RDP_SINK_H
#define SEATMUX_RDP_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "damage.h"

struct rdp_sink;

struct rdp_sink_ops {
	/* The client logged on: accept (true) or refuse the connection. */
	bool (*logon)(void *data, const char *user, const char *password,
		      int width, int height, uint32_t keyboard_layout);
	/* The client is ready for frames at width x height. */
	void (*activated)(void *data, int width, int height);
	void (*key)(void *data, unsigned evdev_code, bool down);
	void (*motion)(void *data, int x, int y);
	void (*button)(void *data, unsigned evdev_button, bool down);
	void (*wheel)(void *data, bool horizontal, int clicks);
	/* The client wants everything again (refresh, output unsuppressed). */
	void (*refresh)(void *data);
};

struct rdp_sink_config {
	const char *certificate_pem;
	const char *key_pem;
	int max_frames_in_flight;
};

struct rdp_sink *rdp_sink_new(int fd, const struct rdp_sink_config *cfg,
			      const struct rdp_sink_ops *ops, void *data);
void rdp_sink_free(struct rdp_sink *sink);
/* Fds to poll for reading (up to max); the count. */
int rdp_sink_fds(struct rdp_sink *sink, int *fds, int max);
/* Reads and handles what arrived; false once the connection is gone. */
bool rdp_sink_dispatch(struct rdp_sink *sink);
/* Activated, not suppressed, and few enough frames unacknowledged. */
bool rdp_sink_can_send(struct rdp_sink *sink);
/* Output is waiting for the socket: poll has to come back to drain it. */
bool rdp_sink_write_blocked(struct rdp_sink *sink);
/* The codec frames go in: "RemoteFX" or "raw". */
const char *rdp_sink_codec(const struct rdp_sink *sink);
/* Sends the rectangles of pixels (XRGB8888, stride in bytes) as a frame. */
bool rdp_sink_send(struct rdp_sink *sink, const uint32_t *pixels, int stride,
		   const struct damage_rect *rects, int n);

#endif
