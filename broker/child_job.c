/*
 * The child writes its answer on a pipe in one write and exits; a pipe
 * that ends without a whole answer is a job that failed. The child is
 * reaped by seatmuxd's SIGCHLD handling like any other, which passes over
 * pids it does not know.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include "child_job.h"

struct child_job {
	pid_t pid;
	int fd;
	size_t size;
	struct loop_source *src;
	child_job_done done;
	void *data;
};

static void job_free(struct child_job *job)
{
	if (job->src)
		loop_remove(job->src);
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

static _Noreturn void run_child(int fd, size_t size, child_job_work work, void *arg)
{
	_Alignas(max_align_t) unsigned char answer[CHILD_JOB_MAX_ANSWER] = { 0 };
	sigset_t none;

	/* seatmuxd takes its signals through a signalfd; the work may want
	 * its own (SIGCHLD for a program it runs), and what it execs
	 * inherits the mask. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	work(arg, answer);
	_exit(write(fd, answer, size) == (ssize_t)size ? 0 : 1);
}

struct child_job *child_job_start(struct loop *loop, size_t size, child_job_work work,
				  void *arg, child_job_done done, void *data)
{
	struct child_job *job;
	int pipefd[2];

	if (size == 0 || size > CHILD_JOB_MAX_ANSWER) {
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
	job->pid = fork();
	if (job->pid == 0) {
		close(pipefd[0]);
		run_child(pipefd[1], size, work, arg);
	}
	close(pipefd[1]);
	job->fd = pipefd[0];
	if (job->pid < 0)
		goto err;
	job->src = loop_add_fd(loop, job->fd, EPOLLIN, on_answer, job);
	if (!job->src) {
		child_job_cancel(job);
		return NULL;
	}
	return job;
err:
	job_free(job);
	return NULL;
}

void child_job_cancel(struct child_job *job)
{
	if (!job)
		return;
	if (job->pid > 0)
		kill(job->pid, SIGKILL);
	job_free(job);
}
