// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The verdict of `check --expect-disabled`, for hosts that must never offer nesting: is
// nesting off now, and will it stay off, everywhere it could come from? Pure.

#include "virtnest/check/host_probe.hpp"
#include "virtnest/check/host_verdict.hpp"

#include <vector>

namespace virtnest {

// Return the checks that nesting is off on the machine `facts` describe:
// `disabled.runtime` (the running module) and `disabled.persist` (what the next boot or
// module load gives: modprobe.d outside /run, install statements, the kernel command line
// and the kernel's default). Anything unknown fails.
std::vector<Check> expect_disabled_checks(const HostFacts& facts);

} // namespace virtnest
