// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// `virt-nest baseline`: one CPU every host of a cluster can run, with nesting, like VMware's
// EVC. The hosts' host-model CPUs go to virConnectBaselineHypervisorCPU; this file holds the
// pure steps around that call: reading the inputs, refusing mixed vendors, adding the
// nesting feature, and rendering. cli/cmd_baseline talks to libvirt.

#include "virtnest/libvirt/domain_types.hpp"
#include "virtnest/rewrite/cpu_types.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtnest {

// One CPU taking part in the baseline.
struct BaselineInput {
    std::string source;           // the host's URI, or the file it came from
    std::string cpu_xml;          // a <cpu> document virConnectBaselineHypervisorCPU accepts
    std::optional<Vendor> vendor; // nullopt when it names none we know
};

// Return the input of one document: domain capabilities (their host-model CPU), host
// capabilities (<host><cpu>) or a bare <cpu>. Throws Error naming `source` when the document
// is malformed or holds no CPU (host-model unsupported).
BaselineInput baseline_input(std::string source, std::string_view xml);

// Return the one vendor every input shares. Throws Error when an input names no vendor or
// the vendors differ ("mixed vendors": no CPU runs on both Intel and AMD with nesting).
Vendor common_vendor(const std::vector<BaselineInput>& inputs);

// Return the baseline <cpu> document with the vendor's nesting feature required (vmx, or
// svm plus npt where the model lacks it or the CPU disables it) and any disable of it dropped.
std::string with_nesting(std::string_view baseline_xml, Vendor vendor);

// How one host answered the comparison; nullopt: not compared (a file, or unsupported).
struct BaselineCheck {
    std::string source;
    std::optional<CpuCompat> compat;
};

// The result of a baseline run.
struct BaselineResult {
    std::string cpu_xml; // with nesting, as with_nesting returns it
    Vendor vendor = Vendor::intel;
    std::vector<BaselineCheck> checks;
};

// Return the names of the hosts that cannot run the CPU (compared incompatible).
std::vector<std::string> incompatible_hosts(const BaselineResult& result);

// Return the text rendering: the <cpu> document, then one comment line per host.
std::string render_baseline_text(const BaselineResult& result);

// Return the `baseline` payload of the --json envelope:
// {"vendor", "feature", "cpu", "checks": [{"source", "check"}]}.
nlohmann::json baseline_json(const BaselineResult& result);

} // namespace virtnest
