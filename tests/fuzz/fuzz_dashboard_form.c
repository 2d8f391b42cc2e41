// SPDX-License-Identifier: MIT
/*
 * What a browser (anyone who reaches the dashboard's port) sends as a
 * form: a field is found whole and decoded within its buffer, as UTF-8
 * without NUL, or refused; a station id that passes has only the
 * characters a seat's name has; the form passed on to another host
 * without its host= fits where it came from and has no host= left;
 * input events are digits and separators only.
 */
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "fuzz.h"
#include "utf8.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "user", "password", "op", "id", "text", "host" };
	char out[64], *rest = size ? malloc(size) : NULL;
	size_t n;

	if (size && !rest)
		return 0;
	/* Input events as the large view's socket takes them: only digits
	 * and their separators pass. */
	if (size < sizeof(out)) {
		memcpy(out, data, size);
		out[size] = 0;
		if (strlen(out) == size && form_events_ok(out))
			FUZZ_CHECK(strspn(out, "0123456789:,-") == size);
	}
	n = form_without((const char *)data, size, "host", rest);
	FUZZ_CHECK(n <= size);
	FUZZ_CHECK(form_field(rest, n, "host", out, sizeof(out)) == 0);
	free(rest);

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		memset(out, 0x55, sizeof(out));
		int r = form_field((const char *)data, size, keys[k], out, sizeof(out));

		FUZZ_CHECK(r >= -1 && r <= 1);
		if (r != 1)
			continue;
		FUZZ_CHECK(memchr(out, 0, sizeof(out)) != NULL);
		FUZZ_CHECK(utf8_valid(out));
		if (form_station_ok(out))
			FUZZ_CHECK(strspn(out, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					       "0123456789_.-") == strlen(out) && strlen(out) <= 63);
		if (form_line_ok(out))
			FUZZ_CHECK(!strpbrk(out, "\t\n\r"));
	}
	return 0;
}
