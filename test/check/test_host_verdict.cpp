// SPDX-License-Identifier: GPL-2.0-or-later
#include "host_test_support.hpp"
#include "virtnest/check/host_verdict.hpp"
#include "virtnest/check/outer_hypervisor.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using test_support::checks_of;
using test_support::fixture;
using test_support::get;
using test_support::has;
using test_support::require_remedies;
using virtnest::Check;
using virtnest::CheckStatus;

namespace {

std::vector<std::string> ids(const std::vector<Check>& checks) {
    std::vector<std::string> out;
    for (const Check& c : checks) {
        out.push_back(c.id);
    }
    return out;
}

} // namespace

TEST_CASE("host_verdict: Intel with nesting on and persisted is ready", "[host_verdict]") {
    auto checks = checks_of("intel-nested-on");
    require_remedies(checks);
    CHECK(virtnest::is_ready(checks));
    CHECK(ids(checks) == std::vector<std::string>{"cpu.vendor", "cpu.virt", "cpu.slat",
                                                  "cpu.hypervisor", "kvm.module", "kvm.nested",
                                                  "kvm.shadow_vmcs", "kvm.device", "persist.nested",
                                                  "note.migration"});
    CHECK(get(checks, "cpu.vendor").message ==
          "CPU: Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz, Intel (GenuineIntel)");
    CHECK(get(checks, "cpu.virt").message == "the CPU offers vmx (VT-x)");
    CHECK(get(checks, "kvm.nested").message ==
          "kvm_intel nested=Y: KVM offers nested virtualization to guests");
    CHECK(get(checks, "persist.nested").message ==
          "kvm_intel nested=1 persists (/etc/modprobe.d/kvm.conf:2)");
    CHECK(get(checks, "note.migration").status == CheckStatus::warn);
    CHECK(get(checks, "note.migration").remedy == "stop the nested (L2) guests before migrating, "
                                                  "saving or snapshotting the VM that runs them");
}

TEST_CASE("host_verdict: Intel with nesting off", "[host_verdict]") {
    auto checks = checks_of("intel-nested-off");
    require_remedies(checks);
    CHECK_FALSE(virtnest::is_ready(checks));
    const Check& nested = get(checks, "kvm.nested");
    CHECK(nested.status == CheckStatus::fail);
    CHECK(nested.message ==
          "kvm_intel nested=N: KVM does not offer nested virtualization to guests");
    CHECK(nested.remedy ==
          "stop every VM, then `modprobe -r kvm_intel && modprobe kvm_intel nested=1`; "
          "keep it across reboots with `virt-nest host enable`");
    const Check& persist = get(checks, "persist.nested");
    CHECK(persist.status == CheckStatus::warn);
    CHECK(persist.remedy == "`virt-nest host enable` (writes `options kvm_intel nested=1` to "
                            "/etc/modprobe.d/kvm.conf)");
    CHECK_FALSE(has(checks, "note.migration")); // nothing to migrate while nesting is off
}

TEST_CASE("host_verdict: AMD with nesting on by the kernel's default", "[host_verdict]") {
    auto checks = checks_of("amd-nested-on");
    require_remedies(checks);
    CHECK(virtnest::is_ready(checks));
    CHECK(get(checks, "cpu.slat").message == "the CPU offers npt (second-level paging)");
    CHECK(get(checks, "persist.nested").status == CheckStatus::pass);
    CHECK(get(checks, "persist.nested").message ==
          "no modprobe.d file or boot option sets kvm_amd nested; the kernel's default (on) "
          "applies at every boot");
    CHECK(get(checks, "kvm.vls").status == CheckStatus::pass);
    CHECK(get(checks, "kvm.vgif").status == CheckStatus::pass);
    CHECK_FALSE(has(checks, "kvm.avic"));
    const Check& amd = get(checks, "note.amd_migration");
    CHECK(amd.status == CheckStatus::warn);
    CHECK(amd.message == "on AMD, migrating VMs off a host with nesting enabled does not work");
}

TEST_CASE("host_verdict: AMD with nesting off, and a file that keeps it off", "[host_verdict]") {
    auto checks = checks_of("amd-nested-off");
    require_remedies(checks);
    CHECK_FALSE(virtnest::is_ready(checks));
    CHECK(get(checks, "kvm.nested").remedy == "stop every VM, then `modprobe -r kvm_amd && "
                                              "modprobe kvm_amd nested=1`; keep it across reboots "
                                              "with `virt-nest host enable`");
    const Check& persist = get(checks, "persist.nested");
    CHECK(persist.status == CheckStatus::warn);
    CHECK(persist.message ==
          "/etc/modprobe.d/kvm-amd.conf:3 sets kvm_amd nested=0: nesting is off after "
          "the next reboot or module reload");
    CHECK(persist.remedy == "`virt-nest host enable` (corrects /etc/modprobe.d/kvm-amd.conf:3)");
}

TEST_CASE("host_verdict: AMD tuning: AVIC on, virtual VMLOAD/VMSAVE off", "[host_verdict]") {
    auto checks = checks_of("amd-avic-on");
    require_remedies(checks);
    CHECK(virtnest::is_ready(checks));
    const Check& avic = get(checks, "kvm.avic");
    // 13.6: no one who wants AVIC is told to turn it off.
    CHECK(avic.status == CheckStatus::pass);
    CHECK(avic.message == "kvm_amd avic=1: AVIC speeds up interrupts to VMs (KVM suspends it for "
                          "a VM only while that VM runs guests of its own)");
    CHECK(avic.remedy.empty());
    const Check& vls = get(checks, "kvm.vls");
    CHECK(vls.status == CheckStatus::warn);
    CHECK(vls.message ==
          "kvm_amd vls=0 although the CPU has virtual VMLOAD/VMSAVE: nested guests run slower");
    // 13.5: the remedy is one `host enable` carries out and keeps.
    CHECK(vls.remedy == "stop every VM, then `virt-nest host enable --tune --reload` (persists "
                        "vls=1 and reloads kvm_amd)");
}

TEST_CASE("host_verdict: Intel with shadow VMCS and EPT off", "[host_verdict]") {
    auto checks = checks_of("intel-shadow-vmcs-off");
    require_remedies(checks);
    CHECK(virtnest::is_ready(checks));
    const Check& shadow = get(checks, "kvm.shadow_vmcs");
    CHECK(shadow.status == CheckStatus::warn);
    CHECK(shadow.message ==
          "kvm_intel enable_shadow_vmcs=N although the CPU has VMCS shadowing: nested "
          "guests exit to the host far more often");
    CHECK(shadow.remedy == "stop every VM, then `virt-nest host enable --tune --reload` "
                           "(persists enable_shadow_vmcs=1 and reloads kvm_intel)");
    CHECK(get(checks, "kvm.ept").remedy == "stop every VM, then `virt-nest host enable --tune "
                                           "--reload` (persists ept=1 and reloads kvm_intel)");
    CHECK(get(checks, "persist.nested").message ==
          "kvm_intel nested=1 persists (the kernel command line)");

    SECTION("a CPU without VMCS shadowing is not nagged about it") {
        test_support::FakeHostFiles files;
        files.files["/proc/cpuinfo"] =
            "vendor_id : GenuineIntel\nflags : vmx ept\nvmx flags : ept vpid\n";
        files.files["/sys/module/kvm_intel/parameters/nested"] = "Y";
        files.files["/sys/module/kvm_intel/parameters/enable_shadow_vmcs"] = "N";
        files.files["/sys/module/kvm_intel/refcnt"] = "0";
        CHECK_FALSE(has(checks_of(files), "kvm.shadow_vmcs"));
    }

    SECTION("where modprobe cannot help, the remedy is the kernel command line") {
        test_support::FakeHostFiles files;
        files.files["/proc/cpuinfo"] =
            "vendor_id : GenuineIntel\nflags : vmx ept\nvmx flags : ept shadow_vmcs\n";
        files.files["/sys/module/kvm_intel/parameters/nested"] = "Y";
        files.files["/sys/module/kvm_intel/parameters/ept"] = "N";
        files.files["/sys/module/kvm_intel/parameters/enable_shadow_vmcs"] = "N";
        // Built in: no refcnt, no initstate.
        auto built_in = checks_of(files);
        CHECK(get(built_in, "kvm.ept").remedy == "kvm_intel is built into the kernel: add "
                                                 "`kvm_intel.ept=1` to the kernel command line "
                                                 "and reboot");
        // Loadable, but the kernel command line turns VMCS shadowing off at every load.
        files.files["/sys/module/kvm_intel/refcnt"] = "0";
        files.files["/proc/cmdline"] = "root=/dev/vda1 kvm_intel.enable_shadow_vmcs=0";
        auto on_cmdline = checks_of(files);
        CHECK(get(on_cmdline, "kvm.shadow_vmcs").remedy ==
              "remove `kvm_intel.enable_shadow_vmcs=0` from the kernel command line in the boot "
              "loader configuration, then reboot");
        CHECK(get(on_cmdline, "kvm.ept").remedy ==
              "stop every VM, then `virt-nest host enable --tune "
              "--reload` (persists ept=1 and reloads kvm_intel)");
    }
}

TEST_CASE("host_verdict: IBM Z cannot combine hpage with nesting", "[host_verdict]") {
    auto checks = checks_of("ibmz-hpage");
    require_remedies(checks);
    CHECK_FALSE(virtnest::is_ready(checks));
    CHECK(get(checks, "cpu.virt").message == "the CPU offers sie (SIE)");
    CHECK(get(checks, "kvm.nested").remedy ==
          "stop every VM, then `modprobe -r kvm && modprobe kvm nested=1 "
          "hpage=0`; keep it across reboots with `virt-nest host enable`");
    const Check& hpage = get(checks, "kvm.hpage");
    CHECK(hpage.status == CheckStatus::fail);
    CHECK(hpage.message ==
          "kvm hpage=1: IBM Z cannot combine huge-page guest backing with nested=1");
    CHECK(get(checks, "persist.nested").remedy ==
          "`virt-nest host enable` (writes `options kvm nested=1` to /etc/modprobe.d/kvm.conf)");
    const Check& persist_hpage = get(checks, "persist.hpage");
    CHECK(persist_hpage.message == "/etc/modprobe.d/kvm.conf:1 sets kvm hpage=1: with nested=1 the "
                                   "kvm module refuses to load");
    CHECK(persist_hpage.remedy == "`virt-nest host enable` (sets hpage=0 there)");
    CHECK_FALSE(has(checks, "cpu.slat"));
}

TEST_CASE("host_verdict: a VM whose CPU lacks vmx", "[host_verdict]") {
    auto checks = checks_of("vm-without-vmx");
    require_remedies(checks);
    CHECK_FALSE(virtnest::is_ready(checks));
    const Check& virt = get(checks, "cpu.virt");
    CHECK(virt.status == CheckStatus::fail);
    CHECK(virt.message ==
          "no vmx flag in /proc/cpuinfo: the hypervisor running this virtual machine does not "
          "pass VT-x through");
    CHECK(virt.remedy ==
          "on the host that runs this virtual machine: enable nesting (`virt-nest host enable "
          "--reload`), give this VM the vmx feature (`virt-nest enable <this VM>`, or `<cpu "
          "mode='host-passthrough'/>`), then power it off and start it again; under another "
          "hypervisor, turn on its setting that passes vmx to this VM");
    CHECK(get(checks, "cpu.hypervisor").status == CheckStatus::warn);
    CHECK(get(checks, "cpu.hypervisor").message ==
          "this machine is itself a virtual machine: its guests are L2, "
          "and their own guests (L3) are not expected to work");
    CHECK(get(checks, "cpu.slat").status == CheckStatus::warn);
    // Its own guests need the module; nested=1 would be for theirs.
    CHECK(get(checks, "kvm.module").remedy == "fix cpu.virt first, then `modprobe kvm_intel`");
    CHECK(get(checks, "kvm.device").message == "/dev/kvm is missing");
}

TEST_CASE("host_verdict: bare metal with VT-x off in the firmware", "[host_verdict]") {
    test_support::FakeHostFiles files;
    files.files["/proc/cpuinfo"] = "vendor_id : GenuineIntel\nflags : fpu ept\n";
    auto checks = checks_of(files);
    const Check& virt = get(checks, "cpu.virt");
    CHECK(virt.message ==
          "no vmx flag in /proc/cpuinfo: VT-x is missing or disabled in the firmware");
    CHECK(virt.remedy ==
          "enable VT-x in the firmware (BIOS/UEFI) setup, then power-cycle the machine");
    CHECK(get(checks, "cpu.hypervisor").status == CheckStatus::pass);
}

TEST_CASE("host_verdict: the module is not loaded, which is not the same as disabled",
          "[host_verdict]") {
    auto checks = checks_of("module-not-loaded");
    require_remedies(checks);
    CHECK_FALSE(virtnest::is_ready(checks));
    CHECK(get(checks, "kvm.module").message == "kvm_intel is not loaded");
    CHECK(get(checks, "kvm.module").remedy == "`modprobe kvm_intel nested=1`");
    CHECK(get(checks, "kvm.nested").message ==
          "nested: unknown, because kvm_intel is not loaded "
          "(/sys/module/kvm_intel/parameters/nested is missing)");
    CHECK(get(checks, "persist.nested").status == CheckStatus::pass);
}

TEST_CASE("host_verdict: this machine's layout: a guest with KVM from kvm_pvm", "[host_verdict]") {
    auto checks = checks_of("pvm-guest");
    require_remedies(checks);
    CHECK_FALSE(virtnest::is_ready(checks));
    CHECK(get(checks, "cpu.virt").status == CheckStatus::fail);
    const Check& module = get(checks, "kvm.module");
    CHECK(module.message ==
          "kvm_amd is not loaded; KVM here comes from kvm_pvm, a module virt-nest does not "
          "know, which has no `nested` parameter for guests");
    CHECK(module.remedy ==
          "fix cpu.virt first, then `modprobe kvm_amd`; nesting under kvm_pvm is not "
          "something virt-nest can check or enable");
    CHECK(get(checks, "kvm.device").status == CheckStatus::pass);
}

TEST_CASE("host_verdict: platforms without nesting and unreadable machines", "[host_verdict]") {
    SECTION("ARM: 13.9 what is missing, not a blanket refusal") {
        auto checks = checks_of("arm64");
        REQUIRE(checks.size() == 2);
        CHECK(get(checks, "cpu.vendor").status == CheckStatus::pass);
        const Check& mode = get(checks, "kvm.arm_mode");
        CHECK(mode.status == CheckStatus::fail);
        CHECK(mode.message ==
              "KVM runs in mode \"nvhe\": nested guests need KVM in nested mode: a kernel with "
              "arm64 nested virtualization, booted with kvm-arm.mode=nested, on a CPU with "
              "FEAT_NV2 (Armv8.4 or later)");
        CHECK(mode.remedy.rfind("add kvm-arm.mode=nested to the kernel command line", 0) == 0);
        auto nested = checks_of("arm64-nested");
        CHECK(virtnest::is_ready(nested));
        CHECK(get(nested, "kvm.arm_mode").message ==
              "KVM runs in nested mode (kvm-arm.mode=nested): the kernel found FEAT_NV2 and "
              "offers nested virtualization to guests");
        test_support::FakeHostFiles asked;
        asked.files["/proc/cpuinfo"] = "CPU implementer : 0x41\nFeatures : fp asimd\n";
        asked.files["/proc/cmdline"] = "ro kvm-arm.mode=nested";
        asked.files["/sys/module/kvm/parameters/mode"] = "nvhe";
        CHECK(get(checks_of(asked), "kvm.arm_mode").message ==
              "the kernel command line asks for kvm-arm.mode=nested, but KVM runs in mode "
              "\"nvhe\": this kernel lacks arm64 nested virtualization, or the CPU lacks FEAT_NV2 "
              "(user space cannot see which)");
    }
    SECTION("an unknown vendor") {
        test_support::FakeHostFiles files;
        files.files["/proc/cpuinfo"] = "vendor_id : CentaurHauls\nflags : vmx\n";
        auto checks = checks_of(files);
        REQUIRE(checks.size() == 1);
        CHECK(checks[0].message == "CPU vendor \"CentaurHauls\" is not one virt-nest knows");
    }
    SECTION("no /proc/cpuinfo") {
        auto checks = checks_of(test_support::FakeHostFiles{});
        REQUIRE(checks.size() == 1);
        CHECK(checks[0].message == "cannot read /proc/cpuinfo");
    }
    SECTION("/dev/kvm that cannot be opened, a built-in module, an odd value") {
        test_support::FakeHostFiles files;
        files.files["/proc/cpuinfo"] = "vendor_id : AuthenticAMD\nflags : svm npt\n";
        files.files["/sys/module/kvm_amd/parameters/nested"] = "2";
        files.files["/dev/kvm"] = "";
        files.device_errors["/dev/kvm"] = "Permission denied";
        auto checks = checks_of(files);
        CHECK(get(checks, "kvm.device").message == "/dev/kvm cannot be opened: Permission denied");
        CHECK(get(checks, "kvm.device").remedy == "run as root, or add the user to the kvm group "
                                                  "(`usermod -aG kvm USER`) and log in again");
        CHECK(get(checks, "kvm.module").message == "kvm_amd is built into the kernel");
        CHECK(get(checks, "kvm.nested").message ==
              "kvm_amd nested=\"2\" is not a value virt-nest understands");
        CHECK(get(checks, "kvm.nested").remedy ==
              "kvm_amd is built into the kernel: add `kvm_amd.nested=1` to "
              "the kernel command line and reboot");
    }
    SECTION("a boot option that disables nesting") {
        test_support::FakeHostFiles files;
        files.files["/proc/cpuinfo"] = "vendor_id : AuthenticAMD\nflags : svm npt\n";
        files.files["/proc/cmdline"] = "ro kvm_amd.nested=0";
        auto checks = checks_of(files);
        CHECK(get(checks, "persist.nested").remedy ==
              "remove `kvm_amd.nested=0` from the kernel command line in the boot loader "
              "configuration");
    }
}

TEST_CASE("host_verdict: modprobe.d statements that keep the module out", "[host_verdict]") {
    test_support::FakeHostFiles files;
    files.files["/proc/cpuinfo"] = "vendor_id : AuthenticAMD\nflags : svm npt\n";
    files.files["/etc/modprobe.d/no-kvm.conf"] = "blacklist kvm_amd\ninstall kvm_amd /bin/false\n";
    SECTION("not loaded: the install line is a failure") {
        auto checks = checks_of(files);
        require_remedies(checks);
        const Check& blacklist = get(checks, "persist.blacklist");
        CHECK(blacklist.status == CheckStatus::warn);
        CHECK(blacklist.message == "/etc/modprobe.d/no-kvm.conf:1 has `blacklist kvm_amd`: kvm_amd "
                                   "is not loaded automatically at boot");
        CHECK(blacklist.remedy == "remove that line, or load it at boot with `echo kvm_amd > "
                                  "/etc/modules-load.d/kvm.conf`");
        const Check& install = get(checks, "persist.install");
        CHECK(install.status == CheckStatus::fail);
        CHECK(install.message ==
              "/etc/modprobe.d/no-kvm.conf:2 has `install kvm_amd /bin/false`: modprobe runs "
              "that instead of loading kvm_amd");
        CHECK(install.remedy == "remove that line from /etc/modprobe.d/no-kvm.conf");
    }
    SECTION("loaded: it only matters at the next boot") {
        files.files["/sys/module/kvm_amd/parameters/nested"] = "1";
        files.files["/sys/module/kvm_amd/refcnt"] = "0";
        CHECK(get(checks_of(files), "persist.install").status == CheckStatus::warn);
    }
    SECTION("another vendor's module is not this machine's concern") {
        CHECK_FALSE(has(checks_of("amd-nested-off"), "persist.blacklist"));
    }
}

TEST_CASE("host_verdict: inside a KVM guest, readiness rests on the CPU flag, module and device",
          "[host_verdict]") {
    SECTION("AMD L1 with nested=0 can run guests: ready, nested only informational") {
        auto checks = checks_of("l1-kvm-amd-nested-off");
        require_remedies(checks);
        CHECK(virtnest::is_ready(checks));
        CHECK(get(checks, "kvm.nested").status == CheckStatus::pass);
        CHECK(get(checks, "kvm.nested").message ==
              "kvm_amd nested=0: this machine's guests can run, not guests of their own; inside "
              "a virtual machine nested is needed only if your guests will run their own guests");
        CHECK(get(checks, "persist.nested").status == CheckStatus::pass);
        CHECK(get(checks, "cpu.hypervisor").message ==
              "this machine is itself a virtual machine (under QEMU/KVM): its guests are L2, and "
              "their own guests (L3) are not expected to work");
    }
    SECTION("AMD L1 without npt: the fix is on L0, no module option is suggested") {
        auto checks = checks_of("l1-kvm-amd-no-npt");
        require_remedies(checks);
        CHECK(virtnest::is_ready(checks));
        CHECK(get(checks, "cpu.slat").status == CheckStatus::warn);
        CHECK(get(checks, "cpu.slat").remedy ==
              virtnest::expose_slat_remedy(virtnest::OuterHypervisor::kvm, "npt"));
        CHECK_FALSE(has(checks, "kvm.npt"));
        for (const Check& check : checks) {
            INFO(check.id);
            CHECK(check.remedy.find("npt=1") == std::string::npos);
        }
    }
    SECTION("Intel L1 with nested on, kernel 6.1: nested state migrates") {
        auto checks = checks_of("l1-kvm-intel-nested-on");
        require_remedies(checks);
        CHECK(virtnest::is_ready(checks));
        CHECK(get(checks, "note.migration").status == CheckStatus::pass);
        CHECK(get(checks, "note.migration").message ==
              "kernel 6.1.0-18-amd64 saves and restores nested state on Intel: a VM running its "
              "own guests can migrate when QEMU is 4.2 or later on both hosts");
    }
    SECTION("a guest without the module loaded is told to load it, not to set nested=1") {
        auto checks = checks_of("l1-vmware-no-vmx");
        CHECK(get(checks, "kvm.module").remedy == "fix cpu.virt first, then `modprobe kvm_intel`");
        CHECK(get(checks, "kvm.nested").status == CheckStatus::pass);
    }
}

TEST_CASE("host_verdict: a VM under another hypervisor gets that hypervisor's remedy",
          "[host_verdict]") {
    using virtnest::OuterHypervisor;
    struct Case {
        const char* tree;
        OuterHypervisor l0;
    };
    for (const Case& c : {Case{"l1-vmware-no-vmx", OuterHypervisor::vmware},
                          Case{"l1-hyperv-no-vmx", OuterHypervisor::hyperv},
                          Case{"l1-azure-no-vmx", OuterHypervisor::azure},
                          Case{"l1-gcp-no-vmx", OuterHypervisor::google_cloud},
                          Case{"l1-aws-no-vmx", OuterHypervisor::aws}}) {
        INFO(c.tree);
        auto checks = checks_of(c.tree);
        require_remedies(checks);
        CHECK_FALSE(virtnest::is_ready(checks));
        CHECK(get(checks, "cpu.virt").status == CheckStatus::fail);
        CHECK(get(checks, "cpu.virt").remedy == virtnest::expose_virt_remedy(c.l0, "vmx"));
        CHECK(get(checks, "cpu.hypervisor")
                  .message.find("(under " + std::string(virtnest::to_string(c.l0)) + ")") !=
              std::string::npos);
        // virt-nest does not run on these L0s: no remedy may send the operator there with it.
        for (const Check& check : checks) {
            INFO(check.id);
            CHECK(check.remedy.find("virt-nest") == std::string::npos);
        }
    }
}

TEST_CASE("host_verdict: the migration note follows vendor and kernel", "[host_verdict]") {
    test_support::FakeHostFiles files;
    files.files["/sys/module/kvm_intel/parameters/nested"] = "Y";
    files.files["/sys/module/kvm_intel/refcnt"] = "0";
    SECTION("Intel before 5.3: undefined") {
        files.files["/proc/cpuinfo"] = "vendor_id : GenuineIntel\nflags : vmx ept\n";
        files.files["/proc/sys/kernel/osrelease"] = "4.19.0-26-amd64\n";
        CHECK(get(checks_of(files), "note.migration").status == CheckStatus::warn);
        CHECK_FALSE(has(checks_of(files), "note.amd_migration"));
    }
    SECTION("Intel 5.3 and later: migrates") {
        files.files["/proc/cpuinfo"] = "vendor_id : GenuineIntel\nflags : vmx ept\n";
        files.files["/proc/sys/kernel/osrelease"] = "5.3.0\n";
        CHECK(get(checks_of(files), "note.migration").status == CheckStatus::pass);
    }
    SECTION("AMD: unsafe whatever the kernel") {
        files.files["/proc/cpuinfo"] = "vendor_id : AuthenticAMD\nflags : svm npt\n";
        files.files["/sys/module/kvm_amd/parameters/nested"] = "1";
        files.files["/sys/module/kvm_amd/refcnt"] = "0";
        files.files["/proc/sys/kernel/osrelease"] = "6.1.0\n";
        CHECK(get(checks_of(files), "note.migration").status == CheckStatus::warn);
        CHECK(get(checks_of(files), "note.amd_migration").status == CheckStatus::warn);
    }
    SECTION("IBM Z: exempt") {
        files.files["/proc/cpuinfo"] = "vendor_id : IBM/S390\nfeatures : esan3 zarch sie\n";
        files.files["/sys/module/kvm/parameters/nested"] = "1";
        files.files["/sys/module/kvm/refcnt"] = "0";
        auto checks = checks_of(files);
        REQUIRE(get(checks, "kvm.nested").status == CheckStatus::pass);
        CHECK_FALSE(has(checks, "note.migration"));
    }
}

TEST_CASE("host_verdict: 11.24 a setting in /run/modprobe.d is not reported as persisting",
          "[host_verdict]") {
    test_support::FakeHostFiles files;
    files.files["/proc/cpuinfo"] = "vendor_id : GenuineIntel\nflags : vmx ept\n";
    files.files["/sys/module/kvm_intel/parameters/nested"] = "Y";
    files.files["/sys/module/kvm_intel/refcnt"] = "0";
    files.files["/run/modprobe.d/kvm.conf"] = "options kvm_intel nested=1\n";
    const auto checks = checks_of(files);
    const Check& persist = get(checks, "persist.nested");
    CHECK(persist.status == CheckStatus::warn);
    CHECK(persist.message == "/run/modprobe.d/kvm.conf:1 sets kvm_intel nested=1, but /run is "
                             "cleared at boot: nesting is not set up to survive a reboot");
    CHECK(persist.remedy == "`virt-nest host enable` (keeps it in an /etc/modprobe.d copy)");
}

TEST_CASE("host_verdict: 11.25 an unreadable modprobe.d file is a WARN naming it",
          "[host_verdict]") {
    test_support::FakeHostFiles files;
    files.files["/proc/cpuinfo"] = "vendor_id : GenuineIntel\nflags : vmx ept\n";
    files.files["/sys/module/kvm_intel/parameters/nested"] = "Y";
    files.files["/sys/module/kvm_intel/refcnt"] = "0";
    files.files["/etc/modprobe.d/kvm.conf"] = "options kvm_intel nested=1\n";
    files.files["/etc/modprobe.d/secret.conf"] = "options kvm_intel nested=0\n";
    files.unreadable.insert("/etc/modprobe.d/secret.conf");
    auto checks = checks_of(files);
    require_remedies(checks);
    const Check& unreadable = get(checks, "persist.unreadable");
    CHECK(unreadable.status == CheckStatus::warn);
    CHECK(unreadable.message == "cannot read /etc/modprobe.d/secret.conf: the module settings it "
                                "holds are unknown, so the persist.* lines may be wrong");
    CHECK(unreadable.remedy ==
          "run `virt-nest check` as root, or make /etc/modprobe.d/secret.conf readable");
}

TEST_CASE("host_verdict: 11.27 an unreadable cpuinfo does not suggest running on Linux",
          "[host_verdict]") {
    test_support::FakeHostFiles files;
    files.files["/proc/cpuinfo"] = "vendor_id : GenuineIntel\n";
    files.unreadable.insert("/proc/cpuinfo");
    auto checks = checks_of(files);
    REQUIRE(checks.size() == 1);
    CHECK(checks[0].message == "/proc/cpuinfo is there but cannot be read");
    CHECK(checks[0].remedy.find("run on Linux") == std::string::npos);
    CHECK(checks[0].remedy == "make it readable: check the user's permissions, the mount options "
                              "of /proc and the security policy (SELinux, AppArmor)");
}

TEST_CASE("host_verdict: 13.4 the migration note uses QEMU's version from libvirt",
          "[host_verdict]") {
    test_support::FakeHostFiles files;
    files.files["/proc/cpuinfo"] = "vendor_id : GenuineIntel\nflags : vmx ept\n";
    files.files["/sys/module/kvm_intel/parameters/nested"] = "Y";
    files.files["/sys/module/kvm_intel/refcnt"] = "0";
    files.files["/proc/sys/kernel/osrelease"] = "6.1.0-18-amd64\n";
    virtnest::HostFacts facts = virtnest::probe_host(files);
    facts.qemu_version = "7.2.0";
    const Check recent = get(virtnest::host_checks(facts), "note.migration");
    CHECK(recent.status == CheckStatus::pass);
    CHECK(recent.message == "kernel 6.1.0-18-amd64 and QEMU 7.2.0 save and restore nested state "
                            "on Intel: a VM running its own guests can migrate when the other "
                            "host has QEMU 4.2 or later too");
    facts.qemu_version = "4.1.1";
    const Check old = get(virtnest::host_checks(facts), "note.migration");
    CHECK(old.status == CheckStatus::warn);
    CHECK(old.message == "migrating, saving or snapshotting a VM while it runs its own guests is "
                         "undefined (kernel BUG or panic) with QEMU 4.1.1, older than 4.2, which "
                         "does not migrate nested state");
}

TEST_CASE("host_verdict: kvm_hv defaults to nested=1, as kvm_intel and kvm_amd do",
          "[host_verdict]") {
    CHECK(virtnest::nested_on_by_default(virtnest::Platform::power));
    CHECK(virtnest::nested_on_by_default(virtnest::Platform::intel));
    CHECK_FALSE(virtnest::nested_on_by_default(virtnest::Platform::ibm_z));
    test_support::FakeHostFiles files;
    files.files["/proc/cpuinfo"] = "processor : 0\ncpu : POWER9 (raw), altivec supported\n"
                                   "platform : PowerNV\nMMU : Radix\n";
    files.files["/sys/module/kvm_hv/parameters/nested"] = "Y";
    files.files["/sys/module/kvm_hv/refcnt"] = "0";
    const auto checks = checks_of(files);
    const Check& persist = get(checks, "persist.nested");
    CHECK(persist.status == CheckStatus::pass);
    CHECK(persist.message == "no modprobe.d file or boot option sets kvm_hv nested; the kernel's "
                             "default (on) applies at every boot");
}
