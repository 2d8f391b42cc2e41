// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "platform.h"

static const char *const names[] = {
	[PLATFORM_BARE_METAL] = "bare-metal",
	[PLATFORM_HYPERV] = "hyperv",
	[PLATFORM_KVM] = "kvm",
	[PLATFORM_QEMU] = "qemu",
	[PLATFORM_VMWARE] = "vmware",
	[PLATFORM_XEN] = "xen",
	[PLATFORM_VIRTUALBOX] = "virtualbox",
	[PLATFORM_OTHER_VM] = "virtual",
};

static const struct {
	const char *signature;
	enum platform_kind kind;
} cpuid_vendors[] = {
	{ "Microsoft Hv", PLATFORM_HYPERV },
	{ "KVMKVMKVM", PLATFORM_KVM },
	{ "TCGTCGTCGTCG", PLATFORM_QEMU },
	{ "VMwareVMware", PLATFORM_VMWARE },
	{ "XenVMMXenVMM", PLATFORM_XEN },
	{ "VBoxVBoxVBox", PLATFORM_VIRTUALBOX },
};

static const struct {
	const char *prefix;
	enum platform_kind kind;
} dmi_vendors[] = {
	{ "QEMU", PLATFORM_QEMU },
	{ "VMware", PLATFORM_VMWARE },
	{ "Xen", PLATFORM_XEN },
	{ "innotek GmbH", PLATFORM_VIRTUALBOX },
	{ "Oracle Corporation", PLATFORM_VIRTUALBOX },
	{ "Parallels", PLATFORM_OTHER_VM },
	{ "Bochs", PLATFORM_QEMU },
};

static void read_line(const char *sysfs, const char *file, char *buf,
		      size_t size)
{
	char path[256];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", sysfs, file);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void probe_cpuid(struct platform_facts *facts)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned int eax, ebx, ecx, edx;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
		return;
	facts->cpuid_hypervisor = ecx & (1u << 31);
	if (!facts->cpuid_hypervisor)
		return;
	__cpuid(0x40000000, eax, ebx, ecx, edx);
	memcpy(facts->cpuid_vendor + 0, &ebx, 4);
	memcpy(facts->cpuid_vendor + 4, &ecx, 4);
	memcpy(facts->cpuid_vendor + 8, &edx, 4);
	facts->cpuid_vendor[12] = '\0';
#else
	(void)facts;
#endif
}

void platform_probe(struct platform_facts *facts, const char *sysfs)
{
	char path[256];
	struct stat st;

	memset(facts, 0, sizeof(*facts));
	probe_cpuid(facts);
	read_line(sysfs, "class/dmi/id/sys_vendor", facts->sys_vendor,
		  sizeof(facts->sys_vendor));
	read_line(sysfs, "class/dmi/id/product_name", facts->product_name,
		  sizeof(facts->product_name));
	snprintf(path, sizeof(path), "%s/bus/vmbus", sysfs);
	facts->has_vmbus = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool dmi_says_hyperv(const struct platform_facts *f)
{
	return !strcmp(f->sys_vendor, "Microsoft Corporation") &&
	       !strcmp(f->product_name, "Virtual Machine");
}

/*
 * Hyper-V wins over every other signal: KVM and QEMU can present Hyper-V's
 * identity and enlightenments, and then the guest is to behave as a Hyper-V
 * guest. After that the hypervisor's own CPUID signature, then DMI.
 */
enum platform_kind platform_classify(const struct platform_facts *f)
{
	if (f->has_vmbus || dmi_says_hyperv(f) ||
	    (f->cpuid_hypervisor && !strcmp(f->cpuid_vendor, "Microsoft Hv")))
		return PLATFORM_HYPERV;
	if (f->cpuid_hypervisor) {
		for (size_t i = 0; i < sizeof(cpuid_vendors) / sizeof(cpuid_vendors[0]); i++)
			if (!strcmp(f->cpuid_vendor, cpuid_vendors[i].signature))
				return cpuid_vendors[i].kind;
	}
	for (size_t i = 0; i < sizeof(dmi_vendors) / sizeof(dmi_vendors[0]); i++)
		if (!strncmp(f->sys_vendor, dmi_vendors[i].prefix,
			     strlen(dmi_vendors[i].prefix)))
			return dmi_vendors[i].kind;
	/* The hypervisor bit with an unknown signature is still a VM. */
	return f->cpuid_hypervisor ? PLATFORM_OTHER_VM : PLATFORM_BARE_METAL;
}

const char *platform_name(enum platform_kind kind)
{
	return names[kind];
}

int platform_from_name(const char *name, enum platform_kind *kind)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(name, names[i])) {
			*kind = (enum platform_kind)i;
			return 0;
		}
	}
	return -1;
}

bool platform_is_virtual(enum platform_kind kind)
{
	return kind != PLATFORM_BARE_METAL;
}
