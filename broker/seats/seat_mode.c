// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "broker.h"
#include "log.h"
#include "seat_attach.h"
#include "seat_mode.h"
#include "seats.h"
#include "spawn.h"
#include "udev_job.h"

static int settle_run(void *arg)
{
	execl("/usr/bin/udevadm", "udevadm", "settle", "--timeout=60", (char *)NULL);
	return 127;
}

/* udev moved every device: seat0's compositor, started again, finds
 * the heads seat0 has now (its own udev enumeration agrees). */
static void settled(void *data, pid_t pid, int status)
{
	struct broker *b = data;

	b->mode_settle = NULL;
	log_info("seat0: its session starts again on the heads it has now");
	seats_log_off(b, "seat0");
}

bool seats_console_mode(void)
{
	return seat_console_mode(SEAT_ATTACH_RULES_DIR);
}

struct mode_switch {
	struct broker *b;
	bool console;
	seats_mode_done done;
	void *data;
};

static void told(void *data, const struct udev_job_answer *answer)
{
	struct mode_switch *ms = data;
	struct broker *b = ms->b;
	const struct spawn sp = { .nfds = -1, .run = settle_run };

	b->mode_switch = NULL;
	if (answer->rc == 0) {
		log_info(ms->console ? "console mode: seat0 takes every head of the machine's own" :
				       "station mode: every head a station");
		/* A settle under way waits for these events too: one restart;
		 * none when seatmuxd ends (its next start finds the heads). */
		if (!b->mode_settle && !b->udev_jobs.finishing) {
			b->mode_settle = spawn_child(b->loop, &sp, settled, b);
			if (!b->mode_settle) {
				log_warn("udevadm settle: %m: seat0's session starts again now");
				seats_log_off(b, "seat0");
			}
		}
	}
	ms->done(ms->data, answer->rc);
	free(ms);
}

int seats_set_console(struct broker *b, bool console, seats_mode_done done, void *data)
{
	struct mode_switch *ms;

	if (b->mode_switch)
		return -EBUSY;
	/* Asked for the mode it is in: done, and nothing moves (no roam is
	 * undone). */
	if (seats_console_mode() == console) {
		done(data, -EALREADY);
		return 0;
	}
	ms = malloc(sizeof(*ms));
	if (!ms)
		return -ENOMEM;
	*ms = (struct mode_switch){ .b = b, .console = console, .done = done, .data = data };
	/* Queued before the switch's own job: udev sees them first. */
	seats_roam_reset(b);
	if (!udev_job_start(&b->udev_jobs, console ? UDEV_JOB_CONSOLE : UDEV_JOB_STATION, NULL,
			    NULL, told, ms)) {
		free(ms);
		return -errno;
	}
	b->mode_switch = ms;
	return 0;
}

bool seats_mode_switching(const struct broker *b)
{
	return b->mode_switch != NULL;
}
