// SPDX-License-Identifier: MIT
/*
 * The child writes its answer on a pipe in one write and exits; a pipe
 * that ends without a whole answer is a job that failed. The child is
 * started and reaped as every child is (spawn.c); its end itself is told
 * by the pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include "child_job.h"
#include "spawn.h"

struct child_job {
	struct child *child;
	int fd;
	size_t size;
	struct loop_source *src;
	struct loop_source *deadline;
	child_job_done done;
	void *data;
};

static void job_free(struct child_job *job)
{
	child_detach(job->child);
	if (job->src)
		loop_remove(job->src);
	if (job->deadline)
		loop_remove(job->deadline);
	if (job->fd >= 0)
		close(job->fd);
	free(job);
}

static void on_answer(void *data, uint32_t events)
{
	struct child_job *job = data;
	/* Aligned for whatever record the answer is. */
	_Alignas(max_align_t) unsigned char answer[CHILD_JOB_MAX_ANSWER];
	ssize_t n;

	do
		n = read(job->fd, answer, job->size);
	while (n < 0 && errno == EINTR);
	job->done(job->data, n == (ssize_t)job->size ? answer : NULL);
	job_free(job);
}

struct job_run {
	int fd;
	size_t size;
	child_job_work work;
	void *arg;
};

/* In the child, with seatmuxd's fds (the work may need them) or, bare,
 * none, and a clean signal mask (the work may want SIGCHLD for a program
 * it runs). */
static int job_run(void *data)
{
	_Alignas(max_align_t) unsigned char answer[CHILD_JOB_MAX_ANSWER] = { 0 };
	const struct job_run *run = data;

	/* A bare child's pipe was laid out without it: nothing the work
	 * runs (unix_chkpwd, say) may hold the answer open. */
	fcntl(run->fd, F_SETFD, FD_CLOEXEC);
	run->work(run->arg, answer);
	return write(run->fd, answer, run->size) == (ssize_t)run->size ? 0 : 1;
}

/* Too late: killed, and told as a job with no answer now, not when its
 * pipe ends (a process it forked may hold that open). */
static void deadline_passed(void *data, uint32_t events)
{
	struct child_job *job = data;

	if (job->child)
		child_signal(job->child, SIGKILL);
	job->done(job->data, NULL);
	job_free(job);
}

/* Reaped; its answer, if any, is read from the pipe on its own. */
static void job_child_ended(void *data, pid_t pid, int status)
{
	struct child_job *job = data;

	job->child = NULL;
}

/* The bare child's fds: 0 /dev/null, 1 and 2 seatmuxd's, 3 the answer. */
#define BARE_ANSWER_FD 3

static struct child_job *job_start(struct loop *loop, size_t size, child_job_work work,
				   void *arg, child_job_done done, void *data, bool bare,
				   int timeout_ms)
{
	struct job_run run = { .size = size, .work = work, .arg = arg };
	int fds[4] = { -1, STDOUT_FILENO, STDERR_FILENO, -1 };
	struct spawn sp = { .nfds = -1, .run = job_run, .arg = &run };
	struct child_job *job;
	int pipefd[2];

	if (size == 0 || size > CHILD_JOB_MAX_ANSWER || timeout_ms < 0) {
		errno = EINVAL;
		return NULL;
	}
	job = calloc(1, sizeof(*job));
	if (!job)
		return NULL;
	job->fd = -1;
	job->size = size;
	job->done = done;
	job->data = data;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		goto err;
	run.fd = pipefd[1];
	if (bare) {
		fds[BARE_ANSWER_FD] = pipefd[1];
		sp.fds = fds;
		sp.nfds = 4;
		run.fd = BARE_ANSWER_FD;
	}
	job->child = spawn_child(loop, &sp, job_child_ended, job);
	close(pipefd[1]);
	job->fd = pipefd[0];
	if (!job->child)
		goto err;
	job->src = loop_add_fd(loop, job->fd, EPOLLIN, on_answer, job);
	if (job->src && timeout_ms > 0) {
		job->deadline = loop_add_timer(loop, deadline_passed, job);
		if (job->deadline && loop_timer_arm(job->deadline, timeout_ms) < 0) {
			loop_remove(job->deadline);
			job->deadline = NULL;
		}
	}
	if (!job->src || (timeout_ms > 0 && !job->deadline)) {
		child_job_cancel(job);
		return NULL;
	}
	return job;
err:
	job_free(job);
	return NULL;
}

struct child_job *child_job_start(struct loop *loop, size_t size, child_job_work work,
				  void *arg, child_job_done done, void *data)
{
	return job_start(loop, size, work, arg, done, data, false, 0);
}

struct child_job *child_job_start_bare(struct loop *loop, size_t size, child_job_work work,
				       void *arg, child_job_done done, void *data,
				       int timeout_ms)
{
	return job_start(loop, size, work, arg, done, data, true, timeout_ms);
}

void child_job_finish(struct child_job *job, int timeout_ms)
{
	struct pollfd p = { .fd = job->fd, .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n <= 0 && job->child)
		child_signal(job->child, SIGKILL);	/* its pipe ends with it */
	on_answer(job, EPOLLIN);
}

void child_job_cancel(struct child_job *job)
{
	if (!job)
		return;
	if (job->child)
		child_signal(job->child, SIGKILL);
	job_free(job);
}
