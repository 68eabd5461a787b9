// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The elements that carry nesting in domain XML: x86 <feature name='vmx'|'svm'> and s390x's
// <feature name='sief2'> inside <cpu>, and ppc64's <features><nested-hv>. Pure DOM edits; each
// appends one line per change.

#include "virtnest/rewrite/cpu_types.hpp"

#include <pugixml.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace virtnest {

// Leave exactly one <feature name=FEATURE> in `cpu`: policy require (force also counts) to
// enable, disable (forbid also counts) to disable; duplicates are removed.
void ensure_nest_feature(pugi::xml_node cpu, NestFeature feature, Nesting nesting,
                         std::vector<std::string>& changes);

// As ensure_nest_feature, for any feature by name: s390x's sief2, AMD's npt.
void ensure_named_feature(pugi::xml_node cpu, std::string_view name, Nesting nesting,
                          std::vector<std::string>& changes);

// Remove vmx/svm entries whose policy (disable, forbid) blocks nesting, and duplicates.
void unblock_nest_features(pugi::xml_node cpu, std::vector<std::string>& changes);

// Remove entries of feature `name` whose policy (disable, forbid) blocks it, and duplicates.
void unblock_named_feature(pugi::xml_node cpu, std::string_view name,
                           std::vector<std::string>& changes);

// Turn ppc64's <nested-hv> on (adding it, and <features>, when missing) or off.
void set_nested_hv(pugi::xml_node domain, Nesting nesting, std::vector<std::string>& changes);

} // namespace virtnest
