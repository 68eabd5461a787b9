// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/cli/cli.hpp"
#include "virtnest/util/exit_code.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using virtnest::ExitCode;
using virtnest::run_cli;
using virtnest::to_int;

TEST_CASE("cli: unknown subcommand is a usage error", "[cli]") {
    std::ostringstream out;
    std::ostringstream err;
    REQUIRE(run_cli({"frobnicate"}, out, err) == to_int(ExitCode::usage));
    REQUIRE_THAT(err.str(), Catch::Matchers::StartsWith("virt-nest: error: "));
}

TEST_CASE("cli: --help succeeds and names the subcommands", "[cli]") {
    std::ostringstream out;
    std::ostringstream err;
    REQUIRE(run_cli({"--help"}, out, err) == 0);
    for (const char* name : {"rewrite", "list", "enable", "disable", "revert", "check", "host"}) {
        CAPTURE(name);
        REQUIRE(out.str().find(name) != std::string::npos);
    }
}
