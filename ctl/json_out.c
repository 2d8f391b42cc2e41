// SPDX-License-Identifier: MIT
#include "json_out.h"

void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);	/* D-Bus strings are valid UTF-8 */
	}
	fputc('"', f);
}

void json_field_str(FILE *f, const char *key, const char *value, bool first)
{
	if (!first)
		fputc(',', f);
	json_string(f, key);
	fputc(':', f);
	json_string(f, value);
}

void json_field_uint(FILE *f, const char *key, uint32_t value)
{
	fputc(',', f);
	json_string(f, key);
	fprintf(f, ":%u", (unsigned)value);
}
