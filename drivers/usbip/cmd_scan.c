// SPDX-License-Identifier: MIT
#include <endian.h>
#include <string.h>

#include "cmd_scan.h"

/* The kernel's USBIP_MAX_ISO_PACKETS: vhci sends no more descriptors. */
#define ISO_PACKETS_MAX 1024
#define ISO_DESC_SIZE 16

void cmd_scan_init(struct cmd_scan *s)
{
	memset(s, 0, sizeof(*s));
}

/* A whole header: whether it starts an OUT transfer with data, and the
 * bytes that follow it; lost if it is no command the kernel sends. */
static bool header_done(struct cmd_scan *s)
{
	struct usbip_header h;
	uint32_t packets;
	int32_t len;

	memcpy(&h, s->head, sizeof(h));
	s->have = 0;
	switch (be32toh(h.base.command)) {
	case USBIP_CMD_UNLINK:
		return false;
	case USBIP_CMD_SUBMIT:
		break;
	default:
		s->lost = true;
		return true;
	}
	len = (int32_t)be32toh((uint32_t)h.u.cmd_submit.transfer_buffer_length);
	packets = be32toh((uint32_t)h.u.cmd_submit.number_of_packets);
	if (len < 0) {
		s->lost = true;
		return true;
	}
	/* 0 or 0xffffffff: not isochronous, no descriptors. More than
	 * vhci sends: where the next command starts is not known. */
	if (packets > ISO_PACKETS_MAX && packets != 0xffffffffu) {
		s->lost = true;
		return true;
	}
	if (packets > 0 && packets <= ISO_PACKETS_MAX)
		s->skip += (uint64_t)packets * ISO_DESC_SIZE;
	if (be32toh(h.base.direction) != USBIP_DIR_OUT)
		return false;
	s->skip += (uint64_t)len;
	return len > 0;
}

bool cmd_scan_feed(struct cmd_scan *s, const uint8_t *p, size_t n)
{
	bool out = false;

	while (n > 0 && !s->lost) {
		size_t k;

		if (s->skip > 0) {
			k = s->skip < n ? (size_t)s->skip : n;
			s->skip -= k;
		} else {
			k = sizeof(s->head) - s->have < n ? sizeof(s->head) - s->have : n;
			memcpy(s->head + s->have, p, k);
			s->have += k;
			if (s->have == sizeof(s->head))
				out |= header_done(s);
		}
		p += k;
		n -= k;
	}
	return out || (s->lost && n > 0);
}
