// SPDX-License-Identifier: GPL-2.0-or-later
#include "host_test_support.hpp"
#include "virtnest/check/host_probe.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

using test_support::FakeHostFiles;
using test_support::fixture;
using virtnest::Platform;

TEST_CASE("host_probe: parses /proc/cpuinfo of each platform", "[host_probe]") {
    SECTION("Intel: the first processor's flags and vmx flags") {
        auto info =
            virtnest::parse_cpuinfo(test_support::slurp(fixture("intel-nested-on/proc/cpuinfo")));
        CHECK(info.platform == Platform::intel);
        CHECK(info.vendor_id == "GenuineIntel");
        CHECK(info.model_name == "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz");
        CHECK(info.flags.count("vmx") == 1);
        CHECK(info.flags.count("ept") == 1);
        CHECK(info.flags.size() > 100); // the second block's lone "fpu" was not taken
        CHECK(info.vmx_flags.count("shadow_vmcs") == 1);
    }
    SECTION("AMD and Hygon") {
        auto info =
            virtnest::parse_cpuinfo(test_support::slurp(fixture("amd-nested-on/proc/cpuinfo")));
        CHECK(info.platform == Platform::amd);
        CHECK(info.flags.count("svm") == 1);
        CHECK(info.flags.count("npt") == 1);
        CHECK(info.vmx_flags.empty());
        CHECK(virtnest::parse_cpuinfo("vendor_id : HygonGenuine\nflags : svm\n").platform ==
              Platform::amd);
    }
    SECTION("IBM Z lists features, not flags, before the per-CPU lines") {
        auto info =
            virtnest::parse_cpuinfo(test_support::slurp(fixture("ibmz-hpage/proc/cpuinfo")));
        CHECK(info.platform == Platform::ibm_z);
        CHECK(info.vendor_id == "IBM/S390");
        CHECK(info.flags.count("sie") == 1);
    }
    SECTION("ARM, POWER and unknown vendors") {
        auto arm = virtnest::parse_cpuinfo(test_support::slurp(fixture("arm64/proc/cpuinfo")));
        CHECK(arm.platform == Platform::arm);
        CHECK(arm.flags.count("asimd") == 1);
        auto power = virtnest::parse_cpuinfo(
            "processor\t: 0\ncpu\t\t: POWER9 (raw), altivec supported\nplatform\t: PowerNV\n");
        CHECK(power.platform == Platform::power);
        CHECK(power.model_name == "POWER9 (raw), altivec supported");
        CHECK(power.power.platform == "PowerNV");
        CHECK(power.power.mmu.empty());
        CHECK(virtnest::parse_cpuinfo("vendor_id\t: CentaurHauls\nflags\t: vmx\n").platform ==
              Platform::unknown);
        CHECK(virtnest::parse_cpuinfo("").platform == Platform::unknown);
        CHECK(virtnest::parse_cpuinfo("").flags.empty());
    }
}

TEST_CASE("host_probe: POWER's machine-wide lines follow the processor blocks", "[host_probe]") {
    auto nv =
        virtnest::parse_cpuinfo(test_support::slurp(fixture("power9-nested-on/proc/cpuinfo")));
    CHECK(nv.platform == Platform::power);
    CHECK(nv.power.platform == "PowerNV");
    CHECK(nv.power.model == "9006-22P");
    CHECK(nv.power.machine == "PowerNV 9006-22P");
    CHECK(nv.power.mmu == "Radix");
    auto lpar =
        virtnest::parse_cpuinfo(test_support::slurp(fixture("power10-powervm-lpar/proc/cpuinfo")));
    CHECK(lpar.power.model == "IBM,9080-HEX");
    CHECK(virtnest::is_powervm_lpar(lpar));
    CHECK_FALSE(virtnest::is_power_kvm_guest(lpar));
    auto guest =
        virtnest::parse_cpuinfo(test_support::slurp(fixture("power9-kvm-guest/proc/cpuinfo")));
    CHECK(virtnest::is_power_kvm_guest(guest));
    CHECK_FALSE(virtnest::is_powervm_lpar(guest));
    CHECK_FALSE(virtnest::is_powervm_lpar(nv));
    CHECK_FALSE(virtnest::is_power_kvm_guest(nv));
    // Another platform keeps no POWER lines, even when a later block has such keys.
    auto x86 = virtnest::parse_cpuinfo("processor : 0\nvendor_id : GenuineIntel\nmodel : 85\n"
                                       "processor : 1\nvendor_id : GenuineIntel\nmodel : 86\n"
                                       "platform : pSeries\n");
    CHECK(x86.power.platform.empty());
    CHECK(x86.power.model.empty());
    SECTION("a pSeries partition is a virtual machine, PowerNV is not") {
        virtnest::HostFacts facts;
        facts.cpu = lpar;
        CHECK(virtnest::is_virtual_machine(facts));
        facts.cpu = guest;
        CHECK(virtnest::is_virtual_machine(facts));
        facts.cpu = nv;
        CHECK_FALSE(virtnest::is_virtual_machine(facts));
    }
}

TEST_CASE("host_probe: reads a fixture tree through its root", "[host_probe]") {
    SECTION("an Intel host with kvm_intel loaded") {
        virtnest::RootedHostFiles files(fixture("intel-nested-on"));
        auto facts = virtnest::probe_host(files);
        REQUIRE(facts.cpuinfo_readable);
        REQUIRE(facts.modules.size() == 2);
        CHECK(facts.modules[0].name == "kvm");
        const auto* intel = virtnest::find_module(facts, "kvm_intel");
        REQUIRE(intel != nullptr);
        CHECK(intel->params.at("nested") == "Y");
        CHECK(intel->params.at("enable_shadow_vmcs") == "Y");
        CHECK(intel->refcnt == 0);
        CHECK_FALSE(intel->built_in);
        CHECK(intel->holders.empty());
        CHECK(virtnest::find_module(facts, "kvm_amd") == nullptr);
        CHECK(facts.kvm_device_present);
        CHECK_FALSE(facts.kvm_device_error.has_value());
        REQUIRE(facts.modprobe_files.size() == 1);
        CHECK(facts.modprobe_files[0].path == "/etc/modprobe.d/kvm.conf");
        CHECK(facts.kernel_cmdline ==
              "BOOT_IMAGE=/vmlinuz-6.1.0-13-amd64 root=UUID=0b2c1c6e ro quiet");
        CHECK_FALSE(virtnest::is_virtual_machine(facts));
    }
    SECTION("a guest whose KVM comes from built-in modules") {
        virtnest::RootedHostFiles files(fixture("pvm-guest"));
        auto facts = virtnest::probe_host(files);
        REQUIRE(facts.modules.size() == 2);
        CHECK(facts.modules[1].name == "kvm_pvm");
        CHECK(facts.modules[1].built_in);
        CHECK_FALSE(facts.modules[1].refcnt.has_value());
        CHECK(virtnest::is_virtual_machine(facts));
        CHECK(facts.modprobe_files.size() == 1);
    }
    SECTION("a module in use, with a holder") {
        virtnest::RootedHostFiles files(fixture("amd-vendor-conf"));
        auto facts = virtnest::probe_host(files);
        const auto* amd = virtnest::find_module(facts, "kvm_amd");
        REQUIRE(amd != nullptr);
        CHECK(amd->refcnt == 2);
        CHECK(amd->holders == std::vector<std::string>{"kvmgt"});
    }
    SECTION("IBM Z in an LPAR") {
        virtnest::RootedHostFiles files(fixture("ibmz-hpage"));
        auto facts = virtnest::probe_host(files);
        CHECK(facts.sysinfo_level == "LPAR");
        CHECK_FALSE(virtnest::is_virtual_machine(facts));
    }
    SECTION("a missing root yields no facts and no error") {
        virtnest::RootedHostFiles files("/nonexistent-virtnest-root");
        auto facts = virtnest::probe_host(files);
        CHECK_FALSE(facts.cpuinfo_readable);
        CHECK(facts.modules.empty());
        CHECK_FALSE(facts.kvm_device_present);
        CHECK(facts.modprobe_files.empty());
    }
}

TEST_CASE("host_probe: facts only a fake can produce", "[host_probe]") {
    FakeHostFiles files;
    files.files["/proc/cpuinfo"] = "vendor_id : IBM/S390\nfeatures : esan3 zarch sie\n";
    files.files["/proc/sysinfo"] =
        "LPAR Number: 3\nVM00 Name: LINUX1\nVM00 Control Program: KVM/Linux\n";
    files.files["/dev/kvm"] = "";
    files.device_errors["/dev/kvm"] = "Permission denied";
    files.files["/sys/module/kvm/parameters/nested"] = "1\n";
    files.files["/sys/module/kvm/refcnt"] = "not a number";
    files.files["/sys/module/kvmgt/parameters/x"] = "1";
    auto facts = virtnest::probe_host(files);
    CHECK(facts.sysinfo_level == "VM");
    CHECK(virtnest::is_virtual_machine(facts));
    CHECK(facts.kvm_device_error == std::optional<std::string>("Permission denied"));
    REQUIRE(facts.modules.size() == 1); // kvmgt is not a KVM module of ours
    CHECK(facts.modules[0].params.at("nested") == "1");
    CHECK_FALSE(facts.modules[0].refcnt.has_value());
    CHECK_FALSE(facts.modules[0].built_in);
}

TEST_CASE("host_probe: modprobe.d precedence", "[host_probe]") {
    FakeHostFiles files;
    files.files["/etc/modprobe.d/a.conf"] = "options kvm_amd nested=1\n";
    files.files["/usr/lib/modprobe.d/a.conf"] = "options kvm_amd nested=0\n";
    files.files["/usr/lib/modprobe.d/b.conf"] = "b\n";
    files.files["/lib/modprobe.d/0.conf"] = "0\n";
    files.files["/lib/modprobe.d/b.conf"] = "shadowed\n";
    files.files["/run/modprobe.d/c.conf"] = "c\n";
    files.files["/etc/modprobe.d/notes.txt"] = "ignored\n";
    files.files["/etc/modprobe.d/.conf"] = "ignored\n";
    auto confs = virtnest::read_modprobe_files(files);
    REQUIRE(confs.size() == 4);
    CHECK(confs[0].path == "/lib/modprobe.d/0.conf");
    CHECK(confs[1].path == "/etc/modprobe.d/a.conf");
    CHECK(confs[1].content == "options kvm_amd nested=1\n");
    CHECK(confs[2].path == "/usr/lib/modprobe.d/b.conf");
    CHECK(confs[3].path == "/run/modprobe.d/c.conf");
}

TEST_CASE("host_probe: the running system's /dev/kvm answers the KVM API", "[host_probe]") {
    virtnest::RootedHostFiles files("/");
    if (!files.exists("/dev/kvm")) {
        CHECK(files.open_device("/dev/kvm").has_value());
    } else {
        // This machine's /dev/kvm (kvm_pvm) opens and reports API version 12.
        std::optional<std::string> problem = files.open_device("/dev/kvm");
        INFO(problem.value_or(""));
        CHECK((!problem || problem->find("Permission denied") != std::string::npos));
    }
    CHECK(files.open_device("/nonexistent-virtnest-device") ==
          std::optional<std::string>("No such file or directory"));
    // item 4: on the running system only a character device is opened.
    CHECK(files.open_device("/etc/passwd") == std::optional<std::string>("not a character device"));
}

namespace {

// A file outside every fixture tree, standing for the machine's /etc/shadow.
struct HostSecret {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("virtnest-shadow-" + std::to_string(::getpid()));
    HostSecret() { test_support::spit(path, "root:$6$secret-hash:19000:0:99999:7:::\n"); }
    HostSecret(const HostSecret&) = delete;
    HostSecret& operator=(const HostSecret&) = delete;
    ~HostSecret() { std::filesystem::remove(path); }
};

} // namespace

TEST_CASE("host_probe: item 3: a nested parameter linked to /etc/shadow is not read",
          "[host_probe]") {
    HostSecret secret;
    test_support::TreeCopy tree("intel-nested-on");
    const auto nested = tree.path() / "sys/module/kvm_intel/parameters/nested";
    std::filesystem::remove(nested);
    SECTION("an absolute link") { std::filesystem::create_symlink(secret.path, nested); }
    SECTION("a relative link climbing out of the root") {
        std::filesystem::create_symlink(
            "../../../../../../../../../../../../.." + secret.path.string(), nested);
    }
    SECTION("a long value inside the root is not echoed either") {
        test_support::spit(nested, std::string(65, 'Y') + "secret-hash\n");
    }
    SECTION("nor a value with control characters") {
        test_support::spit(nested, "Y\033[2Jsecret-hash\n");
    }
    virtnest::RootedHostFiles files(tree.path());
    auto facts = virtnest::probe_host(files);
    const auto* intel = virtnest::find_module(facts, "kvm_intel");
    REQUIRE(intel != nullptr);
    CHECK(intel->params.count("nested") == 0);
    CHECK(intel->params.at("enable_shadow_vmcs") == "Y");
}

TEST_CASE("host_probe: item 4: /dev/kvm, cpuinfo and cmdline of a hostile root", "[host_probe]") {
    HostSecret secret;
    test_support::TreeCopy tree("intel-nested-on");
    SECTION("/dev/kvm linked to a host file is looked up inside the root, never opened") {
        std::filesystem::remove(tree.path() / "dev/kvm");
        std::filesystem::create_symlink(secret.path, tree.path() / "dev/kvm");
        auto facts = virtnest::probe_host(virtnest::RootedHostFiles(tree.path()));
        CHECK_FALSE(facts.kvm_device_present);
    }
    SECTION("a FIFO at /dev/kvm is not a device") {
        std::filesystem::remove(tree.path() / "dev/kvm");
        REQUIRE(::mkfifo((tree.path() / "dev/kvm").c_str(), 0600) == 0);
        auto facts = virtnest::probe_host(virtnest::RootedHostFiles(tree.path()));
        CHECK(facts.kvm_device_present);
        CHECK(facts.kvm_device_error == std::optional<std::string>("not a character device"));
    }
    SECTION("cpuinfo linked to /dev/zero, FIFOs at cmdline and a parameter: no hang, no read") {
        std::filesystem::remove(tree.path() / "proc/cpuinfo");
        std::filesystem::create_symlink("/dev/zero", tree.path() / "proc/cpuinfo");
        std::filesystem::remove(tree.path() / "proc/cmdline");
        REQUIRE(::mkfifo((tree.path() / "proc/cmdline").c_str(), 0600) == 0);
        const auto nested = tree.path() / "sys/module/kvm_intel/parameters/nested";
        std::filesystem::remove(nested);
        REQUIRE(::mkfifo(nested.c_str(), 0600) == 0);
        ::alarm(20); // a hang ends the run as a failure instead of blocking it
        auto facts = virtnest::probe_host(virtnest::RootedHostFiles(tree.path()));
        ::alarm(0);
        CHECK_FALSE(facts.cpuinfo_readable);
        CHECK(facts.kernel_cmdline.empty());
    }
    SECTION("an oversized cpuinfo is not read") {
        test_support::spit(tree.path() / "proc/cpuinfo",
                           std::string(virtnest::k_max_host_file + 1, '\n'));
        auto facts = virtnest::probe_host(virtnest::RootedHostFiles(tree.path()));
        CHECK_FALSE(facts.cpuinfo_readable);
    }
}
