// SPDX-License-Identifier: GPL-2.0-or-later
// list in-process against libvirt's test driver.
#include "live_fixture.hpp"
#include "virtnest/live/live_commands.hpp"

#include <catch2/catch.hpp>

using namespace virtnest;
using live_test::record_named;

TEST_CASE("live list: one row per domain with the nesting facts", "[live_list]") {
    Connection conn = Connection::open(live_test::fleet_uri());
    RunOutcome outcome = list_on(conn, ListOptions{});
    REQUIRE(virtnest::to_int(outcome.exit_code) == 0);
    REQUIRE(outcome.summary == nlohmann::json{{"listed", outcome.records.size()}});
    REQUIRE(outcome.records.size() == 7);

    SECTION("JSON shape") {
        for (const auto& record : outcome.records) {
            for (const char* key : {"name", "state", "persistent", "cpu_mode", "model", "nested",
                                    "feature", "notes"}) {
                CAPTURE(key);
                REQUIRE(record.contains(key));
            }
        }
        auto db2 = record_named(outcome.records, "db-2");
        REQUIRE(db2["cpu_mode"] == "custom");
        REQUIRE(db2["model"] == "EPYC");
        REQUIRE(db2["nested"] == true);
        REQUIRE(db2["feature"] == "svm");
        auto build = record_named(outcome.records, "build-1");
        REQUIRE(build["nested"] == false);
        REQUIRE(build["feature"] == "vmx");
        REQUIRE(build["state"] == "shut-off");
        auto web1 = record_named(outcome.records, "web-1");
        REQUIRE(web1["cpu_mode"] == "none");
        REQUIRE(web1["nested"] == false);
        REQUIRE(web1["feature"].is_null());
        REQUIRE(web1["notes"] == nlohmann::json::array({"host nesting support could not be "
                                                        "verified (the driver reports no domain "
                                                        "capabilities)"}));
    }
    SECTION("the table has a header and aligned rows") {
        REQUIRE_THAT(outcome.text, Catch::Matchers::StartsWith(
                                       "NAME       STATE     PERSISTENT  CPU MODE                "
                                       "NESTED  FEATURE  NOTES\n"));
        REQUIRE_THAT(outcome.text, Catch::Matchers::Contains(
                                       "db-2       shut off  yes         custom (EPYC)           "
                                       "yes     svm\n"));
        // A fact about the host is said once, under the table, not on every row.
        REQUIRE_THAT(outcome.text, Catch::Matchers::EndsWith(
                                       "web-2      running   yes         host-model              "
                                       "no      -\n"
                                       "note: host nesting support could not be verified (the "
                                       "driver reports no domain capabilities) (7 domains)\n"));
    }
}

TEST_CASE("live list: notes for restart pending, managed save, snapshots, transient",
          "[live_list]") {
    live_test::TempDir backups;
    Connection conn = Connection::open(live_test::fleet_uri());
    EnableOptions enable;
    enable.selection.patterns = {"web-1"};
    enable.backup_dir = backups.path;
    REQUIRE(virtnest::to_int(enable_on(conn, enable).exit_code) == 0);
    conn.lookup("web-2").managed_save();
    conn.lookup("db-1").create_snapshot("<domainsnapshot><name>a</name></domainsnapshot>");
    conn.lookup("db-1").create_snapshot("<domainsnapshot><name>b</name></domainsnapshot>");
    conn.create_transient("<domain type='test'><name>temp-1</name><memory>65536</memory>"
                          "<os><type arch='i686'>hvm</type></os></domain>");

    ListOptions options;
    options.selection.patterns = {"web-*", "db-1", "temp-1"};
    RunOutcome outcome = list_on(conn, options);
    REQUIRE(outcome.records.size() == 4);
    auto web1 = record_named(outcome.records, "web-1");
    REQUIRE(web1["cpu_mode"] == "host-passthrough");
    REQUIRE(web1["notes"][0] == "restart pending: the inactive CPU differs from the running one");
    auto web2 = record_named(outcome.records, "web-2");
    REQUIRE(web2["state"] == "shut-off"); // a token, as --state spells it
    REQUIRE(web2["notes"][0] == "managed-save image present");
    REQUIRE(record_named(outcome.records, "db-1")["notes"][0] == "2 snapshots");
    REQUIRE(record_named(outcome.records, "temp-1")["persistent"] == false);

    SECTION("--state filters") {
        ListOptions running;
        running.selection.state = StateFilter::running;
        RunOutcome only = list_on(conn, running);
        std::vector<std::string> names;
        for (const auto& record : only.records) {
            names.push_back(record["name"]);
        }
        REQUIRE(names == std::vector<std::string>{"ci-runner", "temp-1", "web-1"});
    }
}

TEST_CASE("live list: a running vCPU without the promised svm is an exact restart pending",
          "[live_list]") {
    Connection conn = Connection::open(live_test::fleet_uri());
    const std::string head =
        "<domain type='test'><name>amd-run-1</name>"
        "<uuid>6b1d3c2e-0f4a-4c3b-9a51-2d7e8f9a0b1c</uuid><memory>65536</memory>"
        "<os><type arch='x86_64'>hvm</type></os>"
        "<cpu mode='custom' match='exact'><model>EPYC</model>";
    conn.create_transient(head + "<feature policy='disable' name='svm'/></cpu></domain>");
    ListOptions options;
    options.selection.patterns = {"amd-run-1"};
    SECTION("the same CPU running and stored: no note") {
        auto row = record_named(list_on(conn, options).records, "amd-run-1");
        REQUIRE(row["nested"] == false);
        REQUIRE(row["notes"].size() <= 1); // at most the unverified-host note
        for (const auto& note : row["notes"]) {
            REQUIRE_THAT(note.get<std::string>(), !Catch::Matchers::StartsWith("restart"));
        }
    }
    SECTION("svm stored, absent in the running vCPU") {
        conn.define(head + "<feature policy='require' name='svm'/></cpu></domain>", false);
        auto row = record_named(list_on(conn, options).records, "amd-run-1");
        REQUIRE(row["nested"] == true);
        REQUIRE(row["notes"][0] ==
                "restart pending: the running vCPU lacks svm (live XML); power the guest off "
                "and start it");
    }
}

TEST_CASE("live list: a ppc64 row rests on this host's kvm_hv when it is known", "[live_list]") {
    Connection conn = Connection::open(live_test::fleet_uri());
    conn.create_transient("<domain type='test'><name>p9-on</name><memory>65536</memory>"
                          "<os><type arch='ppc64le' machine='pseries'>hvm</type></os>"
                          "<features><nested-hv state='on'/></features></domain>");
    ListOptions options;
    options.selection.patterns = {"p9-on"};
    SECTION("unknown: libvirt's unverified view, as before") {
        auto row = record_named(list_on(conn, options).records, "p9-on");
        REQUIRE(row["feature"] == "nested-hv");
        REQUIRE(row["nested"] == true);
        REQUIRE(row["notes"].size() == 1);
        REQUIRE_THAT(row["notes"][0].get<std::string>(),
                     Catch::Matchers::StartsWith("host nesting support could not be verified"));
    }
    SECTION("kvm_hv nested=1: nested, and no unverified note") {
        options.host_kvm_hv_nested = true;
        RunOutcome outcome = list_on(conn, options);
        auto row = record_named(outcome.records, "p9-on");
        REQUIRE(row["nested"] == true);
        REQUIRE(row["notes"].empty());
        REQUIRE_THAT(outcome.text, !Catch::Matchers::Contains("could not be verified"));
    }
    SECTION("kvm_hv nested=0: not nested, and QEMU would refuse it") {
        options.host_kvm_hv_nested = false;
        auto row = record_named(list_on(conn, options).records, "p9-on");
        REQUIRE(row["nested"] == false);
        REQUIRE(row["notes"] ==
                nlohmann::json::array(
                    {"nested-hv is on, but this host's kvm_hv has nested=0: QEMU refuses to start "
                     "it (\"KVM implementation does not support Nested-HV\"); `virt-nest host "
                     "enable --reload`, or turn nested-hv off with `virt-nest disable p9-on`"}));
    }
    SECTION("x86 rows ignore it") {
        options.selection.patterns = {"db-2"};
        options.host_kvm_hv_nested = false;
        auto row = record_named(list_on(conn, options).records, "db-2");
        REQUIRE(row["nested"] == true);
    }
}
