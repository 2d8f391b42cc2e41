/*
 * Asking polkit whether the sender of a D-Bus call may do an action, as
 * logind and udisks2 do: without blocking the loop (polkit may ask the
 * user for a password), the call answered when polkit has. polkit
 * allows root; without polkit, root alone may act.
 */
#ifndef SEATMUX_POLKIT_H
#define SEATMUX_POLKIT_H

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


#endif
