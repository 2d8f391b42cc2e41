// SPDX-License-Identifier: MIT
/*
 * xkbcommon answers which keysym each key gives at each level; the search
 * takes the first key and the lowest level that give the character's
 * keysym. Levels are reached as on a PC keyboard: level 2 with Shift,
 * level 3 with AltGr, level 4 with both.
 */
#include <linux/input-event-codes.h>
#include <stdlib.h>
#include <xkbcommon/xkbcommon.h>

#include "unicode.h"

#define EVDEV_OFFSET 8		/* XKB keycodes are evdev codes + 8 */

struct unicode_keymap {
	struct xkb_context *ctx;
	struct xkb_keymap *keymap;
};

struct unicode_keymap *unicode_keymap_new(const char *layout, const char *variant)
{
	struct xkb_rule_names names = { .layout = layout, .variant = variant };
	struct unicode_keymap *km = calloc(1, sizeof(*km));

	if (!km)
		return NULL;
	km->ctx = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	km->keymap = km->ctx ? xkb_keymap_new_from_names(km->ctx, &names,
							  XKB_KEYMAP_COMPILE_NO_FLAGS) : NULL;
	if (!km->keymap) {
		unicode_keymap_free(km);
		return NULL;
	}
	return km;
}

void unicode_keymap_free(struct unicode_keymap *km)
{
	if (!km)
		return;
	xkb_keymap_unref(km->keymap);
	xkb_context_unref(km->ctx);
	free(km);
}

static int level_of(struct xkb_keymap *keymap, xkb_keycode_t kc, xkb_keysym_t want)
{
	xkb_level_index_t levels = xkb_keymap_num_levels_for_key(keymap, kc, 0);

	for (xkb_level_index_t l = 0; l < levels && l < 4; l++) {
		const xkb_keysym_t *syms;
		int n = xkb_keymap_key_get_syms_by_level(keymap, kc, 0, l, &syms);

		for (int i = 0; i < n; i++)
			if (syms[i] == want)
				return (int)l;
	}
	return -1;
}

int unicode_to_keys(struct unicode_keymap *km, uint32_t cp, unsigned *keys, int max)
{
	xkb_keysym_t sym = xkb_utf32_to_keysym(cp);
	xkb_keycode_t min = xkb_keymap_min_keycode(km->keymap);
	xkb_keycode_t top = xkb_keymap_max_keycode(km->keymap);
	int best_level = 4, n = 0;
	xkb_keycode_t best = 0;

	if (sym == XKB_KEY_NoSymbol || max < 3)
		return 0;
	for (xkb_keycode_t kc = min; kc <= top; kc++) {
		int l = level_of(km->keymap, kc, sym);

		if (l >= 0 && l < best_level && kc > EVDEV_OFFSET) {
			best_level = l;
			best = kc;
		}
	}
	if (!best)
		return 0;
	if (best_level == 1 || best_level == 3)
		keys[n++] = KEY_LEFTSHIFT;
	if (best_level >= 2)
		keys[n++] = KEY_RIGHTALT;	/* AltGr */
	keys[n++] = best - EVDEV_OFFSET;
	return n;
}
