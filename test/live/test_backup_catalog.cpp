// SPDX-License-Identifier: GPL-2.0-or-later
// `virt-nest backups`: the store scanned, filtered, pruned and rendered.
#include "live_fixture.hpp"

#include "virtnest/live/backup_catalog.hpp"
#include "virtnest/util/error.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace virtnest;
namespace fs = std::filesystem;

namespace {

const std::string k_web = "6695eb01-f6a4-8304-79aa-97f2502e193f";
const std::string k_db = "4dea22b3-1d52-d8f3-2516-782e98ab3fa0";

std::chrono::system_clock::time_point at(long long seconds) {
    return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

BackupRecord record(std::string uuid, std::string stamp, BackupKind kind) {
    BackupRecord r;
    r.connection = "qemu____system";
    r.uuid = std::move(uuid);
    r.domain = r.uuid == k_web ? "web-1" : "db-1";
    r.stamp = std::move(stamp);
    r.kind = kind;
    r.path = "/b/" + r.uuid + "/" + r.stamp + "-" + std::string(to_string(kind)) + ".xml";
    return r;
}

std::vector<std::string> stamps(const std::vector<BackupRecord>& records) {
    std::vector<std::string> out;
    for (const BackupRecord& r : records) {
        out.push_back(r.domain + "@" + r.stamp);
    }
    return out;
}

} // namespace

TEST_CASE("backup_catalog: file names", "[backup_catalog]") {
    auto name = parse_backup_name("20261121T203000.123456Z-enable-web-1.xml");
    REQUIRE(name);
    REQUIRE(name->stamp == "20261121T203000.123456Z");
    REQUIRE(name->kind == BackupKind::enable);
    REQUIRE(name->domain == "web-1");
    REQUIRE_FALSE(parse_backup_name("20261121T203000Z-delete-web-1.xml"));
    REQUIRE_FALSE(parse_backup_name("20261121T203000Z-enable-web-1.txt"));
    REQUIRE_FALSE(parse_backup_name("notes.xml"));
    REQUIRE(backup_time_text("20261121T203000.123456Z") == "2026-11-21 20:30:00Z");
    REQUIRE(backup_time_iso("20261121T203000.123456Z") == "2026-11-21T20:30:00.123456Z");
    REQUIRE(backup_time_text("odd") == "odd");
}

TEST_CASE("backup_catalog: the store scanned newest first, filtered by domain",
          "[backup_catalog]") {
    live_test::TempDir root;
    BackupStore system(root.path, "qemu:///system");
    BackupStore other(root.path, "test:///default");
    system.save(k_web, "web-1", "<domain>a</domain>", BackupKind::enable, at(100));
    system.save(k_db, "db-1", "<domain>b</domain>", BackupKind::disable, at(300));
    system.save(k_web, "web-1", "<domain>c</domain>", BackupKind::revert, at(200));
    other.save(k_web, "web-1", "<domain>d</domain>", BackupKind::enable, at(50));

    std::vector<BackupRecord> all = scan_backups(root.path, {});
    REQUIRE(stamps(all) == std::vector<std::string>{
                               "db-1@19700101T000500.000000Z", "web-1@19700101T000320.000000Z",
                               "web-1@19700101T000140.000000Z", "web-1@19700101T000050.000000Z"});
    REQUIRE(all[0].connection == "qemu____system");
    REQUIRE(all[0].uuid == k_db);
    REQUIRE(all[0].kind == BackupKind::disable);
    REQUIRE(all[0].size == std::string("<domain>b</domain>").size());
    REQUIRE(all[3].connection == "test____default");

    SECTION("one connection") {
        REQUIRE(scan_backups(root.path, {connection_key("test:///default")}).size() == 1);
    }
    SECTION("by name, glob or UUID; an unknown one is an error with a did-you-mean") {
        REQUIRE(filter_backups(all, {"web-1"}).size() == 3);
        REQUIRE(filter_backups(all, {"d*"}).size() == 1);
        REQUIRE(filter_backups(all, {k_db}).size() == 1);
        REQUIRE(filter_backups(all, {}).size() == 4);
        REQUIRE_THROWS_WITH(filter_backups(all, {"web1"}),
                            "no backups of domain \"web1\"; did you mean \"web-1\"?");
    }
    SECTION("a store another user could write is refused, as revert refuses it") {
        fs::permissions(root.path / "qemu____system", fs::perms::group_write,
                        fs::perm_options::add);
        REQUIRE_THROWS_WITH(scan_backups(root.path, {}),
                            Catch::Matchers::StartsWith("refusing backup directory \"" +
                                                        (root.path / "qemu____system").string() +
                                                        "\": it is writable by group or others"));
    }
    SECTION("symlinks are not followed") {
        fs::create_directory_symlink(root.path / "qemu____system", root.path / "alias");
        fs::create_symlink(all[0].path, all[0].path.parent_path() / "20300101T000000.000000Z-"
                                                                    "enable-db-1.xml");
        REQUIRE(scan_backups(root.path, {}).size() == 4);
    }
    SECTION("the table") {
        std::string table = render_backups_table({all[0]});
        REQUIRE(table == "DOMAIN  UUID" + std::string(34, ' ') + "TIME" + std::string(18, ' ') +
                             "KIND     SIZE  PATH\n"
                             "db-1    " +
                             k_db + "  1970-01-01 00:05:00Z  disable  18    " +
                             all[0].path.string() + "\n");
        REQUIRE(backup_json(all[0]) == nlohmann::json{{"domain", "db-1"},
                                                      {"uuid", k_db},
                                                      {"connection", "qemu____system"},
                                                      {"time", "1970-01-01T00:05:00.000000Z"},
                                                      {"kind", "disable"},
                                                      {"path", all[0].path.string()},
                                                      {"size", 18}});
    }
}

TEST_CASE("backup_catalog: pruning keeps the newest N per domain and what revert restores",
          "[backup_catalog]") {
    std::vector<BackupRecord> records = {
        record(k_web, "20260105T000000.000000Z", BackupKind::revert),
        record(k_web, "20260104T000000.000000Z", BackupKind::revert),
        record(k_web, "20260103T000000.000000Z", BackupKind::enable),
        record(k_web, "20260102T000000.000000Z", BackupKind::disable),
        record(k_web, "20260101T000000.000000Z", BackupKind::enable),
        record(k_db, "20260101T000000.000000Z", BackupKind::enable),
    };
    SECTION("keep 1: the newest, and the newest enable/disable one, which revert restores") {
        REQUIRE(stamps(prune_plan(records, 1)) ==
                std::vector<std::string>{"web-1@20260104T000000.000000Z",
                                         "web-1@20260102T000000.000000Z",
                                         "web-1@20260101T000000.000000Z"});
    }
    SECTION("keep 3") {
        REQUIRE(stamps(prune_plan(records, 3)) ==
                std::vector<std::string>{"web-1@20260102T000000.000000Z",
                                         "web-1@20260101T000000.000000Z"});
    }
    SECTION("keep more than there are: nothing") { REQUIRE(prune_plan(records, 9).empty()); }
    SECTION("keep 0 is a usage error: the newest stays") {
        try {
            (void)prune_plan(records, 0);
            FAIL("--keep 0 was accepted");
        } catch (const Error& e) {
            REQUIRE(to_int(e.code()) == to_int(ExitCode::usage));
        }
    }
}

TEST_CASE("backup_catalog: removing and its dry-run twin", "[backup_catalog]") {
    live_test::TempDir root;
    BackupStore store(root.path, "qemu:///system");
    for (long long t : {100, 200, 300}) {
        store.save(k_web, "web-1", "<domain/>", BackupKind::enable, at(t));
    }
    std::vector<BackupRecord> doomed = prune_plan(scan_backups(root.path, {}), 1);
    REQUIRE(doomed.size() == 2);
    SECTION("the plan alone removes nothing") { REQUIRE(live_test::count_files(root.path) == 3); }
    SECTION("removing") {
        REQUIRE(remove_backups(doomed).empty());
        std::vector<BackupRecord> left = scan_backups(root.path, {});
        REQUIRE(left.size() == 1);
        REQUIRE(left[0].stamp == "19700101T000500.000000Z");
        REQUIRE(remove_backups(doomed).empty()); // already gone: nothing to report
    }
}
