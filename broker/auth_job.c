/*
 * The child writes one fixed-size record on a pipe and exits; a pipe that
 * ends without one (the child crashed or was killed) is an error. The
 * child is reaped by seatmuxd's SIGCHLD handling like any other, which
 * passes over pids it does not know.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "auth_job.h"

struct auth_job {
	pid_t pid;
	int fd;
	struct loop_source *src;
	auth_job_fn done;
	void *data;
};

struct answer {
	int res;
	uid_t uid;
	gid_t gid;
};

static void job_free(struct auth_job *job)
{
	if (job->src)
		loop_remove(job->src);
	if (job->fd >= 0)
		close(job->fd);
	free(job);
}

static void on_answer(void *data, uint32_t events)
{
	struct auth_job *job = data;
	struct answer a = { .res = AUTH_ERROR };
	ssize_t n;

	do
		n = read(job->fd, &a, sizeof(a));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(a) || a.res < AUTH_OK || a.res > AUTH_ERROR)
		a = (struct answer){ .res = AUTH_ERROR };
	job->done(job->data, (enum auth_result)a.res, a.uid, a.gid);
	job_free(job);
}

static _Noreturn void run_child(int fd, const struct auth_config *cfg, const char *user,
				const char *password)
{
	struct answer a = { 0 };
	sigset_t none;

	/* seatmuxd takes its signals through a signalfd; PAM modules may
	 * want theirs (SIGCHLD for a helper they run). */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	a.res = (int)auth_check(cfg, user, password, &a.uid, &a.gid);
	_exit(write(fd, &a, sizeof(a)) == (ssize_t)sizeof(a) ? 0 : 1);
}

struct auth_job *auth_job_start(struct loop *loop, const struct auth_config *cfg,
				const char *user, const char *password, auth_job_fn done,
				void *data)
{
	struct auth_job *job = calloc(1, sizeof(*job));
	int pipefd[2];

	if (!job)
		return NULL;
	job->fd = -1;
	job->done = done;
	job->data = data;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		goto err;
	job->pid = fork();
	if (job->pid == 0) {
		close(pipefd[0]);
		run_child(pipefd[1], cfg, user, password);
	}
	close(pipefd[1]);
	job->fd = pipefd[0];
	if (job->pid < 0)
		goto err;
	job->src = loop_add_fd(loop, job->fd, EPOLLIN, on_answer, job);
	if (!job->src) {
		auth_job_cancel(job);
		return NULL;
	}
	return job;
err:
	job_free(job);
	return NULL;
}

void auth_job_cancel(struct auth_job *job)
{
	if (!job)
		return;
	if (job->pid > 0)
		kill(job->pid, SIGKILL);
	job_free(job);
}
