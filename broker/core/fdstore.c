// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "fdstore.h"

int fdstore_receive(struct fdstore *st)
{
	char **names = NULL;
	int n = sd_listen_fds_with_names(1, &names);

	st->v = NULL;
	st->n = 0;
	if (n <= 0)
		return n;
	st->v = calloc((size_t)n, sizeof(*st->v));
	for (int i = 0; i < n; i++) {
		if (st->v) {
			st->v[i].fd = SD_LISTEN_FDS_START + i;
			snprintf(st->v[i].name, sizeof(st->v[i].name), "%s",
				 names && names[i] ? names[i] : "unknown");
		} else {
			close(SD_LISTEN_FDS_START + i);
		}
		if (names)
			free(names[i]);
	}
	free(names);
	if (!st->v)
		return -ENOMEM;
	st->n = n;
	return n;
}

int fdstore_take(struct fdstore *st, const char *name)
{
	for (int i = 0; i < st->n; i++) {
		int fd = st->v[i].fd;

		if (fd >= 0 && !strcmp(st->v[i].name, name)) {
			st->v[i].fd = -1;
			return fd;
		}
	}
	return -1;
}

bool fdstore_has(const struct fdstore *st, const char *name)
{
	for (int i = 0; i < st->n; i++)
		if (st->v[i].fd >= 0 && !strcmp(st->v[i].name, name))
			return true;
	return false;
}

void fdstore_forget(struct fdstore *st)
{
	for (int i = 0; i < st->n; i++)
		if (st->v[i].fd >= 0)
			close(st->v[i].fd);
	free(st->v);
	st->v = NULL;
	st->n = 0;
}

void fdstore_release(struct fdstore *st, void (*left)(void *data, const char *name, int fd),
		     void *data)
{
	for (int i = 0; i < st->n; i++) {
		if (st->v[i].fd < 0)
			continue;
		fdstore_drop(st->v[i].name);
		if (left)
			left(data, st->v[i].name, st->v[i].fd);
		else
			close(st->v[i].fd);
		st->v[i].fd = -1;
	}
	free(st->v);
	st->v = NULL;
	st->n = 0;
}

bool fdstore_available(void)
{
	const char *path = getenv("NOTIFY_SOCKET");

	return path && path[0];
}

int fdstore_put(const char *name, int fd)
{
	char msg[32 + FDSTORE_NAME_MAX];
	int rc;

	if (!fdstore_available())
		return 0;
	snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s", name);
	rc = sd_pid_notify_with_fds(0, 0, msg, &fd, 1);
	return rc < 0 ? rc : rc == 0 ? -ENOTCONN : 0;
}

void fdstore_drop(const char *name)
{
	char msg[32 + FDSTORE_NAME_MAX];

	if (!fdstore_available())
		return;
	snprintf(msg, sizeof(msg), "FDSTOREREMOVE=1\nFDNAME=%s", name);
	sd_pid_notify(0, 0, msg);
}

int fdstore_name(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size || (size_t)n >= FDSTORE_NAME_MAX)
		return -1;
	for (const char *p = out; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || *p == ':')
			return -1;
	return 0;
}
