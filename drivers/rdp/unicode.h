/* SPDX-License-Identifier: MIT */
/*
 * RDP clients may send characters instead of keys (unicode keyboard
 * events: on-screen keyboards, input methods, pasted text). The station
 * has only a keyboard, so a character is typed as the keys that produce it
 * in the session's keymap: the key, with Shift or AltGr where its level
 * needs them.
 */
#ifndef SEATMUX_RDP_UNICODE_H
#define SEATMUX_RDP_UNICODE_H

#include <stdint.h>

struct unicode_keymap;

/* The keymap of an XKB layout and variant (NULL: the default). */
struct unicode_keymap *unicode_keymap_new(const char *layout, const char *variant);
void unicode_keymap_free(struct unicode_keymap *km);
/*
 * The evdev keys to press, in order, and release in reverse to type the
 * character cp: modifiers first, the key last. The count (at most max),
 * or 0 if no key of the keymap makes the character.
 */
int unicode_to_keys(struct unicode_keymap *km, uint32_t cp, unsigned *keys, int max);

#endif
