// SPDX-License-Identifier: MIT
/*
 * Stations on the machine's own heads: a card (or a connector lent by
 * lease) that udev gives a seat. Nothing to start: the heads are there.
 */
#include "broker.h"
#include "log.h"
#include "roam.h"
#include "station_kind.h"

/* Where the policy says so (a VM's console) physical heads are none. */
static bool physical_wants_head(struct broker *b, const struct device *head)
{
	return b->physical_heads;
}

static void physical_leave_alone(struct broker *b, const struct device *head)
{
	log_info("%s: head left alone: physical heads are no stations on %s "
		 "(physical-heads = yes in [broker] changes that)",
		 head->devnode[0] ? head->devnode : head->sysname, platform_name(b->platform));
}

static const struct session_spec *physical_session_spec(struct broker *b, const char *seat)
{
	/* A station's devices moved away from their session (roam.h) are
	 * still that station: its section says what they run. */
	const struct seat_config *sc = config_seat(&b->cfg, roam_home(b, seat));

	return sc ? &sc->spec : NULL;
}

static bool physical_keeps_seat(struct broker *b, const char *seat)
{
	return false;	/* a head unplugged is a station gone */
}

static int physical_start(struct broker *b)
{
	return 0;
}

static void physical_stop(struct broker *b)
{
}

const struct station_kind physical_station_kind = {
	.name = "physical",
	.origin = DEVICE_PHYSICAL,
	.start = physical_start,
	.stop = physical_stop,
	.wants_head = physical_wants_head,
	.leave_alone = physical_leave_alone,
	.session_spec = physical_session_spec,
	.keeps_seat = physical_keeps_seat,
	/* Its seat rules give its devices their seats (roam_rules.h). */
	.moves_by_rules = true,
};
