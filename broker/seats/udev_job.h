/* SPDX-License-Identifier: MIT */
/*
 * Changing udev's mind about seats waits on udevadm: a rule written (and
 * fsynced under /etc), udev's rules reloaded, devices announced again.
 * On a busy udev that takes seconds, so it runs in a child job and
 * seatmuxd's loop never waits on udev; the answer comes back through the
 * loop. Jobs run one at a time in the order asked, so that two never
 * write the same rule file at once and a mode switch, an attach and a
 * flush apply in the order they were asked for.
 */
#ifndef SEATMUX_UDEV_JOB_H
#define SEATMUX_UDEV_JOB_H

#include <libudev.h>
#include <limits.h>
#include <stdbool.h>

#include "child_job.h"
#include "list.h"
#include "seat_proto.h"

enum udev_job_op {
	UDEV_JOB_ATTACH,	/* seat_attach(seat, device) */
	UDEV_JOB_FLUSH,		/* seat_flush_devices */
	UDEV_JOB_CONSOLE,	/* console mode: seat_console_write, _announce */
	UDEV_JOB_STATION,	/* station mode: the same */
	UDEV_JOB_RELOAD,	/* runtime rules written: udev_rules_reload */
	UDEV_JOB_MOVE,		/* roaming rules written: udev_rules_move_home(seat, device) */
};

struct udev_job_answer {
	/* What the call returned; -EIO: the job died; -ECANCELED: seatmuxd
	 * ended before it ran. */
	int rc;
	char id[CHILD_JOB_MAX_ANSWER - sizeof(int)];	/* ATTACH: ID_FOR_SEAT, cut */
};

typedef void (*udev_job_done)(void *data, const struct udev_job_answer *answer);

struct udev_jobs {
	struct loop *loop;
	struct udev *udev;
	struct list queue;	/* struct udev_job; the first one runs */
	bool finishing;		/* seatmuxd ends: nothing more is asked */
};

struct udev_job {
	struct list link;
	struct udev_jobs *q;
	enum udev_job_op op;
	char seat[SEAT_PROTO_MAX_SEAT];
	char device[PATH_MAX];
	struct child_job *job;	/* running, or NULL: waits its turn */
	udev_job_done done;
	void *data;
};

void udev_jobs_init(struct udev_jobs *q, struct loop *loop, struct udev *udev);
/* Asks for op (seat and device: ATTACH's, else NULL); done runs once,
 * from the loop, never before this returns, unless cancelled. NULL with
 * errno set: not asked. */
struct udev_job *udev_job_start(struct udev_jobs *q, enum udev_job_op op, const char *seat,
				const char *device, udev_job_done done, void *data);
/* done is not called. A running job is killed where it stands (a reload
 * is that safe; a rule may be left written but not read). NULL: none. */
void udev_job_cancel(struct udev_job *job);
/* seatmuxd ends: the running job is waited for (bounded) and answered,
 * the others answered -ECANCELED without running. */
void udev_jobs_finish(struct udev_jobs *q);

#endif
