// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What a domain's XML says about its CPU and nesting, read without changing anything. Pure.

#include "virtnest/libvirt/domain_types.hpp"
#include "virtnest/rewrite/cpu_types.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace virtnest {

// A <feature policy='...'> value.
enum class FeaturePolicy { force, require, optional, disable, forbid };

// Return the policy for libvirt's spelling (no policy means require); nullopt otherwise.
std::optional<FeaturePolicy> parse_feature_policy(std::string_view text) noexcept;

// The CPU facts of one domain definition.
struct CpuFacts {
    std::string name;
    std::string uuid;
    CpuMode mode = CpuMode::none;       // none: no <cpu>, or one without mode and model
    std::string model;                  // <cpu><model>, empty when none
    std::string vendor;                 // <cpu><vendor>, empty when none
    std::optional<FeaturePolicy> vmx;   // policy of an explicit vmx feature
    std::optional<FeaturePolicy> svm;   // policy of an explicit svm feature
    std::optional<FeaturePolicy> sief2; // s390x: policy of an explicit sief2 feature
    std::optional<bool> nested_hv;      // ppc64: <features><nested-hv> on/off; nullopt: absent
    std::string launch_security;        // <launchSecurity type>: a confidential guest; or empty
    CapsKey caps_key;                   // emulator, arch, machine, virt type
};

// Return the CPU facts of a domain XML document. Throws Error for malformed XML (with its
// offset) or a root that is not <domain>.
CpuFacts inspect_cpu(std::string_view domain_xml);

// Return the explicit policy of `feature` in the facts; nullopt when it is not listed.
std::optional<FeaturePolicy> policy_of(const CpuFacts& facts, NestFeature feature) noexcept;

// Return true when the configuration hands `feature` to the guest. `host_offers` says whether
// the host's CPU (as host-passthrough or host-model sees it) carries the feature; custom
// models carry svm when they are AMD models (EPYC, Opteron_G*), never vmx.
bool passes_feature(const CpuFacts& facts, NestFeature feature, bool host_offers);

// Return true when the configuration keeps an s390x guest from nesting: its sief2 facility
// is disabled or forbidden.
bool sief2_blocked(const CpuFacts& facts) noexcept;

// Return true when the domain's architecture keeps it from nesting whatever its CPU mode:
// an s390x guest with sief2 blocked, or a ppc64 guest without <nested-hv state='on'/>.
bool arch_blocks_nesting(const CpuFacts& facts) noexcept;

// Return the architecture's own nesting setting as libvirt names it: "sief2" (s390x),
// "nested-hv" (ppc64); empty on x86 and elsewhere (vmx/svm are CPU features there).
std::string_view arch_nest_setting(const CpuFacts& facts) noexcept;

// Return the domain's <cpu> element as a document of its own when it names a CPU model that
// libvirt can compare on another host (mode custom, or no mode with a <model>); empty
// otherwise (host-passthrough, host-model, no <cpu>). Throws Error for malformed XML.
std::string comparable_cpu_xml(std::string_view domain_xml);

// Return true when the persistent CPU differs from the running one in what matters for
// nesting (mode, model, vmx/svm policy), so a cold boot is still pending. A host-model
// config running as its expansion (mode custom) counts as the same.
bool restart_pending(const CpuFacts& inactive, const CpuFacts& live) noexcept;

} // namespace virtnest
