// SPDX-License-Identifier: GPL-2.0-or-later
// enable/disable in-process against libvirt's test driver, each mutating test with its
// dry-run twin asserting nothing changed.
#include "live_fixture.hpp"
#include "virtnest/live/live_commands.hpp"

#include "virtnest/live/backup_store.hpp"
#include "virtnest/util/error.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace virtnest;
using live_test::count_files;
using live_test::record_named;
using live_test::snapshot_fleet;

namespace {

EnableOptions enable_options(const std::filesystem::path& backups, std::vector<std::string> names,
                             bool dry_run) {
    EnableOptions options;
    options.selection.patterns = std::move(names);
    options.selection.all = options.selection.patterns.empty();
    options.dry_run = dry_run;
    options.backup_dir = backups;
    return options;
}

const std::string k_transient_xml =
    "<domain type='test'><name>temp-1</name><uuid>1b2c3d4e-0000-4000-8000-0000000000aa</uuid>"
    "<memory unit='KiB'>65536</memory><os><type arch='i686'>hvm</type></os></domain>";

} // namespace

TEST_CASE("live enable: the whole fleet", "[live_enable]") {
    live_test::TempDir backups;
    Connection conn = Connection::open(live_test::fleet_uri());
    const auto before = snapshot_fleet(conn);

    SECTION("dry run: reports, defines nothing, writes no backup") {
        RunOutcome outcome = enable_on(conn, enable_options(backups.path, {}, true));
        REQUIRE(virtnest::to_int(outcome.exit_code) == 0);
        REQUIRE(snapshot_fleet(conn) == before);
        REQUIRE(count_files(backups.path) == 0);
        REQUIRE(outcome.summary["would_change"] == 4);
        REQUIRE(outcome.summary["already"] == 3);
        REQUIRE(outcome.summary["dry_run"] == true);
        auto web1 = record_named(outcome.records, "web-1");
        REQUIRE(web1["action"] == "would-change");
        REQUIRE(web1["restart_required"] == true);
        REQUIRE(web1["backup"].is_null());
        REQUIRE_FALSE(web1.contains("diff"));
        REQUIRE(record_named(outcome.records, "db-2")["action"] == "already");
        REQUIRE_THAT(outcome.text,
                     Catch::Matchers::Contains(
                         "web-1: would change\n  - added <cpu mode='host-passthrough'>\n"
                         "  note: running: applies after a cold boot: shut down and "
                         "start; a guest reboot is not enough\n"));
        REQUIRE_THAT(outcome.text,
                     Catch::Matchers::EndsWith(
                         "summary: 7 selected: 4 would change, 3 already nest-capable, "
                         "0 skipped, 0 failed (dry run: nothing was defined); 1 domain became "
                         "host-passthrough and lost live migration between hosts that are not "
                         "identical; see docs/choosing-a-mode.md\n"));
        REQUIRE(outcome.summary["lost_migration"] == 1);
    }

    SECTION("real run: defines, backs up privately, and a second run finds nothing to do") {
        RunOutcome outcome = enable_on(conn, enable_options(backups.path, {}, false));
        REQUIRE(virtnest::to_int(outcome.exit_code) == 0);
        REQUIRE(outcome.summary["changed"] == 4);
        const auto after = snapshot_fleet(conn);
        REQUIRE_THAT(after.at("web-1"), Catch::Matchers::Contains("<cpu mode='host-passthrough'"));
        for (const char* untouched : {"ci-runner", "db-2", "web-2"}) {
            REQUIRE(after.at(untouched) == before.at(untouched));
        }
        // The VNC password is kept: the config was read and defined with its secrets.
        REQUIRE_THAT(after.at("db-1"), Catch::Matchers::Contains("passwd='s3cret-vnc'"));

        auto web1 = record_named(outcome.records, "web-1");
        REQUIRE(web1["action"] == "changed");
        REQUIRE(web1["restart_required"] == true);
        const std::string backup = web1["backup"];
        REQUIRE(read_backup(backup) == before.at("web-1"));
        struct stat st {};
        REQUIRE(::stat(backup.c_str(), &st) == 0);
        REQUIRE((st.st_mode & 0777) == 0600);
        REQUIRE(count_files(backups.path) == 4);

        RunOutcome again = enable_on(conn, enable_options(backups.path, {}, false));
        REQUIRE(virtnest::to_int(again.exit_code) == 0);
        REQUIRE(again.summary["already"] == 7);
        // web-1 runs the old CPU until its cold boot, and the second run still says so.
        auto web1_again = record_named(again.records, "web-1");
        REQUIRE(web1_again["restart_required"] == true);
        REQUIRE_THAT(web1_again["reason"].get<std::string>(),
                     Catch::Matchers::EndsWith("; the running guest still has its old CPU"));
        REQUIRE(record_named(again.records, "ci-runner")["restart_required"] == false);
        REQUIRE(snapshot_fleet(conn) == after);
        REQUIRE(count_files(backups.path) == 4);
    }
}

TEST_CASE("live enable: --diff masks secrets", "[live_enable]") {
    live_test::TempDir backups;
    Connection conn = Connection::open(live_test::fleet_uri());
    EnableOptions options = enable_options(backups.path, {"db-1"}, true);
    options.diff = true;
    RunOutcome outcome = enable_on(conn, options);
    const std::string diff = record_named(outcome.records, "db-1")["diff"];
    REQUIRE_THAT(diff,
                 Catch::Matchers::StartsWith("--- db-1 (current)\n+++ db-1 (nest-capable)\n"));
    // Auto mode keeps db-1's named model (it migrates) and requires vmx in it.
    REQUIRE_THAT(diff, Catch::Matchers::Contains("+    <feature policy='require' name='vmx'/>"));
    REQUIRE_THAT(outcome.text, !Catch::Matchers::Contains("s3cret-vnc"));
}

TEST_CASE("live enable: refusals name the reason and the remedy", "[live_enable]") {
    live_test::TempDir backups;
    Connection conn = Connection::open(live_test::fleet_uri());

    SECTION("transient domain") {
        conn.create_transient(k_transient_xml);
        const auto before = snapshot_fleet(conn);
        for (bool dry_run : {true, false}) {
            CAPTURE(dry_run);
            RunOutcome outcome = enable_on(conn, enable_options(backups.path, {"temp-1"}, dry_run));
            REQUIRE(virtnest::to_int(outcome.exit_code) == 3);
            auto record = record_named(outcome.records, "temp-1");
            REQUIRE(record["action"] == "skipped");
            REQUIRE_THAT(record["reason"].get<std::string>(),
                         Catch::Matchers::StartsWith(
                             "transient domain: defining it would make it persistent"));
            REQUIRE(snapshot_fleet(conn) == before);
            REQUIRE_FALSE(conn.lookup("temp-1").is_persistent());
        }
        SECTION("--force defines it anyway and says so") {
            EnableOptions options = enable_options(backups.path, {"temp-1"}, false);
            options.nest.force = true;
            RunOutcome outcome = enable_on(conn, options);
            REQUIRE(virtnest::to_int(outcome.exit_code) == 0);
            auto record = record_named(outcome.records, "temp-1");
            REQUIRE(record["action"] == "changed");
            REQUIRE_THAT(record["warnings"].dump(),
                         Catch::Matchers::Contains("forced: transient domain"));
            REQUIRE(conn.lookup("temp-1").is_persistent());
        }
    }

    SECTION("managed-save image") {
        conn.lookup("web-1").managed_save();
        const auto before = snapshot_fleet(conn);
        for (bool dry_run : {true, false}) {
            CAPTURE(dry_run);
            RunOutcome outcome = enable_on(conn, enable_options(backups.path, {"web-1"}, dry_run));
            REQUIRE(virtnest::to_int(outcome.exit_code) == 3);
            REQUIRE(record_named(outcome.records, "web-1")["reason"] ==
                    "managed-save image present: restoring it would bring back the old CPU; "
                    "discard it with `virsh managedsave-remove web-1` (the saved guest state is "
                    "lost) or start and shut down the domain, or pass --force");
            REQUIRE(snapshot_fleet(conn) == before);
            REQUIRE(count_files(backups.path) == 0);
        }
    }

    SECTION("snapshots are a warning, not a refusal") {
        conn.lookup("db-1").create_snapshot("<domainsnapshot><name>s1</name></domainsnapshot>");
        const auto before = snapshot_fleet(conn);
        RunOutcome dry = enable_on(conn, enable_options(backups.path, {"db-1"}, true));
        REQUIRE(snapshot_fleet(conn) == before);
        for (const RunOutcome* outcome : {&dry}) {
            REQUIRE_THAT(
                record_named(outcome->records, "db-1")["warnings"].dump(),
                Catch::Matchers::Contains(
                    "has 1 snapshot: reverting to one restores the CPU it was taken with"));
        }
        RunOutcome real = enable_on(conn, enable_options(backups.path, {"db-1"}, false));
        REQUIRE(record_named(real.records, "db-1")["action"] == "changed");
        REQUIRE_THAT(real.text, Catch::Matchers::Contains("  warning: has 1 snapshot"));
    }
}

TEST_CASE("live enable: auto mode keeps what migrates", "[live_enable]") {
    live_test::TempDir backups;
    Connection conn = Connection::open(live_test::fleet_uri());
    const auto before = snapshot_fleet(conn);
    for (bool dry_run : {true, false}) {
        CAPTURE(dry_run);
        RunOutcome outcome =
            enable_on(conn, enable_options(backups.path, {"db-1", "legacy", "web-1"}, dry_run));
        REQUIRE(virtnest::to_int(outcome.exit_code) == 0);
        REQUIRE(outcome.summary["lost_migration"] == 1);
        auto web1 = record_named(outcome.records, "web-1");
        REQUIRE_THAT(web1["warnings"].dump(), Catch::Matchers::Contains("live migration now needs "
                                                                        "hosts with identical "
                                                                        "CPUs"));
        REQUIRE_THAT(record_named(outcome.records, "db-1")["warnings"].dump(),
                     !Catch::Matchers::Contains("live migration"));
        if (dry_run) {
            REQUIRE(snapshot_fleet(conn) == before);
            continue;
        }
        const auto after = snapshot_fleet(conn);
        REQUIRE_THAT(after.at("db-1"), Catch::Matchers::Contains(
                                           "<cpu mode='custom' match='exact' check='partial'>"));
        REQUIRE_THAT(after.at("db-1"), Catch::Matchers::Contains("Haswell-noTSX</model>"));
        REQUIRE_THAT(after.at("db-1"),
                     Catch::Matchers::Contains("<feature policy='require' name='vmx'/>"));
        // Opteron_G3 lacks npt: the AMD model gets svm and npt required.
        REQUIRE_THAT(after.at("legacy"),
                     Catch::Matchers::Contains("<feature policy='require' name='svm'/>"));
        REQUIRE_THAT(after.at("legacy"),
                     Catch::Matchers::Contains("<feature policy='require' name='npt'/>"));
        REQUIRE_THAT(after.at("web-1"), Catch::Matchers::Contains("<cpu mode='host-passthrough'"));
    }
}

// --mode baseline on one host: the engine gives the cluster's CPU to each selected domain,
// with backups and a dry-run twin; a second run finds them already on it. (The test driver
// cannot compute a baseline; cli/cluster_baseline does that on a real daemon, system test 17.)
TEST_CASE("live enable: a baseline reaches every selected domain", "[live_enable]") {
    live_test::TempDir backups;
    Connection conn = Connection::open(live_test::fleet_uri());
    const auto before = snapshot_fleet(conn);
    for (bool dry_run : {true, false}) {
        CAPTURE(dry_run);
        EnableOptions options = enable_options(backups.path, {"db-1", "web-1"}, dry_run);
        options.nest.mode = CpuMode::custom;
        options.nest.baseline_cpu = "<cpu mode='custom' match='exact'><model fallback='forbid'>"
                                    "Haswell</model><vendor>Intel</vendor><feature "
                                    "policy='require' name='vmx'/></cpu>";
        RunOutcome outcome = enable_on(conn, options);
        REQUIRE(virtnest::to_int(outcome.exit_code) == 0);
        const std::string action = dry_run ? "would-change" : "changed";
        REQUIRE(record_named(outcome.records, "db-1")["action"] == action);
        REQUIRE(record_named(outcome.records, "web-1")["action"] == action);
        if (dry_run) {
            REQUIRE(snapshot_fleet(conn) == before);
            REQUIRE(count_files(backups.path) == 0);
            continue;
        }
        REQUIRE(count_files(backups.path) == 2);
        const auto after = snapshot_fleet(conn);
        for (const char* name : {"db-1", "web-1"}) {
            CAPTURE(name);
            REQUIRE_THAT(after.at(name), Catch::Matchers::Contains(
                                             "<cpu mode='custom' match='exact' check='partial'>"));
            REQUIRE_THAT(after.at(name),
                         Catch::Matchers::Contains("<model fallback='forbid'>Haswell</model>"));
            REQUIRE_THAT(after.at(name),
                         Catch::Matchers::Contains("<feature policy='require' name='vmx'/>"));
        }
        REQUIRE(after.at("db-2") == before.at("db-2")); // not selected
        RunOutcome again = enable_on(conn, options);
        REQUIRE(again.summary["already"] == 2);
    }
}

TEST_CASE("live enable: a confidential guest is refused, --force or not", "[live_enable]") {
    live_test::TempDir backups;
    Connection conn = Connection::open(live_test::fleet_uri());
    conn.define("<domain type='test'><name>sev-1</name><uuid>1b2c3d4e-0000-4000-8000-0000000000ab"
                "</uuid><memory unit='KiB'>65536</memory><os><type arch='i686'>hvm</type></os>"
                "<launchSecurity type='sev'><policy>0x0003</policy></launchSecurity></domain>",
                true, "sev-1");
    const auto before = snapshot_fleet(conn);
    for (bool force : {false, true}) {
        CAPTURE(force);
        EnableOptions options = enable_options(backups.path, {"sev-1"}, false);
        options.nest.force = force;
        RunOutcome outcome = enable_on(conn, options);
        REQUIRE(virtnest::to_int(outcome.exit_code) == 3);
        auto record = record_named(outcome.records, "sev-1");
        REQUIRE(record["action"] == "skipped");
        REQUIRE_THAT(record["reason"].get<std::string>(),
                     Catch::Matchers::StartsWith("it is a confidential guest (<launchSecurity "
                                                 "type='sev'>, AMD SEV)"));
        REQUIRE(snapshot_fleet(conn) == before);
        REQUIRE(count_files(backups.path) == 0);
    }
}

TEST_CASE("live enable: a concurrent edit is never overwritten", "[live_enable]") {
    live_test::TempDir backups;
    Connection conn = Connection::open(live_test::fleet_uri());
    std::string edited;
    auto edit = [&](const Domain& dom) {
        std::string xml = dom.xml(XmlView::inactive_secure);
        xml.replace(xml.find("<vcpu placement='static'>2</vcpu>"), 33,
                    "<vcpu placement='static'>3</vcpu>");
        conn.define(xml, true, dom.name());
        edited = conn.lookup(dom.name()).xml(XmlView::inactive_secure);
    };

    live_test::EditBeforeDefine observer(edit);

    SECTION("dry run never reaches the re-check") {
        EnableOptions options = enable_options(backups.path, {"web-1"}, true);
        const auto before = snapshot_fleet(conn);
        RunOutcome outcome = enable_on(conn, options, observer);
        REQUIRE(edited.empty());
        REQUIRE(snapshot_fleet(conn) == before);
        REQUIRE(virtnest::to_int(outcome.exit_code) == 0);
    }
    SECTION("real run skips the domain and removes its stale backup") {
        EnableOptions options = enable_options(backups.path, {"web-1"}, false);
        RunOutcome outcome = enable_on(conn, options, observer);
        REQUIRE(virtnest::to_int(outcome.exit_code) == 3);
        auto record = record_named(outcome.records, "web-1");
        REQUIRE(record["action"] == "skipped");
        REQUIRE_THAT(record["reason"].get<std::string>(),
                     Catch::Matchers::StartsWith("changed concurrently: "));
        REQUIRE(conn.lookup("web-1").xml(XmlView::inactive_secure) == edited);
        REQUIRE(count_files(backups.path) == 0);
    }
}

TEST_CASE("live disable: blocks nesting, with the same safety", "[live_enable]") {
    live_test::TempDir backups;
    Connection conn = Connection::open(live_test::fleet_uri());
    const auto before = snapshot_fleet(conn);
    EnableOptions options = enable_options(backups.path, {"ci-runner"}, true);
    options.nest.nesting = Nesting::disable;

    RunOutcome dry = enable_on(conn, options);
    REQUIRE(virtnest::to_int(dry.exit_code) == 0);
    REQUIRE(record_named(dry.records, "ci-runner")["action"] == "would-change");
    REQUIRE(snapshot_fleet(conn) == before);

    options.dry_run = false;
    RunOutcome real = enable_on(conn, options);
    REQUIRE(virtnest::to_int(real.exit_code) == 0);
    const std::string xml = conn.lookup("ci-runner").xml(XmlView::inactive_secure);
    // The test driver reports no vendor, so both features are blocked.
    REQUIRE_THAT(xml, Catch::Matchers::Contains("<feature policy='disable' name='vmx'/>"));
    REQUIRE_THAT(xml, Catch::Matchers::Contains("<feature policy='disable' name='svm'/>"));
    REQUIRE_THAT(real.text, Catch::Matchers::Contains("applies after a cold boot"));

    RunOutcome again = enable_on(conn, options);
    REQUIRE(record_named(again.records, "ci-runner")["action"] == "already");
    REQUIRE_THAT(again.text, Catch::Matchers::Contains("ci-runner: already without nesting"));

    options.nest.nesting = Nesting::enable;
    RunOutcome back = enable_on(conn, options);
    REQUIRE(record_named(back.records, "ci-runner")["action"] == "changed");
    REQUIRE(conn.lookup("ci-runner").xml(XmlView::inactive_secure) == before.at("ci-runner"));
}

TEST_CASE("live enable: selectors that match nothing stop the run", "[live_enable]") {
    live_test::TempDir backups;
    Connection conn = Connection::open(live_test::fleet_uri());
    REQUIRE_THROWS_WITH(enable_on(conn, enable_options(backups.path, {"web-3"}, true)),
                        "no domain named \"web-3\": did you mean \"web-1\"?");
    REQUIRE_THROWS_WITH(enable_on(conn, enable_options(backups.path, {"mail-*"}, true)),
                        "no domain matches \"mail-*\"");
}

TEST_CASE("live enable: libvirt's reason reaches the report", "[live_enable]") {
    // A read-only connection may not read secrets: the refusal must carry libvirt's words.
    Connection read_only = Connection::open(live_test::fleet_uri(), true);
    REQUIRE_THROWS_WITH(read_only.lookup("web-1").xml(XmlView::inactive_secure),
                        Catch::Matchers::StartsWith("cannot read XML of domain \"web-1\": ") &&
                            Catch::Matchers::Contains("operation forbidden"));
    live_test::TempDir backups;
    RunOutcome outcome = enable_on(read_only, enable_options(backups.path, {"web-1"}, true));
    REQUIRE(virtnest::to_int(outcome.exit_code) == 3);
    REQUIRE_THAT(record_named(outcome.records, "web-1")["reason"].get<std::string>(),
                 Catch::Matchers::Contains("operation forbidden"));
}

namespace {

// Asks the run to stop, as a first SIGINT would, once `defines` domains reached their define.
class StopAfter : public RunObserver {
  public:
    explicit StopAfter(int defines) : m_left(defines) {}
    void before_define(const Domain& /*domain*/) override { --m_left; }
    std::string stop_requested() override {
        return m_left <= 0 ? "interrupted by SIGINT" : std::string();
    }

  private:
    int m_left;
};

} // namespace

TEST_CASE("live enable: an interrupted run reports everything and keeps no unused backup",
          "[live_enable]") {
    live_test::TempDir backups;
    Connection conn = Connection::open(live_test::fleet_uri());
    const auto before = snapshot_fleet(conn);

    SECTION("dry run stopped at once: nothing attempted, nothing written") {
        StopAfter stop(0);
        RunOutcome outcome = enable_on(conn, enable_options(backups.path, {}, true), stop);
        REQUIRE(virtnest::to_int(outcome.exit_code) == 1);
        REQUIRE(outcome.summary["skipped"] == 7);
        REQUIRE(record_named(outcome.records, "web-1")["reason"] ==
                "not attempted: interrupted by SIGINT");
        REQUIRE(snapshot_fleet(conn) == before);
        REQUIRE(count_files(backups.path) == 0);
    }
    SECTION("real run stopped after the first define") {
        StopAfter stop(1);
        RunOutcome outcome = enable_on(conn, enable_options(backups.path, {}, false), stop);
        REQUIRE(virtnest::to_int(outcome.exit_code) == 1);
        REQUIRE(outcome.summary["changed"] == 1);
        REQUIRE(outcome.summary["already"] == 3);
        REQUIRE(outcome.summary["skipped"] == 3);
        REQUIRE(outcome.summary["stopped"] == "interrupted by SIGINT");
        REQUIRE_THAT(outcome.text, Catch::Matchers::EndsWith(
                                       "virt-nest: error: stopped: interrupted by SIGINT\n"));
        const auto after = snapshot_fleet(conn);
        std::size_t changed = 0;
        for (const auto& record : outcome.records) {
            const std::string name = record["name"];
            if (record["action"] == "changed") {
                ++changed;
                REQUIRE(after.at(name) != before.at(name));
                REQUIRE(read_backup(record["backup"].get<std::string>()) == before.at(name));
            } else {
                REQUIRE(after.at(name) == before.at(name));
            }
            if (record["action"] == "skipped") {
                REQUIRE(record["reason"] == "not attempted: interrupted by SIGINT");
            }
        }
        REQUIRE(changed == 1);
        // Only the changed domain has a backup: the others were backed up, then not changed.
        REQUIRE(count_files(backups.path) == 1);
    }
}
