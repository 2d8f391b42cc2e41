// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "scope.h"
#include "session_status.h"

/* logind's ids are short and plain ("3", "c12"). */
static bool id_valid(const char *id)
{
	if (!*id)
		return false;
	for (; *id; id++)
		if (!isalnum((unsigned char)*id))
			return false;
	return true;
}

int session_status_parse(const char *line, size_t len, struct session_status *out)
{
	char buf[SESSION_PROTO_LINE_MAX];
	char *sp, *nl;

	memset(out, 0, sizeof(*out));
	if (len >= sizeof(buf) || !(nl = memchr(line, '\n', len)) || nl != line + len - 1)
		return -EINVAL;
	memcpy(buf, line, len - 1);
	buf[len - 1] = '\0';
	if (strlen(buf) != len - 1 || !(sp = strchr(buf, ' ')))
		return -EINVAL;
	*sp++ = '\0';
	if (strcmp(buf, "-") && (!id_valid(buf) || strlen(buf) >= sizeof(out->id)))
		return -EINVAL;
	/* Not its own cgroup's parent, nor anything but a scope: seatmuxd
	 * kills what is in it. */
	if (strcmp(sp, "-") && (sp[0] != '/' || !scope_path_valid(sp + 1)))
		return -EINVAL;
	if (strcmp(buf, "-"))
		strcpy(out->id, buf);
	if (strcmp(sp, "-"))
		strcpy(out->cgroup, sp + 1);
	return 0;
}
