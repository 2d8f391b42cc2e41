/* SPDX-License-Identifier: MIT */
/*
 * The uids seatmuxd's unprivileged helpers run as: an RDP sink or a
 * USB/IP link reads what the network sends, so each runs as a uid no
 * other process has, and a helper broken into reaches nothing but itself.
 *
 * The block, 0x7f000000 to 0x7ffdffff, is one no identity source hands
 * out by default: systemd's DynamicUser= range (61184-65519) and
 * systemd-nspawn's container ranges (up to 0x6fffffff), SSSD's Active
 * Directory id mapping (ldap_idmap_range_min 200000 to
 * ldap_idmap_range_max 2000200000, 0x77359400 + 200000) all end below it;
 * systemd 258's foreign range (0x7ffe0000-0x7ffeffff) and what follows up
 * to 2^31 lie above it, and uids of 2^31 or more break software that
 * takes them for signed ints. A uid of the block that the user database
 * names all the same (a directory configured into it) is refused: a
 * helper must never share a uid with a user.
 *
 * Sinks take uids one after another from a random place of their part,
 * so that neither thousands of connections nor a restart of seatmuxd
 * bring the same uid back soon; a link's uid is its station's.
 */
#ifndef SEATMUX_HELPER_UID_H
#define SEATMUX_HELPER_UID_H

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define HELPER_UID_BASE 0x7f000000u
#define HELPER_UID_END 0x7ffe0000u	/* exclusive: systemd's foreign range */
#define SINK_UID_FIRST HELPER_UID_BASE
#define SINK_UID_COUNT 0x00f00000u	/* 15.7 million */
#define LINK_UID_FIRST (SINK_UID_FIRST + SINK_UID_COUNT)
#define LINK_UID_COUNT 256u
/* Painters of the screens the broker shows, one uid each at a time. */
#define SCREEN_UID_FIRST (LINK_UID_FIRST + LINK_UID_COUNT)
#define SCREEN_UID_COUNT 4096u

_Static_assert(SCREEN_UID_FIRST + SCREEN_UID_COUNT <= HELPER_UID_END, "the block holds all");

/* The n-th sink uid, n counted from anywhere: the block wraps. */
static inline uid_t helper_uid_sink(uint32_t n)
{
	return (uid_t)(SINK_UID_FIRST + n % SINK_UID_COUNT);
}

/* Whether the user database has an entry for uid: such a uid is a user's
 * (or a directory's), and no helper's. An entry too large to read is one. */
static inline bool helper_uid_named(uid_t uid, char *name, size_t size)
{
	char buf[4096];
	struct passwd pw, *found = NULL;
	int rc = getpwuid_r(uid, &pw, buf, sizeof(buf), &found);

	if (rc == ERANGE) {
		snprintf(name, size, "(an entry of more than %zu bytes)", sizeof(buf));
		return true;
	}
	if (!found)
		return false;
	snprintf(name, size, "%s", pw.pw_name);
	return true;
}

/*
 * Called once the helper is its uid, before it reads a byte: every other
 * process of that uid goes. A helper broken into may have forked a
 * process that outlived it, to wait for the uid's next holder (the same
 * uid may ptrace it, open its station's card). kill(-1) reaches exactly
 * the processes whose real or saved uid is ours, and a fork racing it is
 * cancelled by the signal. A uid the user database names is not taken:
 * that kill would reach a user's processes.
 */
static inline bool helper_uid_claim(void)
{
	char name[64];

	if (helper_uid_named(getuid(), name, sizeof(name))) {
		fprintf(stderr, "seatmux: helper uid %u is '%s' in the user database: the helper "
			"does not run (move the directory's ids out of %#x-%#x)\n",
			(unsigned)getuid(), name, HELPER_UID_BASE, HELPER_UID_END - 1);
		return false;
	}
	return kill(-1, SIGKILL) == 0 || errno == ESRCH;
}

/*
 * Ends whatever runs as uid (a helper that ended may have left forks
 * behind, holding the fds it was given): from a child that becomes uid
 * and kills as helper_uid_claim does. Root only; 0, or -1. A vfork child
 * making raw system calls: the caller's loop waits for no copy of its
 * memory to be made and torn down (a sanitizer build's fork took a
 * second under emulation), and only that child's credentials change.
 */
static inline int helper_uid_sweep(uid_t uid)
{
	int status;
	pid_t pid = vfork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* root's capabilities go with the uid: kill(-1) reaches only
		 * processes whose real or saved uid is uid. */
		if (syscall(SYS_setresuid, uid, uid, uid) < 0)
			_exit(1);
		_exit(syscall(SYS_kill, -1, SIGKILL) == 0 || errno == ESRCH ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

#endif
