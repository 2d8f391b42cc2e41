// SPDX-License-Identifier: MIT
/*
 * seatmux-rdp-client: an RDP client for tests, on libfreerdp2's client
 * side with software decoding into memory (no X server). It connects with
 * a user name and password (TLS, the server's certificate accepted as it
 * comes: tests make their own), waits for frames, and can save the
 * framebuffer, type scancodes and click.
 *
 *   seatmux-rdp-client --host H --port P --user U --password PW --size WxH
 *                      [--frames N] [--timeout S] [--dump FILE.ppm]
 *                      [--keys SC,SC,...] [--click X,Y] [--act-after N]
 *                      [--codec raw|nsc|rfx] [--layout WINDOWS_ID] [--unicode TEXT]
 *                      [--suppress yes] [--sync-caps yes] [--measure SECONDS]
 *                      [--burst N] [--linger S] [--poke-keys SC,...] [--log FILE]
 *                      [--echo N]
 *
 * --measure (for bench/): once the first frame is in (logged: "first
 * frame ms=T"), counts frames for that long and logs "measured frames=N
 * seconds=S first_frame_ms=T small=M" (T: from the TCP connect to the
 * first frame), instead of --frames. small counts the frames whose surface commands cover less
 * than half the screen (their destination rectangles: a server that
 * sends damage only, in raw pieces, sends small frames for
 * small changes; RemoteFX messages name the whole screen);
 * --linger S stays connected S seconds more (the bench reads the server
 * meanwhile).
 *
 * --echo N (for bench/): once the first frame is in and 3 s have passed,
 * presses a key (A) N times, each time timing how long the middle of the
 * screen takes to turn to the colour that key makes, the complement of
 * the first one or back ("echo ms=T", or "echo lost" after 15 s), and
 * lets it go 300 ms later: the latency from a key to its pixels at this
 * client, against a station's client that draws what it is typed
 * (seatmux-testclient --key-recolour). Then "echoed n=N", and --linger.
 *
 * --suppress: once acting, tells the server its output is suppressed (a
 * minimised window) for 2 s and logs the frames that came meanwhile
 * ("suppressed frames=N"), then allows it again and waits up to 5 s for
 * the refresh that is owed ("refreshed yes|no").
 *
 * --burst N: N keys pressed and released, all sent at once, as fast as
 * the connection takes them (a paste typed as keys): the letters a to z
 * then the digits 1 to 9 and 0, over and over (set 1 scancodes, which are
 * their evdev codes too), so that what arrives shows what was lost or
 * reordered.
 *
 * Keys and the click are sent once --act-after frames (default 1) are in;
 * with --linger S the client stays connected S seconds once done.
 * SIGUSR1 while it lingers (a test asking a client kept connected a long
 * time): it logs the frames so far ("poked frames=N"), saves the picture
 * again with --dump ("dumped"), and types --keys again (or --poke-keys,
 * which are typed at pokes only: a test types when the screen is ready).
 * SIGUSR2 does the same but types nothing (a look at the screen).
 * SIGINT while it lingers ("lingering s=S" said) ends the linger ("linger
 * cut"): it disconnects and ends as if the linger were over.
 *
 * Log lines (flushed): connected width=W height=H | frames n=N small=M
 *   | typed n=N | burst n=N | clicked x=X y=Y | dumped | refused error=0xE
 *   | poked frames=N | lingering s=S | linger cut | disconnected | timeout
 * Exit status: 0 done, 2 refused or disconnected, 3 timeout, 1 other.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <freerdp/client.h>
#include <freerdp/freerdp.h>
#include <freerdp/gdi/gdi.h>
#include <freerdp/input.h>
#include <winpr/synch.h>

#define PROG "seatmux-rdp-client"

struct options {
	const char *host, *user, *password, *dump, *keys, *poke_keys, *codec, *unicode;
	int port, width, height, frames, timeout_s, act_after, measure_s, linger_s, burst, echo;
	unsigned long layout;
	int click_x, click_y;
	bool click, suppress, sync_caps;
};

struct client {
	rdpContext base;	/* first: FreeRDP allocates the whole struct */
	pEndPaint gdi_end_paint;
	pSurfaceFrameMarker gdi_frame_marker;
	pSurfaceBits gdi_surface_bits;
	unsigned long frames, paints, surface_cmds;
	unsigned long small;		/* frames under half the screen */
	unsigned long long area;	/* of this frame's surface commands */
	bool markers;		/* the server brackets frames */
};

static FILE *log_file;

/* SIGUSR1 came: answered from pump(), with --keys typed again; SIGUSR2
 * (a peek): the picture saved only. */
static volatile sig_atomic_t poked;
static const char *poke_keys, *poke_dump;

static void on_poke(int sig)
{
	poked = sig == SIGUSR2 ? 2 : 1;
}

static void catch_pokes(void)
{
	struct sigaction sa = { .sa_handler = on_poke, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
}

__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(log_file, fmt, ap);
	va_end(ap);
	fputc('\n', log_file);
	fflush(log_file);
}

/*
 * A frame is what lies between frame markers. Without them (Weston), it
 * is a surface command: a server without markers sends one a frame, while
 * a paint is only a fast-path PDU (16 KB at most), so that a large frame
 * would count as several. Servers without either: a paint.
 */
static void frame_done(struct client *c)
{
	rdpGdi *gdi = c->base.gdi;

	if (gdi && c->area * 2 < (unsigned long long)gdi->width * (unsigned long long)gdi->height)
		c->small++;
	c->area = 0;
}

static void count_unmarked(struct client *c)
{
	if (!c->markers)
		c->frames = c->surface_cmds ? c->surface_cmds : c->paints;
}

static BOOL end_paint(rdpContext *context)
{
	struct client *c = (struct client *)context;

	c->paints++;
	count_unmarked(c);
	return c->gdi_end_paint ? c->gdi_end_paint(context) : TRUE;
}

static BOOL surface_bits(rdpContext *context, const SURFACE_BITS_COMMAND *cmd)
{
	struct client *c = (struct client *)context;

	c->surface_cmds++;
	c->area += (unsigned long long)(cmd->destRight - cmd->destLeft) *
		   (unsigned long long)(cmd->destBottom - cmd->destTop);
	count_unmarked(c);
	if (!c->markers)
		frame_done(c);
	return c->gdi_surface_bits ? c->gdi_surface_bits(context, cmd) : TRUE;
}

static BOOL frame_marker(rdpContext *context, const SURFACE_FRAME_MARKER *m)
{
	struct client *c = (struct client *)context;

	c->markers = true;
	if (m->frameAction == SURFACECMD_FRAMEACTION_END) {
		c->frames++;
		frame_done(c);
	}
	/* gdi's handler acknowledges the frame to the server. */
	return c->gdi_frame_marker ? c->gdi_frame_marker(context, m) : TRUE;
}

static BOOL pre_connect(freerdp *instance)
{
	return TRUE;
}

static BOOL post_connect(freerdp *instance)
{
	struct client *c = (struct client *)instance->context;

	if (!gdi_init(instance, PIXEL_FORMAT_BGRX32))
		return FALSE;
	c->gdi_end_paint = instance->update->EndPaint;
	instance->update->EndPaint = end_paint;
	c->gdi_frame_marker = instance->update->SurfaceFrameMarker;
	instance->update->SurfaceFrameMarker = frame_marker;
	c->gdi_surface_bits = instance->update->SurfaceBits;
	instance->update->SurfaceBits = surface_bits;
	return TRUE;
}

/* Tests make a certificate per run: accept it for this session only. */
static DWORD verify_certificate(freerdp *instance, const char *host, UINT16 port,
				const char *common_name, const char *subject, const char *issuer,
				const char *fingerprint, DWORD flags)
{
	return 2;
}

static DWORD verify_changed_certificate(freerdp *instance, const char *host, UINT16 port,
					const char *common_name, const char *subject,
					const char *issuer, const char *fingerprint,
					const char *old_subject, const char *old_issuer,
					const char *old_fingerprint, DWORD flags)
{
	return 2;
}

static int dump(rdpGdi *gdi, const char *path)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	fprintf(f, "P6\n%d %d\n255\n", gdi->width, gdi->height);
	for (INT32 y = 0; y < gdi->height; y++) {
		const BYTE *row = gdi->primary_buffer + (size_t)y * gdi->stride;

		for (INT32 x = 0; x < gdi->width; x++) {
			BYTE rgb[3] = { row[4 * x + 2], row[4 * x + 1], row[4 * x] };

			fwrite(rgb, 1, 3, f);
		}
	}
	return fclose(f);
}

static void type_keys(rdpInput *input, const char *keys)
{
	char *copy = strdup(keys), *save = NULL;
	int n = 0;

	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned long sc = strtoul(tok, NULL, 0);
		UINT16 ext = sc > 0xff ? KBD_FLAGS_EXTENDED : 0;

		freerdp_input_send_keyboard_event(input, KBD_FLAGS_DOWN | ext, (UINT16)(sc & 0xff));
		freerdp_input_send_keyboard_event(input, KBD_FLAGS_RELEASE | ext, (UINT16)(sc & 0xff));
		n++;
	}
	free(copy);
	say("typed n=%d", n);
}

/* a-z then 1-9, 0: set 1 scancodes. */
static const UINT16 burst_keys[] = {
	0x1e, 0x30, 0x2e, 0x20, 0x12, 0x21, 0x22, 0x23, 0x17, 0x24, 0x25, 0x26, 0x32,
	0x31, 0x18, 0x19, 0x10, 0x13, 0x1f, 0x14, 0x16, 0x2f, 0x11, 0x2d, 0x15, 0x2c,
	0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
};

static void type_burst(rdpInput *input, int n)
{
	const int count = (int)(sizeof(burst_keys) / sizeof(burst_keys[0]));

	for (int i = 0; i < n; i++) {
		freerdp_input_send_keyboard_event(input, KBD_FLAGS_DOWN, burst_keys[i % count]);
		freerdp_input_send_keyboard_event(input, KBD_FLAGS_RELEASE, burst_keys[i % count]);
	}
	say("burst n=%d", n);
}

/* The client's Caps Lock is on, twice (the second changes nothing). */
static void sync_caps(rdpInput *input)
{
	freerdp_input_send_synchronize_event(input, KBD_SYNC_CAPS_LOCK);
	freerdp_input_send_synchronize_event(input, KBD_SYNC_CAPS_LOCK);
	say("synchronized caps=1");
}

/* Characters as unicode keyboard events (ASCII and 2-byte UTF-8). */
static void type_unicode(rdpInput *input, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	int n = 0;

	while (*p) {
		UINT16 cp = *p++;

		if ((cp & 0xe0) == 0xc0 && (*p & 0xc0) == 0x80)
			cp = (UINT16)(((cp & 0x1f) << 6) | (*p++ & 0x3f));
		freerdp_input_send_unicode_keyboard_event(input, 0, cp);
		freerdp_input_send_unicode_keyboard_event(input, KBD_FLAGS_RELEASE, cp);
		n++;
	}
	say("unicode n=%d", n);
}

static void click(rdpInput *input, int x, int y)
{
	freerdp_input_send_mouse_event(input, PTR_FLAGS_MOVE, (UINT16)x, (UINT16)y);
	freerdp_input_send_mouse_event(input, PTR_FLAGS_DOWN | PTR_FLAGS_BUTTON1, (UINT16)x, (UINT16)y);
	freerdp_input_send_mouse_event(input, PTR_FLAGS_BUTTON1, (UINT16)x, (UINT16)y);
	say("clicked x=%d y=%d", x, y);
}

static int parse(int argc, char **argv, struct options *o)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "--host"))
			o->host = v;
		else if (!strcmp(k, "--port"))
			o->port = atoi(v);
		else if (!strcmp(k, "--user"))
			o->user = v;
		else if (!strcmp(k, "--password"))
			o->password = v;
		else if (!strcmp(k, "--size") && sscanf(v, "%dx%d", &o->width, &o->height) == 2)
			;
		else if (!strcmp(k, "--suppress") && (o->suppress = !strcmp(v, "yes")))
			;
		else if (!strcmp(k, "--sync-caps") && (o->sync_caps = !strcmp(v, "yes")))
			;
		else if (!strcmp(k, "--measure"))
			o->measure_s = atoi(v);
		else if (!strcmp(k, "--linger"))
			o->linger_s = atoi(v);
		else if (!strcmp(k, "--echo"))
			o->echo = atoi(v);
		else if (!strcmp(k, "--burst"))
			o->burst = atoi(v);
		else if (!strcmp(k, "--unicode"))
			o->unicode = v;
		else if (!strcmp(k, "--layout"))
			o->layout = strtoul(v, NULL, 0);
		else if (!strcmp(k, "--codec"))
			o->codec = v;
		else if (!strcmp(k, "--act-after"))
			o->act_after = atoi(v);
		else if (!strcmp(k, "--frames"))
			o->frames = atoi(v);
		else if (!strcmp(k, "--timeout"))
			o->timeout_s = atoi(v);
		else if (!strcmp(k, "--dump"))
			o->dump = v;
		else if (!strcmp(k, "--keys"))
			o->keys = v;
		else if (!strcmp(k, "--poke-keys"))
			o->poke_keys = v;
		else if (!strcmp(k, "--click") && sscanf(v, "%d,%d", &o->click_x, &o->click_y) == 2)
			o->click = true;
		else if (!strcmp(k, "--log") && (log_file = fopen(v, "a")))
			;
		else
			return -1;
	}
	return o->host && o->user && o->port > 0 && o->width > 0 ? 0 : -1;
}

static void configure(rdpSettings *s, const struct options *o)
{
	freerdp_settings_set_string(s, FreeRDP_ServerHostname, o->host);
	freerdp_settings_set_uint32(s, FreeRDP_ServerPort, (UINT32)o->port);
	freerdp_settings_set_string(s, FreeRDP_Username, o->user);
	freerdp_settings_set_string(s, FreeRDP_Password, o->password ? o->password : "");
	freerdp_settings_set_string(s, FreeRDP_Domain, "");
	freerdp_settings_set_uint32(s, FreeRDP_DesktopWidth, (UINT32)o->width);
	freerdp_settings_set_uint32(s, FreeRDP_DesktopHeight, (UINT32)o->height);
	freerdp_settings_set_uint32(s, FreeRDP_ColorDepth, 32);
	freerdp_settings_set_bool(s, FreeRDP_SoftwareGdi, TRUE);
	freerdp_settings_set_bool(s, FreeRDP_AutoLogonEnabled, TRUE);
	freerdp_settings_set_bool(s, FreeRDP_NlaSecurity, FALSE);
	freerdp_settings_set_bool(s, FreeRDP_RdpSecurity, FALSE);
	freerdp_settings_set_bool(s, FreeRDP_TlsSecurity, TRUE);
	freerdp_settings_set_bool(s, FreeRDP_IgnoreCertificate, TRUE);
	freerdp_settings_set_bool(s, FreeRDP_AsyncUpdate, FALSE);
	/* FreeRDP gives the server 9 s from the logon to activation; a room
	 * logging on at once takes longer: --timeout is the bound. */
	freerdp_settings_set_uint32(s, FreeRDP_TcpAckTimeout, (UINT32)o->timeout_s * 1000u);
	if (o->layout)
		freerdp_settings_set_uint32(s, FreeRDP_KeyboardLayout, (UINT32)o->layout);
	/* Which codecs this client offers; the server picks among them. */
	freerdp_settings_set_bool(s, FreeRDP_RemoteFxCodec, o->codec && !strcmp(o->codec, "rfx"));
	freerdp_settings_set_bool(s, FreeRDP_NSCodec, o->codec && !strcmp(o->codec, "nsc"));
	if (o->codec && !strcmp(o->codec, "rfx"))
		freerdp_settings_set_uint32(s, FreeRDP_MultifragMaxRequestSize, 0x3F0000);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Pumps events for ms milliseconds; false if the connection went. */
static bool pump(freerdp *instance, int ms)
{
	struct client *c = (struct client *)instance->context;
	double end = now_s() + ms / 1000.0;
	HANDLE handles[64];

	while (now_s() < end) {
		DWORD n = freerdp_get_event_handles(instance->context, handles, 64);

		WaitForMultipleObjects(n, handles, FALSE, 50);
		if (!freerdp_check_event_handles(instance->context))
			return false;
		if (poked) {
			bool peek = poked == 2;

			poked = 0;
			say("poked frames=%lu", c->frames);
			if (poke_dump && dump(instance->context->gdi, poke_dump) == 0)
				say("dumped");
			if (poke_keys && !peek)
				type_keys(instance->input, poke_keys);
		}
	}
	return true;
}

/* SIGINT while lingering: the test is done with the connection. */
static volatile sig_atomic_t linger_cut;

static void on_cut(int sig)
{
	linger_cut = 1;
}

/* --linger: pumps for s seconds, or until SIGINT cuts it short; false
 * if the connection went. SIGINT is caught from here on only: before,
 * it ends the client as it always does. */
static bool linger(freerdp *instance, int s)
{
	struct sigaction sa = { .sa_handler = on_cut, .sa_flags = SA_RESTART };
	double end = now_s() + s;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	say("lingering s=%d", s);
	while (!linger_cut && now_s() < end)
		if (!pump(instance, 100))
			return false;
	if (linger_cut)
		say("linger cut");
	return true;
}

/* The client minimised for 2 s: no frames should come meanwhile. */
static bool suppress(freerdp *instance)
{
	struct client *c = (struct client *)instance->context;
	RECTANGLE_16 all = { 0, 0, (UINT16)instance->context->gdi->width,
			     (UINT16)instance->context->gdi->height };
	unsigned long before;

	instance->update->SuppressOutput(instance->context, FALSE, NULL);
	pump(instance, 300);		/* what was on its way */
	before = c->frames;
	if (!pump(instance, 2000))
		return false;
	say("suppressed frames=%lu", c->frames - before);
	instance->update->SuppressOutput(instance->context, TRUE, &all);
	/* The server owes a refresh now: wait for it (5 s at most), so that
	 * a dump shows it even when the screen stands still. */
	before = c->frames;
	for (int waited = 0; c->frames == before && waited < 5000; waited += 50)
		if (!pump(instance, 50))
			return false;
	say("refreshed %s", c->frames > before ? "yes" : "no");
	return true;
}

/* Until the first frame is in: 0; 3 (logged) past --timeout, 2 if the
 * connection went. */
static int first_frame(freerdp *instance, const struct options *o, double connected_at)
{
	struct client *c = (struct client *)instance->context;

	while (!c->frames) {
		if (now_s() > connected_at + o->timeout_s) {
			say("timeout");
			return 3;
		}
		if (!pump(instance, 10))
			return 2;
	}
	return 0;
}

/* bench/: frames a second, from the first frame on. */
static int measure(freerdp *instance, const struct options *o, double connected_at)
{
	struct client *c = (struct client *)instance->context;
	double first, end;
	unsigned long start, small;
	int rc = first_frame(instance, o, connected_at);

	if (rc)
		return rc;
	first = now_s();
	say("first frame ms=%.0f", (first - connected_at) * 1000);
	start = c->frames;
	small = c->small;
	end = first + o->measure_s;
	if (!pump(instance, (int)((end - now_s()) * 1000)))
		return 2;
	say("measured frames=%lu seconds=%.3f first_frame_ms=%.0f small=%lu", c->frames - start,
	    now_s() - first, (first - connected_at) * 1000, c->small - small);
	/* Still connected while the bench reads the server's CPU and memory:
	 * a disconnect would end the sink, and its figures with it. */
	if (o->linger_s > 0 && !linger(instance, o->linger_s))
		return 2;
	return 0;
}

static UINT32 middle_pixel(rdpGdi *gdi)
{
	const BYTE *p = gdi->primary_buffer + (size_t)(gdi->height / 2) * gdi->stride +
			(size_t)(gdi->width / 2) * 4;

	return (UINT32)p[0] | (UINT32)p[1] << 8 | (UINT32)p[2] << 16;
}

/* Within a lossy codec's error of each other, channel by channel. */
static bool near(UINT32 a, UINT32 b)
{
	for (int shift = 0; shift < 24; shift += 8) {
		int d = (int)((a >> shift) & 0xff) - (int)((b >> shift) & 0xff);

		if (d > 24 || d < -24)
			return false;
	}
	return true;
}

/* Milliseconds from a press of A to the middle pixel's being want; -1 if
 * it was not within 15 s, -2 if the connection went. The events are
 * looked at every 5 ms at most. */
static double echo_one(freerdp *instance, UINT32 want)
{
	rdpGdi *gdi = instance->context->gdi;
	double t0 = now_s(), took = -1;
	HANDLE handles[64];

	freerdp_input_send_keyboard_event(instance->input, KBD_FLAGS_DOWN, 0x1e);
	while (now_s() < t0 + 15) {
		DWORD n = freerdp_get_event_handles(instance->context, handles, 64);

		WaitForMultipleObjects(n, handles, FALSE, 5);
		if (!freerdp_check_event_handles(instance->context))
			return -2;
		if (near(middle_pixel(gdi), want)) {
			took = (now_s() - t0) * 1000;
			break;
		}
	}
	freerdp_input_send_keyboard_event(instance->input, KBD_FLAGS_RELEASE, 0x1e);
	return pump(instance, 300) ? took : -2;
}

/* bench/: --echo's keys, timed, once the screen has settled. */
static int echo(freerdp *instance, const struct options *o, double connected_at)
{
	UINT32 first;
	int rc = first_frame(instance, o, connected_at);

	if (rc)
		return rc;
	if (!pump(instance, 3000))
		return 2;
	/* Key i turns the screen to the complement of its first colour if i
	 * is even, back if odd: looking for that colour, a key whose pixels
	 * came late is not counted as the next one's. */
	first = middle_pixel(instance->context->gdi);
	for (int i = 0; i < o->echo; i++) {
		double ms = echo_one(instance, i % 2 ? first : first ^ 0xffffff);

		if (ms < -1)
			return 2;
		if (ms < 0)
			say("echo lost");
		else
			say("echo ms=%.1f", ms);
	}
	say("echoed n=%d", o->echo);
	if (o->linger_s > 0 && !linger(instance, o->linger_s))
		return 2;
	return 0;
}

/* Runs until the frames are in (then acts) or the time is up. */
static int run(freerdp *instance, const struct options *o)
{
	struct client *c = (struct client *)instance->context;
	double deadline = now_s() + o->timeout_s;
	bool acted = false;
	HANDLE handles[64];

	while (now_s() < deadline) {
		DWORD n = freerdp_get_event_handles(instance->context, handles, 64);

		if (n == 0)
			return 1;
		WaitForMultipleObjects(n, handles, FALSE, 100);
		if (!freerdp_check_event_handles(instance->context)) {
			say("disconnected");
			return 2;
		}
		if (c->frames >= (unsigned long)o->act_after && !acted) {
			if (o->keys)
				type_keys(instance->input, o->keys);
			if (o->burst > 0)
				type_burst(instance->input, o->burst);
			if (o->click)
				click(instance->input, o->click_x, o->click_y);
			if (o->unicode)
				type_unicode(instance->input, o->unicode);
			if (o->sync_caps)
				sync_caps(instance->input);
			if (o->suppress && !suppress(instance)) {
				say("disconnected");
				return 2;
			}
			acted = true;
		}
		if (c->frames >= (unsigned long)o->frames && acted) {
			say("frames n=%lu small=%lu", c->frames, c->small);
			if (o->dump && dump(instance->context->gdi, o->dump) == 0)
				say("dumped");
			if (o->linger_s > 0 && !linger(instance, o->linger_s)) {
				say("disconnected");
				return 2;
			}
			return 0;
		}
	}
	say("timeout");
	return 3;
}

int main(int argc, char **argv)
{
	struct options o = { .frames = 1, .timeout_s = 30, .act_after = 1 };
	freerdp *instance;
	double started;
	int rc;

	log_file = stdout;
	if (parse(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: " PROG " --host H --port P --user U --password PW --size WxH "
				"[--frames N] [--timeout S] [--dump F] [--keys SC,...] [--click X,Y] "
				"[--log F]\n");
		return 1;
	}
	poke_keys = o.poke_keys ? o.poke_keys : o.keys;
	poke_dump = o.dump;
	catch_pokes();
	instance = freerdp_new();
	if (!instance)
		return 1;
	instance->ContextSize = sizeof(struct client);
	instance->PreConnect = pre_connect;
	instance->PostConnect = post_connect;
	instance->VerifyCertificateEx = verify_certificate;
	instance->VerifyChangedCertificateEx = verify_changed_certificate;
	if (!freerdp_context_new(instance)) {
		freerdp_free(instance);
		return 1;
	}
	configure(instance->settings, &o);
	started = now_s();
	if (!freerdp_connect(instance)) {
		say("refused error=0x%08x", freerdp_get_last_error(instance->context));
		rc = 2;
	} else {
		say("connected width=%u height=%u",
		    freerdp_settings_get_uint32(instance->settings, FreeRDP_DesktopWidth),
		    freerdp_settings_get_uint32(instance->settings, FreeRDP_DesktopHeight));
		rc = o.measure_s > 0 ? measure(instance, &o, started) :
		     o.echo > 0 ? echo(instance, &o, started) : run(instance, &o);
		freerdp_disconnect(instance);
	}
	if (instance->context->gdi)
		gdi_free(instance);
	freerdp_context_free(instance);
	freerdp_free(instance);
	return rc;
}
