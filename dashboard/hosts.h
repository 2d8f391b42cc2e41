/* SPDX-License-Identifier: MIT */
/*
 * The other seatmux hosts whose stations this dashboard shows beside its
 * own (a room larger than one machine or VM), as the administrator lists
 * them in /etc/seatmux/dashboard.conf:
 *
 *   [dashboard]
 *   name = room1                  ; this host's group (default: its host name)
 *
 *   [host.room2]
 *   address = 10.0.0.12:8443      ; that host's seatmux-dashboard
 *   pin = sha256//BASE64          ; its certificate's public key (curl's form)
 *
 * The pin is required: a host is reached only if it shows that key, so
 * a teacher's password (each host is logged on with the teacher's own
 * account, polkit deciding there) never goes to anyone else. Pure: the
 * file's text in, the hosts out; errors are said in why.
 */
#ifndef SEATMUX_DASHBOARD_HOSTS_H
#define SEATMUX_DASHBOARD_HOSTS_H

#include <stddef.h>

#define HOSTS_MAX 16
#define HOST_NAME_MAX_LEN 31
#define HOST_ADDRESS_MAX 255
/* "sha256//" and a SHA-256 in base64 (44 characters). */
#define HOST_PIN_LEN (8 + 44)

struct host {
	char name[HOST_NAME_MAX_LEN + 1];
	char address[HOST_ADDRESS_MAX + 1];	/* host:port, [v6]:port */
	char pin[HOST_PIN_LEN + 1];
};

struct hosts {
	char self[HOST_NAME_MAX_LEN + 1];	/* "" until hosts_load names it */
	struct host host[HOSTS_MAX];
	int n;
};

/* 0, or -1 with why said (a line of the file, what is wrong with it). */
int hosts_parse(const char *text, struct hosts *out, char *why, size_t size);
/* The file's hosts (none if it does not exist); self defaults to the
 * machine's host name. 0, or -1 with why said. */
int hosts_load(const char *path, struct hosts *out, char *why, size_t size);
const struct host *hosts_find(const struct hosts *h, const char *name);
/* A group's name: 1 to 31 of a-z 0-9 - (what the page and requests use). */
int hosts_name_ok(const char *name);

#endif
