// SPDX-License-Identifier: MIT
/*
 * greetd's requests, as a greeter (an unprivileged process on a station)
 * sends them to seatmuxd: whatever is parsed is bounded and NUL-free,
 * whatever is refused leaves nothing allocated (LeakSanitizer tells).
 */
#include <string.h>

#include "fuzz.h"
#include "greetd_proto.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct greetd_request r;
	char why[128];

	if (greetd_request_parse((const char *)data, size, &r, why, sizeof(why)) < 0) {
		FUZZ_CHECK(why[0] && !r.response && !r.ncmd && !r.nenv);
		return 0;
	}
	FUZZ_CHECK(strlen(r.username) <= GREETD_MAX_USER);
	FUZZ_CHECK(!r.response || strlen(r.response) <= GREETD_MAX_TEXT);
	FUZZ_CHECK(r.ncmd <= GREETD_MAX_ARGS && r.nenv <= GREETD_MAX_ARGS);
	FUZZ_CHECK(r.type != GREETD_START_SESSION || r.ncmd >= 1);
	for (int i = 0; i < r.ncmd; i++)
		FUZZ_CHECK(r.cmd[i][0] && strlen(r.cmd[i]) <= GREETD_MAX_TEXT);
	for (int i = 0; i < r.nenv; i++)
		FUZZ_CHECK(strchr(r.env[i], '=') > r.env[i]);
	FUZZ_CHECK(!r.cmd[r.ncmd] && !r.env[r.nenv]);
	greetd_request_free(&r);
	return 0;
}
