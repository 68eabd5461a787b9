// SPDX-License-Identifier: GPL-2.0-or-later
#include "host_test_support.hpp"
#include "virtnest/check/power_verdict.hpp"

#include <catch2/catch.hpp>

using test_support::checks_of;
using test_support::fixture;
using test_support::get;
using test_support::require_remedies;
using virtnest::Check;
using virtnest::CheckStatus;

namespace {

// A bare-metal POWER9 (PowerNV) with kvm_hv nested=Y and the given MMU and command line.
test_support::FakeHostFiles power9(const std::string& mmu, const std::string& cmdline) {
    test_support::FakeHostFiles files;
    files.files["/proc/cpuinfo"] = "processor\t: 0\ncpu\t\t: POWER9 (raw), altivec supported\n\n"
                                   "timebase\t: 512000000\nplatform\t: PowerNV\nmodel\t\t: "
                                   "9006-22P\nmachine\t\t: PowerNV 9006-22P\nMMU\t\t: " +
                                   mmu + "\n";
    files.files["/proc/cmdline"] = cmdline;
    files.files["/sys/module/kvm_hv/parameters/nested"] = "Y";
    files.files["/sys/module/kvm_hv/refcnt"] = "0";
    files.files["/dev/kvm"] = "";
    return files;
}

Check power_of(const test_support::FakeHostFiles& files) {
    return virtnest::power_check(virtnest::probe_host(files));
}

} // namespace

TEST_CASE("power_verdict: the generation from cpuinfo's cpu line", "[power_verdict]") {
    CHECK(virtnest::power_generation("POWER9 (raw), altivec supported") == 9);
    CHECK(virtnest::power_generation("POWER8E (raw), altivec supported") == 8);
    CHECK(virtnest::power_generation("POWER8NVL (raw), altivec supported") == 8);
    CHECK(virtnest::power_generation("POWER10 (architected), altivec supported") == 10);
    CHECK(virtnest::power_generation("POWER7+ (raw), altivec supported") == 7);
    CHECK_FALSE(virtnest::power_generation("POWER, altivec supported").has_value());
    CHECK_FALSE(virtnest::power_generation("PPC970MP, altivec supported").has_value());
    CHECK_FALSE(virtnest::power_generation("").has_value());
    CHECK_FALSE(virtnest::power_generation("POWER99999999999999999999").has_value());
}

TEST_CASE("power_verdict: bare-metal POWER9 with radix passes", "[power_verdict]") {
    auto checks = checks_of("power9-nested-on");
    require_remedies(checks);
    CHECK(virtnest::is_ready(checks));
    CHECK(checks[1].id == "cpu.power"); // the CPU's lines first, as cpu.virt elsewhere
    CHECK(get(checks, "cpu.power").message ==
          "POWER9 on bare metal (PowerNV) with the radix MMU: KVM-HV can run pseries guests "
          "with <nested-hv state='on'/>");
    // nested=N is still kvm.nested's failure, not cpu.power's.
    auto off = checks_of("power9-nested-off");
    CHECK(get(off, "cpu.power").status == CheckStatus::pass);
    CHECK(get(off, "kvm.nested").status == CheckStatus::fail);
}

TEST_CASE("power_verdict: POWER8 has no nested KVM-HV, whatever kvm_hv says", "[power_verdict]") {
    auto checks = checks_of("power8-host");
    require_remedies(checks);
    CHECK_FALSE(virtnest::is_ready(checks));
    const Check& power = get(checks, "cpu.power");
    CHECK(power.status == CheckStatus::fail);
    CHECK(power.message == "POWER8 (cpu: POWER8E (raw), altivec supported): KVM-HV nests on "
                           "POWER9 and later only");
    CHECK(power.remedy == "none on this machine: nested guests need POWER9 or later hardware");
    // No kvm_hv setting helps: kvm.nested and persist.nested do not send the reader to one.
    CHECK(get(checks, "kvm.nested").status == CheckStatus::pass);
    CHECK(get(checks, "kvm.nested").message ==
          "kvm_hv nested=Y: moot here, since POWER8 has no nested KVM-HV (see cpu.power)");
    CHECK(get(checks, "persist.nested").message ==
          "nothing to persist: POWER8 has no nested KVM-HV (see cpu.power)");
}

TEST_CASE("power_verdict: the hash MMU on a POWER9 host", "[power_verdict]") {
    SECTION("booted with disable_radix: named in the remedy") {
        auto checks = checks_of("power9-hash-mmu");
        require_remedies(checks);
        CHECK_FALSE(virtnest::is_ready(checks));
        const Check& power = get(checks, "cpu.power");
        CHECK(power.status == CheckStatus::fail);
        CHECK(power.message == "POWER9: this host runs the hash MMU (MMU: Hash, booted with "
                               "`disable_radix`): KVM-HV nests only with the radix MMU on host "
                               "and guest");
        CHECK(power.remedy == "remove `disable_radix` from the kernel command line in the boot "
                              "loader configuration, then reboot");
        CHECK(get(checks, "kvm.nested").message ==
              "kvm_hv nested=Y: KVM offers nested virtualization to guests once the radix MMU "
              "runs (see cpu.power)");
    }
    SECTION("the value the kernel reads decides, the last word wins") {
        CHECK(power_of(power9("Hash", "ro disable_radix=yes")).remedy ==
              "remove `disable_radix=yes` from the kernel command line in the boot loader "
              "configuration, then reboot");
        const Check no_word = power_of(power9("Hash", "ro disable_radix disable_radix=0"));
        CHECK(no_word.status == CheckStatus::fail);
        CHECK(no_word.remedy == "boot a kernel with radix MMU support (CONFIG_PPC_RADIX_MMU), "
                                "without `disable_radix` on its command line");
        // A value the kernel does not understand is ignored; "on" is one it does.
        CHECK(power_of(power9("Hash", "disable_radix disable_radix=maybe")).remedy ==
              "remove `disable_radix` from the kernel command line in the boot loader "
              "configuration, then reboot");
        CHECK(power_of(power9("Hash", "disable_radix=on")).remedy.find("`disable_radix=on`") !=
              std::string::npos);
        // After "--" the words are init's, not the kernel's.
        CHECK(power_of(power9("Hash", "ro -- disable_radix")).remedy == no_word.remedy);
    }
    SECTION("radix, or no MMU line at all, passes") {
        CHECK(power_of(power9("Radix", "ro disable_radix")).status == CheckStatus::pass);
        const Check unknown = power_of(power9("", "ro"));
        CHECK(unknown.status == CheckStatus::pass);
        CHECK(unknown.message == "POWER9 on bare metal (PowerNV): KVM-HV can run pseries guests "
                                 "with <nested-hv state='on'/>");
    }
}

TEST_CASE("power_verdict: KVM in a PowerVM LPAR runs its guests nested already",
          "[power_verdict]") {
    auto checks = checks_of("power10-powervm-lpar");
    require_remedies(checks);
    CHECK(virtnest::is_ready(checks)); // its own guests run; only a further level does not
    const Check& power = get(checks, "cpu.power");
    CHECK(power.status == CheckStatus::warn);
    CHECK(power.message == "a PowerVM LPAR (model IBM,9080-HEX): KVM here (Linux 6.8's nested "
                           "API v2) runs its guests nested under PowerVM already; a further "
                           "level inside them is not supported");
    CHECK(power.remedy == "none needed for this LPAR's own guests; for guests that run their "
                          "own VMs use a bare-metal (PowerNV) POWER9 host");
    CHECK(get(checks, "kvm.nested").message ==
          "kvm_hv nested=Y: moot here, since KVM in a PowerVM LPAR offers its guests no nesting "
          "(see cpu.power)");
    CHECK(get(checks, "persist.nested").status == CheckStatus::pass);
}

TEST_CASE("power_verdict: a KVM pseries guest is an L1", "[power_verdict]") {
    SECTION("kvm_hv loaded: its host offers nesting") {
        auto checks = checks_of("power9-kvm-guest");
        require_remedies(checks);
        CHECK(virtnest::is_ready(checks));
        const Check& power = get(checks, "cpu.power");
        CHECK(power.status == CheckStatus::warn);
        CHECK(power.message ==
              "this machine is a KVM pseries guest (POWER9, radix): its guests are L2, and "
              "kvm_hv loaded, which it does only when the host that runs this guest offers "
              "nesting (kvm_hv nested=1 there, <nested-hv state='on'/> here, radix on both)");
        CHECK(power.remedy == "none needed for L2 guests; do not plan on nesting one level "
                              "deeper");
    }
    SECTION("kvm_hv not loaded: what its host must offer") {
        test_support::TreeCopy tree("power9-kvm-guest");
        std::filesystem::remove_all(tree.path() / "sys/module/kvm_hv");
        std::filesystem::remove(tree.path() / "dev/kvm");
        auto checks =
            virtnest::host_checks(virtnest::probe_host(virtnest::RootedHostFiles(tree.path())));
        require_remedies(checks);
        const Check& power = get(checks, "cpu.power");
        CHECK(power.status == CheckStatus::warn);
        CHECK(power.message ==
              "this machine is a KVM pseries guest (POWER9, radix): kvm_hv loads here, and runs "
              "guests (L2), only when the host that runs this guest offers nesting (kvm_hv "
              "nested=1 there, <nested-hv state='on'/> here, radix on both)");
        CHECK(power.remedy ==
              "on the host that runs this virtual machine: enable nesting (`virt-nest host "
              "enable --reload`), give this VM <nested-hv state='on'/> (`virt-nest enable "
              "<this VM>`), then power it off and start it again");
        // Inside a VM the module is loaded without nested=1, as on x86.
        CHECK(get(checks, "kvm.module").remedy == "`modprobe kvm_hv`");
        CHECK(get(checks, "kvm.nested").status == CheckStatus::pass);
    }
    SECTION("a hash-MMU guest, and one in POWER8 compatibility mode") {
        test_support::TreeCopy tree("power9-kvm-guest");
        const auto cpuinfo = tree.path() / "proc/cpuinfo";
        std::string text = test_support::slurp(cpuinfo);
        std::string hash = text;
        hash.replace(hash.find("Radix"), 5, "Hash");
        test_support::spit(cpuinfo, hash);
        auto facts = virtnest::probe_host(virtnest::RootedHostFiles(tree.path()));
        const Check hashed = virtnest::power_check(facts);
        CHECK(hashed.status == CheckStatus::fail);
        CHECK(hashed.message == "POWER9: this KVM guest runs the hash MMU (MMU: Hash): KVM-HV "
                                "nests only with the radix MMU on host and guest");
        CHECK(hashed.remedy.rfind("on the host that runs this guest: boot it with the radix MMU",
                                  0) == 0);
        std::string p8 = text;
        for (auto at = p8.find("POWER9 (architected)"); at != std::string::npos;
             at = p8.find("POWER9 (architected)")) {
            p8.replace(at, 6, "POWER8");
        }
        test_support::spit(cpuinfo, p8);
        const Check old =
            virtnest::power_check(virtnest::probe_host(virtnest::RootedHostFiles(tree.path())));
        CHECK(old.status == CheckStatus::fail);
        CHECK(old.message == "this KVM guest's CPU is POWER8 (cpu: POWER8 (architected), altivec "
                             "supported): KVM-HV nests on POWER9 and later only");
        CHECK(old.remedy == "on the host that runs this guest (POWER9 or later): drop the POWER8 "
                            "compatibility mode from its <cpu>, then power it off and start it "
                            "again");
    }
}

TEST_CASE("power_verdict: kvm_hv's nested for list, on POWER only", "[power_verdict]") {
    auto nested_of = [](const std::string& name) {
        return virtnest::kvm_hv_nested(
            virtnest::probe_host(virtnest::RootedHostFiles(fixture(name))));
    };
    CHECK(nested_of("power9-nested-on") == true);
    CHECK(nested_of("power9-nested-off") == false);
    CHECK_FALSE(nested_of("intel-nested-on").has_value()); // kvm_intel's says nothing of ppc64
    test_support::TreeCopy tree("power9-nested-on");
    std::filesystem::remove_all(tree.path() / "sys/module/kvm_hv");
    CHECK_FALSE(
        virtnest::kvm_hv_nested(virtnest::probe_host(virtnest::RootedHostFiles(tree.path())))
            .has_value());
}
