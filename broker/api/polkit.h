/* SPDX-License-Identifier: MIT */
/*
 * Asking polkit whether the sender of a D-Bus call may do an action, as
 * logind and udisks2 do: without blocking the loop (polkit may ask the
 * user for a password), the call answered when polkit has. polkit
 * allows root; without polkit, root alone may act.
 */
#ifndef SEATMUX_POLKIT_H
#define SEATMUX_POLKIT_H

#include <sys/types.h>
#include <systemd/sd-bus.h>

/* The call m, allowed: it is the callee's to answer (0 or -errno, as
 * an sd-bus method handler returns). */
typedef int (*polkit_allowed_fn)(sd_bus_message *m, void *data);

/*
 * Asks about action for m's sender; allowed() runs (now or later) if it
 * may, otherwise m gets an AccessDenied error naming the action. data
 * must live as long as the bus. Returns what a method handler returns.
 */
int polkit_check(sd_bus_message *m, const char *action, polkit_allowed_fn allowed, void *data);

/* Whose the thing m names is now (a session's user), or (uid_t)-1. */
typedef uid_t (*polkit_owner_fn)(sd_bus_message *m, void *data);

/*
 * The same, but the sender may without polkit if it is the owner: the bus
 * daemon is asked who the sender is (without blocking), and owner() is
 * asked again when it answers, so that a session ended or handed to
 * another user meanwhile is not its old user's.
 */
int polkit_check_own(sd_bus_message *m, const char *action, polkit_owner_fn owner,
		     polkit_allowed_fn allowed, void *data);


#endif
