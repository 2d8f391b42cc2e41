// SPDX-License-Identifier: MIT
/* map_rules: which heads wait for a keyboard, their letters, which
 * keyboards may be pressed and what a pressed one's station gets. */
#include <string.h>

#include "map_rules.h"
#include "test.h"

static void test_letters_by_name(struct test_state *t)
{
	struct map_rules_seat s[] = {
		{ "seat10", 1, 0, 0 }, { "seat0", 1, 1, 0 }, { "seat2", 1, 0, 0 },
		{ "seat-rdp1", 0, 0, 0 },	/* no head of the machine's own */
	};

	uint32_t given = 0;

	CHECK(t, map_rules_letters(s, 4, &given) == 2);
	CHECK(t, given == 3);
	CHECK(t, s[2].letter == 'A');	/* seat2 before seat10 */
	CHECK(t, s[0].letter == 'B');
	CHECK(t, s[1].letter == 0 && s[3].letter == 0);
}

/* A letter shown stays while others come and go; one given in this
 * mapping is never given again, to another head. */
static void test_letters_stay(struct test_state *t)
{
	struct map_rules_seat s[] = {
		{ "seat1", 1, 1, 'A' },		/* got its keyboard */
		{ "seat2", 1, 0, 'B' },
		{ "seat3", 1, 0, 0 },		/* a head plugged meanwhile */
		{ "seat0", 1, 0, 'Z' + 1 },	/* nonsense in: none out */
	};
	uint32_t given = 1 | 2;		/* A and B were given */

	CHECK(t, map_rules_letters(s, 4, &given) == 3);
	CHECK(t, s[0].letter == 0);
	CHECK(t, s[1].letter == 'B');
	CHECK(t, s[3].letter == 'C');	/* not A: read on seat1 a moment ago */
	CHECK(t, s[2].letter == 'D');
	CHECK(t, given == 0xf);
}

static void test_letters_run_out(struct test_state *t)
{
	struct map_rules_seat s[MAP_RULES_MAX + 2];
	char names[MAP_RULES_MAX + 2][16];
	int lettered = 0;
	uint32_t given = 0;

	for (int i = 0; i < MAP_RULES_MAX + 2; i++) {
		snprintf(names[i], sizeof(names[i]), "seat%d", i + 1);
		s[i] = (struct map_rules_seat){ names[i], 1, 0, 0 };
	}
	CHECK(t, map_rules_letters(s, MAP_RULES_MAX + 2, &given) == MAP_RULES_MAX + 2);
	for (int i = 0; i < MAP_RULES_MAX + 2; i++)
		lettered += s[i].letter != 0;
	CHECK(t, lettered == MAP_RULES_MAX);
	CHECK(t, s[0].letter == 'A' && s[25].letter == 'Z');
	CHECK(t, s[26].letter == 0 && s[27].letter == 0);
}

static void test_free_keyboards(struct test_state *t)
{
	CHECK(t, map_rules_keyboard_free(true, false, 1));	/* seat0's by default */
	CHECK(t, !map_rules_keyboard_free(true, true, 1));	/* a station's */
	CHECK(t, map_rules_keyboard_free(true, true, 0));	/* a seat with no head */
	CHECK(t, !map_rules_keyboard_free(false, false, 1));	/* a mouse */
}

static void test_letter_of_key(struct test_state *t)
{
	CHECK(t, map_rules_letter('a') == 'A');
	CHECK(t, map_rules_letter('Z') == 'Z');
	CHECK(t, map_rules_letter('1') == 0);
	CHECK(t, map_rules_letter(0xe9) == 0);	/* é */
	CHECK(t, map_rules_letter(0) == 0);
}

static void test_station_hub(struct test_state *t)
{
	CHECK(t, map_rules_station_hub("1-1", "09"));
	CHECK(t, map_rules_station_hub("3-2.4", "09"));
	CHECK(t, !map_rules_station_hub("usb1", "09"));		/* a root hub */
	CHECK(t, !map_rules_station_hub("1-1.1", "00"));	/* the keyboard */
	CHECK(t, !map_rules_station_hub("1-1", NULL));
	CHECK(t, !map_rules_station_hub(NULL, "09"));
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_letters_by_name);
	RUN(&t, test_letters_stay);
	RUN(&t, test_letters_run_out);
	RUN(&t, test_free_keyboards);
	RUN(&t, test_letter_of_key);
	RUN(&t, test_station_hub);
	return TEST_SUMMARY(&t);
}
