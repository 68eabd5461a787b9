// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// `enable --mode auto`: the smallest change that nests and keeps live migration where it
// can. A custom named model the host can run keeps its model and gets the feature; a
// host-model domain stays host-model when the host's host-model carries the feature;
// anything else becomes host-passthrough, which migrates only between identical hosts.
// Pure: the live planner gathers the facts (domain capabilities, the comparison).

#include "virtnest/rewrite/cpu_rewrite.hpp"
#include "virtnest/rewrite/cpu_types.hpp"

#include <cstddef>
#include <optional>
#include <string>

namespace virtnest {

// What the choice looks at, for one domain on one host.
struct AutoModeFacts {
    CpuMode mode = CpuMode::none; // the domain's mode now
    std::string model;            // its <model>; empty when none
    // The host can run `model` with the nesting feature required (domain capabilities say
    // usable, and libvirt's comparison does not find it incompatible).
    bool model_usable = false;
    // The host's host-model CPU carries the nesting feature; nullopt: not known (no
    // domain capabilities), then a host-model domain keeps its mode.
    std::optional<bool> host_model_offers_feature;
    bool host_passthrough_supported = true;
    // Domain capabilities list 'on' in hostPassthroughMigratable.
    bool passthrough_migratable_offered = false;
    std::string host_model_name; // for hosts without host-passthrough; empty when unknown
};

// The mode chosen for one domain.
struct AutoModeChoice {
    CpuMode mode = CpuMode::host_passthrough;
    std::optional<std::string> model; // custom: the model to keep (or the host's)
    bool require_paging = false;      // custom: npt too where the model lacks it
    bool migratable = false;          // host-passthrough: set migratable='on'
    bool loses_migration = false;     // became host-passthrough from a migratable mode
    std::string note;                 // why, in one line, for the report
};

// Return the smallest change that nests, as described above.
AutoModeChoice choose_auto_mode(const AutoModeFacts& facts);

// Copy the choice into a rewrite request (mode, model, require_paging, migratable).
void apply_auto_choice(const AutoModeChoice& choice, RewriteRequest& request);

// Return the summary line for a run in which `count` domains became host-passthrough and
// lost cross-host live migration; nullopt when none did.
std::optional<std::string> migration_summary(std::size_t count);

} // namespace virtnest
