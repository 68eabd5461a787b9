// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Small text helpers shared across folders. Pure.

#include <string>
#include <string_view>
#include <vector>

namespace virtnest {

// Return `text` in double quotes, as messages quote names and values: `"web-1"`.
std::string in_quotes(std::string_view text);

// Return the lines of `text` without their '\n'; a final line without one still counts, and
// a final '\n' starts no empty line ("a\nb\n" and "a\nb" both give {"a", "b"}).
std::vector<std::string> split_lines(std::string_view text);

} // namespace virtnest
