// SPDX-License-Identifier: MIT
/*
 * PAM is driven with a conversation that answers the password prompt and
 * nothing else. The user name is given to PAM as the client sent it, but
 * only after it is checked to be a plausible account name; what PAM
 * leaves in PAM_USER is checked alike and is the account from then on.
 * Group membership comes from the group database, supplementary and
 * primary.
 */
#include <grp.h>
#include <pwd.h>
#include <security/pam_appl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "auth.h"

#define PW_BUF_SIZE 16384

static int converse(int n, const struct pam_message **msg, struct pam_response **resp,
		    void *data)
{
	const char *password = data;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF)
			continue;	/* informational text, or a question we cannot answer */
		r[i].resp = strdup(password);
		if (!r[i].resp)
			goto err;
	}
	*resp = r;
	return PAM_SUCCESS;
err:
	for (int i = 0; i < n; i++)
		free(r[i].resp);
	free(r);
	return PAM_BUF_ERR;
}

/* Account names as useradd allows them: no path or shell surprises. */
static bool plausible_user(const char *user)
{
	size_t n = strlen(user);

	if (n == 0 || n > AUTH_MAX_USER || user[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = user[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/*
 * PAM modules ask for a delay after a failure (pam_unix: about two
 * seconds), slept in the caller. seatmuxd's caller is its main loop, which
 * every seat's session waits on; failures are slowed per address by the
 * rate limit instead, so the delay is taken as done.
 */
static void no_delay(int retval, unsigned usec, void *data)
{
}

static enum auth_result run_pam(const struct auth_config *cfg, const char *user,
				const char *password, char *settled, size_t size)
{
	struct pam_conv conv = { converse, (void *)password };
	const void *item = NULL;
	pam_handle_t *pamh = NULL;
	enum auth_result res = AUTH_ERROR;
	int rc;

	rc = pam_start_confdir(cfg->service, user, &conv, cfg->confdir, &pamh);
	if (rc != PAM_SUCCESS)
		return AUTH_ERROR;
	pam_set_item(pamh, PAM_FAIL_DELAY, (const void *)no_delay);
	/* For pam_faillock, pam_access and the audit log. */
	if (cfg->rhost && pam_set_item(pamh, PAM_RHOST, cfg->rhost) != PAM_SUCCESS)
		goto out;
	rc = pam_authenticate(pamh, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	if (rc != PAM_SUCCESS) {
		/* Modules fail in their own words (pam_exec: PAM_SYSTEM_ERR);
		 * only a broken stack is not the client's doing. */
		res = rc == PAM_ABORT || rc == PAM_BUF_ERR || rc == PAM_SERVICE_ERR ?
		      AUTH_ERROR : AUTH_BAD_CREDENTIALS;
		goto out;
	}
	rc = pam_acct_mgmt(pamh, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	if (rc != PAM_SUCCESS) {
		res = AUTH_ACCOUNT_DENIED;
		goto out;
	}
	res = AUTH_ACCOUNT_DENIED;
	if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS || !item ||
	    !plausible_user(item) || strlen(item) >= size)
		goto out;
	strcpy(settled, item);
	res = AUTH_OK;
out:
	pam_end(pamh, rc);
	return res;
}

/* The settled account, from the user database, by the name it gives
 * (which a case-insensitive directory may fold): never root's uid or
 * gid, whatever its name. */
static enum auth_result account(const struct auth_config *cfg, const char *settled,
				struct auth_account *acct)
{
	char *buf = malloc(PW_BUF_SIZE);
	struct passwd pwd, *pw = NULL;
	enum auth_result res = AUTH_ACCOUNT_DENIED;

	if (!buf)
		return AUTH_ERROR;
	if (getpwnam_r(settled, &pwd, buf, PW_BUF_SIZE, &pw) != 0 || !pw)
		goto out;
	if (pw->pw_uid == 0 || pw->pw_gid == 0 || !plausible_user(pw->pw_name))
		goto out;	/* never a station for root */
	if (cfg->group && cfg->group[0] && !account_in_group(pw, cfg->group, false)) {
		res = AUTH_NOT_IN_GROUP;
		goto out;
	}
	snprintf(acct->user, sizeof(acct->user), "%s", pw->pw_name);
	acct->uid = pw->pw_uid;
	acct->gid = pw->pw_gid;
	res = AUTH_OK;
out:
	free(buf);
	return res;
}

enum auth_result auth_check(const struct auth_config *cfg, const char *user,
			    const char *password, struct auth_account *acct)
{
	char settled[AUTH_MAX_USER + 1];
	enum auth_result res;

	if (!password || !password[0])
		return AUTH_NO_PASSWORD;
	if (!user || !plausible_user(user))
		return AUTH_BAD_CREDENTIALS;
	res = run_pam(cfg, user, password, settled, sizeof(settled));
	if (res != AUTH_OK)
		return res;
	return account(cfg, settled, acct);
}

const char *auth_result_text(enum auth_result r)
{
	switch (r) {
	case AUTH_OK:
		return "accepted";
	case AUTH_NO_PASSWORD:
		return "no password offered";
	case AUTH_BAD_CREDENTIALS:
		return "wrong user name or password";
	case AUTH_NOT_IN_GROUP:
		return "not in the allowed group";
	case AUTH_ACCOUNT_DENIED:
		return "account not allowed";
	default:
		return "authentication error";
	}
}
