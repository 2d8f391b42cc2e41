// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "udev_rules.h"

static int run_udevadm(char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv("/usr/bin/udevadm", argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int udev_rules_write(const char *path, const char *what,
		     void (*write)(FILE *f, void *data), void *data)
{
	char tmp[256];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	mkdir("/run/udev", 0755);
	mkdir("/run/udev/rules.d", 0755);
	f = fopen(tmp, "we");
	if (!f)
		return -1;
	fprintf(f, "# seatmuxd: %s. Made at run time.\n", what);
	write(f, data);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return -1;
	return 0;
}

int udev_rules_reload(void)
{
	return run_udevadm((char *[]){ "udevadm", "control", "--reload", NULL });
}

void udev_rules_trigger_tree(const char *syspath, const char *action, const char *subsystem)
{
	char act[32], parent[4200], sub[64];

	snprintf(act, sizeof(act), "--action=%s", action);
	snprintf(parent, sizeof(parent), "--parent-match=%s", syspath);
	snprintf(sub, sizeof(sub), "--subsystem-match=%s", subsystem ? subsystem : "*");
	run_udevadm((char *[]){ "udevadm", "trigger", act, parent, sub, NULL });
}

void udev_rules_trigger_all(const char *action, const char *subsystem)
{
	char act[32], sub[64];

	snprintf(act, sizeof(act), "--action=%s", action);
	snprintf(sub, sizeof(sub), "--subsystem-match=%s", subsystem ? subsystem : "*");
	run_udevadm((char *[]){ "udevadm", "trigger", act, sub, NULL });
}

void udev_rules_retrigger(const char *syspath)
{
	run_udevadm((char *[]){ "udevadm", "trigger", "--action=change", (char *)syspath, NULL });
}
