// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The <cpu> rewrite engine: pure functions from a domain XML document to its
// nest-capable (or nest-disabled) form. No I/O, no libvirt.

#include "virtnest/rewrite/cpu_types.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtnest {

// What the caller asks of one rewrite.
struct RewriteRequest {
    Nesting nesting = Nesting::enable;
    // Target mode for `enable`; nullopt with `disable` keeps the current mode.
    std::optional<CpuMode> mode;
    // Model for custom mode (required there unless the document already names one).
    std::optional<std::string> model;
    // The feature to require or disable; when absent it is inferred from `vendor`,
    // then from the domain's custom model name.
    std::optional<NestFeature> feature;
    std::optional<Vendor> vendor;
    // Windows guests get the Hyper-V enlightenments nested Hyper-V needs (Intel) or lose the
    // Intel-only ones (AMD).
    GuestOs guest_os = GuestOs::detect;
    // Custom mode: also require the second-level paging feature (npt on AMD) when the model
    // lacks it (see paging_feature_to_add).
    bool require_paging = false;
    // host-passthrough/maximum: set migratable='on' (true) when the hypervisor offers it.
    bool migratable = false;
    // enable with a cluster baseline (`virt-nest baseline`'s <cpu>): custom mode with its model
    // and features, replacing `mode`, `model` and `feature` (x86 only).
    std::optional<std::string> baseline_cpu;
};

// The outcome of one rewrite.
struct RewriteResult {
    std::string xml;      // the new document (equal to the input when !changed)
    bool changed = false; // false: already in the requested state
    std::vector<std::string>
        changes; // one line per change, e.g. "mode: custom -> host-passthrough"
    std::vector<std::string> warnings; // things the operator should know
};

// Rewrite the <cpu> element of `domain_xml` as `request` asks. Everything outside <cpu>
// is kept (but Hyper-V enlightenments of Windows guests). Throws Error for malformed XML
// (with line and column), a root that is not <domain>, a custom mode without a model, an
// unknown vendor, an architecture that cannot express nesting, or enabling nesting in a
// confidential guest (no option overrides that: the hardware cannot do it).
RewriteResult rewrite_cpu(std::string_view domain_xml, const RewriteRequest& request);

// As rewrite_cpu above; `source` names the document in parse errors, e.g. `file "vm.xml"`
// gives `cannot parse file "vm.xml": line 3, column 7: ...` (the default is `domain XML`).
RewriteResult rewrite_cpu(std::string_view domain_xml, const RewriteRequest& request,
                          std::string_view source);

} // namespace virtnest
