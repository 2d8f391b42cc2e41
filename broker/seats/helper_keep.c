// SPDX-License-Identifier: MIT
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "child_job.h"
#include "fdstore.h"
#include "helper_keep.h"
#include "scope.h"

struct move_arg {
	char scope[SCOPE_NAME_MAX];
	char description[64];
	pid_t pid;
};

static int name_of(const struct helper_keep *h, const char *which, char *out, size_t size)
{
	return fdstore_name(out, size, "%s/%llu/%s", h->kind, (unsigned long long)h->key, which);
}

/* In a child: systemd moves the helper into a scope of its own. */
static void move(void *arg, void *out)
{
	const struct move_arg *a = arg;

	*(int *)out = scope_move(a->scope, a->description, a->pid);
}

static void keep_fds(struct helper_keep *h)
{
	char name[FDSTORE_NAME_MAX];

	h->kept = true;		/* so that helper_keep_drop drops what was kept */
	if (name_of(h, "control", name, sizeof(name)) < 0 ||
	    fdstore_put(name, h->control) < 0 ||
	    name_of(h, "pid", name, sizeof(name)) < 0 || fdstore_put(name, h->pidfd) < 0)
		helper_keep_drop(h);
}

static void on_moved(void *data, const void *out)
{
	struct helper_keep *h = data;

	h->job = NULL;
	if (out && *(const int *)out == 0)
		keep_fds(h);
	if (h->done)
		h->done(h->data, h->kept);
}

int helper_keep_start(struct helper_keep *h, struct loop *loop, pid_t pid, int pidfd,
		      int control)
{
	struct move_arg a = { .pid = pid };

	if (h->kept || h->job || pidfd < 0 || control < 0 || !fdstore_available() ||
	    !scope_available() || scope_name(a.scope, sizeof(a.scope), h->kind, pid) < 0)
		return -1;
	snprintf(a.description, sizeof(a.description), "seatmux %s", h->kind);
	h->pidfd = pidfd;
	h->control = control;
	h->job = child_job_start(loop, sizeof(int), move, &a, on_moved, h);
	return h->job ? 0 : -1;
}

void helper_keep_drop(struct helper_keep *h)
{
	char name[FDSTORE_NAME_MAX];

	child_job_cancel(h->job);
	h->job = NULL;
	if (!h->kept)
		return;
	if (name_of(h, "control", name, sizeof(name)) == 0)
		fdstore_drop(name);
	if (name_of(h, "pid", name, sizeof(name)) == 0)
		fdstore_drop(name);
	h->kept = false;
}

void helper_keep_release(struct helper_keep *h)
{
	child_job_cancel(h->job);
	h->job = NULL;
}

int helper_keep_take(struct helper_keep *h, struct state *st, int *pidfd, int *control)
{
	char name[FDSTORE_NAME_MAX];

	*pidfd = name_of(h, "pid", name, sizeof(name)) == 0 ? fdstore_take(&st->fds, name) : -1;
	*control = name_of(h, "control", name, sizeof(name)) == 0 ?
		   fdstore_take(&st->fds, name) : -1;
	if (*pidfd >= 0 && *control >= 0) {
		h->kept = true;
		h->pidfd = *pidfd;
		h->control = *control;
		return 0;
	}
	if (*pidfd >= 0)
		close(*pidfd);
	if (*control >= 0)
		close(*control);
	*pidfd = *control = -1;
	h->kept = true;		/* what is left of it in the store goes */
	helper_keep_drop(h);
	return -1;
}

void helper_keep_kill_scope(const char *kind, pid_t pid)
{
	char scope[SCOPE_NAME_MAX];

	if (pid > 0 && scope_name(scope, sizeof(scope), kind, pid) == 0)
		scope_signal(scope, SIGKILL);
}
