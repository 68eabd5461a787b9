// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// libvirt's view of nesting on a host, judged like the host's own files: domain
// capabilities (host-model, expanded by the baseline CPU when the driver can) in, checks
// out. Pure; the command gathers the facts. It is the check that reaches remote hosts.

#include "virtnest/check/host_verdict.hpp"
#include "virtnest/libvirt/domain_caps.hpp"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace virtnest {

// What a libvirt connection said, gathered by the command.
struct LibvirtFacts {
    std::string uri;     // the URI asked ("" for libvirt's default)
    bool remote = false; // the URI names another host
    bool reachable = false;
    std::string error;                  // why it is not reachable (libvirt's message)
    bool domcaps_unsupported = false;   // the driver has no domain capabilities (test driver)
    std::string kvm_caps_error;         // libvirt refused domain capabilities for kvm
    bool read_only_refused = false;     // a read-only connection may not ask for them
    std::optional<DomainCaps> kvm_caps; // domain capabilities for virt type kvm
    // host-model expanded by virConnectBaselineHypervisorCPU; nullopt when not available.
    std::optional<std::set<std::string>> expanded_features;
    std::string baseline_error;  // why the expansion failed, when it did
    std::string libvirt_version; // "9.0.0"; empty when unknown
    std::string qemu_version;    // the hypervisor's version, "7.2.0"; empty when unknown
    // IBM Z: domains with <hugepages/> backing, which cannot start while nesting is on.
    std::vector<std::string> hugepage_domains;
    // The KVM module that carries `nested` on this machine ("kvm_hv") and its value, read
    // from its files by the command when the URI names this machine; empty and nullopt
    // for a remote host or when the module is not loaded.
    std::string local_module;
    std::optional<bool> local_nested;
};

// Return the checks of libvirt's view of a host (libvirt.connect, libvirt.kvm,
// libvirt.nested, and on IBM Z with nesting on libvirt.hugepages). On POWER, where nesting
// is a machine capability libvirt does not show, libvirt.nested rests on `local_nested`.
std::vector<Check> libvirt_checks(const LibvirtFacts& facts);

// Record in `facts` this machine's KVM module and its running `nested` value from `host`,
// the files of the machine the URI names; nothing for a remote URI, whose files those are not.
void add_local_nested(LibvirtFacts& facts, const HostFacts& host);

// Return true when a libvirt URI names another machine (a host part other than localhost,
// as in qemu+ssh://kvm-7/system), whose /proc and /sys are out of reach.
bool is_remote_uri(std::string_view uri);

} // namespace virtnest
