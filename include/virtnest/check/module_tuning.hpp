// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The KVM module settings that make nested guests fast (`host enable --tune`): which ones
// this machine's CPU supports, what they are now, and what is persisted. Pure.

#include "virtnest/check/host_probe.hpp"
#include "virtnest/check/modprobe_conf.hpp"

#include <optional>
#include <string>
#include <vector>

namespace virtnest {

// One performance parameter of the vendor's KVM module.
struct TuneParam {
    std::string param;           // "enable_shadow_vmcs", "ept", "enable_apicv", "npt", "avic", ...
    std::string what;            // "VMCS shadowing", "EPT", "APIC virtualization", ...
    std::string cpu_flag;        // the /proc/cpuinfo flag that shows CPU support
    bool cpu_supports = false;   // the flag is shown, or the loaded module runs with it on
    std::optional<bool> runtime; // the loaded module's value; nullopt when not loaded
    std::optional<ModuleOption> persisted; // what modprobe.d (or the command line) sets
};

// Return the tuning parameters of `facts`' platform (Intel: enable_shadow_vmcs, ept,
// enable_apicv; AMD: npt, avic, vls, vgif; none elsewhere), with what the machine says about
// each.
std::vector<TuneParam> tuning_params(const HostFacts& facts);

// Return the values `host enable --tune` persists: each parameter the CPU supports, set to
// 1; added to modprobe.d only when the running module does not have it on already (a
// persisted 0 is always corrected).
std::vector<WantedOption> tuning_wanted(const std::vector<TuneParam>& params);

} // namespace virtnest
