// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What a POWER machine's generation, MMU and partitioning allow for nested KVM-HV guests,
// from /proc/cpuinfo and /proc/cmdline: POWER9 or later, the radix MMU, and bare metal (or a
// KVM guest whose host offers nesting). Pure.

#include "virtnest/check/host_probe.hpp"
#include "virtnest/check/host_verdict.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace virtnest {

// Return the POWER generation of cpuinfo's cpu line ("POWER9 (raw), altivec supported" is 9,
// "POWER8E (raw)" 8); nullopt when it names none.
std::optional<int> power_generation(std::string_view cpu_line);

// Return why no kvm_hv setting can give this POWER machine's guests nesting (an older
// generation than POWER9, or a PowerVM LPAR), as a phrase for messages; nullopt when nothing
// rules it out for good (the hash MMU can be changed: see power_check).
std::optional<std::string> power_nesting_ruled_out(const CpuInfo& cpu);

// Return kvm_hv's running `nested` on a POWER machine; nullopt on other platforms or when
// kvm_hv is not loaded (what `list` rests ppc64 rows on).
std::optional<bool> kvm_hv_nested(const HostFacts& facts);

// Return `cpu.power`: FAIL before POWER9 (other hardware is the only remedy) and with the
// hash MMU (naming `disable_radix` when the kernel command line has it); WARN in a PowerVM
// LPAR (its KVM guests are nested already) and in a KVM guest (an L1: what its host must
// offer); PASS on POWER9 or later with radix on bare metal.
Check power_check(const HostFacts& facts);

} // namespace virtnest
