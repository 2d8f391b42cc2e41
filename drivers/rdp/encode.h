/* SPDX-License-Identifier: MIT */
/*
 * Frames for the wire in the best codec both sides have: RemoteFX (64x64
 * tiles, wavelet, what mstsc prefers) or raw pixels (encode.c: why not
 * NSCodec). Every message stays within the client's largest request.
 */
#ifndef SEATMUX_RDP_ENCODE_H
#define SEATMUX_RDP_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "damage.h"

struct rdp_encoder;
struct rdp_update;

enum rdp_codec {
	RDP_CODEC_RAW,
	RDP_CODEC_RFX,
};

/* What the connection negotiated; NULL without memory. */
struct rdp_encoder *rdp_encoder_new(enum rdp_codec codec, uint16_t codec_id, int width,
				    int height, size_t max_request);
void rdp_encoder_free(struct rdp_encoder *enc);
enum rdp_codec rdp_encoder_codec(const struct rdp_encoder *enc);
const char *rdp_codec_name(enum rdp_codec codec);

/* Sends rects of pixels (XRGB8888, stride in bytes, the whole head) as
 * surface bits commands through update (a FreeRDP rdpUpdate). */
bool rdp_encoder_send(struct rdp_encoder *enc, void *update, const uint32_t *pixels,
		      int stride, const struct damage_rect *rects, int n);

#endif
