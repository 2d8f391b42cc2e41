/* SPDX-License-Identifier: MIT */
/* JSON output for --json: strings escaped as RFC 8259 says, nothing more. */
#ifndef SEATMUX_JSON_OUT_H
#define SEATMUX_JSON_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

void json_string(FILE *f, const char *s);
/* "key": value, preceded by a comma unless first. */
void json_field_str(FILE *f, const char *key, const char *value, bool first);
void json_field_uint(FILE *f, const char *key, uint32_t value);

#endif
