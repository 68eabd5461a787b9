// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// `check --probe`: what the tiny guest run through /dev/kvm proved, judged beside the flags.
// Pure; kvm_probe_runner runs the guest.

#include "virtnest/check/host_probe.hpp"
#include "virtnest/check/host_verdict.hpp"

#include <string>
#include <vector>

namespace virtnest {

// How the probe ended: the guest ran every step; no guest could be set up; a step did not
// finish in time; the guest ran but did something else; the probe process itself died.
enum class ProbeStatus { ran, none, hung, wrong, crashed };

// What the probe's guest did (tools/kvm_probe's kvm_probe_result, in standard types).
struct ProbeResult {
    ProbeStatus status = ProbeStatus::none;
    int api_version = -1;           // KVM_GET_API_VERSION, -1 when not reached
    std::vector<std::string> steps; // the steps that passed: "io", "loop", "paging"
    unsigned value = 0;             // the byte the io step wrote to port 0x10
    unsigned long exits = 0;        // KVM_RUN exits over all steps
    std::string reason;             // why it did not run; empty when it did
    std::string line;               // the probe's one-line summary (`l2=ran value=0x2a ...`)
};

// Return the module that provides /dev/kvm, from the loaded kvm_* modules ("kvm_intel",
// "kvm_amd", "kvm_pvm", ...; several joined by ", "); "unknown" when none is loaded.
std::string kvm_provider(const HostFacts& facts);

// Return the `kvm.probe` check: PASS naming the provider, what ran and what that does not
// prove; FAIL with the probe's reason otherwise. `flags_ready` is the verdict of the other
// checks, so a disagreement between the flags and the guest is said on this line.
Check probe_check(const ProbeResult& probe, const std::string& provider, bool flags_ready);

// Return `checks` with the probe's check appended. The probe can only lower the verdict:
// ready means the flags say so and a guest ran (see docs/check.md for why a guest that runs
// despite failing flags, as under kvm_pvm, does not make the machine ready).
std::vector<Check> with_probe(std::vector<Check> checks, const ProbeResult& probe,
                              const std::string& provider);

} // namespace virtnest
