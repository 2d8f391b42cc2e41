// SPDX-License-Identifier: MIT
/*
 * Master is a property of the open file description, which the broker and
 * the session share through SCM_RIGHTS: dropping it on the broker's copy
 * takes it from the session too, which is how a session loses its head.
 */
#include <errno.h>
#include <xf86drm.h>

#include "drm_master.h"

int drm_master_set(int fd)
{
	return drmSetMaster(fd) ? -errno : 0;
}

int drm_master_drop(int fd)
{
	/* Not being master is what we want: that is not a failure. */
	if (drmDropMaster(fd) && errno != EINVAL)
		return -errno;
	return 0;
}

int drm_master_is(int fd)
{
	return drmIsMaster(fd) ? 1 : 0;
}
