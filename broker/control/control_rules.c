// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/input-event-codes.h>

#include "control_rules.h"
#include "system_keys.h"

/* The codes are those vinput's devices offer (drivers/vhead/vinput.c). */
static int classify_key(unsigned code, int value)
{
	if (value != 0 && value != 1)
		return -EINVAL;
	if (code >= KEY_ESC && code <= KEY_MICMUTE && !system_key(code))
		return CONTROL_KEY;
	if (code >= BTN_LEFT && code <= BTN_EXTRA)
		return CONTROL_BUTTON;
	return -EINVAL;
}

int control_event_classify(unsigned type, unsigned code, int value)
{
	switch (type) {
	case EV_SYN:
		return code == SYN_REPORT && value == 0 ? CONTROL_SYN : -EINVAL;
	case EV_KEY:
		return classify_key(code, value);
	case EV_ABS:
		if (value < 0 || value > CONTROL_ABS_MAX)
			return -EINVAL;
		return code == ABS_X ? CONTROL_ABS_X : code == ABS_Y ? CONTROL_ABS_Y : -EINVAL;
	case EV_REL:
		if (value == 0 || value < -CONTROL_WHEEL_MAX || value > CONTROL_WHEEL_MAX)
			return -EINVAL;
		return code == REL_WHEEL ? CONTROL_WHEEL : code == REL_HWHEEL ? CONTROL_HWHEEL :
		       -EINVAL;
	default:
		return -EINVAL;
	}
}
