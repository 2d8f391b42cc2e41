/* SPDX-License-Identifier: MIT */
/*
 * What seatmuxd holds that must outlive it (the fds it handed out, its
 * clients' connections, its listening sockets, its helpers' channels
 * and pidfds) it keeps in systemd's file descriptor store under a name
 * each (FDSTORE=1, FDNAME=), as logind keeps its sessions' devices. A
 * seatmuxd started again, after a restart or a crash, gets them back in
 * LISTEN_FDS. Without systemd (no NOTIFY_SOCKET) nothing is kept, and
 * every call here succeeds doing nothing.
 */
#ifndef SEATMUX_FDSTORE_H
#define SEATMUX_FDSTORE_H

#include <stdbool.h>
#include <stddef.h>

/* systemd allows 255; ours are "KIND/SEAT/KEY/ID" and far shorter. */
#define FDSTORE_NAME_MAX 128

struct fdstore_entry {
	int fd;			/* -1 once taken */
	char name[FDSTORE_NAME_MAX];
};

/* The fds a seatmuxd before this one kept, until each is taken. */
struct fdstore {
	struct fdstore_entry *v;
	int n;
};

/* Takes what systemd passed (and unsets LISTEN_FDS): the number of fds,
 * or -errno. */
int fdstore_receive(struct fdstore *st);
/* The fd kept under name, now the caller's; -1: none. */
int fdstore_take(struct fdstore *st, const char *name);
/* Whether an fd is kept under name (and not taken yet). */
bool fdstore_has(const struct fdstore *st, const char *name);
/* Our copies closed, systemd's store left as it is: a start that failed
 * leaves everything for the next attempt. */
void fdstore_forget(struct fdstore *st);
/* Every fd nobody took, handed to left() (which closes it), and dropped
 * from systemd's store. */
void fdstore_release(struct fdstore *st, void (*left)(void *data, const char *name, int fd),
		     void *data);

/* Whether fds are kept at all (seatmuxd runs under systemd). */
bool fdstore_available(void);
/* Keeps a copy of fd under name (unique: dropping a name drops every fd
 * of that name). 0, or -errno; 0 without systemd. */
int fdstore_put(const char *name, int fd);
/* The fd kept under name is not kept any more. */
void fdstore_drop(const char *name);
/* snprintf into a name; -1 if it does not fit or holds a character
 * systemd does not take (a control character or ':'). */
int fdstore_name(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
