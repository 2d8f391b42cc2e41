// SPDX-License-Identifier: MIT
/*
 * A PAM module for test_auth: PAM_USER changes as a module may change it
 * (an alias, a realm stripped). Each argument "from:to" renames from to
 * to; other users are left alone.
 */
#include <security/pam_modules.h>
#include <string.h>

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const void *user = NULL;

	if (pam_get_item(pamh, PAM_USER, &user) != PAM_SUCCESS || !user)
		return PAM_USER_UNKNOWN;
	for (int i = 0; i < argc; i++) {
		const char *to = strchr(argv[i], ':');

		if (to && strlen(user) == (size_t)(to - argv[i]) &&
		    !strncmp(user, argv[i], (size_t)(to - argv[i])))
			return pam_set_item(pamh, PAM_USER, to + 1) == PAM_SUCCESS ?
			       PAM_SUCCESS : PAM_SYSTEM_ERR;
	}
	return PAM_IGNORE;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_IGNORE;
}
