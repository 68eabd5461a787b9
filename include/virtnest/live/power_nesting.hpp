// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// A ppc64 KVM domain's nesting on this host: its <features><nested-hv> and the host's
// kvm_hv `nested`, which libvirt does not show (the command reads it from /sys). Pure.

#include "virtnest/live/cpu_inspect.hpp"

#include <optional>
#include <string>

namespace virtnest {

// What `list` says about a ppc64 KVM domain once the host's kvm_hv value is known.
struct PowerNesting {
    bool nested = false;             // <nested-hv state='on'/> and kvm_hv nested=1
    std::optional<std::string> note; // why it will not start as defined; nullopt when it will
};

// Return the nesting of a ppc64 KVM domain from its <nested-hv> and this host's kvm_hv
// `nested` (`host_nested`); nullopt when the domain is not a ppc64 guest of kvm_hv (another
// architecture, or TCG) or the host's value is unknown, so the row keeps libvirt's
// (unverified) view.
std::optional<PowerNesting> power_nesting(const CpuFacts& facts, std::optional<bool> host_nested);

} // namespace virtnest
