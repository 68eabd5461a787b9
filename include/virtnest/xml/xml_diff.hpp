// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Unified diffs of XML documents, for --diff review.

#include <string>
#include <string_view>

namespace virtnest {

// Return a unified diff (`---`/`+++` headers, `@@` hunks, `context` lines around each
// change) from `before` to `after`; empty when the texts are equal.
std::string unified_diff(std::string_view before, std::string_view after,
                         std::string_view before_label, std::string_view after_label,
                         int context = 3);

} // namespace virtnest
