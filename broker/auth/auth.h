/* SPDX-License-Identifier: MIT */
/*
 * Who may have a remote station: a system account whose password PAM
 * accepts (the "seatmux" service by default, /etc/pam.d/seatmux) and, if
 * configured, a member of the allowed group. Asked by a station's sink
 * before any seat or session exists; nothing of the answer but yes or no
 * (and why, for the log) leaves the broker. The account is the one PAM's
 * stack settled on (a module may change PAM_USER: an alias, a realm
 * stripped, a case folded), not the name the client typed: the group
 * and root checks, the station and the session all go by it.
 */
#ifndef SEATMUX_AUTH_H
#define SEATMUX_AUTH_H

#include <stdbool.h>
#include <sys/types.h>

enum auth_result {
	AUTH_OK,
	AUTH_NO_PASSWORD,	/* none offered: refused before PAM is asked */
	AUTH_BAD_CREDENTIALS,	/* PAM said no (unknown user or wrong password) */
	AUTH_NOT_IN_GROUP,
	AUTH_ACCOUNT_DENIED,	/* PAM's account stage said no (expired...) */
	AUTH_ERROR,
};

#define AUTH_MAX_USER 32	/* as useradd allows */

struct auth_account {
	char user[AUTH_MAX_USER + 1];	/* PAM_USER, as PAM left it */
	uid_t uid;
	gid_t gid;
};

struct auth_config {
	const char *service;	/* PAM service name */
	const char *confdir;	/* PAM configuration folder, NULL: /etc/pam.d */
	const char *group;	/* allowed group, NULL or "": any account */
	const char *rhost;	/* where the logon comes from (PAM_RHOST), or NULL */
};

/* Checks user and password; on AUTH_OK *acct is the account PAM settled on. */
enum auth_result auth_check(const struct auth_config *cfg, const char *user,
			    const char *password, struct auth_account *acct);
const char *auth_result_text(enum auth_result r);

#endif
