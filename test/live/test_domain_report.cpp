// SPDX-License-Identifier: GPL-2.0-or-later
// The live commands' reports: exact text, table and JSON for known outcomes.
#include "virtnest/live/domain_report.hpp"

#include <catch2/catch.hpp>

using namespace virtnest;

namespace {

DomainOutcome outcome(std::string name, Action action, std::string reason = {}) {
    DomainOutcome o;
    o.name = std::move(name);
    o.uuid = "6695eb01-f6a4-8304-79aa-97f2502e193f";
    o.state = "shut off";
    o.action = action;
    o.reason = std::move(reason);
    return o;
}

std::vector<DomainOutcome> mixed_run() {
    DomainOutcome changed = outcome("web-1", Action::changed);
    changed.state = "running";
    changed.changes = {"mode: custom -> host-passthrough"};
    changed.restart_required = true;
    changed.warnings = {"has 1 snapshot: reverting to one restores the CPU it was taken with"};
    changed.backup = "/b/web-1.xml";
    return {changed,
            outcome("db-1", Action::already, "already nest-capable (host-passthrough passes vmx)"),
            outcome("db-2", Action::skipped, "transient domain"),
            outcome("db-3", Action::failed, "cannot define domain \"db-3\": boom")};
}

} // namespace

TEST_CASE("domain_report: action tokens", "[domain_report]") {
    REQUIRE(to_string(Action::changed) == "changed");
    REQUIRE(to_string(Action::would_change) == "would-change");
    REQUIRE(to_string(Action::already) == "already");
    REQUIRE(to_string(Action::skipped) == "skipped");
    REQUIRE(to_string(Action::failed) == "failed");
}

TEST_CASE("domain_report: the text report", "[domain_report]") {
    ReportStyle style;
    SECTION("one block per domain, then the summary") {
        REQUIRE(render_outcomes_text(mixed_run(), style) ==
                "web-1: changed\n"
                "  - mode: custom -> host-passthrough\n"
                "  note: running: applies after a cold boot: shut down and start; a guest reboot "
                "is not enough\n"
                "  warning: has 1 snapshot: reverting to one restores the CPU it was taken with\n"
                "  backup: /b/web-1.xml\n"
                "db-1: already nest-capable (host-passthrough passes vmx)\n"
                "db-2: skipped: transient domain\n"
                "db-3: failed: cannot define domain \"db-3\": boom\n"
                "summary: 4 selected: 1 changed, 1 already nest-capable, 1 skipped, 1 failed\n");
    }
    SECTION("revert words, dry run and diff") {
        style.verb = "revert";
        style.dry_run = true;
        style.with_diff = true;
        DomainOutcome would = outcome("web-2", Action::would_change, "restore \"/b/x.xml\"");
        would.diff = "--- a\n+++ b";
        DomainOutcome same = outcome("web-3", Action::already);
        REQUIRE(render_outcomes_text({would, same}, style) ==
                "web-2: would revert: restore \"/b/x.xml\"\n"
                "--- a\n+++ b\n"
                "web-3: already as in the backup\n"
                "summary: 2 selected: 1 would revert, 1 already as in the backup, 0 skipped, 0 "
                "failed (dry run: nothing was defined)\n");
    }
    SECTION("disable words") {
        style.verb = "disable";
        REQUIRE(summary_line({outcome("a", Action::already)}, style) ==
                "summary: 1 selected: 0 changed, 1 already without nesting, 0 skipped, 0 failed");
    }
}

TEST_CASE("domain_report: JSON records and summary", "[domain_report]") {
    ReportStyle style;
    const std::vector<DomainOutcome> run = mixed_run();
    SECTION("a change without a reason says when it takes effect") {
        REQUIRE(outcome_json(run[0], style) == nlohmann::json::parse(R"({
                    "name": "web-1", "uuid": "6695eb01-f6a4-8304-79aa-97f2502e193f",
                    "state": "running", "action": "changed",
                    "reason": "applies after a cold boot: shut down and start; a guest reboot is not enough",
                    "changes": ["mode: custom -> host-passthrough"],
                    "warnings": ["has 1 snapshot: reverting to one restores the CPU it was taken with"],
                    "restart_required": true, "backup": "/b/web-1.xml"})"));
        DomainOutcome off = outcome("web-4", Action::would_change);
        REQUIRE(outcome_json(off, style)["reason"] == k_next_start_note);
        REQUIRE(outcome_json(off, style)["backup"].is_null());
        REQUIRE_FALSE(outcome_json(off, style).contains("diff"));
        style.with_diff = true;
        REQUIRE(outcome_json(off, style)["diff"] == "");
    }
    SECTION("the summary counts each action") {
        REQUIRE(summary_json(run, style) == nlohmann::json::parse(R"({
                    "selected": 4, "changed": 1, "would_change": 0, "already": 1,
                    "skipped": 1, "failed": 1, "dry_run": false, "exit_code": 3})"));
    }
}

TEST_CASE("domain_report: exit code rule", "[domain_report]") {
    REQUIRE(outcome_exit_code({}) == ExitCode::ok);
    REQUIRE(outcome_exit_code({outcome("a", Action::changed), outcome("b", Action::already),
                               outcome("c", Action::would_change)}) == ExitCode::ok);
    REQUIRE(outcome_exit_code({outcome("a", Action::changed), outcome("b", Action::skipped)}) ==
            ExitCode::incomplete);
    REQUIRE(outcome_exit_code({outcome("a", Action::failed)}) == ExitCode::incomplete);
}

TEST_CASE("domain_report: the list table and records", "[domain_report]") {
    ListRow web{"web-1",          "running", true,  "custom",
                "Skylake-Client", true,      "vmx", {"restart pending", "has 2 snapshots"}};
    ListRow tmp{"temp-1", "running", false, "none", "", false, "", {}};
    REQUIRE(render_list_table({web, tmp}) ==
            "NAME    STATE    PERSISTENT  CPU MODE                 NESTED  FEATURE  NOTES\n"
            "web-1   running  yes         custom (Skylake-Client)  yes     vmx      restart "
            "pending; has 2 snapshots\n"
            "temp-1  running  transient   none                     no      -\n");
    REQUIRE(list_row_json(tmp) == nlohmann::json::parse(R"({
                "name": "temp-1", "state": "running", "persistent": false, "cpu_mode": "none",
                "model": null, "nested": false, "feature": null, "notes": []})"));
    REQUIRE(list_row_json(web)["model"] == "Skylake-Client");
}
