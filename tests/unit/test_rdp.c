// SPDX-License-Identifier: MIT
/* The pure parts of the RDP sink: scancodes, damage cut for the wire,
 * tiles that changed, frame flow control. */
#include <linux/input-event-codes.h>
#include <stdint.h>
#include <string.h>

#include "control.h"
#include "head_look.h"
#include "damage.h"
#include "flow.h"
#include "frame_mark.h"
#include "layout.h"
#include "scancode.h"
#include "screen_proto.h"
#include "test.h"
#include "tile_diff.h"

static void test_scancodes(struct test_state *t)
{
	CHECK(t, scancode_to_evdev(0x01, 0) == KEY_ESC);
	CHECK(t, scancode_to_evdev(0x1e, 0) == KEY_A);
	CHECK(t, scancode_to_evdev(0x1c, 0) == KEY_ENTER);
	CHECK(t, scancode_to_evdev(0x1c, SCANCODE_FLAG_EXTENDED) == KEY_KPENTER);
	CHECK(t, scancode_to_evdev(0x1d, 0) == KEY_LEFTCTRL);
	CHECK(t, scancode_to_evdev(0x1d, SCANCODE_FLAG_EXTENDED) == KEY_RIGHTCTRL);
	CHECK(t, scancode_to_evdev(0x38, SCANCODE_FLAG_EXTENDED) == KEY_RIGHTALT);
	CHECK(t, scancode_to_evdev(0x48, 0) == KEY_KP8);
	CHECK(t, scancode_to_evdev(0x48, SCANCODE_FLAG_EXTENDED) == KEY_UP);
	CHECK(t, scancode_to_evdev(0x53, SCANCODE_FLAG_EXTENDED) == KEY_DELETE);
	CHECK(t, scancode_to_evdev(0x5b, SCANCODE_FLAG_EXTENDED) == KEY_LEFTMETA);
	CHECK(t, scancode_to_evdev(0x57, 0) == KEY_F11 && scancode_to_evdev(0x58, 0) == KEY_F12);
	CHECK(t, scancode_to_evdev(0x56, 0) == KEY_102ND);
	CHECK(t, scancode_to_evdev(0x64, 0) == KEY_F13 && scancode_to_evdev(0x76, 0) == KEY_F24);
	CHECK(t, scancode_to_evdev(0x1d, SCANCODE_FLAG_EXTENDED1) == KEY_PAUSE);
	CHECK(t, scancode_to_evdev(0x73, 0) == KEY_RO && scancode_to_evdev(0x7d, 0) == KEY_YEN);
	/* The release flag does not change the key. */
	CHECK(t, scancode_to_evdev(0x1e, SCANCODE_FLAG_RELEASE) == KEY_A);
	/* Nothing for codes no keyboard sends. */
	CHECK(t, scancode_to_evdev(0x00, 0) == 0);
	CHECK(t, scancode_to_evdev(0x7f, 0) == 0);
	CHECK(t, scancode_to_evdev(0x01, SCANCODE_FLAG_EXTENDED) == 0);
	CHECK(t, scancode_to_evdev(0x45, SCANCODE_FLAG_EXTENDED1) == 0);
}

static const struct damage_limits lim_1080 = {
	.max_bytes = 65535, .overhead = 64, .bytes_per_pixel = 4, .align = 4,
	.width = 1920, .height = 1080,
};

static long covered(const struct damage_rect *r, int n)
{
	long area = 0;

	for (int i = 0; i < n; i++)
		area += (long)r[i].w * r[i].h;
	return area;
}

static void test_damage_fits(struct test_state *t)
{
	struct damage_rect in = { 0, 0, 1920, 1080 }, out[512];
	int n = damage_split(&in, 1, &lim_1080, out, 512);
	bool fits = true, inside = true;

	CHECK(t, n > 0);
	for (int i = 0; i < n; i++) {
		fits &= (size_t)out[i].w * (size_t)out[i].h * 4 + 64 <= 65535;
		inside &= out[i].x >= 0 && out[i].y >= 0 && out[i].x + out[i].w <= 1920 &&
			  out[i].y + out[i].h <= 1080;
	}
	CHECK(t, fits && inside);
	/* Pieces tile the rectangle: no pixel twice, none missed. */
	CHECK(t, covered(out, n) == 1920L * 1080);
}

static void test_damage_small_untouched(struct test_state *t)
{
	struct damage_rect in = { 100, 50, 64, 64 }, out[4];

	CHECK(t, damage_split(&in, 1, &lim_1080, out, 4) == 1);
	CHECK(t, !memcmp(&out[0], &in, sizeof(in)));
}

static void test_damage_align_and_clip(struct test_state *t)
{
	struct damage_rect in[] = { { 101, 10, 10, 5 }, { 1915, 1075, 50, 50 }, { 3000, 0, 5, 5 } };
	struct damage_rect out[8];
	int n = damage_split(in, 3, &lim_1080, out, 8);

	CHECK(t, n == 2);
	/* 101..111 widened to 100..112; the second clipped to the head. */
	CHECK(t, out[0].x == 100 && out[0].w == 12 && out[0].y == 10 && out[0].h == 5);
	CHECK(t, out[1].x == 1912 && out[1].w == 8 && out[1].y == 1075 && out[1].h == 5);
}

static void test_damage_narrow_messages(struct test_state *t)
{
	/* A message smaller than one row: rows are cut into columns. */
	struct damage_limits lim = lim_1080;
	struct damage_rect in = { 0, 0, 1920, 2 }, out[64];
	int n;

	lim.max_bytes = 1024 + 64;
	n = damage_split(&in, 1, &lim, out, 64);
	CHECK(t, n == 16 && covered(out, n) == 1920L * 2);
	/* 256 pixels of 4 bytes a piece; the eighth of a row has the rest. */
	for (int i = 0; i < n; i++)
		CHECK(t, out[i].w == (i % 8 == 7 ? 128 : 256) && out[i].h == 1 && out[i].x % 4 == 0);
	lim.max_bytes = 64 + 15;	/* not even one aligned unit of pixels */
	CHECK(t, damage_split(&in, 1, &lim, out, 64) == -1);
	lim = lim_1080;
	in = (struct damage_rect){ 0, 0, 1920, 1080 };
	CHECK(t, damage_split(&in, 1, &lim, out, 3) == -1);	/* out too small */
}

/* 100x70: a 2x2 grid whose right column and bottom row are cut short. */
static void test_tile_diff(struct test_state *t)
{
	static uint32_t px[70 * 100];
	struct damage_rect all = { 0, 0, 100, 70 }, corner = { 64, 64, 36, 6 };
	struct damage_rect left = { 0, 0, 64, 70 };
	struct tile_diff *td = tile_diff_new(100, 70);
	const struct damage_rect *r;
	int n;

	CHECK(t, td && tile_diff_fits(td, 100, 70) && !tile_diff_fits(td, 100, 71));
	if (!td)
		return;
	/* Never sent: everything under the damage, a run a row. */
	r = tile_diff_changed(td, px, 400, &all, 1, &n);
	CHECK(t, n == 2 && r[0].x == 0 && r[0].y == 0 && r[0].w == 100 && r[0].h == 64 &&
		 r[1].x == 0 && r[1].y == 64 && r[1].w == 100 && r[1].h == 6);
	/* Drawn again, the same: nothing. */
	tile_diff_changed(td, px, 400, &all, 1, &n);
	CHECK(t, n == 0);
	/* One pixel of the bottom right tile. */
	px[69 * 100 + 99] = 0xff0000;
	r = tile_diff_changed(td, px, 400, &all, 1, &n);
	CHECK(t, n == 1 && r[0].x == corner.x && r[0].y == corner.y && r[0].w == corner.w &&
		 r[0].h == corner.h);
	/* Only tiles under the damage are looked at. */
	px[0] = 0xff;
	tile_diff_changed(td, px, 400, &corner, 1, &n);
	CHECK(t, n == 0);
	r = tile_diff_changed(td, px, 400, &left, 1, &n);
	CHECK(t, n == 1 && r[0].x == 0 && r[0].y == 0 && r[0].w == 64 && r[0].h == 64);
	/* Damage beyond the head is clipped; a reset sends all again. */
	tile_diff_reset(td);
	r = tile_diff_changed(td, px, 400, &(struct damage_rect){ -10, 60, 500, 500 }, 1, &n);
	CHECK(t, n == 2 && r[0].y == 0 && r[1].y == 64 && r[1].w == 100);
	tile_diff_free(td);
	CHECK(t, tile_diff_new(0, 10) == NULL);
}

static void test_flow_bounded(struct test_state *t)
{
	struct flow f;

	flow_init(&f, 2, true);
	CHECK(t, flow_can_send(&f) && flow_in_flight(&f) == 0);
	CHECK(t, flow_begin(&f) == 1 && flow_begin(&f) == 2);
	CHECK(t, flow_in_flight(&f) == 2 && !flow_can_send(&f));
	flow_ack(&f, 1);
	CHECK(t, flow_in_flight(&f) == 1 && flow_can_send(&f));
	/* An acknowledgement covers the frames before it. */
	flow_begin(&f);
	flow_ack(&f, 3);
	CHECK(t, flow_in_flight(&f) == 0);
	/* Old, repeated and never-sent ids change nothing. */
	flow_ack(&f, 2);
	flow_ack(&f, 3);
	flow_ack(&f, 99);
	CHECK(t, f.acked == 3 && flow_in_flight(&f) == 0);
}

static void test_flow_suppress_and_suspend(struct test_state *t)
{
	struct flow f;

	flow_init(&f, 1, true);
	flow_suppress(&f, true);
	CHECK(t, !flow_can_send(&f));
	flow_suppress(&f, false);
	CHECK(t, flow_can_send(&f));
	flow_begin(&f);
	CHECK(t, !flow_can_send(&f));
	flow_ack(&f, FLOW_ACK_SUSPEND);
	CHECK(t, flow_can_send(&f));
	/* A client that never acknowledges is not waited for. */
	flow_init(&f, 1, false);
	flow_begin(&f);
	flow_begin(&f);
	CHECK(t, flow_can_send(&f));
}

static void test_flow_wraps(struct test_state *t)
{
	struct flow f;

	flow_init(&f, 3, true);
	f.next_id = 0xfffffffeu;
	f.acked = 0xfffffffdu;
	CHECK(t, flow_begin(&f) == 0xfffffffeu);
	CHECK(t, flow_begin(&f) == 0xffffffffu);
	CHECK(t, flow_begin(&f) == 0);
	CHECK(t, flow_in_flight(&f) == 3 && !flow_can_send(&f));
	flow_ack(&f, 0);
	CHECK(t, flow_in_flight(&f) == 0 && f.acked == 0);
}

static void test_control_round_trip(struct test_state *t)
{
	uint8_t buf[CONTROL_MAX_MSG];
	struct control_msg in = { .type = CONTROL_LOGON, .width = 1920, .height = 1080,
				  .layout = 0x00010409 }, out;
	int n;

	strcpy(in.user, "alice");
	strcpy(in.password, "p\xc3\xa4ss word");
	n = control_encode(&in, buf, sizeof(buf));
	CHECK(t, n > 0 && control_decode(buf, (size_t)n, &out) == 0);
	CHECK(t, out.type == CONTROL_LOGON && out.width == 1920 && out.height == 1080 &&
		 out.layout == 0x00010409 &&
		 !strcmp(out.user, "alice") && !strcmp(out.password, in.password));
	in = (struct control_msg){ .type = CONTROL_TLS, .cert = "CERT PEM", .key = "KEY PEM" };
	n = control_encode(&in, buf, sizeof(buf));
	CHECK(t, n > 0 && control_decode(buf, (size_t)n, &out) == 0);
	CHECK(t, out.cert && out.key && !strcmp(out.cert, "CERT PEM") && !strcmp(out.key, "KEY PEM"));
	in = (struct control_msg){ .type = CONTROL_ACCEPTED, .card = 3 };
	n = control_encode(&in, buf, sizeof(buf));
	CHECK(t, n > 0 && control_decode(buf, (size_t)n, &out) == 0 && out.card == 3);
	in = (struct control_msg){ .type = CONTROL_REFUSED };
	strcpy(in.reason, "wrong user name or password");
	n = control_encode(&in, buf, sizeof(buf));
	CHECK(t, n > 0 && control_decode(buf, (size_t)n, &out) == 0 &&
		 !strcmp(out.reason, in.reason));
	in = (struct control_msg){ .type = CONTROL_WATCHED, .watched_ms = 5000 };
	n = control_encode(&in, buf, sizeof(buf));
	CHECK(t, n == 5 && control_decode(buf, (size_t)n, &out) == 0 &&
		 out.type == CONTROL_WATCHED && out.watched_ms == 5000);
	/* A look and its answer: the type alone. */
	in = (struct control_msg){ .type = CONTROL_LOOK };
	n = control_encode(&in, buf, sizeof(buf));
	CHECK(t, n == 1 && control_decode(buf, (size_t)n, &out) == 0 && out.type == CONTROL_LOOK);
	in = (struct control_msg){ .type = CONTROL_CHANGED };
	n = control_encode(&in, buf, sizeof(buf));
	CHECK(t, n == 1 && control_decode(buf, (size_t)n, &out) == 0 &&
		 out.type == CONTROL_CHANGED);
}

/* When a sink says its head changed, in the orders events may come. */
static void test_head_look(struct test_state *t)
{
	struct head_look hl;

	/* A new connection: what came before is unknown, said at the
	 * first look; the next look waits for a change. */
	head_look_init(&hl);
	CHECK(t, head_look_looked(&hl));
	CHECK(t, !head_look_looked(&hl));
	/* Looked at: the first change is said, the next ones are not. */
	CHECK(t, head_look_changed(&hl));
	CHECK(t, !head_look_changed(&hl));
	/* Those came before the next look was read, perhaps after
	 * seatmuxd's reading: said at once at the look. */
	CHECK(t, head_look_looked(&hl));
	/* Nothing since: the looks wait, and a change is said when it
	 * comes, once. */
	CHECK(t, !head_look_looked(&hl));
	CHECK(t, !head_look_looked(&hl));
	CHECK(t, head_look_changed(&hl));
	/* Said: the next look says at once whether anything came since. */
	CHECK(t, !head_look_looked(&hl));
	CHECK(t, head_look_changed(&hl));
	/* A change that could not be said is said at the next look. */
	head_look_unsaid(&hl);
	CHECK(t, head_look_looked(&hl));
	CHECK(t, !head_look_looked(&hl));
}

static void test_control_malformed(struct test_state *t)
{
	uint8_t buf[CONTROL_MAX_MSG];
	struct control_msg in = { .type = CONTROL_LOGON, .width = 800, .height = 600 }, out;
	int n;

	strcpy(in.user, "bob");
	strcpy(in.password, "secret");
	n = control_encode(&in, buf, sizeof(buf));
	/* Every truncation is refused, and so is a byte too many. */
	for (int len = 0; len < n; len++)
		CHECK(t, control_decode(buf, (size_t)len, &out) < 0);
	buf[n] = 0;
	CHECK(t, control_decode(buf, (size_t)n + 1, &out) < 0);
	/* A length pointing past the end. */
	n = control_encode(&in, buf, sizeof(buf));
	buf[9] = 0xff;
	CHECK(t, control_decode(buf, (size_t)n, &out) < 0);
	/* A NUL inside a string. */
	n = control_encode(&in, buf, sizeof(buf));
	buf[11] = 0;
	CHECK(t, control_decode(buf, (size_t)n, &out) < 0);
	/* A name longer than any account. */
	buf[0] = CONTROL_LOGON;
	buf[1] = buf[2] = buf[3] = buf[4] = 1;
	buf[5] = buf[6] = buf[7] = buf[8] = 0;
	buf[9] = 0x2c;		/* 300 */
	buf[10] = 0x01;
	memset(buf + 11, 'a', 300);
	buf[311] = buf[312] = 0;
	CHECK(t, control_decode(buf, 313, &out) < 0);
	/* Unknown types, and an out-of-range card. */
	buf[0] = 99;
	CHECK(t, control_decode(buf, 1, &out) < 0);
	in = (struct control_msg){ .type = CONTROL_ACCEPTED, .card = 4096 };
	n = control_encode(&in, buf, sizeof(buf));
	CHECK(t, control_decode(buf, (size_t)n, &out) < 0);
	/* Too big to send. */
	CHECK(t, control_encode(&(struct control_msg){ .type = CONTROL_ACCEPTED }, buf, 3) < 0);
	/* Watched past the most one word gives: neither sent nor taken. */
	in = (struct control_msg){ .type = CONTROL_WATCHED, .watched_ms = CONTROL_WATCHED_MAX_MS + 1 };
	CHECK(t, control_encode(&in, buf, sizeof(buf)) < 0);
	buf[0] = CONTROL_WATCHED;
	buf[1] = buf[2] = buf[3] = buf[4] = 0xff;
	CHECK(t, control_decode(buf, 5, &out) < 0);
	CHECK(t, control_decode(buf, 4, &out) < 0);
	/* A look or its answer with anything after the type. */
	buf[0] = CONTROL_LOOK;
	CHECK(t, control_decode(buf, 2, &out) < 0);
	buf[0] = CONTROL_CHANGED;
	CHECK(t, control_decode(buf, 5, &out) < 0);
}

static void test_layouts(struct test_state *t)
{
	struct xkb_names x;

	CHECK(t, layout_to_xkb(0x00000409, &x) && !strcmp(x.layout, "us") && !strcmp(x.variant, ""));
	CHECK(t, layout_to_xkb(0x00000407, &x) && !strcmp(x.layout, "de"));
	CHECK(t, layout_to_xkb(0x0000040c, &x) && !strcmp(x.layout, "fr"));
	CHECK(t, layout_to_xkb(0x00000809, &x) && !strcmp(x.layout, "gb"));
	/* Variants by their full id, the language otherwise. */
	CHECK(t, layout_to_xkb(0x00010409, &x) && !strcmp(x.layout, "us") &&
		 !strcmp(x.variant, "dvorak"));
	CHECK(t, layout_to_xkb(0x0000100c, &x) && !strcmp(x.layout, "ch") && !strcmp(x.variant, "fr"));
	CHECK(t, layout_to_xkb(0x00030407, &x) && !strcmp(x.layout, "de"));
	CHECK(t, !layout_to_xkb(0, &x) && !layout_to_xkb(0x00007fff, &x));
}

/* A watched station's picture: the session's pixels inside, the frame
 * over its edges, only where the rects sent reach; the head's own
 * pixels untouched. */
static void test_frame_mark(struct test_state *t)
{
	enum { W = 40, H = 30, T = SCREEN_WATCHED_FRAME_WIDTH };
	const uint32_t frame = 0xff000000u | SCREEN_WATCHED_FRAME_COLOR;
	static uint32_t px[W * H];
	struct frame_mark *m = frame_mark_new();
	struct damage_rect whole = { 0, 0, W, H }, inner = { 10, 10, 5, 5 },
			   edge = { 0, 20, 8, 4 };
	const uint32_t *out;
	int stride = 0;

	for (int i = 0; i < W * H; i++)
		px[i] = 0xff102030u;
	CHECK(t, m != NULL);
	out = frame_mark_apply(m, px, W, H, W * 4, &whole, 1, &stride);
	CHECK(t, out && stride == W * 4);
	if (!out)
		goto out;
	CHECK(t, out[0] == frame && out[W - 1] == frame && out[(H - 1) * W] == frame);
	CHECK(t, out[(T - 1) * W + W / 2] == frame && out[T * W + W / 2] == 0xff102030u);
	CHECK(t, out[(H / 2) * W + T - 1] == frame && out[(H / 2) * W + T] == 0xff102030u);
	CHECK(t, out[(H / 2) * W + W - T] == frame && out[(H / 2) * W + W - T - 1] == 0xff102030u);
	CHECK(t, px[0] == 0xff102030u);		/* the head's own, as it was */
	/* A change inside: copied, no frame in it. */
	px[12 * W + 12] = 0xffabcdefu;
	out = frame_mark_apply(m, px, W, H, W * 4, &inner, 1, &stride);
	CHECK(t, out && out[12 * W + 12] == 0xffabcdefu && out[10 * W + 10] == 0xff102030u);
	/* A change over the left edge: the frame drawn over it again. */
	px[21 * W + 1] = px[21 * W + 7] = 0xffabcdefu;
	out = frame_mark_apply(m, px, W, H, W * 4, &edge, 1, &stride);
	CHECK(t, out && out[21 * W + 1] == frame && out[21 * W + 7] == 0xffabcdefu);
	/* A rect past the picture is left out, not read. */
	edge = (struct damage_rect){ W - 2, 0, 4, 4 };
	CHECK(t, frame_mark_apply(m, px, W, H, W * 4, &edge, 1, &stride) != NULL);
out:
	frame_mark_free(m);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_scancodes);
	RUN(&t, test_damage_fits);
	RUN(&t, test_damage_small_untouched);
	RUN(&t, test_damage_align_and_clip);
	RUN(&t, test_damage_narrow_messages);
	RUN(&t, test_tile_diff);
	RUN(&t, test_flow_bounded);
	RUN(&t, test_flow_suppress_and_suspend);
	RUN(&t, test_flow_wraps);
	RUN(&t, test_control_round_trip);
	RUN(&t, test_control_malformed);
	RUN(&t, test_head_look);
	RUN(&t, test_layouts);
	RUN(&t, test_frame_mark);
	return TEST_SUMMARY(&t);
}
