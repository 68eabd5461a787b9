// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The readiness verdict: facts about a machine in, one check per line out, each
// PASS/WARN/FAIL with the exact remedy. Pure. libvirt_verdict judges libvirt's view.

#include "virtnest/check/host_probe.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
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

    // Return a PASS check.
    static Check passed(std::string check_id, std::string text) {
        return {std::move(check_id), CheckStatus::pass, std::move(text), {}};
    }
    // Return a WARN check with its remedy.
    static Check warning(std::string check_id, std::string text, std::string fix) {
        return {std::move(check_id), CheckStatus::warn, std::move(text), std::move(fix)};
    }
    // Return a FAIL check with its remedy.
    static Check failure(std::string check_id, std::string text, std::string fix) {
        return {std::move(check_id), CheckStatus::fail, std::move(text), std::move(fix)};
    }
};

// Return the KVM module that carries the `nested` parameter on `platform` (kvm_intel,
// kvm_amd, kvm on IBM Z, kvm_hv on POWER); empty where there is none.
std::string kvm_module_for(Platform platform);

// Return true when `platform`'s KVM module offers nesting unless told otherwise: kvm_intel
// (since Linux 4.20), kvm_amd and kvm_hv (`static bool nested = true`); IBM Z's kvm does not.
bool nested_on_by_default(Platform platform) noexcept;

// Return the running `nested` value of the machine's KVM module (the one kvm_module_for
// names); nullopt when it is not loaded or its value is missing or not understood.
std::optional<bool> runtime_nested(const HostFacts& facts);

// Return the CPU flag that means hardware virtualization (vmx, svm, sie); empty otherwise.
std::string virt_flag_for(Platform platform);

// Return the checks of one machine's own files (CPU, KVM module, /dev/kvm, persistence,
// platform notes).
std::vector<Check> host_checks(const HostFacts& facts);

// Return true when no check failed: nested guests can run.
bool is_ready(const std::vector<Check>& checks);

} // namespace virtnest
