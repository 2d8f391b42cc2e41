/* SPDX-License-Identifier: MIT */
/*
 * An account as the user and group databases give it (NSS: files, or a
 * directory through nslcd or sssd). A lookup blocks for as long as the
 * directory takes to answer, which may be seconds or never: seatmuxd makes
 * them in a child (account_job.h, auth.h, a launched program's own), not
 * in its loop. (The loop still asks, once, for the name of a session an
 * older seatmuxd's state file gives by uid alone, and for "nobody", which
 * is the passwd file's.)
 */
#ifndef SEATMUX_ACCOUNT_H
#define SEATMUX_ACCOUNT_H

#include <pwd.h>
#include <stdbool.h>
#include <sys/types.h>

/* Whose sessions a teacher may launch nothing into (as polkit's roles). */
#define ACCOUNT_ADMIN_GROUP "seatmux-admin"

/* A name as glibc allows it (sssd's user@domain is longer than useradd's). */
#define ACCOUNT_NAME_MAX 256

struct account {
	char name[ACCOUNT_NAME_MAX];	/* as the database spells it */
	uid_t uid;
	gid_t gid;
	bool admin;	/* in ACCOUNT_ADMIN_GROUP, or in too many groups to tell */
};

enum account_result {
	ACCOUNT_OK,
	ACCOUNT_UNKNOWN,	/* no such user */
	ACCOUNT_TOO_LONG,	/* a name longer than ACCOUNT_NAME_MAX - 1 */
	ACCOUNT_ROOT,		/* uid 0: never a session's */
	ACCOUNT_ERROR,		/* the databases could not be asked */
};

enum account_result account_lookup(const char *name, struct account *acct);
/* Whether pw's user is in group, by its primary group or another. A user
 * in more groups than can be listed, or a group database that cannot be
 * asked, gets unsure: true where a yes is the safe answer, false where a
 * no is. */
bool account_in_group(const struct passwd *pw, const char *group, bool unsure);
const char *account_result_text(enum account_result r);

#endif
