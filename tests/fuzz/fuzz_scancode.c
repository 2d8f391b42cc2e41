// SPDX-License-Identifier: MIT
/*
 * A client's keyboard as the RDP sink maps it: scancodes with their
 * flags (fast-path and slow-path events, any 16 bits) to evdev keys, and
 * the keyboard layout id of its logon to XKB names. Input: records of a
 * code byte and two flag bytes, then what is left as a layout id.
 */
#include <linux/input-event-codes.h>
#include <string.h>

#include "fuzz.h"
#include "layout.h"
#include "scancode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xkb_names names;
	uint32_t id = 0;

	for (; size >= 3; data += 3, size -= 3) {
		uint16_t flags = (uint16_t)(data[1] | data[2] << 8);
		unsigned key = scancode_to_evdev(data[0], flags);

		FUZZ_CHECK(key < KEY_MAX);
		/* Releasing a key is the key pressed. */
		FUZZ_CHECK(key == scancode_to_evdev(data[0], flags ^ SCANCODE_FLAG_RELEASE));
	}
	memcpy(&id, data, size);
	if (layout_to_xkb(id, &names))
		FUZZ_CHECK(names.layout && names.layout[0] && names.variant);
	return 0;
}
