// SPDX-License-Identifier: MIT
/*
 * Characters a client types (unicode keyboard events, UTF-16 code units)
 * as the keys the sink presses for them, in the keymaps of a few client
 * layouts. Input: a byte choosing the keymap, then up to 64 16-bit code
 * units.
 */
#include <linux/input-event-codes.h>
#include <string.h>

#include "fuzz.h"
#include "layout.h"
#include "unicode.h"

/* Windows layout ids, as a client's logon gives them. */
static const uint32_t layouts[] = { 0x0409, 0x0407, 0x040c, 0x0419, 0x0411, 0x00010409 };
static struct unicode_keymap *keymaps[sizeof(layouts) / sizeof(layouts[0])];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		struct xkb_names names;

		FUZZ_CHECK(layout_to_xkb(layouts[i], &names));
		keymaps[i] = unicode_keymap_new(names.layout, names.variant);
		FUZZ_CHECK(keymaps[i]);	/* xkeyboard-config is missing */
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct unicode_keymap *km;

	/* Each character searches the whole keymap: a few dozen an input
	 * keep the runs many. */
	if (size < 1 || size > 1 + 2 * 64)
		return 0;
	km = keymaps[data[0] % (sizeof(keymaps) / sizeof(keymaps[0]))];
	for (data++, size--; size >= 2; data += 2, size -= 2) {
		uint16_t cp = (uint16_t)(data[0] | data[1] << 8);
		unsigned keys[4] = { 0 };
		int n;

		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;	/* the sink drops surrogates */
		n = unicode_to_keys(km, cp, keys, 4);
		FUZZ_CHECK(n >= 0 && n <= 3);
		for (int i = 0; i < n; i++)
			FUZZ_CHECK(keys[i] > 0 && keys[i] < KEY_MAX);
		/* Too little room: nothing rather than a part. */
		FUZZ_CHECK(unicode_to_keys(km, cp, keys, 2) == 0);
	}
	return 0;
}
