// SPDX-License-Identifier: MIT
/*
 * Windows layout ids: the low 16 bits are the language (the LCID), the
 * high bits pick a variant layout of it (0x00010409 is US Dvorak). Exact
 * ids first, then the language alone. The table covers the layouts of the
 * languages xkeyboard-config names; anything else keeps the session's.
 */
#include <stddef.h>

#include "layout.h"

struct entry {
	uint32_t id;
	const char *layout, *variant;
};

static const struct entry exact[] = {
	{ 0x00010409, "us", "dvorak" },
	{ 0x00020409, "us", "intl" },
	{ 0x00000452, "gb", "extd" },
	{ 0x0001040c, "fr", "bepo" },
	{ 0x00001009, "ca", "" },		/* Canadian French */
	{ 0x00011009, "ca", "multix" },
	{ 0x0000100c, "ch", "fr" },
	{ 0x00000807, "ch", "" },
	{ 0x00000c0c, "ca", "fr-legacy" },
	{ 0x0001041f, "tr", "f" },
};

static const struct entry language[] = {
	{ 0x0405, "cz", "" }, { 0x0406, "dk", "" }, { 0x0407, "de", "" }, { 0x0408, "gr", "" },
	{ 0x0409, "us", "" }, { 0x040a, "es", "" }, { 0x040b, "fi", "" }, { 0x040c, "fr", "" },
	{ 0x040d, "il", "" }, { 0x040e, "hu", "" }, { 0x040f, "is", "" }, { 0x0410, "it", "" },
	{ 0x0411, "jp", "" }, { 0x0412, "kr", "" }, { 0x0413, "nl", "" }, { 0x0414, "no", "" },
	{ 0x0415, "pl", "" }, { 0x0416, "br", "" }, { 0x0418, "ro", "" }, { 0x0419, "ru", "" },
	{ 0x041a, "hr", "" }, { 0x041b, "sk", "" }, { 0x041d, "se", "" }, { 0x041e, "th", "" },
	{ 0x041f, "tr", "" }, { 0x0422, "ua", "" }, { 0x0423, "by", "" }, { 0x0424, "si", "" },
	{ 0x0425, "ee", "" }, { 0x0426, "lv", "" }, { 0x0427, "lt", "" }, { 0x042f, "mk", "" },
	{ 0x0809, "gb", "" }, { 0x080a, "latam", "" }, { 0x080c, "be", "" }, { 0x0813, "be", "" },
	{ 0x0816, "pt", "" }, { 0x081a, "rs", "latin" }, { 0x0c0a, "es", "" }, { 0x0c1a, "rs", "" },
	{ 0x1809, "ie", "" }, { 0x0402, "bg", "" }, { 0x0404, "tw", "" }, { 0x0804, "cn", "" },
};

int layout_to_xkb(uint32_t id, struct xkb_names *out)
{
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (exact[i].id == id) {
			*out = (struct xkb_names){ exact[i].layout, exact[i].variant };
			return 1;
		}
	for (size_t i = 0; i < sizeof(language) / sizeof(language[0]); i++)
		if (language[i].id == (id & 0xffff)) {
			*out = (struct xkb_names){ language[i].layout, language[i].variant };
			return 1;
		}
	return 0;
}
