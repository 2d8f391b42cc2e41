// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/input.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "evdev_nudge.h"

int evdev_nudge(int fd)
{
	const struct input_event ev[2] = {
		{ .type = EV_MSC, .code = MSC_SCAN, .value = 0 },
		{ .type = EV_SYN, .code = SYN_REPORT, .value = 0 },
	};
	unsigned long msc[(MSC_MAX + 8 * sizeof(long)) / (8 * sizeof(long))];

	memset(msc, 0, sizeof(msc));
	if (ioctl(fd, EVIOCGBIT(EV_MSC, sizeof(msc)), msc) < 0)
		return -errno;
	if (!(msc[MSC_SCAN / (8 * sizeof(long))] & (1ul << (MSC_SCAN % (8 * sizeof(long))))))
		return -EOPNOTSUPP;
	if (write(fd, ev, sizeof(ev)) != (ssize_t)sizeof(ev))
		return -errno;
	return 0;
}
