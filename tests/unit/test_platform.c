// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform.h"
#include "test.h"

static struct platform_facts facts(bool hv, const char *sig, const char *vendor,
				   const char *product, bool vmbus)
{
	struct platform_facts f = { .cpuid_hypervisor = hv, .has_vmbus = vmbus };

	snprintf(f.cpuid_vendor, sizeof(f.cpuid_vendor), "%s", sig);
	snprintf(f.sys_vendor, sizeof(f.sys_vendor), "%s", vendor);
	snprintf(f.product_name, sizeof(f.product_name), "%s", product);
	return f;
}

static enum platform_kind classify(struct platform_facts f)
{
	return platform_classify(&f);
}

static void test_bare_metal(struct test_state *t)
{
	CHECK(t, classify(facts(false, "", "Dell Inc.", "OptiPlex 7090", false)) ==
		 PLATFORM_BARE_METAL);
	/* A signature without the hypervisor bit is not to be believed. */
	CHECK(t, classify(facts(false, "KVMKVMKVM", "LENOVO", "20XY", false)) ==
		 PLATFORM_BARE_METAL);
	CHECK(t, !platform_is_virtual(PLATFORM_BARE_METAL));
}

static void test_hyperv(struct test_state *t)
{
	CHECK(t, classify(facts(true, "Microsoft Hv", "Microsoft Corporation",
				"Virtual Machine", true)) == PLATFORM_HYPERV);
	/* QEMU dressed as Hyper-V (-smbios type=1,...): DMI decides. */
	CHECK(t, classify(facts(true, "TCGTCGTCGTCG", "Microsoft Corporation",
				"Virtual Machine", false)) == PLATFORM_HYPERV);
	CHECK(t, classify(facts(true, "KVMKVMKVM", "QEMU", "Standard PC", true)) ==
		 PLATFORM_HYPERV);
	/* Microsoft hardware that is not a VM is bare metal. */
	CHECK(t, classify(facts(false, "", "Microsoft Corporation", "Surface Pro 9",
				false)) == PLATFORM_BARE_METAL);
}

static void test_other_hypervisors(struct test_state *t)
{
	CHECK(t, classify(facts(true, "KVMKVMKVM", "QEMU", "Standard PC", false)) ==
		 PLATFORM_KVM);
	CHECK(t, classify(facts(true, "TCGTCGTCGTCG", "QEMU", "pc", false)) ==
		 PLATFORM_QEMU);
	CHECK(t, classify(facts(true, "", "QEMU", "Standard PC (i440FX + PIIX, 1996)",
				false)) == PLATFORM_QEMU);
	CHECK(t, classify(facts(true, "VMwareVMware", "VMware, Inc.", "VMware7,1",
				false)) == PLATFORM_VMWARE);
	CHECK(t, classify(facts(false, "", "VMware, Inc.", "VMware7,1", false)) ==
		 PLATFORM_VMWARE);
	CHECK(t, classify(facts(true, "XenVMMXenVMM", "Xen", "HVM domU", false)) ==
		 PLATFORM_XEN);
	CHECK(t, classify(facts(true, "VBoxVBoxVBox", "innotek GmbH", "VirtualBox",
				false)) == PLATFORM_VIRTUALBOX);
	CHECK(t, classify(facts(true, "bhyve bhyve ", "", "", false)) ==
		 PLATFORM_OTHER_VM);
	CHECK(t, platform_is_virtual(PLATFORM_OTHER_VM));
}

static void test_names(struct test_state *t)
{
	enum platform_kind k;

	for (int i = PLATFORM_BARE_METAL; i <= PLATFORM_OTHER_VM; i++) {
		CHECK(t, platform_from_name(platform_name((enum platform_kind)i), &k) == 0);
		CHECK(t, (int)k == i);
	}
	CHECK(t, platform_from_name("hyper-v-ish", &k) < 0);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* The DMI and vmbus half of the probe, on a fake sysfs tree. */
static void test_probe_sysfs(struct test_state *t)
{
	char root[] = "/tmp/seatmux-sysfs-XXXXXX";
	char path[512];
	struct platform_facts f;

	CHECK(t, mkdtemp(root) != NULL);
	snprintf(path, sizeof(path), "%s/class", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/class/dmi", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/class/dmi/id", root);
	mkdir(path, 0755);
	write_file(path, "sys_vendor", "Microsoft Corporation\n");
	write_file(path, "product_name", "Virtual Machine\n");
	platform_probe(&f, root);
	CHECK(t, !strcmp(f.sys_vendor, "Microsoft Corporation"));
	CHECK(t, !strcmp(f.product_name, "Virtual Machine"));
	CHECK(t, !f.has_vmbus);
	CHECK(t, platform_classify(&f) == PLATFORM_HYPERV);
	snprintf(path, sizeof(path), "%s/bus", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/bus/vmbus", root);
	mkdir(path, 0755);
	platform_probe(&f, root);
	CHECK(t, f.has_vmbus);
	rmdir(path);
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	CHECK(t, system(path) == 0);
}

int main(void)
{
	struct test_state t = { 0 };

	RUN(&t, test_bare_metal);
	RUN(&t, test_hyperv);
	RUN(&t, test_other_hypervisors);
	RUN(&t, test_names);
	RUN(&t, test_probe_sysfs);
	return TEST_SUMMARY(&t);
}
