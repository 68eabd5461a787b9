// SPDX-License-Identifier: GPL-2.0-or-later
// `virt-nest backups`: listing, JSON, pruning and its dry-run twin, usage errors.
#include "cli_capture.hpp"
#include "live_fixture.hpp"

#include "virtnest/live/backup_store.hpp"
#include "virtnest/util/exit_code.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace virtnest;
using Run = test_support::CliRun;

namespace {

const std::string k_web = "6695eb01-f6a4-8304-79aa-97f2502e193f";
const std::string k_db = "4dea22b3-1d52-d8f3-2516-782e98ab3fa0";

std::chrono::system_clock::time_point at(long long seconds) {
    return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

// A store with three backups of web-1 and one of db-1 for qemu:///system.
struct Store {
    live_test::TempDir dir;
    Store() {
        BackupStore store(dir.path, "qemu:///system");
        store.save(k_web, "web-1", "<domain>1</domain>", BackupKind::enable, at(100));
        store.save(k_web, "web-1", "<domain>2</domain>", BackupKind::disable, at(200));
        store.save(k_web, "web-1", "<domain>3</domain>", BackupKind::enable, at(300));
        store.save(k_db, "db-1", "<domain>4</domain>", BackupKind::enable, at(150));
    }
    Run run(std::vector<std::string> args) const {
        args.insert(args.begin(), "backups");
        args.insert(args.end(), {"--backup-dir", dir.path.string()});
        return test_support::run_cli_captured(args);
    }
};

} // namespace

TEST_CASE("cmd_backups: lists newest first, as a table or JSON", "[cmd_backups]") {
    Store store;
    Run table = store.run({});
    REQUIRE(to_int(ExitCode::ok) == table.code);
    REQUIRE(table.err.empty());
    REQUIRE_THAT(table.out, Catch::Matchers::StartsWith("DOMAIN  UUID "));
    REQUIRE_THAT(table.out,
                 Catch::Matchers::Contains("web-1   " + k_web + "  1970-01-01 00:05:00Z  enable "));
    REQUIRE(table.out.find("00:05:00Z") < table.out.find("00:03:20Z"));
    REQUIRE(table.out.find("00:03:20Z") < table.out.find("00:02:30Z"));

    Run json = store.run({"--json", "db-1"});
    REQUIRE(json.code == 0);
    const nlohmann::json envelope = nlohmann::json::parse(json.out);
    REQUIRE(envelope["command"] == "backups");
    REQUIRE(envelope["format_version"] == 1);
    const nlohmann::json& doc = envelope["backups"];
    REQUIRE(doc.size() == 1);
    REQUIRE(doc[0]["domain"] == "db-1");
    REQUIRE(doc[0]["uuid"] == k_db);
    REQUIRE(doc[0]["kind"] == "enable");
    REQUIRE(doc[0]["size"] == 18);

    SECTION("-c keeps the backups of the domains that host defines, by UUID") {
        // test:///default defines one domain, whose UUID is k_web; k_db is not there.
        Run other = test_support::run_cli_captured({"-c", "test:///default", "backups", "--json",
                                                    "--backup-dir", store.dir.path.string()});
        REQUIRE(other.code == 0);
        const nlohmann::json kept = nlohmann::json::parse(other.out)["backups"];
        REQUIRE(kept.size() == 3);
        for (const nlohmann::json& backup : kept) {
            REQUIRE(backup["uuid"] == k_web);
        }
    }
    SECTION("an unknown domain is an error with a did-you-mean") {
        Run r = store.run({"web1"});
        REQUIRE(to_int(ExitCode::error) == r.code);
        REQUIRE(r.err == "virt-nest: error: no backups of domain \"web1\"; did you mean "
                         "\"web-1\"?\n");
    }
}

TEST_CASE("cmd_backups: --prune --keep N, and its --dry-run twin", "[cmd_backups]") {
    Store store;
    SECTION("--dry-run removes nothing") {
        Run r = store.run({"--prune", "--keep", "1", "--dry-run"});
        REQUIRE(r.code == 0);
        REQUIRE(live_test::count_files(store.dir.path) == 4);
        REQUIRE_THAT(r.out, Catch::Matchers::Contains("would remove: "));
        REQUIRE_THAT(r.out,
                     Catch::Matchers::EndsWith("summary: 4 backups of 2 domains: 2 would be "
                                               "removed, 2 kept (dry run: nothing was removed)\n"));
    }
    SECTION("pruning removes the older ones of each domain") {
        Run r = store.run({"--prune", "--keep", "1", "--json"});
        REQUIRE(r.code == 0);
        nlohmann::json doc = nlohmann::json::parse(r.out)["prune"];
        REQUIRE(doc["removed"].size() == 2);
        REQUIRE(doc["kept"] == 2);
        REQUIRE(live_test::count_files(store.dir.path) == 2);
        nlohmann::json left = nlohmann::json::parse(store.run({"--json"}).out)["backups"];
        REQUIRE(left.size() == 2);
        REQUIRE(left[0]["time"] == "1970-01-01T00:05:00.000000Z"); // web-1's newest
        REQUIRE(left[1]["domain"] == "db-1");
    }
    SECTION("only the domains named") {
        Run r = store.run({"db-1", "--prune", "--keep", "1"});
        REQUIRE(r.code == 0);
        REQUIRE(r.out == "summary: 1 backups of 1 domains: 0 removed, 1 kept\n");
        REQUIRE(live_test::count_files(store.dir.path) == 4);
    }
    SECTION("usage errors (2)") {
        for (const auto& args : std::vector<std::vector<std::string>>{
                 {"--prune"}, {"--prune", "--keep", "0"}, {"--keep", "2"}, {"--dry-run"}}) {
            Run r = store.run(args);
            CAPTURE(args);
            REQUIRE(to_int(ExitCode::usage) == r.code);
            REQUIRE(live_test::count_files(store.dir.path) == 4);
        }
    }
}
