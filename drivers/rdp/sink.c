// SPDX-License-Identifier: MIT
/*
 * FreeRDP drives the protocol; this file wires its peer callbacks to the
 * station. Frames are surface bits commands (encode.c: RemoteFX when the
 * client offers it, else raw) bracketed by frame markers and
 * counted by flow.c, so that a slow client gets fewer, newer frames.
 */
#include <linux/input-event-codes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <freerdp/freerdp.h>
#include <freerdp/peer.h>
#include <freerdp/settings.h>
#include <freerdp/update.h>
#include <winpr/ssl.h>

#include "encode.h"
#include "flow.h"
#include "layout.h"
#include "scancode.h"
#include "sink.h"
#include "unicode.h"

#define WHEEL_NOTCH 120

struct sink_context {
	rdpContext base;	/* first: FreeRDP allocates the whole struct */
	struct rdp_sink *sink;
};

struct rdp_sink {
	freerdp_peer *peer;
	const struct rdp_sink_ops *ops;
	void *data;
	struct flow flow;
	int max_in_flight;
	bool activated;
	int width, height;
	size_t max_request;
	bool frame_markers;
	struct rdp_encoder *encoder;
	struct unicode_keymap *keymap;	/* the client's layout */
	UINT32 locks;			/* KBD_SYNC_*: on, as our presses left them */
};

static struct rdp_sink *sink_of(rdpContext *context)
{
	return ((struct sink_context *)context)->sink;
}

/* -- logon -- */

/*
 * With TLS security the client's credentials arrive in its Client Info
 * PDU, which FreeRDP has read into the settings when it asks for our
 * capabilities (FreeRDP's Logon callback comes too early for them): they
 * are judged there, before the connection is activated or anything is
 * shown. A refusal is an error-info PDU ("server denied connection"),
 * which the client reports as such. A client that did not ask for
 * auto-logon offered no password.
 */
static BOOL on_capabilities(freerdp_peer *peer)
{
	struct rdp_sink *sink = sink_of(peer->context);
	rdpSettings *s = peer->settings;
	const char *user = freerdp_settings_get_string(s, FreeRDP_Username);
	const char *password = freerdp_settings_get_string(s, FreeRDP_Password);
	bool autologon = freerdp_settings_get_bool(s, FreeRDP_AutoLogonEnabled);

	uint32_t layout = freerdp_settings_get_uint32(s, FreeRDP_KeyboardLayout);
	struct xkb_names names;

	if (layout_to_xkb(layout, &names))
		sink->keymap = unicode_keymap_new(names.layout, names.variant);
	else
		sink->keymap = unicode_keymap_new(NULL, NULL);
	if (sink->ops->logon(sink->data, user ? user : "", autologon && password ? password : "",
			     (int)freerdp_settings_get_uint32(s, FreeRDP_DesktopWidth),
			     (int)freerdp_settings_get_uint32(s, FreeRDP_DesktopHeight),
			     layout))
		return TRUE;
	freerdp_set_error_info(peer->context->rdp, ERRINFO_SERVER_DENIED_CONNECTION);
	freerdp_send_error_info(peer->context->rdp);
	return FALSE;
}

static BOOL on_post_connect(freerdp_peer *peer)
{
	/* 32 bits a pixel, or nothing: our heads are XRGB8888. */
	return freerdp_settings_get_uint32(peer->settings, FreeRDP_ColorDepth) == 32;
}

static BOOL on_activate(freerdp_peer *peer)
{
	struct rdp_sink *sink = sink_of(peer->context);
	rdpSettings *s = peer->settings;

	sink->width = (int)freerdp_settings_get_uint32(s, FreeRDP_DesktopWidth);
	sink->height = (int)freerdp_settings_get_uint32(s, FreeRDP_DesktopHeight);
	sink->max_request = freerdp_settings_get_uint32(s, FreeRDP_MultifragMaxRequestSize);
	if (sink->max_request < 16384)
		sink->max_request = 16384;
	sink->frame_markers = freerdp_settings_get_bool(s, FreeRDP_SurfaceFrameMarkerEnabled);
	/* Activation comes again after a resize: a new encoder each time. */
	rdp_encoder_free(sink->encoder);
	if (freerdp_settings_get_bool(s, FreeRDP_RemoteFxCodec))
		sink->encoder = rdp_encoder_new(RDP_CODEC_RFX,
			(uint16_t)freerdp_settings_get_uint32(s, FreeRDP_RemoteFxCodecId),
			sink->width, sink->height, sink->max_request);
	else
		sink->encoder = rdp_encoder_new(RDP_CODEC_RAW, 0, sink->width, sink->height,
						sink->max_request);
	if (!sink->encoder)
		return FALSE;
	flow_init(&sink->flow, sink->max_in_flight,
		  sink->frame_markers && freerdp_settings_get_uint32(s, FreeRDP_FrameAcknowledge) > 0);
	sink->activated = true;
	if (sink->ops->activated)
		sink->ops->activated(sink->data, sink->width, sink->height);
	return TRUE;
}

static BOOL on_frame_ack(rdpContext *context, UINT32 id)
{
	flow_ack(&sink_of(context)->flow, id);
	return TRUE;
}

static BOOL on_suppress(rdpContext *context, BYTE allow, const RECTANGLE_16 *area)
{
	struct rdp_sink *sink = sink_of(context);

	flow_suppress(&sink->flow, !allow);
	if (allow && sink->ops->refresh)
		sink->ops->refresh(sink->data);
	return TRUE;
}

static BOOL on_refresh(rdpContext *context, BYTE count, const RECTANGLE_16 *areas)
{
	struct rdp_sink *sink = sink_of(context);

	if (sink->ops->refresh)
		sink->ops->refresh(sink->data);
	return TRUE;
}

/* -- input -- */

/* A lock key typed by the client turns its lock over. */
static void track_lock(struct rdp_sink *sink, unsigned key)
{
	if (key == KEY_CAPSLOCK)
		sink->locks ^= KBD_SYNC_CAPS_LOCK;
	else if (key == KEY_NUMLOCK)
		sink->locks ^= KBD_SYNC_NUM_LOCK;
	else if (key == KEY_SCROLLLOCK)
		sink->locks ^= KBD_SYNC_SCROLL_LOCK;
}

static BOOL on_key(rdpInput *input, UINT16 flags, UINT16 code)
{
	struct rdp_sink *sink = sink_of(input->context);
	unsigned key = scancode_to_evdev((uint8_t)code, flags);

	if (key && sink->ops->key)
		sink->ops->key(sink->data, key, !(flags & KBD_FLAGS_RELEASE));
	if (key && !(flags & KBD_FLAGS_RELEASE))
		track_lock(sink, key);
	return TRUE;
}

/* A character, typed as the keys that make it (press: all of them). */
static BOOL on_unicode_key(rdpInput *input, UINT16 flags, UINT16 code)
{
	struct rdp_sink *sink = sink_of(input->context);
	unsigned keys[4];
	int n;

	if ((flags & KBD_FLAGS_RELEASE) || !sink->keymap || !sink->ops->key)
		return TRUE;
	/* UTF-16 surrogates name no key. */
	if (code >= 0xd800 && code <= 0xdfff)
		return TRUE;
	n = unicode_to_keys(sink->keymap, code, keys, 4);
	for (int i = 0; i < n; i++)
		sink->ops->key(sink->data, keys[i], true);
	for (int i = n - 1; i >= 0; i--)
		sink->ops->key(sink->data, keys[i], false);
	return TRUE;
}

/*
 * The client says which lock keys are on (when it connects and gains
 * focus). The station's keyboard is this connection's alone, so the locks
 * are what its own key presses made them: a lock that differs is pressed
 * once to match.
 */
static BOOL on_sync(rdpInput *input, UINT32 flags)
{
	static const struct { UINT32 flag; unsigned key; } locks[] = {
		{ KBD_SYNC_CAPS_LOCK, KEY_CAPSLOCK },
		{ KBD_SYNC_NUM_LOCK, KEY_NUMLOCK },
		{ KBD_SYNC_SCROLL_LOCK, KEY_SCROLLLOCK },
	};
	struct rdp_sink *sink = sink_of(input->context);

	for (size_t i = 0; i < sizeof(locks) / sizeof(locks[0]); i++) {
		bool want = flags & locks[i].flag;
		bool on = sink->locks & locks[i].flag;

		if (want == on || !sink->ops->key)
			continue;
		sink->ops->key(sink->data, locks[i].key, true);
		sink->ops->key(sink->data, locks[i].key, false);
		sink->locks ^= locks[i].flag;
	}
	return TRUE;
}


/* Wheel rotation: 9 bits, two's complement, 120 a notch. */
static int wheel_clicks(UINT16 flags)
{
	int value = flags & 0x1ff;

	if (value & 0x100)
		value -= 0x200;
	return value / WHEEL_NOTCH ? value / WHEEL_NOTCH : (value > 0 ? 1 : -1);
}

static void motion(struct rdp_sink *sink, UINT16 x, UINT16 y)
{
	if (sink->ops->motion)
		sink->ops->motion(sink->data, x < sink->width ? x : sink->width - 1,
				  y < sink->height ? y : sink->height - 1);
}

static BOOL on_mouse(rdpInput *input, UINT16 flags, UINT16 x, UINT16 y)
{
	static const struct { UINT16 flag; unsigned button; } buttons[] = {
		{ PTR_FLAGS_BUTTON1, BTN_LEFT },
		{ PTR_FLAGS_BUTTON2, BTN_RIGHT },
		{ PTR_FLAGS_BUTTON3, BTN_MIDDLE },
	};
	struct rdp_sink *sink = sink_of(input->context);

	if (flags & (PTR_FLAGS_WHEEL | PTR_FLAGS_HWHEEL)) {
		if (sink->ops->wheel)
			sink->ops->wheel(sink->data, flags & PTR_FLAGS_HWHEEL, wheel_clicks(flags));
		return TRUE;
	}
	if (flags & PTR_FLAGS_MOVE)
		motion(sink, x, y);
	for (size_t i = 0; i < sizeof(buttons) / sizeof(buttons[0]); i++)
		if ((flags & buttons[i].flag) && sink->ops->button) {
			motion(sink, x, y);
			sink->ops->button(sink->data, buttons[i].button, flags & PTR_FLAGS_DOWN);
		}
	return TRUE;
}

static BOOL on_extended_mouse(rdpInput *input, UINT16 flags, UINT16 x, UINT16 y)
{
	struct rdp_sink *sink = sink_of(input->context);
	unsigned button = flags & PTR_XFLAGS_BUTTON1 ? BTN_SIDE :
			  flags & PTR_XFLAGS_BUTTON2 ? BTN_EXTRA : 0;

	motion(sink, x, y);
	if (button && sink->ops->button)
		sink->ops->button(sink->data, button, flags & PTR_XFLAGS_DOWN);
	return TRUE;
}

/* -- frames -- */

static bool marker(struct rdp_sink *sink, UINT32 action, UINT32 id)
{
	SURFACE_FRAME_MARKER m = { .frameAction = action, .frameId = id };
	rdpUpdate *update = sink->peer->update;

	return !sink->frame_markers || update->SurfaceFrameMarker(update->context, &m);
}

/* Also: nothing left unsent from the last frame (a slow link). */
bool rdp_sink_can_send(struct rdp_sink *sink)
{
	freerdp_peer *peer = sink->peer;

	if (!sink->activated || !flow_can_send(&sink->flow))
		return false;
	return !peer->IsWriteBlocked(peer) || peer->DrainOutputBuffer(peer) == 0;
}

bool rdp_sink_write_blocked(struct rdp_sink *sink)
{
	return sink->peer->IsWriteBlocked(sink->peer);
}

bool rdp_sink_send(struct rdp_sink *sink, const uint32_t *pixels, int stride,
		   const struct damage_rect *rects, int n)
{
	uint32_t id;

	if (!sink->encoder || n <= 0)
		return n == 0;
	id = flow_begin(&sink->flow);
	if (!marker(sink, SURFACECMD_FRAMEACTION_BEGIN, id))
		return false;
	if (!rdp_encoder_send(sink->encoder, sink->peer->update, pixels, stride, rects, n))
		return false;
	return marker(sink, SURFACECMD_FRAMEACTION_END, id);
}

const char *rdp_sink_codec(const struct rdp_sink *sink)
{
	return sink->encoder ? rdp_codec_name(rdp_encoder_codec(sink->encoder)) : "none yet";
}

/* -- the peer -- */

static void setup_settings(rdpSettings *s, const struct rdp_sink_config *cfg)
{
	freerdp_settings_set_string(s, FreeRDP_CertificateContent, cfg->certificate_pem);
	freerdp_settings_set_string(s, FreeRDP_PrivateKeyContent, cfg->key_pem);
	freerdp_settings_set_bool(s, FreeRDP_RdpSecurity, FALSE);
	freerdp_settings_set_bool(s, FreeRDP_TlsSecurity, TRUE);
	freerdp_settings_set_bool(s, FreeRDP_NlaSecurity, FALSE);
	freerdp_settings_set_uint32(s, FreeRDP_ColorDepth, 32);
	freerdp_settings_set_bool(s, FreeRDP_SurfaceCommandsEnabled, TRUE);
	freerdp_settings_set_bool(s, FreeRDP_SurfaceFrameMarkerEnabled, TRUE);
	freerdp_settings_set_bool(s, FreeRDP_FrameMarkerCommandEnabled, TRUE);
	freerdp_settings_set_bool(s, FreeRDP_SuppressOutput, TRUE);
	freerdp_settings_set_bool(s, FreeRDP_RefreshRect, TRUE);
	/* Offered; what the client supports too is what is used. */
	freerdp_settings_set_bool(s, FreeRDP_RemoteFxCodec, TRUE);
	/* Not NSCodec: see encode.c. */
	freerdp_settings_set_bool(s, FreeRDP_NSCodec, FALSE);
	freerdp_settings_set_bool(s, FreeRDP_UnicodeInput, TRUE);
}

struct rdp_sink *rdp_sink_new(int fd, const struct rdp_sink_config *cfg,
			      const struct rdp_sink_ops *ops, void *data)
{
	struct rdp_sink *sink = calloc(1, sizeof(*sink));
	freerdp_peer *peer;

	if (!sink)
		return NULL;
	winpr_InitializeSSL(WINPR_SSL_INIT_DEFAULT);
	sink->ops = ops;
	sink->data = data;
	sink->max_in_flight = cfg->max_frames_in_flight > 0 ? cfg->max_frames_in_flight : 2;
	peer = freerdp_peer_new(fd);
	if (!peer)
		goto err;
	sink->peer = peer;
	peer->ContextSize = sizeof(struct sink_context);
	if (!freerdp_peer_context_new(peer))
		goto err;
	((struct sink_context *)peer->context)->sink = sink;
	setup_settings(peer->settings, cfg);
	peer->Capabilities = on_capabilities;
	peer->PostConnect = on_post_connect;
	peer->Activate = on_activate;
	peer->update->SurfaceFrameAcknowledge = on_frame_ack;
	peer->update->SuppressOutput = on_suppress;
	peer->update->RefreshRect = on_refresh;
	peer->input->KeyboardEvent = on_key;
	peer->input->UnicodeKeyboardEvent = on_unicode_key;
	peer->input->SynchronizeEvent = on_sync;
	peer->input->MouseEvent = on_mouse;
	peer->input->ExtendedMouseEvent = on_extended_mouse;
	if (!peer->Initialize(peer))
		goto err;
	return sink;
err:
	rdp_sink_free(sink);
	return NULL;
}

void rdp_sink_free(struct rdp_sink *sink)
{
	if (!sink)
		return;
	if (sink->peer) {
		if (sink->peer->context) {
			sink->peer->Disconnect(sink->peer);
			freerdp_peer_context_free(sink->peer);
		}
		freerdp_peer_free(sink->peer);
	}
	rdp_encoder_free(sink->encoder);
	unicode_keymap_free(sink->keymap);
	free(sink);
}

int rdp_sink_fds(struct rdp_sink *sink, int *fds, int max)
{
	void *rfds[8];
	int count = 0;

	if (!sink->peer->GetFileDescriptor(sink->peer, rfds, &count))
		return 0;
	for (int i = 0; i < count && i < max; i++)
		fds[i] = (int)(intptr_t)rfds[i];
	return count < max ? count : max;
}

bool rdp_sink_dispatch(struct rdp_sink *sink)
{
	return sink->peer->CheckFileDescriptor(sink->peer);
}
