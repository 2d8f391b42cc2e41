// SPDX-License-Identifier: MIT
/*
 * seatmuxctl input's events, as the dashboard's bridge passes on what a
 * browser sent: a list is taken whole or refused, never more than asked
 * for, and what is taken prints back as text that reads the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "input_events.h"

#define MAX 8

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input_events_event ev[MAX], again[MAX];
	char *text = malloc(size + 1), out[MAX * 32] = "";
	size_t used = 0;
	int n, m;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	n = input_events_parse(text, ev, MAX);
	FUZZ_CHECK(n == -1 || (n >= 1 && n <= MAX));
	for (int i = 0; i < n; i++)
		used += (size_t)snprintf(out + used, sizeof(out) - used, "%s%u:%u:%d", i ? "," : "",
					 ev[i].type, ev[i].code, ev[i].value);
	if (n > 0) {
		m = input_events_parse(out, again, MAX);
		FUZZ_CHECK(m == n && !memcmp(ev, again, sizeof(ev[0]) * (size_t)n));
	}
	free(text);
	return 0;
}
