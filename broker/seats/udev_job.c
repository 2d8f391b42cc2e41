// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "seat_attach.h"
#include "udev_job.h"
#include "udev_rules.h"

_Static_assert(sizeof(struct udev_job_answer) <= CHILD_JOB_MAX_ANSWER,
	       "an answer child_job carries");

/* A job's child gets this long to finish when seatmuxd ends. */
#define FINISH_MS 10000

static int switch_mode(bool console)
{
	int rc = seat_console_write(SEAT_ATTACH_RULES_DIR, console);

	if (rc < 0)
		return rc;
	rc = seat_console_announce();
	/* udev would apply it at some later event, device by device: nothing
	 * changes rather than half of it. */
	if (rc < 0)
		seat_console_write(SEAT_ATTACH_RULES_DIR, !console);
	return rc;
}

/* In the child, on its copy of the job. */
static void work(void *arg, void *out)
{
	struct udev_job *job = arg;
	struct udev_job_answer *a = out;
	char id[NAME_MAX + 1] = "";

	switch (job->op) {
	case UDEV_JOB_ATTACH:
		a->rc = seat_attach(job->q->udev, SEAT_ATTACH_RULES_DIR, job->seat, job->device,
				    id, sizeof(id));
		snprintf(a->id, sizeof(a->id), "%s", id);
		break;
	case UDEV_JOB_FLUSH:
		a->rc = seat_flush_devices(job->q->udev, SEAT_ATTACH_RULES_DIR);
		break;
	case UDEV_JOB_CONSOLE:
	case UDEV_JOB_STATION:
		a->rc = switch_mode(job->op == UDEV_JOB_CONSOLE);
		break;
	case UDEV_JOB_RELOAD:
		a->rc = udev_rules_reload() < 0 ? -EAGAIN : 0;
		break;
	case UDEV_JOB_MOVE:
		a->rc = udev_rules_move_home(job->q->udev, job->seat, job->device);
		if (a->rc < 0 && a->rc != -ENOENT)
			a->rc = -EAGAIN;
		break;
	}
}

static void next(struct udev_jobs *q);

static struct udev_job *first(struct udev_jobs *q)
{
	return list_empty(&q->queue) ? NULL : list_entry(q->queue.next, struct udev_job, link);
}

/* The job leaves the queue before its done runs: done may ask for more. */
static void answer_and_free(struct udev_job *job, const struct udev_job_answer *answer)
{
	struct udev_jobs *q = job->q;

	list_remove(&job->link);
	job->done(job->data, answer);
	free(job);
	next(q);
}

static void on_answer(void *data, const void *answer)
{
	struct udev_job *job = data;
	const struct udev_job_answer died = { .rc = -EIO };

	job->job = NULL;
	answer_and_free(job, answer ? answer : &died);
}

/* The first job in the queue runs, unless it does already. */
static void next(struct udev_jobs *q)
{
	struct udev_job *job = first(q);
	struct udev_job_answer failed = { 0 };

	if (!job || job->job || q->finishing)
		return;
	job->job = child_job_start(q->loop, sizeof(struct udev_job_answer), work, job, on_answer,
				   job);
	if (!job->job) {
		failed.rc = -errno;
		log_warn("udev: a job cannot start: %m");
		answer_and_free(job, &failed);
	}
}

void udev_jobs_init(struct udev_jobs *q, struct loop *loop, struct udev *udev)
{
	q->loop = loop;
	q->udev = udev;
	list_init(&q->queue);
}

struct udev_job *udev_job_start(struct udev_jobs *q, enum udev_job_op op, const char *seat,
				const char *device, udev_job_done done, void *data)
{
	struct udev_job *job;

	if (q->finishing) {
		errno = ECANCELED;
		return NULL;
	}
	job = calloc(1, sizeof(*job));
	if (!job)
		return NULL;
	if ((seat && (size_t)snprintf(job->seat, sizeof(job->seat), "%s", seat) >=
			     sizeof(job->seat)) ||
	    (device && (size_t)snprintf(job->device, sizeof(job->device), "%s", device) >=
			       sizeof(job->device))) {
		free(job);
		errno = ENAMETOOLONG;
		return NULL;
	}
	job->q = q;
	job->op = op;
	job->done = done;
	job->data = data;
	list_insert(&q->queue, &job->link);	/* last */
	/* Started here, not by next(): a failure is this call's. */
	if (first(q) == job) {
		job->job = child_job_start(q->loop, sizeof(struct udev_job_answer), work, job,
					   on_answer, job);
		if (!job->job) {
			list_remove(&job->link);
			free(job);
			return NULL;
		}
	}
	return job;
}

void udev_job_cancel(struct udev_job *job)
{
	struct udev_jobs *q;

	if (!job)
		return;
	q = job->q;
	child_job_cancel(job->job);
	list_remove(&job->link);
	free(job);
	next(q);
}

void udev_jobs_finish(struct udev_jobs *q)
{
	const struct udev_job_answer cancelled = { .rc = -ECANCELED };
	struct udev_job *running = first(q), *job;

	q->finishing = true;
	if (running && !running->job)
		running = NULL;
	/* What waits its turn never runs; answered first, so that nothing
	 * the running job's answer asks for can start. */
	for (;;) {
		struct list *at = running ? running->link.next : q->queue.next;

		if (at == &q->queue)
			break;
		job = list_entry(at, struct udev_job, link);
		list_remove(&job->link);
		job->done(job->data, &cancelled);
		free(job);
	}
	if (running)
		child_job_finish(running->job, FINISH_MS);	/* on_answer frees it */
}
