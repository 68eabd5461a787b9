// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/check/disabled_verdict.hpp"

#include "virtnest/check/modprobe_conf.hpp"

#include <string>

namespace virtnest {
namespace {

constexpr auto pass = Check::passed;
constexpr auto fail = Check::failure;

std::string where(const ModuleOption& option) {
    return option.file == "/proc/cmdline" ? std::string("the kernel command line")
                                          : option.file + ":" + std::to_string(option.line);
}

// ARM: nesting comes from the kernel command line alone (kvm-arm.mode=nested).
std::vector<Check> arm_checks(const HostFacts& facts) {
    if (facts.kernel_cmdline.find("kvm-arm.mode=nested") != std::string::npos) {
        return {fail("disabled.runtime", "the kernel command line sets kvm-arm.mode=nested",
                     "remove kvm-arm.mode=nested from the kernel command line in the boot "
                     "loader configuration, then reboot")};
    }
    return {pass("disabled.runtime", "the kernel command line does not set kvm-arm.mode=nested"),
            pass("disabled.persist", "nesting on ARM needs kvm-arm.mode=nested at boot")};
}

Check runtime_check(const HostFacts& facts, const std::string& mod) {
    const KvmModule* module = find_module(facts, mod);
    if (module == nullptr) {
        return pass("disabled.runtime", mod + " is not loaded: nothing offers nesting now");
    }
    auto it = module->params.find("nested");
    if (it == module->params.end() || parse_bool_param(it->second) == false) {
        return pass("disabled.runtime", mod +
                                            (it == module->params.end() ? " has no nested parameter"
                                                                        : " nested=" + it->second) +
                                            ": KVM offers no nested virtualization to guests");
    }
    const std::string remedy =
        module->built_in ? "add `" + mod + ".nested=0` to the kernel command line and reboot (" +
                               mod + " is built into the kernel)"
                         : "stop every VM, then `virt-nest host disable --reload`";
    return fail("disabled.runtime",
                mod + " nested=\"" + it->second + "\": KVM may offer nested virtualization now",
                remedy);
}

Check persist_check(const HostFacts& facts, const std::string& mod) {
    if (!facts.unreadable_modprobe_files.empty()) {
        return fail("disabled.persist",
                    "cannot read " + facts.unreadable_modprobe_files.front() +
                        ": what it sets for " + mod + " is unknown",
                    "run `virt-nest check --expect-disabled` as root");
    }
    const KvmModule* module = find_module(facts, mod);
    const bool built_in = module != nullptr && module->built_in;
    std::optional<ModuleOption> setting =
        effective_option(built_in ? std::vector<ConfFile>{} : facts.modprobe_files,
                         facts.kernel_cmdline, mod, "nested");
    const std::string fix = built_in ? "add `" + mod + ".nested=0` to the kernel command line"
                                     : "`virt-nest host disable`";
    if (!setting) {
        if (nested_on_by_default(facts.cpu.platform)) {
            return fail("disabled.persist",
                        "nothing sets " + mod +
                            " nested: the kernel's default (on) applies at "
                            "the next boot or module load",
                        fix);
        }
        return pass("disabled.persist",
                    "nothing sets " + mod + " nested: the kernel's default (off) applies");
    }
    if (parse_bool_param(setting->value) != false) {
        return fail("disabled.persist", where(*setting) + " sets " + mod + " " + setting->written,
                    setting->file == "/proc/cmdline"
                        ? "remove `" + setting->written +
                              "` from the kernel command line in the boot loader configuration"
                        : fix);
    }
    if (setting->file.rfind("/run/", 0) == 0) {
        return fail("disabled.persist",
                    where(*setting) + " sets " + mod + " " + setting->written +
                        ", but /run is cleared at boot",
                    fix);
    }
    return pass("disabled.persist", where(*setting) + " sets " + mod + " " + setting->written);
}

} // namespace

std::vector<Check> expect_disabled_checks(const HostFacts& facts) {
    if (!facts.cpuinfo_readable) {
        return {fail("disabled.runtime", "cannot read /proc/cpuinfo: the KVM module is unknown",
                     facts.cpuinfo_exists ? "run as root, or make /proc/cpuinfo readable"
                                          : "point --root at the root directory of a Linux "
                                            "system")};
    }
    if (facts.cpu.platform == Platform::arm) {
        return arm_checks(facts);
    }
    const std::string mod = kvm_module_for(facts.cpu.platform);
    if (mod.empty()) {
        return {fail("disabled.runtime",
                     "CPU vendor \"" + facts.cpu.vendor_id + "\" is not one virt-nest knows",
                     "check this platform's KVM documentation for its nesting switch")};
    }
    return {runtime_check(facts, mod), persist_check(facts, mod)};
}

} // namespace virtnest
