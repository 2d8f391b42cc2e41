// SPDX-License-Identifier: MIT
/*
 * A station's picture as the teacher's bridge hands it to the dashboard
 * (the bridge runs as the teacher, who may make it say anything): made
 * small, or refused; a thumbnail is a PNG that fits 384x240.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "thumbnail.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *out = NULL;
	size_t len = 0;

	uint32_t w = size >= 24 ? (uint32_t)data[16] << 24 | (uint32_t)data[17] << 16 |
					  (uint32_t)data[18] << 8 | data[19] : 0;
	uint32_t h = size >= 24 ? (uint32_t)data[20] << 24 | (uint32_t)data[21] << 16 |
					  (uint32_t)data[22] << 8 | data[23] : 0;

	if (thumbnail_make(data, size, &out, &len) < 0)
		return 0;
	/* Made: then its header said 8 bits and a size within the limits. */
	FUZZ_CHECK(size > 24 && data[24] == 8 && w >= 1 && h >= 1 && w <= THUMBNAIL_SOURCE_MAX &&
		   h <= THUMBNAIL_SOURCE_MAX && (uint64_t)w * h <= THUMBNAIL_SOURCE_PIXELS);
	FUZZ_CHECK(out && len > 24 && !memcmp(out + 1, "PNG", 3));
	FUZZ_CHECK(((unsigned)out[16] << 24 | (unsigned)out[17] << 16 | (unsigned)out[18] << 8 |
		    out[19]) <= THUMBNAIL_WIDTH);
	FUZZ_CHECK(((unsigned)out[20] << 24 | (unsigned)out[21] << 16 | (unsigned)out[22] << 8 |
		    out[23]) <= THUMBNAIL_HEIGHT);
	free(out);
	return 0;
}
