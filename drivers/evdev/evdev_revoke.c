// SPDX-License-Identifier: MIT
/*
 * EVIOCREVOKE acts on the file description, so revoking the broker's copy
 * also kills every duplicate a session received. libevdev has no wrapper.
 */
#include <errno.h>
#include <linux/input.h>
#include <stddef.h>
#include <sys/ioctl.h>

#include "evdev_revoke.h"

int evdev_revoke(int fd)
{
	if (ioctl(fd, EVIOCREVOKE, NULL) < 0 && errno != ENODEV)
		return -errno;
	return 0;
}

bool evdev_is_revoked(int fd)
{
	int version;

	return ioctl(fd, EVIOCGVERSION, &version) < 0 && errno == ENODEV;
}
