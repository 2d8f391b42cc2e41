#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dev_path.h"
#include "seat_rules.h"

/*
 * Resolves a client's path as root without leaving /dev: a path elsewhere
 * is refused before the filesystem is touched (a FUSE or NFS mount could
 * hold the loop, and an errno would tell a seat user whether any path
 * exists), and resolution stays beneath /dev with no magic links
 * (/dev/fd leads to the broker's own files). Only a name that looks like
 * a seat device may learn that it is gone. The node's canonical name goes
 * to real, its identity to st.
 */
int dev_path_resolve(const char *path, char *real, size_t size, struct stat *st)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	char link[32];
	int dir, fd, err;
	ssize_t n;

	if (strncmp(path, "/dev/", 5))
		return -EPERM;
	dir = open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -EPERM;
	fd = (int)syscall(SYS_openat2, dir, path + 5, &how, sizeof(how));
	err = errno;
	close(dir);
	if (fd < 0)
		return err == ENOENT && seat_rules_path_kind(path) >= 0 ? -ENOENT : -EPERM;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, real, size - 1);
	if (n <= 0 || fstat(fd, st) < 0) {
		close(fd);
		return -EPERM;
	}
	real[n] = '\0';
	close(fd);
	return 0;
}
