// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/power_nesting.hpp"

#include "virtnest/util/shell_quote.hpp"

namespace virtnest {

std::optional<PowerNesting> power_nesting(const CpuFacts& facts, std::optional<bool> host_nested) {
    // Under TCG ('qemu') QEMU emulates nested-hv itself; kvm_hv decides for every other
    // virt type (kvm, and the test driver standing in for it).
    if (arch_nest_setting(facts) != "nested-hv" || facts.caps_key.virt_type == "qemu" ||
        !host_nested) {
        return std::nullopt;
    }
    PowerNesting nesting;
    nesting.nested = facts.nested_hv == true && *host_nested;
    if (facts.nested_hv == true && !*host_nested) {
        nesting.note = "nested-hv is on, but this host's kvm_hv has nested=0: QEMU refuses to "
                       "start it (\"KVM implementation does not support Nested-HV\"); "
                       "`virt-nest host enable --reload`, or turn nested-hv off with "
                       "`virt-nest disable " +
                       shell_quote(facts.name) + "`";
    }
    return nesting;
}

} // namespace virtnest
