// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/check/power_verdict.hpp"

#include <cctype>
#include <sstream>

namespace virtnest {
namespace {

constexpr auto pass = Check::passed;
constexpr auto warn = Check::warning;
constexpr auto fail = Check::failure;

// The boolean the kernel's kstrtobool reads from `value` (by its first letters, so "yes"
// and "on" are true); nullopt when it reads none, and the option is then ignored.
std::optional<bool> kernel_bool(std::string_view value) {
    const char first = value.empty() ? '\0' : value[0];
    const char second = value.size() > 1 ? value[1] : '\0';
    if (first == 'y' || first == 'Y' || first == '1') {
        return true;
    }
    if (first == 'n' || first == 'N' || first == '0') {
        return false;
    }
    if (first == 'o' || first == 'O') {
        if (second == 'n' || second == 'N') {
            return true;
        }
        if (second == 'f' || second == 'F') {
            return false;
        }
    }
    return std::nullopt;
}

// The kernel command line word that boots the hash MMU ("disable_radix", or
// "disable_radix=<true>"); empty when there is none.
std::string disable_radix_word(const std::string& cmdline) {
    std::istringstream words(cmdline);
    std::string word;
    std::string found;
    const std::string key = "disable_radix";
    while (words >> word && word != "--") {
        if (word == key) {
            found = word;
        } else if (word.rfind(key + "=", 0) == 0) {
            // The last one the kernel understands wins.
            if (std::optional<bool> value = kernel_bool(word.substr(key.size() + 1))) {
                found = *value ? word : std::string();
            }
        }
    }
    return found;
}

// "POWER9", or the cpu line when it names no generation.
std::string generation_name(const CpuInfo& cpu) {
    std::optional<int> generation = power_generation(cpu.model_name);
    return generation ? "POWER" + std::to_string(*generation) : cpu.model_name;
}

// cpu.power of a machine whose MMU is hash.
Check hash_mmu_check(const HostFacts& facts, bool kvm_guest) {
    const std::string word = disable_radix_word(facts.kernel_cmdline);
    const std::string what = kvm_guest ? "this KVM guest" : "this host";
    std::string remedy =
        word.empty()
            ? (kvm_guest ? "on the host that runs this guest: boot it with the radix MMU (a "
                           "hash-MMU host runs only hash-MMU guests), then power this guest off "
                           "and start it again"
                         : "boot a kernel with radix MMU support (CONFIG_PPC_RADIX_MMU), "
                           "without `disable_radix` on its command line")
            : "remove `" + word +
                  "` from the kernel command line in the boot loader configuration, then "
                  "reboot";
    return fail("cpu.power",
                generation_name(facts.cpu) + ": " + what + " runs the hash MMU (MMU: Hash" +
                    (word.empty() ? std::string() : ", booted with `" + word + "`") +
                    "): KVM-HV nests only with the radix MMU on host and guest",
                remedy);
}

// cpu.power of a KVM pseries guest (an L1) on POWER9 or later with radix.
Check kvm_guest_check(const HostFacts& facts) {
    const std::string guest =
        "this machine is a KVM pseries guest (" + generation_name(facts.cpu) + ", radix): ";
    const std::string offers = "only when the host that runs this guest offers nesting (kvm_hv "
                               "nested=1 there, <nested-hv state='on'/> here, radix on both)";
    if (find_module(facts, "kvm_hv") != nullptr) {
        return warn("cpu.power",
                    guest + "its guests are L2, and kvm_hv loaded, which it does " + offers,
                    "none needed for L2 guests; do not plan on nesting one level deeper");
    }
    return warn("cpu.power", guest + "kvm_hv loads here, and runs guests (L2), " + offers,
                "on the host that runs this virtual machine: enable nesting (`virt-nest host "
                "enable --reload`), give this VM <nested-hv state='on'/> (`virt-nest enable "
                "<this VM>`), then power it off and start it again");
}

} // namespace

std::optional<int> power_generation(std::string_view cpu_line) {
    const std::string_view prefix = "POWER";
    if (cpu_line.substr(0, prefix.size()) != prefix) {
        return std::nullopt;
    }
    int generation = 0;
    std::size_t at = prefix.size();
    for (; at < cpu_line.size() && std::isdigit(static_cast<unsigned char>(cpu_line[at])) != 0;
         ++at) {
        generation = generation * 10 + (cpu_line[at] - '0');
        if (generation > 1000) {
            return std::nullopt;
        }
    }
    if (at == prefix.size()) {
        return std::nullopt;
    }
    return generation;
}

std::optional<std::string> power_nesting_ruled_out(const CpuInfo& cpu) {
    std::optional<int> generation = power_generation(cpu.model_name);
    if (generation && *generation < 9) {
        return "POWER" + std::to_string(*generation) + " has no nested KVM-HV";
    }
    if (is_powervm_lpar(cpu)) {
        return "KVM in a PowerVM LPAR offers its guests no nesting";
    }
    return std::nullopt;
}

std::optional<bool> kvm_hv_nested(const HostFacts& facts) {
    if (facts.cpu.platform != Platform::power) {
        return std::nullopt;
    }
    return runtime_nested(facts);
}

Check power_check(const HostFacts& facts) {
    const CpuInfo& cpu = facts.cpu;
    const bool kvm_guest = is_power_kvm_guest(cpu);
    std::optional<int> generation = power_generation(cpu.model_name);
    if (generation && *generation < 9) {
        if (kvm_guest) {
            return fail("cpu.power",
                        "this KVM guest's CPU is POWER" + std::to_string(*generation) +
                            " (cpu: " + cpu.model_name + "): KVM-HV nests on POWER9 and later only",
                        "on the host that runs this guest (POWER9 or later): drop the POWER" +
                            std::to_string(*generation) +
                            " compatibility mode from its <cpu>, then power it off and start it "
                            "again");
        }
        return fail("cpu.power",
                    "POWER" + std::to_string(*generation) + " (cpu: " + cpu.model_name +
                        "): KVM-HV nests on POWER9 and later only",
                    "none on this machine: nested guests need POWER9 or later hardware");
    }
    if (is_powervm_lpar(cpu)) {
        return warn("cpu.power",
                    "a PowerVM LPAR (model " + cpu.power.model +
                        "): KVM here (Linux 6.8's nested API v2) runs its guests nested under "
                        "PowerVM already; a further level inside them is not supported",
                    "none needed for this LPAR's own guests; for guests that run their own VMs "
                    "use a bare-metal (PowerNV) POWER9 host");
    }
    if (cpu.power.mmu == "Hash") {
        return hash_mmu_check(facts, kvm_guest);
    }
    if (kvm_guest) {
        return kvm_guest_check(facts);
    }
    const std::string where =
        cpu.power.platform == "PowerNV" ? " on bare metal (PowerNV)" : std::string();
    const std::string mmu = cpu.power.mmu == "Radix" ? " with the radix MMU"
                            : cpu.power.mmu.empty()  ? std::string()
                                                     : " with the " + cpu.power.mmu + " MMU";
    return pass("cpu.power", generation_name(cpu) + where + mmu +
                                 ": KVM-HV can run pseries guests with <nested-hv state='on'/>");
}

} // namespace virtnest
