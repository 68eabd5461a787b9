// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/define_conflict.hpp"

#include <catch2/catch.hpp>

using virtnest::DefinitionEvents;
using virtnest::outside_write_conflict;
using virtnest::StoredNow;

TEST_CASE("define_conflict: virt-nest's own define alone is no conflict", "[define_conflict]") {
    REQUIRE_FALSE(outside_write_conflict({3, 1}, {4, 1}, StoredNow::own, "/b.xml").has_value());
    // Its own event not (yet) counted: still nothing besides it.
    REQUIRE_FALSE(outside_write_conflict({0, 0}, {0, 0}, StoredNow::own, "/b.xml").has_value());
}

TEST_CASE("define_conflict: another define in the window is a conflict", "[define_conflict]") {
    const auto reason = outside_write_conflict({1, 0}, {3, 0}, StoredNow::own, "/b.xml");
    REQUIRE(reason.has_value());
    REQUIRE(*reason ==
            "conflict: another client defined the domain while virt-nest redefined it "
            "(1 DEFINED event besides virt-nest's own define); virt-nest's definition is the "
            "one stored now, so what the other client wrote is lost; the definition virt-nest "
            "read and replaced is in the backup: /b.xml");
}

TEST_CASE("define_conflict: an undefine in the window is a conflict", "[define_conflict]") {
    SECTION("undefined, then defined again by virt-nest") {
        const auto reason = outside_write_conflict({0, 0}, {1, 1}, StoredNow::own, "/b.xml");
        REQUIRE(reason.has_value());
        REQUIRE_THAT(*reason, Catch::Matchers::StartsWith(
                                  "conflict: another client undefined the domain while "
                                  "virt-nest redefined it (1 UNDEFINED event besides"));
        REQUIRE_THAT(*reason, Catch::Matchers::Contains(
                                  "virt-nest's define created the domain again, so the "
                                  "undefine is undone; the definition virt-nest read"));
    }
    SECTION("undefined and defined, another definition stored") {
        const auto reason = outside_write_conflict({0, 0}, {3, 2}, StoredNow::other, "/b.xml");
        REQUIRE(reason.has_value());
        REQUIRE_THAT(*reason, Catch::Matchers::Contains(
                                  "undefined and defined the domain while virt-nest redefined "
                                  "it (2 UNDEFINED events and 2 DEFINED events") &&
                                  Catch::Matchers::Contains("is not virt-nest's is stored now"));
    }
    SECTION("undefined after virt-nest's define: nothing defined now") {
        const auto reason = outside_write_conflict({0, 0}, {1, 1}, StoredNow::none, "/b.xml");
        REQUIRE_THAT(*reason, Catch::Matchers::Contains("the domain is not defined now"));
    }
}

TEST_CASE("define_conflict: a metadata change in the window is a conflict", "[define_conflict]") {
    // `virsh desc` or `virsh metadata` raise METADATA_CHANGE, not DEFINED.
    SECTION("alone: virt-nest's define replaced it") {
        const auto reason = outside_write_conflict({1, 0, 0}, {2, 0, 1}, StoredNow::own, "/b.xml");
        REQUIRE(reason.has_value());
        REQUIRE(*reason == "conflict: another client changed the title, description or metadata "
                           "of the domain while virt-nest redefined it (1 METADATA_CHANGE event "
                           "besides virt-nest's own define); virt-nest's definition is the one "
                           "stored now, so what the other client wrote is lost; the definition "
                           "virt-nest read and replaced is in the backup: /b.xml");
    }
    SECTION("with a define: both are named") {
        const auto reason =
            outside_write_conflict({0, 0, 2}, {2, 0, 4}, StoredNow::other, "/b.xml");
        REQUIRE_THAT(*reason, Catch::Matchers::Contains(
                                  "another client defined and changed the title, description "
                                  "or metadata of the domain while virt-nest redefined it (1 "
                                  "DEFINED event and 2 METADATA_CHANGE events besides"));
    }
    SECTION("metadata events before the window do not count") {
        REQUIRE_FALSE(
            outside_write_conflict({1, 0, 5}, {2, 0, 5}, StoredNow::own, "/b.xml").has_value());
    }
}
