/*
 * Who may have a remote station: a system account whose password PAM
 * accepts (the "seatmux" service by default, /etc/pam.d/seatmux) and, if
 * configured, a member of the allowed group. Asked by a station's sink
 * before any seat or session exists; nothing of the answer but yes or no
 * (and why, for the log) leaves the broker.
 */
#ifndef SEATMUX_AUTH_H
#define SEATMUX_AUTH_H

#include <sys/types.h>

enum auth_result {
	AUTH_OK,
	AUTH_NO_PASSWORD,	/* none offered: refused before PAM is asked */
	AUTH_BAD_CREDENTIALS,	/* PAM said no (unknown user or wrong password) */
	AUTH_NOT_IN_GROUP,
	AUTH_ACCOUNT_DENIED,	/* PAM's account stage said no (expired...) */
	AUTH_ERROR,
};

struct auth_config {
	const char *service;	/* PAM service name */
	const char *confdir;	/* PAM configuration folder, NULL: /etc/pam.d */
	const char *group;	/* allowed group, NULL or "": any account */
};

/* Checks user and password; on AUTH_OK *uid and *gid are the account's. */
enum auth_result auth_check(const struct auth_config *cfg, const char *user,
			    const char *password, uid_t *uid, gid_t *gid);
const char *auth_result_text(enum auth_result r);

#endif
