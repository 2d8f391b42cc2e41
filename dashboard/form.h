/* SPDX-License-Identifier: MIT */
/*
 * What a browser sends the dashboard, judged before anything acts on it:
 * an application/x-www-form-urlencoded body's fields, station ids, and
 * texts. Pure (fuzzed: tests/fuzz/fuzz_dashboard_form.c).
 */
#ifndef SEATMUX_DASHBOARD_FORM_H
#define SEATMUX_DASHBOARD_FORM_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The value of field key in body (len bytes, not NUL-terminated),
 * decoded ('+' is a space, %XX a byte) into out. 1: found; 0: absent;
 * -1: malformed (a bad escape, a NUL, not UTF-8, longer than size - 1,
 * or the field given twice).
 */
int form_field(const char *body, size_t len, const char *key, char *out, size_t size);
/* The form without its key= fields, into out (len bytes at least, not
 * NUL-terminated): its length. */
/* A list of input events as seatmuxctl input takes them (digits, ':',
 * ',' and '-'); what they may be is seatmuxd's to judge. */
bool form_events_ok(const char *text);
size_t form_without(const char *body, size_t len, const char *key, char *out);
/* A station's id as seatmuxd makes them (a seat's name): 1 to 63 of
 * [A-Za-z0-9_.-], not leading '-' (never an option to seatmuxctl). */
bool form_station_ok(const char *id);
/* A user name as an account's may be spelled (useradd's, and a
 * directory's user@domain): 1 to 32 of [A-Za-z0-9._@-], not leading '-'.
 * Anything else is refused before it reaches PAM or the log. */
bool form_user_ok(const char *user);
/* A text the bridge can carry: no TAB, no line break, no control byte. */
bool form_line_ok(const char *text);

#endif
