// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/xml/xml_diff.hpp"

#include <catch2/catch.hpp>

using virtnest::unified_diff;

TEST_CASE("xml_diff: equal texts give no diff", "[xml_diff]") {
    REQUIRE(unified_diff("a\nb\n", "a\nb\n", "x", "y").empty());
    REQUIRE(unified_diff("", "", "x", "y").empty());
}

TEST_CASE("xml_diff: hunks as diff -u prints them", "[xml_diff]") {
    SECTION("one changed line with context") {
        std::string before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        std::string after = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        REQUIRE(unified_diff(before, after, "a.xml", "b.xml") ==
                "--- a.xml\n+++ b.xml\n"
                "@@ -2,7 +2,7 @@\n"
                " 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
    }
    SECTION("deletions come before additions") {
        REQUIRE(unified_diff("a\nb\nc\n", "a\nX\nY\nc\n", "l", "r", 1) ==
                "--- l\n+++ r\n@@ -1,3 +1,4 @@\n a\n-b\n+X\n+Y\n c\n");
    }
    SECTION("distant changes make separate hunks") {
        std::string before;
        std::string after;
        for (int i = 1; i <= 20; ++i) {
            before += std::to_string(i) + "\n";
            after += (i == 2 || i == 18 ? std::string("x") : std::to_string(i)) + "\n";
        }
        REQUIRE(unified_diff(before, after, "l", "r", 1) ==
                "--- l\n+++ r\n@@ -1,3 +1,3 @@\n 1\n-2\n+x\n 3\n@@ -17,3 +17,3 @@\n 17\n-18\n+x\n "
                "19\n");
    }
    SECTION("near changes share a hunk") {
        REQUIRE(unified_diff("1\n2\n3\n4\n5\n", "x\n2\n3\n4\ny\n", "l", "r", 2) ==
                "--- l\n+++ r\n@@ -1,5 +1,5 @@\n-1\n+x\n 2\n 3\n 4\n-5\n+y\n");
    }
    SECTION("insertion into an empty text") {
        REQUIRE(unified_diff("", "a\n", "l", "r") == "--- l\n+++ r\n@@ -0,0 +1 @@\n+a\n");
    }
    SECTION("a missing final newline is marked") {
        REQUIRE(unified_diff("a\n", "a", "l", "r") ==
                "--- l\n+++ r\n@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n");
    }
    SECTION("zero context") {
        REQUIRE(unified_diff("a\nb\nc\n", "a\nB\nc\n", "l", "r", 0) ==
                "--- l\n+++ r\n@@ -2 +2 @@\n-b\n+B\n");
    }
}
