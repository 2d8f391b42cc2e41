/*
 * The uids seatmuxd's unprivileged helpers run as: an RDP sink or a
 * USB/IP link reads what the network sends, so each runs as a uid no
 * other process has, and a helper broken into reaches nothing but itself.
 *
 * The block is one no allocator of systemd 252 hands out: its
 * DynamicUser= range (61184-65519) belongs to services, whose files and
 * processes a sink sharing a uid could reach; systemd-nspawn's container
 * ranges end at 1879048191 (0x6fffffff).
 */
#ifndef SEATMUX_HELPER_UID_H
#define SEATMUX_HELPER_UID_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>

#define HELPER_UID_BASE 0x70000000u
#define SINK_UID_FIRST HELPER_UID_BASE
#define SINK_UID_COUNT 4096u
#define LINK_UID_FIRST (HELPER_UID_BASE + SINK_UID_COUNT)
#define LINK_UID_COUNT 256u

/*
 * Called once the helper is its uid, before it reads a byte: every other
 * process of that uid goes. A helper broken into may have forked a
 * process that outlived it, to wait for the uid's next holder (the same
 * uid may ptrace it, open its station's card). kill(-1) reaches exactly
 * the processes whose real or saved uid is ours, and a fork racing it is
 * cancelled by the signal.
 */
static inline bool helper_uid_claim(void)
{
	return kill(-1, SIGKILL) == 0 || errno == ESRCH;
}

#endif
