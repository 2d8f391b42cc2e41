// SPDX-License-Identifier: MIT
#include <string.h>

#include "hexdigit.h"
#include "form.h"
#include "utf8.h"

/* in[0..n) decoded into out: its length, or -1. */
static int decode(const char *in, size_t n, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)in[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (i + 2 >= n || hex_digit(in[i + 1]) < 0 || hex_digit(in[i + 2]) < 0)
				return -1;
			c = hex_digit(in[i + 1]) << 4 | hex_digit(in[i + 2]);
			i += 2;
		}
		if (c == 0 || o + 1 >= size)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = 0;
	return utf8_valid(out) ? (int)o : -1;
}

/* The next key=value pair of body from *at on: false at the end. */
static bool pair_next(const char *body, size_t len, size_t *at, const char **pair, size_t *plen)
{
	const char *amp;

	if (*at >= len)
		return false;
	*pair = body + *at;
	amp = memchr(*pair, '&', len - *at);
	*plen = amp ? (size_t)(amp - *pair) : len - *at;
	*at += *plen + 1;
	return true;
}

static bool pair_is(const char *pair, size_t plen, const char *key, size_t klen)
{
	return plen > klen && pair[klen] == '=' && !memcmp(pair, key, klen);
}

int form_field(const char *body, size_t len, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key), at = 0, plen;
	const char *pair;
	int found = 0;

	while (pair_next(body, len, &at, &pair, &plen)) {
		if (!pair_is(pair, plen, key, klen))
			continue;
		if (found || decode(pair + klen + 1, plen - klen - 1, out, size) < 0)
			return -1;
		found = 1;
	}
	return found;
}

bool form_events_ok(const char *text)
{
	return *text && strspn(text, "0123456789:,-") == strlen(text);
}

size_t form_without(const char *body, size_t len, const char *key, char *out)
{
	size_t klen = strlen(key), at = 0, n = 0, plen;
	const char *pair;

	while (pair_next(body, len, &at, &pair, &plen)) {
		if (pair_is(pair, plen, key, klen))
			continue;
		if (n)
			out[n++] = '&';
		memcpy(out + n, pair, plen);
		n += plen;
	}
	return n;
}

bool form_station_ok(const char *id)
{
	size_t n = strlen(id);

	return n >= 1 && n <= 63 && id[0] != '-' &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

bool form_user_ok(const char *user)
{
	size_t n = strlen(user);

	return n >= 1 && n <= 32 && user[0] != '-' &&
	       strspn(user, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-") == n;
}

bool form_line_ok(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}
