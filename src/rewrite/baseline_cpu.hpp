// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// `enable --mode baseline`: give a domain the cluster's baseline CPU (what `virt-nest baseline`
// prints) while keeping everything in <cpu> the baseline does not decide. A pure DOM edit.

#include <pugixml.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace virtnest {

// Turn `cpu` (added to `domain` when null) into <cpu mode='custom' match='exact'
// check='partial'> with the baseline's model, vendor and features; topology, cache, numa,
// maxphysaddr and features the baseline does not name stay. Appends one line per change and
// per warning. Throws Error when `baseline_xml` is not a <cpu> naming a model.
void apply_baseline_cpu(pugi::xml_node domain, pugi::xml_node& cpu, std::string_view baseline_xml,
                        std::vector<std::string>& changes, std::vector<std::string>& warnings);

} // namespace virtnest
