// SPDX-License-Identifier: MIT
/*
 * child_job: the work runs in another process, its answer comes back
 * through the loop, a child that dies without answering is told as such,
 * and a cancelled job is never answered. A bare job's child holds none of
 * the parent's fds, and one past its deadline is killed and told as dead.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child_job.h"
#include "loop.h"
#include "test.h"

struct answer {
	pid_t pid;
	char text[16];
};

struct result {
	int calls;
	bool answered;
	struct answer a;
};

static void work_answers(void *arg, void *out)
{
	struct answer *a = out;

	a->pid = getpid();
	snprintf(a->text, sizeof(a->text), "%s", (const char *)arg);
}

static void work_dies(void *arg, void *out)
{
	raise(SIGKILL);
}

static void done(void *data, const void *out)
{
	struct result *r = data;

	r->calls++;
	r->answered = out != NULL;
	if (out)
		memcpy(&r->a, out, sizeof(r->a));
}

static void run_until(struct loop *loop, const struct result *a, const struct result *b)
{
	for (int i = 0; i < 100 && (!a->calls || !b->calls); i++)
		loop_dispatch(loop, 100);
}

static void test_answers(struct test_state *t)
{
	struct loop *loop = loop_create();
	struct result ok = { 0 }, dead = { 0 }, cancelled = { 0 };
	char arg[] = "from the parent";
	struct child_job *job;

	CHECK(t, loop);
	if (!loop)
		return;
	CHECK(t, child_job_start(loop, sizeof(struct answer), work_answers, arg, done, &ok));
	/* arg is read in the child: the parent may reuse it at once. */
	memset(arg, 0, sizeof(arg));
	CHECK(t, child_job_start(loop, sizeof(struct answer), work_dies, NULL, done, &dead));
	job = child_job_start(loop, sizeof(struct answer), work_answers, arg, done, &cancelled);
	CHECK(t, job);
	child_job_cancel(job);
	run_until(loop, &ok, &dead);
	CHECK(t, ok.calls == 1 && ok.answered);
	CHECK(t, ok.a.pid > 0 && ok.a.pid != getpid());
	CHECK(t, !strcmp(ok.a.text, "from the parent"));
	CHECK(t, dead.calls == 1 && !dead.answered);
	loop_dispatch(loop, 200);
	CHECK(t, cancelled.calls == 0);
	loop_destroy(loop);
	while (waitpid(-1, NULL, 0) > 0)
		;
}

/* The answer's text: whether fd (the parent's, open there) is open here. */
static void work_looks_at_fd(void *arg, void *out)
{
	struct answer *a = out;

	a->pid = getpid();
	snprintf(a->text, sizeof(a->text), "%s",
		 fcntl(*(const int *)arg, F_GETFD) < 0 ? "closed" : "open");
}

static void work_hangs(void *arg, void *out)
{
	pause();
}

static void test_bare(struct test_state *t)
{
	struct loop *loop = loop_create();
	struct result bare = { 0 }, kept = { 0 }, late = { 0 }, on_time = { 0 };
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	CHECK(t, loop && fd > 3);
	if (!loop)
		return;
	CHECK(t, child_job_start_bare(loop, sizeof(struct answer), work_looks_at_fd, &fd, done,
				      &bare, 0));
	CHECK(t, child_job_start(loop, sizeof(struct answer), work_looks_at_fd, &fd, done, &kept));
	run_until(loop, &bare, &kept);
	CHECK(t, bare.answered && !strcmp(bare.a.text, "closed"));
	CHECK(t, kept.answered && !strcmp(kept.a.text, "open"));
	/* Past its deadline: killed, no answer. In time: answered. */
	CHECK(t, child_job_start_bare(loop, sizeof(struct answer), work_hangs, NULL, done, &late,
				      300));
	CHECK(t, child_job_start_bare(loop, sizeof(struct answer), work_answers, "in time", done,
				      &on_time, 5000));
	run_until(loop, &late, &on_time);
	CHECK(t, late.calls == 1 && !late.answered);
	CHECK(t, on_time.calls == 1 && on_time.answered && !strcmp(on_time.a.text, "in time"));
	close(fd);
	loop_destroy(loop);
	while (waitpid(-1, NULL, 0) > 0)
		;
}

static void test_bad_size(struct test_state *t)
{
	struct loop *loop = loop_create();
	struct result r = { 0 };

	CHECK(t, loop);
	if (!loop)
		return;
	errno = 0;
	CHECK(t, !child_job_start(loop, 0, work_answers, "x", done, &r) && errno == EINVAL);
	errno = 0;
	CHECK(t, !child_job_start(loop, CHILD_JOB_MAX_ANSWER + 1, work_answers, "x", done, &r) &&
		 errno == EINVAL);
	CHECK(t, r.calls == 0);
	loop_destroy(loop);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_answers);
	RUN(&t, test_bare);
	RUN(&t, test_bad_size);
	return TEST_SUMMARY(&t);
}
