// SPDX-License-Identifier: MIT
/*
 * Log lines and strings from outside: a user name with a line break and
 * a priority of its own stays within its line, escaped; valid UTF-8 stays
 * readable; nothing grows past its room.
 */
#include <stdarg.h>
#include <string.h>

#include "log.h"
#include "test.h"
#include "utf8.h"

static const char *esc(const char *in)
{
	static char out[LOG_TEXT_MAX];

	return log_escape(out, sizeof(out), in);
}

static const char *format(enum log_level level, const char *fmt, ...)
{
	static char line[LOG_LINE_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	log_format(line, sizeof(line), level, fmt, ap);
	va_end(ap);
	return line;
}

static void test_escape(struct test_state *t)
{
	CHECK(t, !strcmp(esc("alice"), "alice"));
	CHECK(t, !strcmp(esc("alice\n<2>forged"), "alice\\x0a<2>forged"));
	CHECK(t, !strcmp(esc("a\r\tb\x7f"), "a\\x0d\\x09b\\x7f"));
	CHECK(t, !strcmp(esc("\x1b[31mred"), "\\x1b[31mred"));
	/* The backslash too: an escape in the log was made by the escaping. */
	CHECK(t, !strcmp(esc("a\\x0ab"), "a\\\\x0ab"));
	CHECK(t, !strcmp(esc(NULL), "(null)"));
	CHECK(t, !strcmp(esc(""), ""));
}

static void test_utf8(struct test_state *t)
{
	/* Names in other scripts are read as they are. */
	CHECK(t, !strcmp(esc("J\xc3\xbcrgen \xe6\x97\xa5 \xf0\x9f\x98\x80"),
			 "J\xc3\xbcrgen \xe6\x97\xa5 \xf0\x9f\x98\x80"));
	/* Not UTF-8: stray bytes, cut short, overlong, surrogates, too high. */
	CHECK(t, !strcmp(esc("\xff\xfe"), "\\xff\\xfe"));
	CHECK(t, !strcmp(esc("a\xe2\x82"), "a\\xe2\\x82"));
	CHECK(t, !strcmp(esc("\xc0\x8a"), "\\xc0\\x8a"));
	CHECK(t, !strcmp(esc("\xe0\x80\x8a"), "\\xe0\\x80\\x8a"));
	CHECK(t, !strcmp(esc("\xed\xa0\x80"), "\\xed\\xa0\\x80"));
	CHECK(t, !strcmp(esc("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"));
	/* C1 controls (NEL), line separators, a right-to-left override. */
	CHECK(t, !strcmp(esc("a\xc2\x85" "b"), "a\\xc2\\x85b"));
	CHECK(t, !strcmp(esc("a\xe2\x80\xa8" "b"), "a\\xe2\\x80\\xa8b"));
	CHECK(t, !strcmp(esc("a\xe2\x80\xae" "b"), "a\\xe2\\x80\\xaeb"));
}

/* What seatmuxctl refuses to send: the same decoder, whole strings. */
static void test_utf8_valid(struct test_state *t)
{
	CHECK(t, utf8_valid(""));
	CHECK(t, utf8_valid("Pens down, please."));
	CHECK(t, utf8_valid("J\xc3\xbcrgen \xe6\x97\xa5 \xf0\x9f\x98\x80"));
	CHECK(t, !utf8_valid("caf\xe9 "));		/* Latin-1 */
	CHECK(t, !utf8_valid("a\xe2\x82"));		/* cut short at the end */
	CHECK(t, !utf8_valid("\xc0\x8a"));		/* overlong */
	CHECK(t, !utf8_valid("\xed\xa0\x80"));		/* a surrogate */
	CHECK(t, !utf8_valid("\xf4\x90\x80\x80"));	/* past U+10FFFF */
}

static void test_bounded(struct test_state *t)
{
	char small[12], name[300];

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CHECK(t, strlen(esc(name)) == LOG_TEXT_MAX - 1);
	CHECK(t, !strcmp(esc(name) + LOG_TEXT_MAX - 4, "..."));
	/* Exactly the room: not cut. */
	CHECK(t, !strcmp(log_escape(small, sizeof(small), "abcdefghijk"), "abcdefghijk"));
	CHECK(t, !strcmp(log_escape(small, sizeof(small), "abcdefghijkl"), "abcdefgh..."));
	/* Cut at a whole escape, never within one. */
	CHECK(t, !strcmp(log_escape(small, sizeof(small), "\n\n\n\n"), "\\x0a\\x0a..."));
	CHECK(t, !strcmp(log_escape(small, sizeof(small), "abcdefg\xc3\xbc\xc3\xbc" "X"),
			 "abcdefg..."));
	CHECK(t, !strcmp(log_escape(small, 3, "abcdef"), ""));
	CHECK(t, !strcmp(log_escape(small, 4, "abcdef"), "..."));
}

/* One message, one line: escaped where it is logged or not. */
static void test_one_line(struct test_state *t)
{
	const char *forged = "station0\n<2>seatmuxd: root logged on";
	char user[LOG_TEXT_MAX];
	const char *line;

	line = format(LOG_LVL_WARN, "rdp: logon of '%s' from %s refused", forged, "::1");
	CHECK(t, !strcmp(line, "<4>rdp: logon of 'station0\\x0a<2>seatmuxd: root logged on' "
			 "from ::1 refused"));
	line = format(LOG_LVL_WARN, "rdp: logon of '%s' refused",
		      log_escape(user, sizeof(user), forged));
	CHECK(t, !strcmp(line, "<4>rdp: logon of 'station0\\x0a<2>seatmuxd: root logged on' "
			 "refused"));
	CHECK(t, !strchr(format(LOG_LVL_INFO, "%s", "a\rb\nc\0"), '\n'));
	CHECK(t, !strcmp(format(LOG_LVL_INFO, "%d%%", 5), "<6>5%"));
}

static void test_line_bounded(struct test_state *t)
{
	static char many[3000];

	memset(many, '\n', sizeof(many) - 1);
	CHECK(t, strlen(format(LOG_LVL_ERROR, "%s", many)) < LOG_LINE_MAX + 64);
	memset(many, 'y', sizeof(many) - 1);
	CHECK(t, strlen(format(LOG_LVL_ERROR, "%s", many)) == 3 + LOG_LINE_MAX - 1);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_escape);
	RUN(&t, test_utf8);
	RUN(&t, test_utf8_valid);
	RUN(&t, test_bounded);
	RUN(&t, test_one_line);
	RUN(&t, test_line_bounded);
	return TEST_SUMMARY(&t);
}
