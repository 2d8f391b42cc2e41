/* SPDX-License-Identifier: MIT */
/* A hexadecimal digit's value: pure and header-only, for the parsers that
 * undo %XX or read #RRGGBB. */
#ifndef SEATMUX_HEXDIGIT_H
#define SEATMUX_HEXDIGIT_H

/* c's value, or -1 if it is no hexadecimal digit. */
static inline int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
