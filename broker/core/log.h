/* SPDX-License-Identifier: MIT */
#ifndef SEATMUX_LOG_H
#define SEATMUX_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level {
	LOG_LVL_ERROR = 3,
	LOG_LVL_WARN = 4,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

/* Room for a string from outside, escaped: longer ones are cut. */
#define LOG_TEXT_MAX 128
#define LOG_LINE_MAX 1024

void log_set_level(enum log_level level);
int log_parse_level(const char *name, enum log_level *level);
void log_printf(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A string a less privileged party chose (a user name, a path, what a
 * link says), fit for a log line: printable ASCII and valid UTF-8 as they
 * are; a backslash doubled; control characters, bytes that are not UTF-8
 * and characters that move or hide text (C1 controls, line and paragraph
 * separators, bidirectional overrides) as \xNN. At most size - 1 bytes,
 * cut at a whole character and ended "..." when cut. Returns out.
 */
const char *log_escape(char *out, size_t size, const char *in);

/*
 * The line log_printf writes, without its newline: "<level>message".
 * Control characters in the message, whoever put them there, come out
 * as \xNN: one message, one line. Returns its length.
 */
size_t log_format(char *line, size_t size, enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

#define log_error(...) log_printf(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_printf(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_printf(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_printf(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
