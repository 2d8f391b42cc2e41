// SPDX-License-Identifier: MIT
/* What the room's interface shows of a station, and what counts as a
 * change worth a signal; and seatmuxctl's JSON strings. */
#include <stdio.h>
#include <string.h>

#include "broker.h"
#include "json_out.h"
#include "screens.h"
#include "seats.h"
#include "station_kind.h"
#include "station_view.h"
#include "test.h"

static void fake_address(struct broker *b, const char *seat, char *out, size_t size)
{
	snprintf(out, size, "%s", !strcmp(seat, "seat-rdp1") ? "192.0.2.7:50123" : "");
}

/* Blocks are screens.c's: here seat-rdp1 is blocked. */
const char *screens_blocked(struct broker *b, const char *seat)
{
	return !strcmp(seat, "seat-rdp1") ? "Pens down" : NULL;
}

/* And projections: seat0 shows seat-rdp1. */
const char *screens_projected(struct broker *b, const char *seat)
{
	return !strcmp(seat, "seat0") ? "seat-rdp1" : NULL;
}

/* Devices are devices.c's: their own seat, here. */
const char *devices_seat_of(const struct devices *devs, const struct device *dev)
{
	return dev->seat;
}

/* The token of the look since which a head is still: seat-rdp1's is
 * still_token (0: it changed). */
static unsigned still_token;

static unsigned fake_still_since(struct broker *b, const char *seat)
{
	return !strcmp(seat, "seat-rdp1") ? still_token : 0;
}

static const struct station_kind fake_rdp = { .name = "rdp", .address = fake_address,
					      .still_since = fake_still_since };
static const struct station_kind fake_usbip = { .name = "usbip",
						.still_since = fake_still_since };
static const struct station_kind fake_physical = { .name = "physical" };

static void seat_init(struct seat *s, const char *name, const struct station_kind *kind)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->kind = kind;
	s->session.uid = (uid_t)-1;
	s->session.stopped = true;
}

static void test_view(struct test_state *t)
{
	struct broker b = { 0 };
	struct station_view v, w;
	struct seat s;
	char user[] = "station1";
	struct device kbd = { .seat = "seat0", .syspath = "/sys/devices/x/input/input4",
			      .description = "keyboard \"QEMU USB Keyboard\"" };

	list_init(&b.devices.list);

	seat_init(&s, "seat-rdp1", &fake_rdp);
	station_view_of(&b, &s, &v);
	CHECK(t, !strcmp(v.id, "seat-rdp1") && !strcmp(v.kind, "rdp"));
	CHECK(t, !strcmp(v.name, "seat-rdp1"));	/* not renamed: its id */
	CHECK(t, !strcmp(v.state, "none") && v.pid == 0 && v.user[0] == '\0');
	CHECK(t, v.uid == (uint32_t)-1);
	CHECK(t, !strcmp(v.address, "192.0.2.7:50123"));
	CHECK(t, v.projected_from[0] == '\0');	/* nothing projected on it */

	/* A running session: its user (the run's, not the spec's: the next
	 * run may be another user's) and pid. */
	s.session.pid = 412;
	s.session.uid = 1001;
	s.session.stopped = false;
	snprintf(s.session.user, sizeof(s.session.user), "%s", user);
	s.session.spec.user = "station9";
	station_view_of(&b, &s, &w);
	CHECK(t, !strcmp(w.state, "running") && w.pid == 412 && w.uid == 1001);
	CHECK(t, !strcmp(w.user, "station1"));
	CHECK(t, station_view_differs(&v, &w));
	s.session.stopping = true;
	station_view_of(&b, &s, &v);
	CHECK(t, !strcmp(v.state, "stopping"));
	s.session.stopping = false;
	station_view_of(&b, &s, &v);
	CHECK(t, !station_view_differs(&v, &w));

	/* A head of the machine's own is "local"; no address op, none. */
	seat_init(&s, "seat0", &fake_physical);
	station_view_of(&b, &s, &v);
	CHECK(t, !strcmp(v.kind, "local") && v.address[0] == '\0');
	CHECK(t, !strcmp(station_view_kind(NULL), "local"));
	CHECK(t, !v.blocked && w.blocked);	/* only seat-rdp1 is blocked */
	w = v;
	w.blocked = true;
	CHECK(t, station_view_differs(&v, &w));	/* a block is a change to signal */
	CHECK(t, !strcmp(v.projected_from, "seat-rdp1"));
	w = v;
	w.projected_from[0] = '\0';
	CHECK(t, station_view_differs(&v, &w));	/* and a projection */

	/* A keyboard joining seat0 changes its Devices; seat-rdp1's not. */
	seat_init(&s, "seat0", &fake_physical);
	station_view_of(&b, &s, &v);
	list_insert(&b.devices.list, &kbd.link);
	station_view_of(&b, &s, &w);
	CHECK(t, station_view_differs(&v, &w));
	snprintf(kbd.description, sizeof(kbd.description), "keyboard \"other\"");
	station_view_of(&b, &s, &v);
	CHECK(t, station_view_differs(&v, &w));
	seat_init(&s, "seat-rdp1", &fake_rdp);
	station_view_of(&b, &s, &v);
	list_remove(&kbd.link);
	station_view_of(&b, &s, &w);
	CHECK(t, !station_view_differs(&v, &w));
}

/* A station's Picture: the same while its head is still, another after
 * a change, in another run of seatmuxd or of another kind; 0 with
 * nothing still, and from a kind that cannot say. */
static void test_picture(struct test_state *t)
{
	struct broker b = { .run_id = 0x1234 };
	struct station_view v, w;
	struct seat s;
	uint64_t first;

	list_init(&b.devices.list);
	seat_init(&s, "seat-rdp1", &fake_rdp);
	still_token = 0;
	station_view_of(&b, &s, &v);
	CHECK(t, v.picture == 0);
	still_token = 7;
	station_view_of(&b, &s, &v);
	first = v.picture;
	station_view_of(&b, &s, &v);
	CHECK(t, first != 0 && v.picture == first);
	still_token = 9;
	station_view_of(&b, &s, &v);
	CHECK(t, v.picture != 0 && v.picture != first);
	still_token = 7;
	b.run_id = 0x1235;
	station_view_of(&b, &s, &v);
	CHECK(t, v.picture != 0 && v.picture != first);
	b.run_id = 0x1234;
	s.kind = &fake_usbip;
	station_view_of(&b, &s, &v);
	CHECK(t, v.picture != 0 && v.picture != first);
	s.kind = &fake_physical;
	station_view_of(&b, &s, &v);
	CHECK(t, v.picture == 0);
	/* Not a change worth a signal: it changes as the head does. */
	s.kind = &fake_rdp;
	station_view_of(&b, &s, &v);
	still_token = 8;
	station_view_of(&b, &s, &w);
	CHECK(t, v.picture != w.picture && !station_view_differs(&v, &w));
}

static void test_json(struct test_state *t)
{
	char buf[256] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	json_string(f, "a\"b\\c\n\x01é");
	fclose(f);
	CHECK(t, !strcmp(buf, "\"a\\\"b\\\\c\\u000a\\u0001é\""));
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_view);
	RUN(&t, test_picture);
	RUN(&t, test_json);
	return TEST_SUMMARY(&t);
}
