// SPDX-License-Identifier: GPL-2.0-or-later
// The live subcommands through run_cli: exit codes, JSON documents, usage errors. Every
// run opens the demo fleet afresh, so only dry runs and reads are checked here.
#include "cli_capture.hpp"
#include "live_fixture.hpp"

#include "virtnest/cli/cli.hpp"
#include "virtnest/util/exit_code.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
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
    REQUIRE(doc["format_version"] == 1);
    REQUIRE(doc["command"] == "enable");
    REQUIRE(doc["domains"].size() == 7);
    REQUIRE(doc["summary"]["would_change"] == 4);
    REQUIRE(doc["summary"]["exit_code"] == 0);
    REQUIRE(doc["hosts"][0]["status"] == "ok");
    for (const auto& record : doc["domains"]) {
        for (const char* key : {"name", "action", "reason", "restart_required"}) {
            CAPTURE(key);
            REQUIRE(record.contains(key));
        }
    }
}

TEST_CASE("live cli: list --json prints the envelope, states as tokens", "[live_cli]") {
    Run r = run({"list", "--json", "db-*"});
    REQUIRE(r.code == 0);
    nlohmann::json doc = nlohmann::json::parse(r.out);
    REQUIRE(doc["command"] == "list");
    REQUIRE(doc["domains"].size() == 2);
    REQUIRE(doc["summary"]["listed"] == 2);
    for (const auto& record : doc["domains"]) {
        REQUIRE(record["uri"] == live_test::fleet_uri());
        REQUIRE(record["state"].get<std::string>().find(' ') == std::string::npos);
    }
}

TEST_CASE("live cli: errors are reported inside the JSON envelope", "[live_cli]") {
    SECTION("a selector that matches nothing") {
        Run r = run({"enable", "no-such-*", "--dry-run", "--json"});
        REQUIRE(r.code != 0);
        nlohmann::json doc = nlohmann::json::parse(r.out);
        REQUIRE(doc["summary"]["exit_code"] == r.code);
        REQUIRE(doc["hosts"][0]["status"] == "failed");
        REQUIRE_THAT(doc["hosts"][0]["error"].get<std::string>(),
                     Catch::Matchers::Contains("no-such-*"));
        REQUIRE_THAT(r.err, Catch::Matchers::StartsWith("virt-nest: error: "));
    }
    SECTION("no selector at all, before any host is asked") {
        Run r = run({"enable", "--dry-run", "--json"});
        REQUIRE(r.code == to_int(ExitCode::usage));
        nlohmann::json doc = nlohmann::json::parse(r.out);
        REQUIRE(doc["hosts"].empty());
        REQUIRE(doc["error"].is_string());
        REQUIRE(doc["summary"]["exit_code"] == to_int(ExitCode::usage));
    }
    SECTION("--json-lines: the closing summary record carries the error") {
        Run r = run({"disable", "--dry-run", "--json-lines"});
        REQUIRE(r.code == to_int(ExitCode::usage));
        nlohmann::json line = nlohmann::json::parse(r.out);
        REQUIRE(line["record"] == "summary");
        REQUIRE(line["error"].is_string());
    }
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
    SECTION("a misspelt --model is one usage error (2), before any domain is read") {
        Run r = run({"enable", "--all", "--model", "Haswel", "--dry-run"});
        REQUIRE(r.code == to_int(ExitCode::usage));
        REQUIRE(r.out.empty());
        REQUIRE_THAT(r.err, Catch::Matchers::StartsWith(
                                "virt-nest: error: unknown CPU model \"Haswel\": libvirt on "));
        REQUIRE_THAT(r.err, Catch::Matchers::EndsWith("; did you mean \"Haswell\"?\n"));
        REQUIRE(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }
    SECTION("-r/--readonly: list and check read; the commands that change refuse it (2)") {
        Run list = run({"-r", "list", "db-*"});
        REQUIRE(list.code == 0);
        REQUIRE_THAT(list.out, Catch::Matchers::Contains("db-1"));
        for (const char* command : {"enable", "disable", "revert"}) {
            Run r = run({"-r", command, "--all", "--dry-run"});
            CAPTURE(command);
            REQUIRE(r.code == to_int(ExitCode::usage));
            REQUIRE(r.err ==
                    std::string("virt-nest: error: -r/--readonly is for list and check: ") +
                        command + " needs a read-write connection\n");
        }
        REQUIRE(run({"-r", "list", "--read-write"}).code == to_int(ExitCode::usage));
        REQUIRE(run({"list", "--read-write", "db-*"}).code == 0);
    }
    SECTION("--color always: the table and report in colour, never the JSON") {
        Run table = run({"--color", "always", "list", "db-*"});
        REQUIRE(table.code == 0);
        REQUIRE_THAT(table.out, Catch::Matchers::Contains("\033["));
        Run report = run({"--color", "always", "enable", "web-1", "--dry-run"});
        REQUIRE_THAT(report.out, Catch::Matchers::Contains("web-1: \033[32mwould change\033[0m"));
        Run list_json = run({"--color", "always", "list", "--json"});
        REQUIRE(list_json.code == 0);
        REQUIRE(list_json.out.find('\033') == std::string::npos);
        Run enable_json = run({"--color", "always", "enable", "--all", "--dry-run", "--json"});
        REQUIRE(enable_json.code == 0);
        REQUIRE(enable_json.out.find('\033') == std::string::npos);
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

TEST_CASE("live cli: --json-lines streams one record per domain, then host and summary",
          "[live_cli]") {
    Run r = run({"enable", "--all", "--dry-run", "--json-lines"});
    REQUIRE(r.code == 0);
    std::istringstream lines(r.out);
    std::vector<nlohmann::json> records;
    for (std::string line; std::getline(lines, line);) {
        records.push_back(nlohmann::json::parse(line));
    }
    REQUIRE(records.size() == 7 + 2);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < 7; ++i) {
        REQUIRE(records[i]["record"] == "domain");
        names.push_back(records[i]["name"]);
    }
    REQUIRE(std::is_sorted(names.begin(), names.end())); // selection order
    REQUIRE(records[7]["record"] == "host");
    REQUIRE(records[7]["status"] == "ok");
    REQUIRE(records[8]["record"] == "summary");
    REQUIRE(records[8]["summary"]["would_change"] == 4);
    REQUIRE(records[8]["summary"]["exit_code"] == 0);
}

TEST_CASE("live cli: -q prints only what was skipped or failed, and the summary", "[live_cli]") {
    Run full = run({"disable", "--all", "--dry-run"});
    Run quiet = run({"disable", "--all", "--dry-run", "-q"});
    REQUIRE(quiet.code == full.code);
    REQUIRE(quiet.out.size() < full.out.size());
    std::istringstream lines(quiet.out);
    std::string line;
    std::string last;
    std::size_t shown = 0;
    while (std::getline(lines, line)) {
        if (line.rfind("  ", 0) == 0) {
            continue; // a detail line of the domain above
        }
        last = line;
        if (line.rfind("summary: ", 0) != 0) {
            REQUIRE_THAT(line, Catch::Matchers::Contains(": skipped: ") ||
                                   Catch::Matchers::Contains(": failed: "));
            ++shown;
        }
    }
    REQUIRE(shown > 0);
    REQUIRE_THAT(last, Catch::Matchers::StartsWith("summary: 7 selected: "));
    REQUIRE_THAT(full.out, Catch::Matchers::EndsWith(last + "\n"));
}

TEST_CASE("live cli: --json and --json-lines exclude each other", "[live_cli]") {
    Run r = run({"enable", "--all", "--dry-run", "--json", "--json-lines"});
    REQUIRE(r.code == to_int(ExitCode::usage));
}
