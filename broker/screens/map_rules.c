// SPDX-License-Identifier: MIT
#include <string.h>

#include "map_rules.h"

static bool waits(const struct map_rules_seat *s)
{
	return s->heads > 0 && s->keyboards == 0;
}

#define BIT(letter) (1u << ((letter) - 'A'))

/* The waiting seat without a letter that comes first by name, or -1. */
static int first_unlettered(const struct map_rules_seat *seats, int n)
{
	int best = -1;

	for (int i = 0; i < n; i++)
		if (waits(&seats[i]) && !seats[i].letter &&
		    (best < 0 || strverscmp(seats[i].name, seats[best].name) < 0))
			best = i;
	return best;
}

int map_rules_letters(struct map_rules_seat *seats, int n, uint32_t *given)
{
	int count = 0, i;
	char next = 'A';

	for (i = 0; i < n; i++) {
		if (!waits(&seats[i]) || seats[i].letter < 'A' || seats[i].letter > 'Z')
			seats[i].letter = 0;
		if (seats[i].letter)
			*given |= BIT(seats[i].letter);
		count += waits(&seats[i]);
	}
	while ((i = first_unlettered(seats, n)) >= 0) {
		while (next <= 'Z' && (*given & BIT(next)))
			next++;
		if (next > 'Z')
			break;
		seats[i].letter = next;
		*given |= BIT(next);
	}
	return count;
}

bool map_rules_keyboard_free(bool keyboard, bool assigned, int seat_heads)
{
	return keyboard && (!assigned || seat_heads == 0);
}

char map_rules_letter(uint32_t utf32)
{
	if (utf32 >= 'a' && utf32 <= 'z')
		return (char)(utf32 - 'a' + 'A');
	if (utf32 >= 'A' && utf32 <= 'Z')
		return (char)utf32;
	return 0;
}

bool map_rules_station_hub(const char *sysname, const char *device_class)
{
	return sysname && device_class && !strcmp(device_class, "09") && strchr(sysname, '-');
}
