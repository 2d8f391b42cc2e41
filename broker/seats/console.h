/* SPDX-License-Identifier: MIT */
/*
 * The kernel's VT on seat0: while seatmuxd serves seat0 the console must
 * neither draw on seat0's head nor read its keyboard.
 */
#ifndef SEATMUX_CONSOLE_H
#define SEATMUX_CONSOLE_H

#include <stdbool.h>

struct console {
	int fd;
	int vt;
	int saved_kbmode;
	bool taken;
};

void console_init(struct console *con);
/* Graphics mode and keyboard off on the active VT. 0 or negative errno. */
int console_take(struct console *con);
void console_restore(struct console *con);
/* Text mode and unicode keyboard on the active VT, after a crash. */
int console_reset(void);

#endif
