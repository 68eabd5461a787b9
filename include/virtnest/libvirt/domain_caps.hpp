// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What libvirt's domain capabilities say about CPUs, parsed from their XML. Pure.

#include "virtnest/rewrite/cpu_types.hpp"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace virtnest {

// One custom CPU model the hypervisor offers.
struct CustomModel {
    std::string name;
    bool usable = true;   // usable='no' means this host cannot run it ('unknown' counts as usable)
    std::string vendor{}; // as libvirt spells it: "Intel", "AMD", "unknown"; empty when not given
};

// The CPU section of `virConnectGetDomainCapabilities`.
struct DomainCaps {
    std::string emulator; // <path>, e.g. "/usr/bin/qemu-system-x86_64"
    std::string machine;  // <machine>, e.g. "pc-q35-8.0"
    std::string arch;
    std::string virt_type; // <domain> element: "kvm", "qemu"
    bool host_passthrough_supported = false;
    // host-passthrough's hostPassthroughMigratable enum lists 'on' (migratable='on' accepted).
    bool host_passthrough_migratable = false;
    bool maximum_supported = false;
    bool host_model_supported = false;
    std::optional<Vendor> host_model_vendor; // from <mode name='host-model'><vendor>
    std::string host_model_name;             // <model> inside host-model, e.g. "EPYC"
    // Features host-model enables (policy require/force) and those it disables, by name.
    std::set<std::string> host_model_features;
    std::set<std::string> host_model_disabled_features;
    // The host-model CPU as a standalone `<cpu mode='custom' match='exact'>` document, ready
    // for virConnectBaselineHypervisorCPU; empty when host-model is unsupported.
    std::string host_model_cpu_xml;
    std::vector<CustomModel> custom_models;
};

// Parse domain capabilities XML. Throws Error on malformed XML (with line and column) or a
// root other than <domainCapabilities>.
DomainCaps parse_domain_caps(std::string_view xml);

// Return the names of features a CPU definition enables (policy require or force, or no
// policy), e.g. from an expanded virConnectBaselineHypervisorCPU result. The document is a
// <cpu> element, or any document holding one (a <domain>, host <capabilities>); a document
// without <cpu> enables nothing. Throws Error on malformed XML.
std::set<std::string> enabled_features(std::string_view cpu_xml);

// Return the host CPU vendor from host capabilities XML (`virConnectGetCapabilities`'s
// <host><cpu><vendor>, or a bare host <cpu> element); nullopt when it names none or one we
// do not know. Throws Error on malformed XML.
std::optional<Vendor> host_vendor_from_capabilities(std::string_view caps_xml);

// Return the host UUID from host capabilities XML (<host><uuid>); empty when it names none
// (libvirt's test driver). Throws Error on malformed XML.
std::string host_uuid_from_capabilities(std::string_view caps_xml);

// Return the host CPU architecture from host capabilities XML (<host><cpu><arch>); empty when
// it names none. Throws Error on malformed XML.
std::string host_arch_from_capabilities(std::string_view caps_xml);

} // namespace virtnest
