/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 as D-Bus and our logs take it: shortest form, no surrogate, at
 * most U+10FFFF. Pure and header-only: seatmuxd and its tools share it.
 */
#ifndef SEATMUX_UTF8_H
#define SEATMUX_UTF8_H

#include <stdbool.h>
#include <stdint.h>

/* The length of the UTF-8 character at s and its code point; 0 if there
 * is none (an invalid byte, or the string's end cut it short). */
static inline int utf8_char(const unsigned char *s, uint32_t *cp)
{
	uint32_t v, min;
	int n;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2, v = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3, v = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4, v = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* the string's end included */
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/* Whether the NUL-terminated s is UTF-8 throughout. */
static inline bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	int n;

	for (; *p; p += n)
		if (!(n = utf8_char(p, &cp)))
			return false;
	return true;
}

#endif
