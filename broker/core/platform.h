/* SPDX-License-Identifier: MIT */
/*
 * Where seatmuxd runs: bare metal or which hypervisor. Decides which kinds
 * of station are offered (physical heads on bare metal; RDP and USB/IP
 * stations in a VM).
 */
#ifndef SEATMUX_PLATFORM_H
#define SEATMUX_PLATFORM_H

#include <stdbool.h>

enum platform_kind {
	PLATFORM_BARE_METAL,
	PLATFORM_HYPERV,
	PLATFORM_KVM,
	PLATFORM_QEMU,
	PLATFORM_VMWARE,
	PLATFORM_XEN,
	PLATFORM_VIRTUALBOX,
	PLATFORM_OTHER_VM,
};

/* What the machine tells about itself; gathered by platform_probe. */
struct platform_facts {
	bool cpuid_hypervisor;	/* CPUID.1:ECX bit 31 */
	char cpuid_vendor[13];	/* CPUID leaf 0x40000000 signature */
	char sys_vendor[128];	/* /sys/class/dmi/id/sys_vendor */
	char product_name[128];	/* /sys/class/dmi/id/product_name */
	bool has_vmbus;		/* /sys/bus/vmbus exists */
};

/* sysfs is the root to read DMI and vmbus from ("/sys" normally). */
void platform_probe(struct platform_facts *facts, const char *sysfs);
enum platform_kind platform_classify(const struct platform_facts *facts);
const char *platform_name(enum platform_kind kind);
int platform_from_name(const char *name, enum platform_kind *kind);
bool platform_is_virtual(enum platform_kind kind);

#endif
