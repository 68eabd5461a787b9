// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// "Did you mean ...?" hints for unknown names (CPU models, domains, modes).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtnest {

// Return the candidate closest to `name` by case-insensitive edit distance, when it is close
// enough to be a likely typo (at most a third of the name's length, at least 1); else nullopt.
std::optional<std::string> closest_name(std::string_view name,
                                        const std::vector<std::string_view>& candidates);

// Return `; did you mean "X"?` for the closest candidate, or "" when none is close.
std::string did_you_mean(std::string_view name, const std::vector<std::string_view>& candidates);

} // namespace virtnest
