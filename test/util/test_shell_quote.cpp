// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/util/shell_quote.hpp"

#include <catch2/catch.hpp>

TEST_CASE("shell_quote: item 19: names become one shell word", "[shell_quote]") {
    using virtnest::shell_quote;
    CHECK(shell_quote("web-1") == "web-1");
    CHECK(shell_quote("web $(id);x") == "'web $(id);x'");
    CHECK(shell_quote("it's") == "'it'\\''s'");
    CHECK(shell_quote("") == "''");
    CHECK(shell_quote("a\nb") == "'a\nb'");
}
