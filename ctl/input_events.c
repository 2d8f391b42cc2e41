// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>

#include "input_events.h"

/* A decimal number in [min, max] at *p, which then points past it: 0,
 * or -1. strtol alone takes spaces and a plus sign, not wanted here. */
static int number(const char **p, long min, long max, long *out)
{
	const char *s = *p;
	char *end;

	if (!((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')))
		return -1;
	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno || *out < min || *out > max || end - s > 11)
		return -1;
	*p = end;
	return 0;
}

int input_events_parse(const char *text, struct input_events_event *ev, int max)
{
	const char *p = text;
	long type, code, value;
	int n = 0;

	for (;;) {
		if (n == max || number(&p, 0, UINT16_MAX, &type) < 0 || *p++ != ':' ||
		    number(&p, 0, UINT16_MAX, &code) < 0 || *p++ != ':' ||
		    number(&p, INT32_MIN, INT32_MAX, &value) < 0)
			return -1;
		ev[n].type = (uint16_t)type;
		ev[n].code = (uint16_t)code;
		ev[n].value = (int32_t)value;
		n++;
		if (!*p)
			return n;
		if (*p++ != ',')
			return -1;
	}
}
