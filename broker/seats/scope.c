// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "scope.h"
#include "systemd_bus.h"

#define SCOPE_SLICE "system.slice"
#define SCOPE_CGROUP_ROOT "/sys/fs/cgroup/" SCOPE_SLICE
#define SCOPE_WAIT_MS 5000

bool scope_available(void)
{
	return geteuid() == 0 && access("/run/systemd/private", F_OK) == 0 &&
	       access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
}

int scope_name(char *out, size_t size, const char *seat, pid_t leader)
{
	char safe[64];
	size_t i;

	for (i = 0; seat[i] && i < sizeof(safe) - 1; i++)
		safe[i] = isalnum((unsigned char)seat[i]) || seat[i] == '-' ? seat[i] : '_';
	safe[i] = '\0';
	if ((size_t)snprintf(out, size, "seatmux-%s-%d.scope", safe, (int)leader) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* A bare unit name is system.slice's; a path is from the cgroup root. */
static int cgroup_path(char *out, size_t size, const char *name, const char *file)
{
	int n = strchr(name, '/') ? snprintf(out, size, "/sys/fs/cgroup/%s/%s", name, file) :
				    snprintf(out, size, "%s/%s/%s", SCOPE_CGROUP_ROOT, name, file);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int start_unit(sd_bus *bus, const char *name, const char *description, pid_t pid)
{
	sd_bus_message *m = NULL, *reply = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.systemd1",
					   "/org/freedesktop/systemd1",
					   "org.freedesktop.systemd1.Manager",
					   "StartTransientUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", name, "fail");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)",
					  "Description", "s", description,
					  "Slice", "s", SCOPE_SLICE,
					  "CollectMode", "s", "inactive-or-failed",
					  "PIDs", "au", 1, (uint32_t)pid);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sa(sv))", 0);
	if (r >= 0)
		r = sd_bus_call(bus, m, SCOPE_WAIT_MS * 1000ULL, &err, &reply);
	if (r < 0)
		fprintf(stderr, "seatmux: cannot start %s: %s\n", name,
			err.message ? err.message : strerror(-r));
	sd_bus_error_free(&err);
	sd_bus_message_unref(reply);
	sd_bus_message_unref(m);
	return r < 0 ? -1 : 0;
}

/* The job that moves it may still be queued when StartTransientUnit
 * answers: wait until the process's cgroup says it is in the scope. */
static bool in_scope(const char *name, pid_t pid)
{
	char line[512], want[SCOPE_NAME_MAX + 32], path[64];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	snprintf(want, sizeof(want), "0::/%s/%s\n", SCOPE_SLICE, name);
	while (!found && fgets(line, sizeof(line), f))
		found = !strcmp(line, want);
	fclose(f);
	return found;
}

/*
 * The processes pid started before it was moved (a link's TLS relays)
 * join it: written into the scope's cgroup one by one, their own
 * children after them. What they fork from then on is born there.
 */
static void move_children(const char *name, pid_t pid, int depth)
{
	char path[64], procs[256], text[16];
	long child;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	if (depth > 4 || cgroup_path(procs, sizeof(procs), name, "cgroup.procs") < 0)
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	while (fscanf(f, "%ld", &child) == 1) {
		if (child <= 0 || child > INT32_MAX)
			continue;
		fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			snprintf(text, sizeof(text), "%ld", child);
			if (write(fd, text, strlen(text)) < 0)
				fprintf(stderr, "seatmux: pid %ld not moved into %s: %s\n", child,
					name, strerror(errno));
			close(fd);
		}
		move_children(name, (pid_t)child, depth + 1);
	}
	fclose(f);
}

int scope_enter(const char *name, const char *description)
{
	return scope_move(name, description, getpid());
}

int scope_move(const char *name, const char *description, pid_t pid)
{
	struct timespec step = { 0, 10 * 1000 * 1000 };
	sd_bus *bus = NULL;
	int r;

	r = systemd_bus_open(&bus);
	if (r < 0) {
		fprintf(stderr, "seatmux: systemd's bus: %s\n", strerror(-r));
		return -1;
	}
	r = start_unit(bus, name, description, pid);
	sd_bus_flush_close_unref(bus);
	if (r < 0)
		return -1;
	for (int waited = 0; waited < SCOPE_WAIT_MS; waited += 10) {
		if (in_scope(name, pid)) {
			if (pid != getpid())
				move_children(name, pid, 0);
			return 0;
		}
		nanosleep(&step, NULL);
	}
	fprintf(stderr, "seatmux: not moved into %s\n", name);
	return -1;
}

/* One value into one of the scope's cgroup files: 0 or -errno. */
static int cgroup_write(const char *name, const char *file, const char *value)
{
	char path[256];
	int fd, rc;

	rc = cgroup_path(path, sizeof(path), name, file);
	if (rc < 0)
		return rc;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = write(fd, value, strlen(value)) == (ssize_t)strlen(value) ? 0 : -errno;
	close(fd);
	return rc;
}

static int write_kill(const char *name)
{
	int rc = cgroup_write(name, "cgroup.kill", "1");

	return rc == -ENOENT ? 0 : rc;	/* a scope gone is killed */
}

int scope_join(const char *name)
{
	return cgroup_write(name, "cgroup.procs", "0");	/* "0": the writer itself */
}

int scope_pids(const char *name, pid_t *out, int max)
{
	char path[256];
	long pid;
	FILE *f;
	int n = 0, rc;

	rc = cgroup_path(path, sizeof(path), name, "cgroup.procs");
	if (rc < 0)
		return rc;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (n < max && fscanf(f, "%ld", &pid) == 1)
		if (pid > 0 && pid <= INT32_MAX)
			out[n++] = (pid_t)pid;
	fclose(f);
	return n;
}

int scope_signal(const char *name, int sig)
{
	char path[256];
	long pid;
	FILE *f;
	int rc;

	if (sig == SIGKILL)
		return write_kill(name);
	rc = cgroup_path(path, sizeof(path), name, "cgroup.procs");
	if (rc < 0)
		return rc;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fscanf(f, "%ld", &pid) == 1)
		if (pid > 0 && pid <= INT32_MAX)
			kill((pid_t)pid, sig);
	fclose(f);
	return 0;
}

bool scope_populated(const char *name)
{
	char path[256], line[64];
	bool populated = false;
	FILE *f;

	if (cgroup_path(path, sizeof(path), name, "cgroup.events") < 0)
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strcmp(line, "populated 1\n"))
			populated = true;
	fclose(f);
	return populated;
}

bool scope_path_valid(const char *path)
{
	size_t len = strlen(path);
	const char *part = path;

	if (!len || len >= SCOPE_NAME_MAX || len < 7 || strcmp(path + len - 6, ".scope"))
		return false;
	for (const char *p = path;; p++) {
		if (*p == '/' || !*p) {
			if (p == part || (p - part == 1 && part[0] == '.') ||
			    (p - part == 2 && part[0] == '.' && part[1] == '.'))
				return false;
			if (!*p)
				return true;
			part = p + 1;
		} else if (!isalnum((unsigned char)*p) && !strchr("-_.@\\:", *p)) {
			return false;
		}
	}
}

int scope_of_pid(pid_t pid, char *out, size_t size)
{
	char path[64], line[SCOPE_NAME_MAX + 8];
	int rc = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	while (rc == -ENOENT && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::/", 4))
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (!scope_path_valid(line + 4))
			break;
		rc = (size_t)snprintf(out, size, "%s", line + 4) < size ? 0 : -ENAMETOOLONG;
	}
	fclose(f);
	return rc;
}
