// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/util/colour.hpp"

#include <catch2/catch.hpp>

using namespace virtnest;

TEST_CASE("colour: --color, NO_COLOR and the terminal decide", "[colour]") {
    REQUIRE(parse_colour_when("auto") == ColourWhen::automatic);
    REQUIRE(parse_colour_when("always") == ColourWhen::always);
    REQUIRE(parse_colour_when("never") == ColourWhen::never);
    REQUIRE_FALSE(parse_colour_when("yes"));
    SECTION("auto: a terminal, unless NO_COLOR is set and not empty") {
        REQUIRE(use_colour(ColourWhen::automatic, nullptr, true));
        REQUIRE_FALSE(use_colour(ColourWhen::automatic, nullptr, false));
        REQUIRE_FALSE(use_colour(ColourWhen::automatic, "1", true));
        REQUIRE(use_colour(ColourWhen::automatic, "", true));
    }
    SECTION("always and never decide alone, NO_COLOR or not") {
        REQUIRE(use_colour(ColourWhen::always, "1", false));
        REQUIRE_FALSE(use_colour(ColourWhen::never, nullptr, true));
    }
}

TEST_CASE("colour: painting text and diffs", "[colour]") {
    REQUIRE(paint("FAIL", Colour::red, true) == "\033[31mFAIL\033[0m");
    REQUIRE(paint("FAIL", Colour::red, false) == "FAIL");
    const std::string diff = "--- a\n+++ a (rewritten)\n@@ -1,2 +1,2 @@\n keep\n-old\n+new\n";
    REQUIRE(paint_diff(diff, false) == diff);
    REQUIRE(paint_diff(diff, true) == "--- a\n+++ a (rewritten)\n\033[36m@@ -1,2 +1,2 @@\033[0m\n"
                                      " keep\n\033[31m-old\033[0m\n\033[32m+new\033[0m\n");
}
