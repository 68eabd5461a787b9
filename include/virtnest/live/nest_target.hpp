// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What this hypervisor offers a domain for nesting, derived from its domain capabilities
// plus the expanded baseline of their host-model CPU. Drivers without those calls (libvirt's
// test driver among them) get a fallback from the host capabilities' vendor, marked
// unverified. Pure: nest_target_cache.hpp asks libvirt.

#include "virtnest/libvirt/domain_caps.hpp"
#include "virtnest/rewrite/cpu_types.hpp"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace virtnest {

// The warning every unverified target carries.
inline constexpr const char* k_unverified_note = "host nesting support could not be verified";

// The nesting target for one (emulator, arch, machine, virt type).
struct NestTarget {
    bool verified = false;        // learned from domain capabilities
    std::optional<Vendor> vendor; // host CPU vendor as the hypervisor presents it
    bool offers_nesting = true;   // vmx/svm in the expanded host-model (assumed when unverified)
    bool host_passthrough_supported = true;
    bool passthrough_migratable = false; // domain capabilities offer migratable='on'
    bool host_model_supported = true;
    std::string host_model_name; // e.g. "EPYC"; empty when unknown
    std::vector<CustomModel> custom_models;
    std::string note; // why it is unverified, empty when verified

    // Return the vendor's nesting feature; nullopt when the vendor is unknown.
    std::optional<NestFeature> feature() const;
};

// Return the target from parsed domain capabilities and the features of the expanded
// host-model CPU (nullopt when the baseline call is unsupported: the listed features and
// the model's vendor are used instead).
NestTarget target_from_caps(const DomainCaps& caps,
                            const std::optional<std::set<std::string>>& expanded_features);

// Return the unverified fallback target for a virt type, with the host vendor if known.
NestTarget fallback_target(const std::string& virt_type, std::optional<Vendor> host_vendor);

} // namespace virtnest
