// SPDX-License-Identifier: MIT
/*
 * Logging to stderr with sd-daemon style "<N>" priority prefixes, which the
 * journal understands when seatmuxd runs under systemd. The level is the
 * only process-wide state: every message site would otherwise need it.
 *
 * A line break in a message would start a line of its own, with a
 * priority of the writer's choosing: what a client chose is escaped
 * where it is logged (log_escape), and whatever control character still
 * reaches a line is escaped there.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "utf8.h"

static enum log_level log_level = LOG_LVL_INFO;

void log_set_level(enum log_level level)
{
	log_level = level;
}

int log_parse_level(const char *name, enum log_level *level)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = {
		{ "error", LOG_LVL_ERROR },
		{ "warning", LOG_LVL_WARN },
		{ "info", LOG_LVL_INFO },
		{ "debug", LOG_LVL_DEBUG },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*level = names[i].level;
			return 0;
		}
	}
	return -1;
}

/* Characters that break, move or hide what a reader sees of a line. */
static bool hides_text(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
	       cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

const char *log_escape(char *out, size_t size, const char *in)
{
	const unsigned char *s = (const unsigned char *)(in ? in : "(null)");
	size_t len = 0, mark = 0;	/* mark: where "..." still fits */

	if (size == 0)
		return "";
	while (*s) {
		char piece[8];
		uint32_t cp;
		int n = utf8_char(s, &cp);
		size_t plen;

		if (n == 0 || hides_text(cp)) {
			plen = (size_t)snprintf(piece, sizeof(piece), "\\x%02x", *s);
			n = 1;
		} else if (*s == '\\') {
			plen = (size_t)snprintf(piece, sizeof(piece), "\\\\");
		} else {
			memcpy(piece, s, (size_t)n);
			plen = (size_t)n;
		}
		if (len + plen > size - 1) {
			len = mark;
			if (len + 3 <= size - 1) {
				memcpy(out + len, "...", 3);
				len += 3;
			}
			break;
		}
		memcpy(out + len, piece, plen);
		len += plen;
		if (len + 3 <= size - 1)
			mark = len;
		s += n;
	}
	out[len] = '\0';
	return out;
}

size_t log_format(char *line, size_t size, enum log_level level, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];
	size_t len;
	int n;

	if (size == 0)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = snprintf(line, size, "<%d>", (int)level);
	len = n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
	for (const unsigned char *s = (const unsigned char *)msg; *s; s++) {
		if (*s >= 0x20 && *s != 0x7f) {
			if (len + 1 >= size)
				break;
			line[len++] = (char)*s;
			continue;
		}
		if (len + 4 >= size)
			break;
		len += (size_t)snprintf(line + len, size - len, "\\x%02x", *s);
	}
	line[len] = '\0';
	return len;
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX + 64];
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	log_format(line, sizeof(line), level, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
}
