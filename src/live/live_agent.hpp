// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Ask a running domain's QEMU guest agent what the guest sees (live/guest_agent decides
// what it means). Shell: talks to libvirt.

#include "virtnest/libvirt/connection.hpp"
#include "virtnest/live/guest_agent.hpp"

namespace virtnest {

// How long one agent command may take.
inline constexpr int k_agent_timeout_seconds = 5;

// Read the guest's /proc/cpuinfo, /proc/modules and /proc/misc through its agent and return
// what they say about `feature`. Throws LibvirtError when the agent cannot read
// /proc/cpuinfo (not running, or file commands blocked in its configuration); a file after
// it that cannot be read is unknown.
GuestKvm ask_guest_agent(const Domain& dom, NestFeature feature);

} // namespace virtnest
