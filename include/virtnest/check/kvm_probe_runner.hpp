// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The shell of `check --probe`: runs tools/kvm_probe's tiny guest through a KVM device in a
// child process, so a KVM_RUN that never returns cannot hang virt-nest.

#include "virtnest/check/kvm_probe_verdict.hpp"

#include <chrono>
#include <string>

// tools/kvm_probe's C types, complete only where kvm_probe.h is included.
struct kvm_probe_result;

namespace virtnest {

// The time each step of the probe's guest may take before it counts as hung.
inline constexpr std::chrono::milliseconds k_probe_step_timeout{5000};

// Run the probe's guest against `device` (normally "/dev/kvm") in a forked child: each step
// is given up after `step_timeout` by the probe itself, and the child is killed when it has
// not answered within three step timeouts and a second. Opens nothing but the device.
ProbeResult run_kvm_probe(const std::string& device, std::chrono::milliseconds step_timeout);

// The work of the probe's child process: tools/kvm_probe's kvm_probe_run, or in tests a
// body that hangs or dies. It fills `out` from `device` within its per-step timeout.
using ProbeChildBody = void (*)(const char* device, unsigned step_timeout_ms,
                                kvm_probe_result* out);

// As run_kvm_probe, with the child's work given: the seam that lets a test hang the child
// and see it killed and reaped within the bound.
ProbeResult run_kvm_probe_with(const std::string& device, std::chrono::milliseconds step_timeout,
                               ProbeChildBody body);

} // namespace virtnest
