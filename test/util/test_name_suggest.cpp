// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/util/name_suggest.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

using virtnest::closest_name;
using virtnest::did_you_mean;

TEST_CASE("name_suggest: close names are suggested, distant ones not", "[name_suggest]") {
    std::vector<std::string_view> modes{"host-passthrough", "host-model", "custom", "maximum"};
    REQUIRE(closest_name("host-pasthrough", modes) == "host-passthrough");
    REQUIRE(closest_name("HOST-MODEL", modes) == "host-model");
    REQUIRE_FALSE(closest_name("banana", modes).has_value());
    REQUIRE(did_you_mean("custon", modes) == "; did you mean \"custom\"?");
    REQUIRE(did_you_mean("xyz", modes).empty());
    REQUIRE_FALSE(closest_name("a", {}).has_value());
}

TEST_CASE("name_suggest: ties and case", "[name_suggest]") {
    std::vector<std::string_view> states{"running", "paused", "shut-off", "other"};
    SECTION("one edit away wins over two") {
        REQUIRE(closest_name("runing", states) == "running");
        REQUIRE(closest_name("shutoff", states) == "shut-off");
    }
    SECTION("an exact name is its own suggestion") {
        REQUIRE(closest_name("paused", states) == "paused");
    }
    SECTION("the hint quotes the name") {
        REQUIRE(did_you_mean("pased", states) == "; did you mean \"paused\"?");
    }
}
