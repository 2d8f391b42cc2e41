// SPDX-License-Identifier: MIT
/*
 * lease-objects: what the kernel still leases to a process, for tests of
 * lease revocation. For each DRM lease among PID's fds (taken with
 * pidfd_getfd, so the very file it holds, not a new open of the node),
 * prints "fd N: K objects" from DRM_IOCTL_MODE_GET_LEASE. Exit 0 if it
 * printed any, 1 if PID holds no lease, 2 on error. Root only.
 *
 *   lease-objects PID
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <drm.h>
#include <drm_mode.h>

/* Objects leased to fd's DRM file (a lessee's own; a revoked lease has
 * none left), or -1: not a master of any kind. A card's lessor would
 * answer with every object of the card: point this at sessions only. */
static int lease_objects(int fd)
{
	struct drm_mode_get_lease gl = { 0 };

	if (ioctl(fd, DRM_IOCTL_MODE_GET_LEASE, &gl) < 0)
		return -1;
	return (int)gl.count_objects;
}

int main(int argc, char **argv)
{
	char dir[64], link[PATH_MAX], path[PATH_MAX + 80];
	int pid, pidfd, found = 0;
	struct dirent *e;
	DIR *d;

	if (argc != 2 || (pid = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: lease-objects PID\n");
		return 2;
	}
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	if (pidfd < 0 || !d) {
		fprintf(stderr, "lease-objects: %d: %s\n", pid, strerror(errno));
		return 2;
	}
	while ((e = readdir(d))) {
		ssize_t n;
		int fd, objects;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, "/dev/dri/card", 13))
			continue;
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(e->d_name), 0);
		if (fd < 0)
			continue;
		objects = lease_objects(fd);
		if (objects >= 0) {
			printf("fd %s: %d objects\n", e->d_name, objects);
			found = 1;
		}
		close(fd);
	}
	closedir(d);
	close(pidfd);
	return found ? 0 : 1;
}
