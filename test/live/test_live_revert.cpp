// SPDX-License-Identifier: GPL-2.0-or-later
// revert in-process against libvirt's test driver, with its dry-run twins.
#include "live_fixture.hpp"
#include "virtnest/live/live_commands.hpp"

#include "virtnest/live/backup_store.hpp"

#include <catch2/catch.hpp>

using namespace virtnest;
using live_test::count_files;
using live_test::record_named;
using live_test::snapshot_fleet;

namespace {

RevertOptions revert_options(const std::filesystem::path& backups, std::vector<std::string> names,
                             bool dry_run) {
    RevertOptions options;
    options.selection.patterns = std::move(names);
    options.selection.all = options.selection.patterns.empty();
    options.dry_run = dry_run;
    options.backup_dir = backups;
    return options;
}

RunOutcome enable_all(const Connection& conn, const std::filesystem::path& backups) {
    EnableOptions options;
    options.selection.all = true;
    options.backup_dir = backups;
    return enable_on(conn, options);
}

} // namespace

TEST_CASE("live revert: restores the backup exactly", "[live_revert]") {
    live_test::TempDir backups;
    Connection conn = Connection::open(live_test::fleet_uri());
    const auto original = snapshot_fleet(conn);
    REQUIRE(virtnest::to_int(enable_all(conn, backups.path).exit_code) == 0);
    const auto enabled = snapshot_fleet(conn);
    REQUIRE(enabled != original);

    SECTION("dry run: says what it would restore, changes nothing") {
        RevertOptions options = revert_options(backups.path, {"web-1", "db-1"}, true);
        options.diff = true;
        RunOutcome outcome = revert_on(conn, options);
        REQUIRE(virtnest::to_int(outcome.exit_code) == 0);
        REQUIRE(snapshot_fleet(conn) == enabled);
        auto web1 = record_named(outcome.records, "web-1");
        REQUIRE(web1["action"] == "would-change");
        REQUIRE_THAT(web1["diff"].get<std::string>(),
                     Catch::Matchers::Contains("-  <cpu mode='host-passthrough'/>"));
        REQUIRE(count_files(backups.path) == 4);
    }

    SECTION("real run: every domain back to its original, then nothing left to do") {
        RunOutcome outcome = revert_on(conn, revert_options(backups.path, {}, false));
        REQUIRE(virtnest::to_int(outcome.exit_code) == 0);
        REQUIRE(outcome.summary["changed"] == 4);
        REQUIRE(snapshot_fleet(conn) == original);
        auto web1 = record_named(outcome.records, "web-1");
        REQUIRE_THAT(web1["reason"].get<std::string>(),
                     Catch::Matchers::StartsWith("restored the CPU of \""));
        REQUIRE(web1["restart_required"] == true);
        // What revert replaced is kept too, and never chosen as "latest".
        REQUIRE(count_files(backups.path) == 8);
        BackupStore store = backup_store_for(conn, backups.path);
        REQUIRE(store.latest(web1["uuid"].get<std::string>())->kind == BackupKind::enable);

        RunOutcome again = revert_on(conn, revert_options(backups.path, {"web-1"}, false));
        REQUIRE(virtnest::to_int(again.exit_code) == 0);
        REQUIRE(record_named(again.records, "web-1")["action"] == "already");
        REQUIRE(snapshot_fleet(conn) == original);
    }

    SECTION("--backup restores the named file") {
        BackupStore store = backup_store_for(conn, backups.path);
        const std::string uuid = conn.lookup("db-1").uuid();
        RevertOptions options = revert_options(backups.path, {"db-1"}, false);
        options.backup_file = store.latest(uuid)->path;
        REQUIRE(virtnest::to_int(revert_on(conn, options).exit_code) == 0);
        REQUIRE(conn.lookup("db-1").xml(XmlView::inactive_secure) == original.at("db-1"));
    }

    SECTION("a concurrent edit stops the restore") {
        RevertOptions options = revert_options(backups.path, {"db-1"}, false);
        live_test::EditBeforeDefine observer([&](const Domain& dom) {
            std::string xml = dom.xml(XmlView::inactive_secure);
            xml.replace(xml.find("<vcpu placement='static'>2</vcpu>"), 33,
                        "<vcpu placement='static'>4</vcpu>");
            conn.define(xml, true, dom.name());
        });
        RunOutcome outcome = revert_on(conn, options, observer);
        REQUIRE(virtnest::to_int(outcome.exit_code) == 3);
        REQUIRE_THAT(record_named(outcome.records, "db-1")["reason"].get<std::string>(),
                     Catch::Matchers::StartsWith("changed concurrently: "));
        REQUIRE_THAT(conn.lookup("db-1").xml(XmlView::inactive_secure),
                     Catch::Matchers::Contains("<vcpu placement='static'>4</vcpu>"));
    }
}

TEST_CASE("live revert: item 13: only virt-nest's change is undone, unless --whole",
          "[live_revert]") {
    live_test::TempDir backups;
    Connection conn = Connection::open(live_test::fleet_uri());
    const std::string original = snapshot_fleet(conn).at("db-1");
    REQUIRE(virtnest::to_int(enable_all(conn, backups.path).exit_code) == 0);
    // The operator's edit after enable: more vCPUs.
    const std::string vcpu2 = "<vcpu placement='static'>2</vcpu>";
    const std::string vcpu4 = "<vcpu placement='static'>4</vcpu>";
    std::string edited = conn.lookup("db-1").xml(XmlView::inactive_secure);
    REQUIRE(edited.find(vcpu2) != std::string::npos);
    edited.replace(edited.find(vcpu2), vcpu2.size(), vcpu4);
    conn.define(edited, true, "db-1");
    std::string original_with_edit = original;
    original_with_edit.replace(original_with_edit.find(vcpu2), vcpu2.size(), vcpu4);

    SECTION("dry run: names the CPU it would put back, changes nothing") {
        RevertOptions options = revert_options(backups.path, {"db-1"}, true);
        options.diff = true;
        RunOutcome outcome = revert_on(conn, options);
        REQUIRE(virtnest::to_int(outcome.exit_code) == 0);
        auto db1 = record_named(outcome.records, "db-1");
        REQUIRE(db1["action"] == "would-change");
        REQUIRE_THAT(db1["reason"].get<std::string>(),
                     Catch::Matchers::StartsWith("restore the CPU of \""));
        REQUIRE_FALSE(db1["changes"].empty());
        REQUIRE_THAT(db1["diff"].get<std::string>(), !Catch::Matchers::Contains("vcpu"));
        REQUIRE(conn.lookup("db-1").xml(XmlView::inactive_secure) == edited);
    }
    SECTION("default: the CPU goes back, the later edit stays") {
        RunOutcome outcome = revert_on(conn, revert_options(backups.path, {"db-1"}, false));
        REQUIRE(virtnest::to_int(outcome.exit_code) == 0);
        REQUIRE(record_named(outcome.records, "db-1")["action"] == "changed");
        REQUIRE(conn.lookup("db-1").xml(XmlView::inactive_secure) == original_with_edit);
        // The CPU is now as in the backup: nothing more to do without --whole.
        RunOutcome again = revert_on(conn, revert_options(backups.path, {"db-1"}, false));
        auto db1 = record_named(again.records, "db-1");
        REQUIRE(db1["action"] == "already");
        REQUIRE_THAT(db1["reason"].get<std::string>(),
                     Catch::Matchers::EndsWith("(--whole restores the rest)"));
    }
    SECTION("--whole: the entire backup, the later edit undone too") {
        RevertOptions options = revert_options(backups.path, {"db-1"}, false);
        options.whole = true;
        RunOutcome outcome = revert_on(conn, options);
        REQUIRE(virtnest::to_int(outcome.exit_code) == 0);
        REQUIRE_THAT(record_named(outcome.records, "db-1")["reason"].get<std::string>(),
                     Catch::Matchers::StartsWith("restored \"" + backups.path.string()));
        REQUIRE(conn.lookup("db-1").xml(XmlView::inactive_secure) == original);
    }
}

TEST_CASE("live revert: refusals", "[live_revert]") {
    live_test::TempDir backups;
    Connection conn = Connection::open(live_test::fleet_uri());
    const auto before = snapshot_fleet(conn);

    SECTION("no backup: skipped with where it looked") {
        RunOutcome outcome = revert_on(conn, revert_options(backups.path, {"db-2"}, false));
        REQUIRE(virtnest::to_int(outcome.exit_code) == 3);
        REQUIRE_THAT(record_named(outcome.records, "db-2")["reason"].get<std::string>(),
                     Catch::Matchers::StartsWith("no backup of this domain in \""));
        REQUIRE(snapshot_fleet(conn) == before);
    }
    SECTION("--all takes only domains that have a backup") {
        RunOutcome outcome = revert_on(conn, revert_options(backups.path, {}, false));
        REQUIRE(virtnest::to_int(outcome.exit_code) == 0);
        REQUIRE(outcome.records.empty());
    }
    SECTION("a backup of another domain is refused") {
        REQUIRE(virtnest::to_int(enable_all(conn, backups.path).exit_code) == 0);
        const auto enabled = snapshot_fleet(conn);
        BackupStore store = backup_store_for(conn, backups.path);
        RevertOptions options = revert_options(backups.path, {"db-1"}, false);
        options.backup_file = store.latest(conn.lookup("web-1").uuid())->path;
        RunOutcome outcome = revert_on(conn, options);
        REQUIRE(virtnest::to_int(outcome.exit_code) == 3);
        REQUIRE_THAT(
            record_named(outcome.records, "db-1")["reason"].get<std::string>(),
            Catch::Matchers::EndsWith("belongs to domain \"web-1\" "
                                      "(1b2c3d4e-0000-4000-8000-000000000001), not to this one"));
        REQUIRE(snapshot_fleet(conn) == enabled);
    }
    SECTION("--backup with several domains is a usage error") {
        RevertOptions options = revert_options(backups.path, {"web-*"}, false);
        options.backup_file = backups.path / "x.xml";
        REQUIRE_THROWS_WITH(
            revert_on(conn, options),
            "--backup names one file, so it needs exactly one domain; 2 are selected");
    }
}

TEST_CASE("live revert: item 9: a corrupt newest backup names the next older valid one",
          "[live_revert]") {
    live_test::TempDir backups;
    Connection conn = Connection::open(live_test::fleet_uri());
    REQUIRE(virtnest::to_int(enable_all(conn, backups.path).exit_code) == 0);
    const auto enabled = snapshot_fleet(conn);
    BackupStore store = backup_store_for(conn, backups.path);
    const std::string uuid = conn.lookup("web-1").uuid();
    const std::filesystem::path good = store.latest(uuid)->path;
    const std::filesystem::path corrupt =
        store.save(uuid, "web-1", "<domain type='test'>\n  <name>web-1</name\n", BackupKind::enable,
                   std::chrono::system_clock::now());
    RunOutcome outcome = revert_on(conn, revert_options(backups.path, {"web-1"}, false));
    REQUIRE(virtnest::to_int(outcome.exit_code) == 3);
    const std::string reason = record_named(outcome.records, "web-1")["reason"];
    INFO(reason);
    REQUIRE_THAT(reason, Catch::Matchers::StartsWith("backup \"" + corrupt.string() +
                                                     "\" is not a domain definition: "));
    REQUIRE_THAT(reason,
                 Catch::Matchers::Contains("is not a domain definition: cannot parse domain XML: "
                                           "line 2, column 20: error parsing end element tag"));
    REQUIRE_THAT(reason,
                 Catch::Matchers::EndsWith("; the next older valid backup is \"" + good.string() +
                                           "\" (use --backup " + good.string() + ")"));
    REQUIRE(snapshot_fleet(conn) == enabled);
}

TEST_CASE("live revert: item 12: after a rename the UUID is the identity", "[live_revert]") {
    live_test::TempDir backups;
    Connection conn = Connection::open(live_test::fleet_uri());
    const auto original = snapshot_fleet(conn);
    REQUIRE(virtnest::to_int(enable_all(conn, backups.path).exit_code) == 0);
    BackupStore store = backup_store_for(conn, backups.path);
    const std::string uuid = conn.lookup("db-1").uuid();
    // The backup as `virsh domrename db-1 db-1` would have left it: taken under another name.
    std::string old = read_backup(store.latest(uuid)->path);
    old.replace(old.find("<name>db-1</name>"), 17, "<name>db-old</name>");
    store.save(uuid, "db-old", old, BackupKind::enable);
    RunOutcome outcome = revert_on(conn, revert_options(backups.path, {"db-1"}, false));
    REQUIRE(virtnest::to_int(outcome.exit_code) == 0);
    auto db1 = record_named(outcome.records, "db-1");
    REQUIRE(db1["action"] == "changed");
    REQUIRE(db1["warnings"][0] == "the backup was taken when the domain was named \"db-old\"; "
                                  "restored keeping its name \"db-1\"");
    REQUIRE(conn.lookup("db-1").xml(XmlView::inactive_secure) == original.at("db-1"));
}

namespace {

// Asks the run to stop from the start, as a SIGTERM before the first domain would.
class StopNow : public RunObserver {
  public:
    std::string stop_requested() override { return "interrupted by SIGTERM"; }
};

} // namespace

TEST_CASE("live revert: an interrupted run attempts nothing more", "[live_revert]") {
    live_test::TempDir backups;
    Connection conn = Connection::open(live_test::fleet_uri());
    REQUIRE(virtnest::to_int(enable_all(conn, backups.path).exit_code) == 0);
    const auto enabled = snapshot_fleet(conn);
    const std::size_t files = count_files(backups.path);
    StopNow stop;
    for (bool dry_run : {true, false}) {
        RunOutcome outcome = revert_on(conn, revert_options(backups.path, {}, dry_run), stop);
        REQUIRE(virtnest::to_int(outcome.exit_code) == 1);
        REQUIRE(outcome.summary["skipped"] == 4);
        REQUIRE(record_named(outcome.records, "web-1")["reason"] ==
                "not attempted: interrupted by SIGTERM");
        REQUIRE(snapshot_fleet(conn) == enabled);
        REQUIRE(count_files(backups.path) == files);
    }
}
