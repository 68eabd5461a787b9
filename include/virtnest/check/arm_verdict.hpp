// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The readiness checks of an ARM (aarch64) machine: what its kernel's KVM mode says, and
// what is missing for nested guests, instead of a blanket refusal. Pure.

#include "virtnest/check/host_probe.hpp"
#include "virtnest/check/host_verdict.hpp"

#include <vector>

namespace virtnest {

// Return `kvm.arm_mode`: KVM's mode (/sys/module/kvm/parameters/mode, and kvm-arm.mode on
// the kernel command line) passes when it is "nested", which the kernel enters only on a
// CPU with FEAT_NV2 (not otherwise visible from user space); else it fails saying which of
// the two is missing.
std::vector<Check> arm_checks(const HostFacts& facts);

} // namespace virtnest
