#pragma once

// The readiness verdict: facts about a machine (and libvirt's view of it) in, one check
// per line out, each PASS/WARN/FAIL with the exact remedy. Pure.

#include "virtnest/domain_caps.hpp"
#include "virtnest/host_probe.hpp"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace virtnest {

// How one check came out.
enum class CheckStatus { pass, warn, fail };

// Return "PASS", "WARN" or "FAIL".
std::string_view to_string(CheckStatus status) noexcept;

// One line of `virt-nest check`.
struct Check {
    std::string id; // stable, for scripts: "cpu.virt", "kvm.nested", ...
    CheckStatus status = CheckStatus::pass;
    std::string message;
    std::string remedy; // empty exactly when status is pass
};

// What a libvirt connection said, gathered by the command.
struct LibvirtFacts {
    std::string uri;     // the URI asked ("" for libvirt's default)
    bool remote = false; // the URI names another host
    bool reachable = false;
    std::string error;                  // why it is not reachable (libvirt's message)
    bool domcaps_unsupported = false;   // the driver has no domain capabilities (test driver)
    std::string kvm_caps_error;         // libvirt refused domain capabilities for kvm
    std::optional<DomainCaps> kvm_caps; // domain capabilities for virt type kvm
    // host-model expanded by virConnectBaselineHypervisorCPU; nullopt when not available.
    std::optional<std::set<std::string>> expanded_features;
    std::string baseline_error; // why the expansion failed, when it did
};

// Return the KVM module that carries the `nested` parameter on `platform` (kvm_intel,
// kvm_amd, kvm on IBM Z, kvm_hv on POWER); empty where there is none.
std::string kvm_module_for(Platform platform);

// Return the CPU flag that means hardware virtualization (vmx, svm, sie); empty otherwise.
std::string virt_flag_for(Platform platform);

// Return the checks of one machine's own files (CPU, KVM module, /dev/kvm, persistence,
// platform notes).
std::vector<Check> host_checks(const HostFacts& facts);

// Return the checks of libvirt's view of a host.
std::vector<Check> libvirt_checks(const LibvirtFacts& facts);

// Return true when no check failed: nested guests can run.
bool is_ready(const std::vector<Check>& checks);

} // namespace virtnest
