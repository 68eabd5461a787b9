// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Catch2 v3 under the v2 header the tests include. Only on the include path when CMake found
// Catch2 3 (test/CMakeLists.txt); with v2 the real <catch2/catch.hpp> is used.

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <string>

namespace Catch::Matchers {

// Return v2's substring matcher, which v3 calls ContainsSubstring (v3's Contains matches
// range elements; its header is left out so that this one is not ambiguous).
inline StringContainsMatcher Contains(const std::string& str,
                                      CaseSensitive case_sensitivity = CaseSensitive::Yes) {
    return ContainsSubstring(str, case_sensitivity);
}

} // namespace Catch::Matchers
