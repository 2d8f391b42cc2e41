// SPDX-License-Identifier: MIT
/*
 * FreeRDP's encoders do the coding. RemoteFX cuts its own messages to
 * the size limit (rfx_encode_messages_ex); raw pixels get pieces from
 * damage.c sized to it, bottom-up, as codec "none" wants them.
 *
 * No NSCodec: Debian 12's FreeRDP 2 client (since 2.11.7+dfsg1-6~deb12u2,
 * the fix of CVE-2026-31806) takes an NSCodec bitmap only at the top left
 * corner of its screen (it checks the bitmap's place against the size of
 * the bitmap itself, which its gdi passes for the screen's) and drops the
 * connection at any other. Damage is never all there: a client that
 * offers NSCodec and not RemoteFX gets raw pixels.
 */
#include <stdlib.h>
#include <string.h>

#include <freerdp/codec/color.h>
#include <freerdp/codec/rfx.h>
#include <freerdp/freerdp.h>
#include <freerdp/update.h>
#include <winpr/stream.h>

#include "encode.h"
#include "tile_diff.h"

#define MAX_PIECES 4096
#define MESSAGE_OVERHEAD 64
#define RFX_BATCH_TILES 32

struct rdp_encoder {
	enum rdp_codec codec;
	uint16_t codec_id;
	int width, height;
	size_t max_request;
	RFX_CONTEXT *rfx;
	wStream *stream;
	uint8_t *scratch;
	size_t scratch_size;
	struct damage_rect pieces[MAX_PIECES];
	RFX_RECT rfx_rects[MAX_PIECES];
};

const char *rdp_codec_name(enum rdp_codec codec)
{
	return codec == RDP_CODEC_RFX ? "RemoteFX" : "raw";
}

struct rdp_encoder *rdp_encoder_new(enum rdp_codec codec, uint16_t codec_id, int width,
				    int height, size_t max_request)
{
	struct rdp_encoder *enc = calloc(1, sizeof(*enc));

	if (!enc)
		return NULL;
	enc->codec = codec;
	enc->codec_id = codec_id;
	enc->width = width;
	enc->height = height;
	enc->max_request = max_request;
	if (codec == RDP_CODEC_RFX) {
		/* RemoteFX's messages are written here; raw rows go as they are. */
		enc->stream = Stream_New(NULL, 65536);
		enc->rfx = enc->stream ? rfx_context_new(TRUE) : NULL;
		if (!enc->rfx)
			goto err;
		enc->rfx->mode = RLGR3;
		rfx_context_set_pixel_format(enc->rfx, PIXEL_FORMAT_BGRX32);
		if (!rfx_context_reset(enc->rfx, (UINT32)width, (UINT32)height))
			goto err;
	}
	return enc;
err:
	rdp_encoder_free(enc);
	return NULL;
}

void rdp_encoder_free(struct rdp_encoder *enc)
{
	if (!enc)
		return;
	if (enc->rfx)
		rfx_context_free(enc->rfx);
	if (enc->stream)
		Stream_Free(enc->stream, TRUE);
	free(enc->scratch);
	free(enc);
}

enum rdp_codec rdp_encoder_codec(const struct rdp_encoder *enc)
{
	return enc->codec;
}

static bool submit(rdpUpdate *update, SURFACE_BITS_COMMAND *cmd)
{
	return update->SurfaceBits(update->context, cmd);
}

/* The RemoteFX tiles a rectangle touches. */
static int rfx_tiles(const struct damage_rect *r)
{
	return ((r->x + r->w - 1) / TILE_SIZE - r->x / TILE_SIZE + 1) *
	       ((r->y + r->h - 1) / TILE_SIZE - r->y / TILE_SIZE + 1);
}

/* One call of FreeRDP's encoder: rects of at most RFX_BATCH_TILES tiles. */
static bool send_rfx_batch(struct rdp_encoder *enc, rdpUpdate *update, const uint32_t *pixels,
			   int stride, const struct damage_rect *rects, int n)
{
	size_t count = 0;
	RFX_MESSAGE *msgs;
	bool ok = true;

	for (int i = 0; i < n; i++)
		enc->rfx_rects[i] = (RFX_RECT){ (UINT16)rects[i].x, (UINT16)rects[i].y,
						(UINT16)rects[i].w, (UINT16)rects[i].h };
	msgs = rfx_encode_messages_ex(enc->rfx, enc->rfx_rects, (size_t)n, (const BYTE *)pixels,
				      (UINT32)enc->width, (UINT32)enc->height, (UINT32)stride,
				      &count, enc->max_request - MESSAGE_OVERHEAD);
	if (!msgs)
		return false;
	for (size_t i = 0; i < count; i++) {
		SURFACE_BITS_COMMAND cmd = { 0 };

		Stream_SetPosition(enc->stream, 0);
		if (ok && rfx_write_message(enc->rfx, enc->stream, &msgs[i])) {
			cmd.cmdType = CMDTYPE_STREAM_SURFACE_BITS;
			cmd.destRight = (UINT32)enc->width;
			cmd.destBottom = (UINT32)enc->height;
			cmd.bmp.bpp = 32;
			cmd.bmp.codecID = enc->codec_id;
			cmd.bmp.width = (UINT16)enc->width;
			cmd.bmp.height = (UINT16)enc->height;
			cmd.bmp.bitmapDataLength = (UINT32)Stream_GetPosition(enc->stream);
			cmd.bmp.bitmapData = Stream_Buffer(enc->stream);
			/* RLGR output does not shrink under bulk compression, which
			 * would cost CPU a byte and fill a 2 MB history. */
			cmd.skipCompression = TRUE;
			ok = submit(update, &cmd);
		} else {
			ok = false;
		}
		rfx_message_free(enc->rfx, &msgs[i]);
	}
	if (count)
		free(msgs[0].rects);
	free(msgs);
	return ok;
}

/*
 * FreeRDP keeps every tile buffer it ever used (25 KB each): a whole
 * 1080p frame at once would keep 12 MB for good. Frames go in batches of
 * at most RFX_BATCH_TILES tiles, several RemoteFX messages of one frame;
 * a wider rectangle (tile_diff's runs are one tile row: 30 tiles at
 * 1080p) is a batch of its own.
 */
static bool send_rfx(struct rdp_encoder *enc, rdpUpdate *update, const uint32_t *pixels,
		     int stride, const struct damage_rect *rects, int n)
{
	int start = 0, tiles = 0;

	if (n > MAX_PIECES)
		n = MAX_PIECES;
	for (int i = 0; i < n; i++) {
		int t = rfx_tiles(&rects[i]);

		if (i > start && tiles + t > RFX_BATCH_TILES) {
			if (!send_rfx_batch(enc, update, pixels, stride, rects + start, i - start))
				return false;
			start = i;
			tiles = 0;
		}
		tiles += t;
	}
	return send_rfx_batch(enc, update, pixels, stride, rects + start, n - start);
}

static bool scratch(struct rdp_encoder *enc, size_t size)
{
	uint8_t *p;

	if (size <= enc->scratch_size)
		return true;
	p = realloc(enc->scratch, size);
	if (!p)
		return false;
	enc->scratch = p;
	enc->scratch_size = size;
	return true;
}

static bool send_piece(struct rdp_encoder *enc, rdpUpdate *update, const uint32_t *pixels,
		       int stride, const struct damage_rect *r)
{
	const uint8_t *top = (const uint8_t *)pixels + (size_t)r->y * (size_t)stride + (size_t)r->x * 4;
	SURFACE_BITS_COMMAND cmd = { 0 };
	size_t row = (size_t)r->w * 4;

	cmd.destLeft = (UINT32)r->x;
	cmd.destTop = (UINT32)r->y;
	cmd.destRight = (UINT32)(r->x + r->w);
	cmd.destBottom = (UINT32)(r->y + r->h);
	cmd.bmp.bpp = 32;
	cmd.bmp.width = (UINT16)r->w;
	cmd.bmp.height = (UINT16)r->h;
	if (!scratch(enc, row * (size_t)r->h))
		return false;
	for (int y = 0; y < r->h; y++)
		memcpy(enc->scratch + (size_t)(r->h - 1 - y) * row, top + (size_t)y * (size_t)stride, row);
	cmd.cmdType = CMDTYPE_STREAM_SURFACE_BITS;
	cmd.bmp.codecID = RDP_CODEC_ID_NONE;
	cmd.bmp.bitmapDataLength = (UINT32)(row * (size_t)r->h);
	cmd.bmp.bitmapData = enc->scratch;
	return submit(update, &cmd);
}

bool rdp_encoder_send(struct rdp_encoder *enc, void *update_ptr, const uint32_t *pixels,
		      int stride, const struct damage_rect *rects, int n)
{
	rdpUpdate *update = update_ptr;
	struct damage_limits lim = {
		.max_bytes = enc->max_request,
		.overhead = MESSAGE_OVERHEAD,
		.bytes_per_pixel = 4,
		.align = 1,
		.width = enc->width,
		.height = enc->height,
	};
	int count;

	if (enc->codec == RDP_CODEC_RFX)
		return send_rfx(enc, update, pixels, stride, rects, n);
	count = damage_split(rects, n, &lim, enc->pieces, MAX_PIECES);
	if (count < 0)
		return false;
	for (int i = 0; i < count; i++)
		if (!send_piece(enc, update, pixels, stride, &enc->pieces[i]))
			return false;
	return true;
}
