/* SPDX-License-Identifier: MIT */
/*
 * Keys that act on the whole machine rather than on a session: power and
 * sleep (logind's), the radios and the disc tray. The virtual keyboards
 * seatmuxd makes for remote stations and for controllers do not have
 * them, so nothing they send can press one. KEY_SYSRQ stays: it is also
 * PrintScreen; the kernel's SysRq handler is off instead (sysctl.d's
 * 60-seatmux-sysrq.conf), for the physical keyboards' sake too.
 */
#ifndef SEATMUX_SYSTEM_KEYS_H
#define SEATMUX_SYSTEM_KEYS_H

#include <linux/input-event-codes.h>
#include <stdbool.h>

static inline bool system_key(unsigned code)
{
	switch (code) {
	case KEY_POWER:
	case KEY_SLEEP:
	case KEY_WAKEUP:
	case KEY_SUSPEND:
	case KEY_RFKILL:
	case KEY_WLAN:
	case KEY_BLUETOOTH:
	case KEY_WWAN:
	case KEY_UWB:
	case KEY_EJECTCD:
	case KEY_EJECTCLOSECD:
	case KEY_CLOSECD:
		return true;
	default:
		return false;
	}
}

#endif
