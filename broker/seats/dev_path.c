// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dev_path.h"
#include "seat_rules.h"

#define DEV_PATH_MAX_LINKS 8

/*
 * Takes the next component off *rest into comp; false when none is left.
 * Empty components ("//") are skipped.
 */
static bool next_component(const char **rest, char *comp, size_t size)
{
	const char *p = *rest, *end;

	while (*p == '/')
		p++;
	if (!*p)
		return false;
	end = strchrnul(p, '/');
	if ((size_t)(end - p) >= size)
		return false;
	memcpy(comp, p, (size_t)(end - p));
	comp[end - p] = '\0';
	*rest = end;
	return true;
}

/* pending = link target + what was left after the link, in place. */
static int splice_link(char *pending, size_t size, const char *target, const char *rest)
{
	char tmp[PATH_MAX];

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", target, rest) >= sizeof(tmp) ||
	    strlen(tmp) >= size)
		return -1;
	strcpy(pending, tmp);
	return 0;
}

/*
 * Resolves path (below "/dev/") to a canonical name, one component at a
 * time from lstat, never leaving /dev: a link out of it (/dev/fd leads to
 * the broker's own files), ".." above it, and any directory a user may
 * write (/dev/shm, where links could be swapped under us) fail. openat2's
 * RESOLVE_BENEATH would do this, but systemd's RestrictSUIDSGID= answers
 * openat2 with ENOSYS. Every lstat is on devtmpfs: nothing here can wait.
 */
static int walk_beneath(const char *path, char *real, size_t size)
{
	char pending[PATH_MAX], comp[NAME_MAX + 1], target[PATH_MAX];
	const char *rest;
	int links = 0;
	struct stat st;
	ssize_t n;
	size_t len;

	if (strlen(path + 4) >= sizeof(pending) || size < 5)
		return -1;
	strcpy(pending, path + 4);
	strcpy(real, "/dev");
	rest = pending;
	while (next_component(&rest, comp, sizeof(comp))) {
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			if (!strcmp(real, "/dev"))
				return -1;
			*strrchr(real, '/') = '\0';
			continue;
		}
		len = strlen(real);
		if (len + 1 + strlen(comp) >= size)
			return -1;
		real[len] = '/';
		strcpy(real + len + 1, comp);
		if (lstat(real, &st) < 0)
			return -errno;
		if (S_ISLNK(st.st_mode)) {
			n = readlink(real, target, sizeof(target) - 1);
			if (n <= 0 || ++links > DEV_PATH_MAX_LINKS)
				return -1;
			target[n] = '\0';
			real[len] = '\0';
			if (target[0] == '/') {
				if (strncmp(target, "/dev/", 5))
					return -1;
				strcpy(real, "/dev");
				memmove(target, target + 4, strlen(target + 4) + 1);
			}
			if (splice_link(pending, sizeof(pending), target, rest) < 0)
				return -1;
			rest = pending;
			continue;
		}
		if (S_ISDIR(st.st_mode) && (st.st_mode & S_IWOTH))
			return -1;
	}
	return 0;
}

/*
 * Resolves a client's path as root without leaving /dev: a path elsewhere
 * is refused before the filesystem is touched (a FUSE or NFS mount could
 * hold the loop, and an errno would tell a seat user whether any path
 * exists). Only a name that looks like a seat device may learn that it
 * is gone. The node's canonical name goes to real, its identity to st.
 */
int dev_path_resolve(const char *path, char *real, size_t size, struct stat *st)
{
	int rc;

	if (strncmp(path, "/dev/", 5))
		return -EPERM;
	rc = walk_beneath(path, real, size);
	if (rc == -ENOENT)
		return seat_rules_path_kind(path) >= 0 ? -ENOENT : -EPERM;
	if (rc < 0 || lstat(real, st) < 0)
		return -EPERM;
	return 0;
}
