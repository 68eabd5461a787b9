// SPDX-License-Identifier: GPL-2.0-or-later
// The live subcommands through run_cli: exit codes, JSON documents, usage errors. Every
// run opens the demo fleet afresh, so only dry runs and reads are checked here.
#include "cli_capture.hpp"
#include "live_fixture.hpp"

#include "virtnest/cli/cli.hpp"
#include "virtnest/util/exit_code.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>

using namespace virtnest;

namespace {

using Run = test_support::CliRun;

// Run the command line against the demo fleet.
Run run(std::vector<std::string> args) {
    args.insert(args.begin(), {"-c", live_test::fleet_uri()});
    return test_support::run_cli_captured(args);
}

} // namespace

TEST_CASE("live cli: enable --dry-run --json prints one document", "[live_cli]") {
    Run r = run({"enable", "--all", "--dry-run", "--json"});
    REQUIRE(r.code == 0);
    REQUIRE(r.err.empty());
    nlohmann::json doc = nlohmann::json::parse(r.out);
    REQUIRE(doc["domains"].size() == 7);
    REQUIRE(doc["summary"]["would_change"] == 4);
    for (const auto& record : doc["domains"]) {
        for (const char* key : {"name", "action", "reason", "restart_required"}) {
            CAPTURE(key);
            REQUIRE(record.contains(key));
        }
    }
}

TEST_CASE("live cli: list --json prints a bare array", "[live_cli]") {
    Run r = run({"list", "--json", "db-*"});
    REQUIRE(r.code == 0);
    nlohmann::json doc = nlohmann::json::parse(r.out);
    REQUIRE(doc.is_array());
    REQUIRE(doc.size() == 2);
}

TEST_CASE("live cli: exit codes", "[live_cli]") {
    SECTION("skipped domains make the run incomplete (3)") {
        // custom mode needs a vendor the test driver cannot give for a domain without a model
        Run r = run({"enable", "web-1", "--mode", "custom", "--dry-run"});
        REQUIRE(r.code == to_int(ExitCode::incomplete));
        REQUIRE_THAT(r.out, Catch::Matchers::Contains("web-1: skipped: "));
    }
    SECTION("a model names the vendor, so the same run succeeds (0)") {
        Run r = run({"enable", "web-1", "--mode", "custom", "--model", "Haswell", "--dry-run"});
        REQUIRE(r.code == 0);
        REQUIRE_THAT(r.out, Catch::Matchers::Contains("web-1: would change"));
    }
    SECTION("an unknown name stops the run (1) with a did-you-mean") {
        Run r = run({"enable", "web1", "--dry-run"});
        REQUIRE(r.code == to_int(ExitCode::error));
        REQUIRE(r.err == "virt-nest: error: no domain named \"web1\": did you mean \"web-1\"?\n");
        REQUIRE(r.out.empty());
    }
    SECTION("no selector is a usage error (2), before any connection") {
        std::ostringstream out;
        std::ostringstream err;
        REQUIRE(run_cli({"-c", "qemu+unix:///system?socket=/nonexistent", "enable"}, out, err) ==
                to_int(ExitCode::usage));
        REQUIRE(
            err.str() ==
            "virt-nest: error: no domain selected: name domains, give shell globs, or use --all\n");
    }
    SECTION("bad option values are usage errors (2)") {
        REQUIRE(run({"enable", "web-1", "--mode", "turbo"}).code == to_int(ExitCode::usage));
        REQUIRE(run({"enable", "web-1", "--feature", "nx"}).code == to_int(ExitCode::usage));
        REQUIRE(run({"list", "--state", "sleeping"}).code == to_int(ExitCode::usage));
        REQUIRE(run({"revert", "web-*", "--backup", "/nonexistent.xml"}).code ==
                to_int(ExitCode::usage));
    }
    SECTION("an unreachable daemon stops the run (1)") {
        std::ostringstream out;
        std::ostringstream err;
        REQUIRE(run_cli({"-c", "qemu+unix:///system?socket=/nonexistent", "list"}, out, err) ==
                to_int(ExitCode::error));
        REQUIRE_THAT(err.str(),
                     Catch::Matchers::StartsWith("virt-nest: error: cannot connect to "
                                                 "\"qemu+unix:///system?socket=/nonexistent\": "));
    }
}
