/* SPDX-License-Identifier: MIT */
/*
 * FNV-1a, 64 bits: the fingerprints a restarted seatmuxd compares with
 * what it runs now (a session's spec, a USB/IP station's section). Not
 * for anything an attacker chooses to collide: both sides are root's.
 */
#ifndef SEATMUX_FNV_H
#define SEATMUX_FNV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FNV_START 0xcbf29ce484222325ULL

static inline uint64_t fnv_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* With its NUL, so that "ab","c" differs from "a","bc"; NULL adds
 * nothing, so it differs from "". */
static inline uint64_t fnv_text(uint64_t h, const char *s)
{
	return s ? fnv_bytes(h, s, strlen(s) + 1) : h;
}

#endif
