// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "seat_rules.h"
#include "test.h"

static int classify(const char *subsystem, const char *sysname,
		    const char *id_seat, bool master,
		    struct seat_rules_result *res)
{
	struct seat_rules_input in = {
		.subsystem = subsystem,
		.sysname = sysname,
		.id_seat = id_seat,
		.tag_master = master,
	};

	memset(res, 0, sizeof(*res));
	return seat_rules_classify(&in, res);
}

static void test_default_seat(struct test_state *t)
{
	struct seat_rules_result r;

	CHECK(t, classify("drm", "card0", NULL, true, &r) == 0);
	CHECK(t, r.kind == DEVICE_DRM_CARD && r.master && !strcmp(r.seat, "seat0"));
	CHECK(t, classify("input", "event4", "", false, &r) == 0);
	CHECK(t, r.kind == DEVICE_EVDEV && !r.master && !strcmp(r.seat, "seat0"));
}

static void test_id_seat(struct test_state *t)
{
	struct seat_rules_result r;

	CHECK(t, classify("drm", "card1", "seat1", true, &r) == 0);
	CHECK(t, !strcmp(r.seat, "seat1") && r.master);
	CHECK(t, classify("input", "event7", "seat-rdp_2", false, &r) == 0);
	CHECK(t, !strcmp(r.seat, "seat-rdp_2"));
	/* logind ignores seat names that do not start with "seat". */
	CHECK(t, classify("input", "event7", "station1", false, &r) == -EINVAL);
	CHECK(t, classify("input", "event7", "seat/../x", false, &r) == -EINVAL);
}

static void test_master_only_cards(struct test_state *t)
{
	struct seat_rules_result r;

	/* Only a card can make a seat exist, whatever its tags. */
	CHECK(t, classify("input", "event1", NULL, true, &r) == 0 && !r.master);
	CHECK(t, classify("drm", "renderD128", NULL, true, &r) == 0 && !r.master);
	CHECK(t, r.kind == DEVICE_DRM_RENDER);
	CHECK(t, classify("drm", "card2", NULL, false, &r) == 0 && !r.master);
}

static void test_not_seat_devices(struct test_state *t)
{
	struct seat_rules_result r;

	CHECK(t, classify("drm", "card", NULL, false, &r) == -ENODEV);
	CHECK(t, classify("input", "input3", NULL, false, &r) == -ENODEV);
	CHECK(t, classify("input", "mouse0", NULL, false, &r) == -ENODEV);
	CHECK(t, classify("input", "mice", NULL, false, &r) == -ENODEV);
	CHECK(t, classify("sound", "card0", NULL, false, &r) == -ENODEV);
	CHECK(t, classify("block", "event1", NULL, false, &r) == -ENODEV);
}

static void test_connectors(struct test_state *t)
{
	struct seat_rules_result r;

	/* Unassigned, a connector follows its card: no seat of its own. */
	CHECK(t, classify("drm", "card0-Virtual-1", NULL, false, &r) == 0);
	CHECK(t, r.kind == DEVICE_DRM_CONNECTOR && !r.master && r.seat[0] == '\0');
	CHECK(t, classify("drm", "card1-HDMI-A-2", "seat3", true, &r) == 0);
	CHECK(t, r.kind == DEVICE_DRM_CONNECTOR && !r.master && !strcmp(r.seat, "seat3"));
	CHECK(t, classify("drm", "card0-Virtual-1", "nope", false, &r) == -EINVAL);
	CHECK(t, classify("drm", "cardX-Virtual-1", NULL, false, &r) == -ENODEV);
	CHECK(t, classify("drm", "card0-", NULL, false, &r) == -ENODEV);
	CHECK(t, !strcmp(seat_rules_connector_name("card12-DP-3"), "DP-3"));
	CHECK(t, seat_rules_connector_name("renderD128") == NULL);
	/* Connectors have no node: a path naming one is nothing we hand out. */
	CHECK(t, seat_rules_path_kind("/dev/dri/card0-Virtual-1") == -1);
}

/* A uinput device seatmuxd did not make: seat0's at most, whatever udev
 * names (its name, which anyone with /dev/uinput chooses, seats it). */
static void test_foreign_input(struct test_state *t)
{
	struct seat_rules_input in = { .subsystem = "input", .sysname = "event9", .foreign = true };
	struct seat_rules_result r;

	in.id_seat = "seat-rdp3";
	CHECK(t, seat_rules_classify(&in, &r) == -EPERM);
	in.id_seat = "seat1";
	CHECK(t, seat_rules_classify(&in, &r) == -EPERM);
	in.id_seat = NULL;
	CHECK(t, seat_rules_classify(&in, &r) == 0 && !strcmp(r.seat, "seat0"));
	in.id_seat = "seat0";
	CHECK(t, seat_rules_classify(&in, &r) == 0 && !strcmp(r.seat, "seat0"));
	/* seatmuxd's own keep udev's seat. */
	in.foreign = false;
	in.id_seat = "seat-rdp3";
	CHECK(t, seat_rules_classify(&in, &r) == 0 && !strcmp(r.seat, "seat-rdp3"));
	/* Input devices only: no user makes a card (adding an evdi card is
	 * root's). */
	in = (struct seat_rules_input){ .subsystem = "drm", .sysname = "card3",
					.id_seat = "seat-rdp3", .foreign = true };
	CHECK(t, seat_rules_classify(&in, &r) == 0 && !strcmp(r.seat, "seat-rdp3"));
}

static void test_path_kind(struct test_state *t)
{
	CHECK(t, seat_rules_path_kind("/dev/dri/card0") == DEVICE_DRM_CARD);
	CHECK(t, seat_rules_path_kind("/dev/dri/renderD128") == DEVICE_DRM_RENDER);
	CHECK(t, seat_rules_path_kind("/dev/input/event12") == DEVICE_EVDEV);
	CHECK(t, seat_rules_path_kind("/dev/input/mice") == -1);
	CHECK(t, seat_rules_path_kind("/dev/input/event1x") == -1);
	CHECK(t, seat_rules_path_kind("/dev/dri/card0/../../sda") == -1);
	CHECK(t, seat_rules_path_kind("/dev/sda") == -1);
	CHECK(t, seat_rules_path_kind("/etc/shadow") == -1);
	CHECK(t, seat_rules_path_kind("/dev/dri/by-path/pci-0000:00:02.0-card") == -1);
	CHECK(t, seat_rules_path_kind("") == -1);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_default_seat);
	RUN(&t, test_id_seat);
	RUN(&t, test_master_only_cards);
	RUN(&t, test_not_seat_devices);
	RUN(&t, test_connectors);
	RUN(&t, test_foreign_input);
	RUN(&t, test_path_kind);
	return TEST_SUMMARY(&t);
}
