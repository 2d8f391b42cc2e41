// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

struct child {
	pid_t pid;
	int pidfd;
	struct loop_source *src;
	child_ended_fn ended;
	void *data;
	bool adopted;		/* not our child: someone else reaps it */
};

/* fds[i] -> i without one dup2 clobbering a source still to be read:
 * every source is first moved above the target range. */
static int lay_out_fds(const int *fds, int nfds)
{
	int high[64];

	if (nfds > (int)(sizeof(high) / sizeof(high[0])))
		return -1;
	for (int i = 0; i < nfds; i++) {
		high[i] = fds[i] >= 0 ? fcntl(fds[i], F_DUPFD, nfds) :
					open("/dev/null", O_RDWR);
		if (high[i] < 0)
			return -1;
	}
	for (int i = 0; i < nfds; i++)
		if (dup2(high[i], i) < 0)
			return -1;
	return (int)syscall(SYS_close_range, (unsigned)nfds, ~0U, 0);
}

/* After setuid() with PR_SET_KEEPCAPS: caps are all the child keeps
 * (permitted, effective), and as ambient ones they survive its exec. */
static int keep_ambient(uint64_t caps)
{
	struct __user_cap_header_struct head = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	for (int i = 0; i < 2; i++) {
		uint32_t word = (uint32_t)(caps >> (32 * i));

		data[i] = (struct __user_cap_data_struct){ word, word, word };
	}
	if (syscall(SYS_capset, &head, data) < 0)
		return -1;
	for (int cap = 0; cap < 64; cap++)
		if ((caps >> cap & 1) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return -1;
	return 0;
}

static int take_ids(const struct spawn *sp)
{
	int rc = sp->groups_of ? initgroups(sp->groups_of, sp->gid) : setgroups(0, NULL);

	if (rc < 0 || setgid(sp->gid) < 0)
		return -1;
	if (sp->keep_caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -1;
	if (setuid(sp->uid) < 0)
		return -1;
	return sp->keep_caps ? keep_ambient(sp->keep_caps) : 0;
}

static _Noreturn void child_main(const struct spawn *sp)
{
	sigset_t none;
	int rc;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (sp->new_session)
		setsid();
	if (sp->nfds >= 0 && lay_out_fds(sp->fds, sp->nfds) < 0)
		_exit(126);
	if (sp->prepare && (rc = sp->prepare(sp->arg)) != 0)
		_exit(rc);
	if (sp->drop && take_ids(sp) < 0)
		_exit(126);
	_exit(sp->run(sp->arg));
}

/* The pidfd's source owns the child: freed with it, whenever that is
 * (a child still running when the loop goes is freed then). */
static void child_release(void *data)
{
	free(data);
}

static int wait_status(const siginfo_t *si)
{
	switch (si->si_code) {
	case CLD_EXITED:
		return (si->si_status & 0xff) << 8;
	case CLD_DUMPED:
		return (si->si_status & 0x7f) | 0x80;
	default:
		return si->si_status & 0x7f;
	}
}

static void on_pidfd(void *data, uint32_t events)
{
	struct child *c = data;
	siginfo_t si = { 0 };

	int status;

	if (c->adopted) {
		status = -1;	/* not ours to reap: readable means it ended */
	} else if (waitid((idtype_t)P_PIDFD, (id_t)c->pidfd, &si, WEXITED | WNOHANG) < 0 ||
		   si.si_pid == 0) {
		return;		/* not gone yet (or reaped elsewhere: no) */
	} else {
		status = wait_status(&si);
	}
	if (c->ended)
		c->ended(c->data, c->pid, status);
	loop_remove(c->src);
}

/* Only the loop reaps: the pid cannot be reused before this. */
static struct child *watch(struct child *c, struct loop *loop)
{
	int err;

	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	if (c->pidfd < 0) {
		err = errno;
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		errno = err;
		goto fail;
	}
	c->src = loop_add_owned(loop, c->pidfd, EPOLLIN, on_pidfd, c, child_release);
	if (!c->src) {
		err = errno;
		syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
		waitpid(c->pid, NULL, 0);
		close(c->pidfd);
		errno = err;
		goto fail;
	}
	return c;
fail:
	free(c);
	return NULL;
}

struct child *spawn_child(struct loop *loop, const struct spawn *sp, child_ended_fn ended,
			  void *data)
{
	struct child *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->ended = ended;
	c->data = data;
	c->pid = fork();
	if (c->pid == 0)
		child_main(sp);
	if (c->pid < 0) {
		free(c);
		return NULL;
	}
	return watch(c, loop);
}

/* The pid a pidfd stands for, from its fdinfo. */
static pid_t pidfd_pid(int pidfd)
{
	char path[64], line[128];
	long pid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid: %ld", &pid) == 1)
			break;
	fclose(f);
	return pid > 0 ? (pid_t)pid : -1;
}

struct child *child_adopt_pidfd(struct loop *loop, int pidfd, child_ended_fn ended,
				void *data)
{
	struct child *c = calloc(1, sizeof(*c));

	if (!c) {
		close(pidfd);
		return NULL;
	}
	c->pid = pidfd_pid(pidfd);
	c->pidfd = pidfd;
	c->ended = ended;
	c->data = data;
	c->adopted = true;
	if (c->pid < 0) {
		close(pidfd);
		free(c);
		errno = ESRCH;
		return NULL;
	}
	c->src = loop_add_owned(loop, pidfd, EPOLLIN, on_pidfd, c, child_release);
	if (!c->src) {
		close(pidfd);
		free(c);
		return NULL;
	}
	return c;
}

int child_pidfd(const struct child *c)
{
	return c->pidfd;
}

pid_t child_pid(const struct child *c)
{
	return c->pid;
}

int child_signal(struct child *c, int sig)
{
	return syscall(SYS_pidfd_send_signal, c->pidfd, sig, NULL, 0) < 0 ? -errno : 0;
}

void child_detach(struct child *c)
{
	if (c)
		c->ended = NULL;
}

void child_rebind(struct child *c, child_ended_fn ended, void *data)
{
	c->ended = ended;
	c->data = data;
}
