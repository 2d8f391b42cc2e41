// SPDX-License-Identifier: MIT
#include "head_look.h"

void head_look_init(struct head_look *hl)
{
	hl->looked_at = false;
	hl->unsaid = true;
}

bool head_look_changed(struct head_look *hl)
{
	if (!hl->looked_at) {
		hl->unsaid = true;
		return false;
	}
	hl->looked_at = false;
	return true;
}

bool head_look_looked(struct head_look *hl)
{
	if (hl->unsaid) {
		/* Perhaps after seatmuxd's reading: its picture is not
		 * vouched for, and the next look starts clean. */
		hl->unsaid = false;
		hl->looked_at = false;
		return true;
	}
	hl->looked_at = true;
	return false;
}

void head_look_unsaid(struct head_look *hl)
{
	hl->looked_at = false;
	hl->unsaid = true;
}
