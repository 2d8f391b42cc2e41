// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "log.h"
#include "roam.h"
#include "udev_job.h"
#include "udev_rules.h"

/* By each device's home (72-zzz-seatmux-home.rules), after the seat
 * rules, 73-seat-late (which gives a device its parent's seat) and the
 * stations' own (73-seatmux-rdp, -usbip). */
#define ROAM_RULES "/run/udev/rules.d/73-seatmux-zz-roam.rules"

static void rules(FILE *f, void *data)
{
	roam_table_rules(data, f);
}

static int write_rules(struct broker *b)
{
	if (b->roam.n == 0)
		return unlink(ROAM_RULES) < 0 && errno != ENOENT ? -1 : 0;
	return udev_rules_write(ROAM_RULES, "stations' devices moved to their users' sessions",
				rules, &b->roam);
}

static void on_moved(void *data, const struct udev_job_answer *a)
{
	char *seat = data;

	if (a->rc < 0)
		log_warn("roam: udev did not move %s's devices: %s", seat, strerror(-a->rc));
	free(seat);
}

int roam_move(struct broker *b, const char *home, const char *now)
{
	char from[SEAT_PROTO_MAX_SEAT];
	struct roam_table before = b->roam;
	char *arg;
	int rc;

	snprintf(from, sizeof(from), "%s", roam_table_now(&b->roam, home));
	rc = roam_table_set(&b->roam, home, now);
	if (rc < 0)
		return rc;
	if (write_rules(b) < 0) {
		log_error("roam: cannot write %s: %m", ROAM_RULES);
		b->roam = before;
		return -EIO;
	}
	broker_changed(b);
	log_info("roam: %s's devices go from %s to %s", home, from, now);
	arg = strdup(home);
	/* The home's devices, and the input devices now from's. */
	if (!arg || !udev_job_start(&b->udev_jobs, UDEV_JOB_MOVE, home, from, on_moved, arg)) {
		log_error("roam: udev cannot be told of %s's move: %m", home);
		free(arg);
	}
	return 0;
}

const char *roam_home(const struct broker *b, const char *seat)
{
	return roam_table_home(&b->roam, seat);
}

const char *roam_now(const struct broker *b, const char *home)
{
	return roam_table_now(&b->roam, home);
}

void roam_save(const struct broker *b, FILE *f)
{
	for (int i = 0; i < b->roam.n; i++)
		state_put(f, "roam", b->roam.moves[i].home, b->roam.moves[i].now, (char *)NULL);
}

/*
 * The rule the last seatmuxd wrote is udev's still (it lives in /run, as
 * the devices' seats do): its moves are taken back as they were. With
 * none recorded, none is left in force.
 */
void roam_take_back(struct broker *b)
{
	struct state_record *r;

	while (b->restored && (r = state_take(b->restored, "roam", (char *)NULL)))
		if (r->argc != 3 || roam_table_set(&b->roam, r->argv[1], r->argv[2]) < 0)
			log_warn("roam: a move of the last seatmuxd is not understood: dropped");
	if (write_rules(b) < 0)
		log_warn("roam: cannot write %s: %m", ROAM_RULES);
	/* A station on its way when it went goes back where it was: with
	 * both stations' devices in one seat, this one could not tell which
	 * was to leave. Its user logs on again. */
	while (b->restored && (r = state_take(b->restored, "roam-arriving", (char *)NULL))) {
		if (r->argc != 3 || strcmp(roam_table_now(&b->roam, r->argv[1]), r->argv[1]) == 0)
			continue;
		log_warn("roam: %s's devices were on their way when the last seatmuxd went: back to "
			 "%s", r->argv[1], r->argv[2]);
		if (roam_move(b, r->argv[1], r->argv[2]) < 0)
			log_error("roam: %s's devices cannot go back", r->argv[1]);
	}
}
