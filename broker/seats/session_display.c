// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scope.h"
#include "session_display.h"

#define VAR "WAYLAND_DISPLAY="
/* Read as root from the loop, of the user's processes: bounded. A
 * compositor's programs are among the scope's first, with small
 * environments. */
#define MAX_PIDS 64
#define ENV_MAX 16384

static bool plain_name(const char *s, size_t len)
{
	if (!len || s[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

int session_display_pick(const char *env, size_t n, char *out, size_t size)
{
	size_t at = 0;

	while (at < n) {
		const char *var = env + at;
		const char *end = memchr(var, '\0', n - at);
		size_t len = end ? (size_t)(end - var) : n - at;

		/* The process's own: a value it set, checked like any other. */
		if (end && len > strlen(VAR) && !strncmp(var, VAR, strlen(VAR))) {
			const char *name = var + strlen(VAR);
			size_t name_len = len - strlen(VAR);

			if (!plain_name(name, name_len) || name_len >= size)
				return -1;
			memcpy(out, name, name_len);
			out[name_len] = '\0';
			return 0;
		}
		at += len + 1;
	}
	return -1;
}

/* The environment of pid if it runs as uid: its length, or -1. */
static ssize_t environ_of(pid_t pid, uid_t uid, char *buf, size_t size)
{
	char path[64];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_uid != uid) {
		close(fd);
		return -1;
	}
	n = read(fd, buf, size);
	close(fd);
	return n;
}

/* A socket of uid's at runtime_dir/name: what a compositor made. */
static bool display_socket(const char *runtime_dir, const char *name, uid_t uid)
{
	char path[256];
	struct stat st;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", runtime_dir, name) >= sizeof(path))
		return false;
	return lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_uid == uid;
}

int session_display_find(const char *scope, uid_t uid, const char *runtime_dir, char *out,
			 size_t size)
{
	pid_t pids[MAX_PIDS];
	int n = scope_pids(scope, pids, MAX_PIDS), rc = -ENXIO;
	char *env = malloc(ENV_MAX);

	for (int i = 0; env && i < n && rc < 0; i++) {
		ssize_t len = environ_of(pids[i], uid, env, ENV_MAX);

		if (len > 0 && session_display_pick(env, (size_t)len, out, size) == 0 &&
		    display_socket(runtime_dir, out, uid))
			rc = 0;
	}
	free(env);
	return env ? rc : -ENOMEM;
}
