// SPDX-License-Identifier: MIT
/* The state file a restarted seatmuxd reads back (broker/core/state.c):
 * whatever it holds (cut short, garbled, from another version) is either
 * records whose words are clean or a refusal with a reason, never a
 * crash. Written by root, but a crash in the middle of writing it, or a
 * future version, must not keep seatmuxd from starting. */
#include <string.h>

#include "fuzz.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state st;
	const char *why = NULL;
	long long v;

	state_init(&st);
	if (state_parse(&st, (const char *)data, size, &why) < 0) {
		FUZZ_CHECK(why != NULL && st.n == 0);
		return 0;
	}
	for (int i = 0; i < st.n; i++) {
		FUZZ_CHECK(st.v[i].argc >= 1 && st.v[i].argc <= STATE_MAX_WORDS);
		for (int j = 0; j < st.v[i].argc; j++)
			FUZZ_CHECK(st.v[i].argv[j][0] != '\0');
		(void)state_number(&st.v[i], 1, 0, 1000, &v);
	}
	while (state_take(&st, "session", (char *)NULL))
		;
	state_clear(&st);
	return 0;
}
