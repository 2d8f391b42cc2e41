// SPDX-License-Identifier: MIT
/*
 * In set 1, scancodes 0x01-0x58 are the evdev codes themselves (Linux's
 * codes were laid out after them); the rest are tables. Sources: the
 * USB HID to PS/2 translation table Microsoft publishes (Keyboard Scan
 * Code Specification) and linux/input-event-codes.h.
 */
#include <linux/input-event-codes.h>

#include "scancode.h"

struct entry {
	uint8_t code;
	uint16_t key;
};

/* Unprefixed codes above 0x58: F13-F24, international keys. */
static const struct entry plain[] = {
	{ 0x59, KEY_KPEQUAL },
	{ 0x5c, KEY_KPJPCOMMA },
	{ 0x64, KEY_F13 }, { 0x65, KEY_F14 }, { 0x66, KEY_F15 }, { 0x67, KEY_F16 },
	{ 0x68, KEY_F17 }, { 0x69, KEY_F18 }, { 0x6a, KEY_F19 }, { 0x6b, KEY_F20 },
	{ 0x6c, KEY_F21 }, { 0x6d, KEY_F22 }, { 0x6e, KEY_F23 }, { 0x76, KEY_F24 },
	{ 0x70, KEY_KATAKANAHIRAGANA },
	{ 0x71, KEY_HANJA },
	{ 0x72, KEY_HANGEUL },
	{ 0x73, KEY_RO },
	{ 0x77, KEY_HIRAGANA },
	{ 0x78, KEY_KATAKANA },
	{ 0x79, KEY_HENKAN },
	{ 0x7b, KEY_MUHENKAN },
	{ 0x7d, KEY_YEN },
	{ 0x7e, KEY_KPCOMMA },
};

/* E0-prefixed codes. */
static const struct entry extended[] = {
	{ 0x10, KEY_PREVIOUSSONG },
	{ 0x19, KEY_NEXTSONG },
	{ 0x1c, KEY_KPENTER },
	{ 0x1d, KEY_RIGHTCTRL },
	{ 0x20, KEY_MUTE },
	{ 0x21, KEY_CALC },
	{ 0x22, KEY_PLAYPAUSE },
	{ 0x24, KEY_STOPCD },
	{ 0x2e, KEY_VOLUMEDOWN },
	{ 0x30, KEY_VOLUMEUP },
	{ 0x32, KEY_HOMEPAGE },
	{ 0x35, KEY_KPSLASH },
	{ 0x37, KEY_SYSRQ },
	{ 0x38, KEY_RIGHTALT },
	{ 0x46, KEY_PAUSE },		/* Ctrl+Break */
	{ 0x47, KEY_HOME },
	{ 0x48, KEY_UP },
	{ 0x49, KEY_PAGEUP },
	{ 0x4b, KEY_LEFT },
	{ 0x4d, KEY_RIGHT },
	{ 0x4f, KEY_END },
	{ 0x50, KEY_DOWN },
	{ 0x51, KEY_PAGEDOWN },
	{ 0x52, KEY_INSERT },
	{ 0x53, KEY_DELETE },
	{ 0x5b, KEY_LEFTMETA },
	{ 0x5c, KEY_RIGHTMETA },
	{ 0x5d, KEY_COMPOSE },
	{ 0x5e, KEY_POWER },
	{ 0x5f, KEY_SLEEP },
	{ 0x63, KEY_WAKEUP },
	{ 0x65, KEY_SEARCH },
	{ 0x66, KEY_BOOKMARKS },
	{ 0x67, KEY_REFRESH },
	{ 0x68, KEY_STOP },
	{ 0x69, KEY_FORWARD },
	{ 0x6a, KEY_BACK },
	{ 0x6b, KEY_COMPUTER },
	{ 0x6c, KEY_MAIL },
	{ 0x6d, KEY_MEDIA },
};

static unsigned lookup(const struct entry *t, unsigned n, uint8_t code)
{
	for (unsigned i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].key;
	return 0;
}

unsigned scancode_to_evdev(uint8_t code, uint16_t flags)
{
	/* Pause sends E1 1D 45: RDP reports it as extended1 with 0x1d. */
	if (flags & SCANCODE_FLAG_EXTENDED1)
		return code == 0x1d ? KEY_PAUSE : 0;
	if (flags & SCANCODE_FLAG_EXTENDED)
		return lookup(extended, sizeof(extended) / sizeof(extended[0]), code);
	if (code >= 0x01 && code <= 0x58)
		return code == 0x54 ? KEY_SYSRQ : code;	/* 0x54: Alt+PrintScreen */
	return lookup(plain, sizeof(plain) / sizeof(plain[0]), code);
}
