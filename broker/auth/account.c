// SPDX-License-Identifier: MIT
/* The reentrant lookups throughout: a PAM module in the same process may
 * call getpw*() and getgr*() too, whose static buffers it would share. */
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"

#define MAX_GROUPS 256
#define DB_BUF_SIZE 65536	/* a group with many members is a long entry */

bool account_in_group(const struct passwd *pw, const char *group, bool unsure)
{
	char *buf = malloc(DB_BUF_SIZE);
	struct group grp, *gr = NULL;
	gid_t groups[MAX_GROUPS];
	int n = MAX_GROUPS, rc;
	bool in = false;

	if (!buf)
		return unsure;
	rc = getgrnam_r(group, &grp, buf, DB_BUF_SIZE, &gr);
	if (rc != 0 && rc != ENOENT && rc != ESRCH) {
		in = unsure;	/* not "no such group": the database failed */
		goto out;
	}
	if (!gr)
		goto out;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0) {
		in = unsure;
		goto out;
	}
	for (int i = 0; i < n && !in; i++)
		in = groups[i] == gr->gr_gid;
out:
	free(buf);
	return in;
}

static enum account_result passwd_of(const char *name, struct passwd *pwd, char *buf,
				     struct passwd **pw)
{
	int rc = getpwnam_r(name, pwd, buf, DB_BUF_SIZE, pw);

	if (rc != 0 && rc != ENOENT && rc != ESRCH)
		return ACCOUNT_ERROR;
	return *pw ? ACCOUNT_OK : ACCOUNT_UNKNOWN;
}

enum account_result account_lookup(const char *name, struct account *acct)
{
	char *buf = malloc(DB_BUF_SIZE);
	struct passwd pwd, *pw = NULL;
	enum account_result res;

	memset(acct, 0, sizeof(*acct));
	if (!buf)
		return ACCOUNT_ERROR;
	res = passwd_of(name, &pwd, buf, &pw);
	if (res == ACCOUNT_OK && strlen(pw->pw_name) >= sizeof(acct->name))
		res = ACCOUNT_TOO_LONG;
	else if (res == ACCOUNT_OK && pw->pw_uid == 0)
		res = ACCOUNT_ROOT;
	if (res == ACCOUNT_OK) {
		strcpy(acct->name, pw->pw_name);
		acct->uid = pw->pw_uid;
		acct->gid = pw->pw_gid;
		/* Fails closed: one who might be an administrator is taken as one. */
		acct->admin = account_in_group(pw, ACCOUNT_ADMIN_GROUP, true);
	}
	free(buf);
	return res;
}

const char *account_result_text(enum account_result r)
{
	switch (r) {
	case ACCOUNT_OK:
		return "found";
	case ACCOUNT_UNKNOWN:
		return "no such user";
	case ACCOUNT_TOO_LONG:
		return "a name too long";
	case ACCOUNT_ROOT:
		return "root's uid";
	default:
		return "the user database could not be asked";
	}
}
