// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The baseline CPU of a cluster, computed over libvirt connections: shared by `baseline`,
// which prints it, and `enable --mode baseline`, which gives it to domains.

#include "virtnest/libvirt/connection.hpp"
#include "virtnest/live/cpu_baseline.hpp"

#include <string>
#include <vector>

namespace virtnest {

// Connect to every URI and read each one's host-model CPU into `inputs` (with `cpus_only`
// only the first host, which computes, and no CPU of its own). Throws Error when a host
// cannot be reached or offers no domain capabilities.
std::vector<Connection> connect_baseline_hosts(const std::vector<std::string>& uris, bool cpus_only,
                                               std::vector<BaselineInput>& inputs);

// Compute the baseline of `inputs` on the first host, add the nesting feature, and compare
// it with every host (unless `cpus_only`); `cpu_files` are listed as not checked. Throws
// Error for mixed vendors or a driver without virConnectBaselineHypervisorCPU.
BaselineResult compute_baseline(const std::vector<Connection>& hosts,
                                const std::vector<BaselineInput>& inputs,
                                const std::vector<std::string>& cpu_files, bool cpus_only);

// Return the baseline <cpu> (with nesting) of the hosts at `uris`, for `enable --mode
// baseline`. Throws Error, before any domain is touched, when a host cannot be reached, the
// vendors differ, or a host cannot run the result.
std::string cluster_baseline_cpu(const std::vector<std::string>& uris);

} // namespace virtnest
