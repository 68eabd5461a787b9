// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/check/arm_verdict.hpp"

#include <sstream>
#include <string>

namespace virtnest {
namespace {

// Return the value of kvm-arm.mode on the kernel command line; empty when not set.
std::string cmdline_mode(const std::string& cmdline) {
    std::istringstream words(cmdline);
    std::string word;
    std::string mode;
    const std::string key = "kvm-arm.mode=";
    while (words >> word && word != "--") {
        if (word.rfind(key, 0) == 0) {
            mode = word.substr(key.size());
        }
    }
    return mode;
}

} // namespace

std::vector<Check> arm_checks(const HostFacts& facts) {
    const KvmModule* kvm = find_module(facts, "kvm");
    std::string mode;
    if (kvm != nullptr && kvm->params.count("mode") != 0U) {
        mode = kvm->params.at("mode");
    }
    const std::string asked = cmdline_mode(facts.kernel_cmdline);
    const std::string want =
        "nested guests need KVM in nested mode: a kernel with arm64 nested virtualization, "
        "booted with kvm-arm.mode=nested, on a CPU with FEAT_NV2 (Armv8.4 or later)";
    if (mode == "nested") {
        return {Check::passed("kvm.arm_mode",
                              "KVM runs in nested mode (kvm-arm.mode=nested): the kernel found "
                              "FEAT_NV2 and offers nested virtualization to guests")};
    }
    if (asked == "nested") {
        return {Check::failure(
            "kvm.arm_mode",
            "the kernel command line asks for kvm-arm.mode=nested, but KVM runs in mode \"" +
                (mode.empty() ? std::string("unknown") : mode) +
                "\": this kernel lacks arm64 nested virtualization, or the CPU lacks FEAT_NV2 "
                "(user space cannot see which)",
            "boot a kernel with arm64 nested virtualization; if it still falls back, the CPU "
            "has no FEAT_NV2 and cannot run nested guests")};
    }
    if (mode.empty()) {
        return {Check::failure("kvm.arm_mode",
                               "KVM's mode is unknown (/sys/module/kvm/parameters/mode is "
                               "missing): " +
                                   want,
                               "load KVM, then add kvm-arm.mode=nested to the kernel command "
                               "line and reboot")};
    }
    return {Check::failure("kvm.arm_mode", "KVM runs in mode \"" + mode + "\": " + want,
                           "add kvm-arm.mode=nested to the kernel command line and reboot "
                           "(FEAT_NV2 is not visible from user space: the mode afterwards "
                           "shows whether the CPU has it)")};
}

} // namespace virtnest
