// SPDX-License-Identifier: GPL-2.0-or-later
#include "host_test_support.hpp"
#include "virtnest/check/disabled_verdict.hpp"
#include "virtnest/check/host_enable.hpp"

#include <catch2/catch.hpp>

using test_support::get;
using virtnest::Check;
using virtnest::CheckStatus;

namespace {

std::vector<Check> disabled_of(const std::string& name) {
    virtnest::RootedHostFiles files(test_support::fixture(name));
    return virtnest::expect_disabled_checks(virtnest::probe_host(files));
}

std::vector<Check> disabled_of(const test_support::FakeHostFiles& files) {
    return virtnest::expect_disabled_checks(virtnest::probe_host(files));
}

test_support::FakeHostFiles intel_off() {
    test_support::FakeHostFiles files;
    files.files["/proc/cpuinfo"] = "vendor_id : GenuineIntel\nflags : vmx ept\n";
    files.files["/sys/module/kvm_intel/parameters/nested"] = "N";
    files.files["/sys/module/kvm_intel/refcnt"] = "0";
    files.files["/etc/modprobe.d/kvm.conf"] = "options kvm_intel nested=0\n";
    return files;
}

} // namespace

TEST_CASE("disabled_verdict: 13.8 --expect-disabled passes only when nesting is off everywhere",
          "[disabled_verdict]") {
    SECTION("off now and persisted off: passes") {
        auto checks = disabled_of(intel_off());
        CHECK(virtnest::is_ready(checks));
        CHECK(get(checks, "disabled.runtime").message ==
              "kvm_intel nested=N: KVM offers no nested virtualization to guests");
        CHECK(get(checks, "disabled.persist").message ==
              "/etc/modprobe.d/kvm.conf:1 sets kvm_intel nested=0");
    }
    SECTION("the kernel's default on: both fail") {
        auto checks = disabled_of("intel-default-on");
        CHECK_FALSE(virtnest::is_ready(checks));
        CHECK(get(checks, "disabled.runtime").status == CheckStatus::fail);
        CHECK(get(checks, "disabled.runtime").remedy ==
              "stop every VM, then `virt-nest host disable --reload`");
        CHECK(get(checks, "disabled.persist").message ==
              "nothing sets kvm_intel nested: the kernel's default (on) applies at the next boot "
              "or module load");
        CHECK(get(checks, "disabled.persist").remedy == "`virt-nest host disable`");
    }
    SECTION("off now, but only /run keeps it off") {
        auto files = intel_off();
        files.files.erase("/etc/modprobe.d/kvm.conf");
        files.files["/run/modprobe.d/kvm.conf"] = "options kvm_intel nested=0\n";
        const auto checks = disabled_of(files);
        const Check& persist = get(checks, "disabled.persist");
        CHECK(persist.status == CheckStatus::fail);
        CHECK(persist.message ==
              "/run/modprobe.d/kvm.conf:1 sets kvm_intel nested=0, but /run is cleared at boot");
    }
    SECTION("an install statement or the kernel command line turns it back on") {
        auto files = intel_off();
        files.files["/etc/modprobe.d/z.conf"] =
            "install kvm_intel /sbin/modprobe --ignore-install kvm_intel nested=1\n";
        CHECK(get(disabled_of(files), "disabled.persist").message ==
              "/etc/modprobe.d/z.conf:1 sets kvm_intel nested=1");
        files.files.erase("/etc/modprobe.d/z.conf");
        files.files["/proc/cmdline"] = "ro kvm-intel.nested=1";
        const auto checks = disabled_of(files);
        const Check& persist = get(checks, "disabled.persist");
        CHECK(persist.status == CheckStatus::fail);
        CHECK(persist.remedy == "remove `kvm-intel.nested=1` from the kernel command line in the "
                                "boot loader configuration");
    }
    SECTION("an unreadable file is not proof: it fails") {
        auto files = intel_off();
        files.files["/etc/modprobe.d/other.conf"] = "";
        files.unreadable.insert("/etc/modprobe.d/other.conf");
        CHECK(get(disabled_of(files), "disabled.persist").status == CheckStatus::fail);
    }
    SECTION("POWER: kvm_hv defaults to nested=1, so nothing set is not off") {
        test_support::FakeHostFiles files;
        files.files["/proc/cpuinfo"] = "processor : 0\ncpu : POWER9 (raw), altivec supported\n";
        files.files["/sys/module/kvm_hv/parameters/nested"] = "N";
        files.files["/sys/module/kvm_hv/refcnt"] = "0";
        CHECK(get(disabled_of(files), "disabled.persist").message ==
              "nothing sets kvm_hv nested: the kernel's default (on) applies at the next boot or "
              "module load");
        CHECK_FALSE(virtnest::is_ready(disabled_of(files)));
        files.files["/etc/modprobe.d/kvm.conf"] = "options kvm_hv nested=0\n";
        CHECK(virtnest::is_ready(disabled_of(files)));
    }
    SECTION("ARM: kvm-arm.mode=nested fails") {
        test_support::FakeHostFiles files;
        files.files["/proc/cpuinfo"] = "CPU implementer : 0x41\nFeatures : fp asimd\n";
        files.files["/proc/cmdline"] = "kvm-arm.mode=nested";
        CHECK_FALSE(virtnest::is_ready(disabled_of(files)));
        files.files["/proc/cmdline"] = "quiet";
        CHECK(virtnest::is_ready(disabled_of(files)));
    }
    SECTION("host disable, applied, makes it pass") {
        test_support::TreeCopy tree("intel-default-on");
        virtnest::RootedHostFiles files(tree.path());
        auto plan = virtnest::plan_host_disable(virtnest::probe_host(files));
        for (const auto& edit : plan.persist.edits) {
            test_support::spit(tree.path() / edit.path.substr(1), edit.after);
        }
        test_support::spit(tree.path() / "sys/module/kvm_intel/parameters/nested", "N\n");
        CHECK(virtnest::is_ready(virtnest::expect_disabled_checks(
            virtnest::probe_host(virtnest::RootedHostFiles(tree.path())))));
    }
}
