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

TEST_CASE("cli: --help shows value names, defaults, examples and exit codes", "[cli]") {
    auto help = [](std::vector<std::string> args) {
        std::ostringstream out;
        std::ostringstream err;
        args.emplace_back("--help");
        REQUIRE(run_cli(args, out, err) == 0);
        return out.str();
    };
    const std::string top = help({});
    REQUIRE_THAT(top, Catch::Matchers::Contains("--jobs N (default 4)"));
    REQUIRE_THAT(top, Catch::Matchers::Contains("--color auto|always|never (default auto)"));
    REQUIRE_THAT(top, Catch::Matchers::Contains("Examples:\n  virt-nest check "));
    REQUIRE_THAT(top, Catch::Matchers::Contains("Exit codes:\n  0 success   1 error   2 usage"));
    for (const char* sub : {"rewrite", "list", "enable", "disable", "revert", "check", "baseline",
                            "backups", "host"}) {
        CAPTURE(sub);
        const std::string text = help({sub});
        REQUIRE_THAT(text, Catch::Matchers::Contains("Global options (before the subcommand):"));
        REQUIRE_THAT(text, Catch::Matchers::Contains("-c,--connect URI ..."));
        REQUIRE_THAT(text, Catch::Matchers::Contains("--hosts FILE"));
        REQUIRE_THAT(text, Catch::Matchers::Contains("--jobs N (default 4)"));
        REQUIRE_THAT(text, Catch::Matchers::Contains("\nExamples:\n  virt-nest "));
        REQUIRE_THAT(text, Catch::Matchers::Contains("\nExit codes:\n  0 "));
        REQUIRE(text.find("UINT") == std::string::npos);
        REQUIRE(text.find("TEXT") == std::string::npos);
    }
    REQUIRE_THAT(help({"enable"}), Catch::Matchers::Contains(
                                       "--mode auto|host-passthrough|host-model|custom|baseline "
                                       "(default auto)"));
    REQUIRE_THAT(help({"enable"}), Catch::Matchers::Contains("--wait SECONDS (default 10)"));
    REQUIRE_THAT(help({"host", "enable"}), Catch::Matchers::Contains("\nExamples:\n  virt-nest "));
}
