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
                "  then inside the guest: `grep -cwE 'vmx|svm' /proc/cpuinfo` (above 0) and `ls "
                "-l /dev/kvm` (once kvm_intel or kvm_amd is loaded); from here: `virt-nest "
                "verify web-1`\n"
                "  warning: has 1 snapshot: reverting to one restores the CPU it was taken with\n"
                "  backup: /b/web-1.xml\n"
                "db-1: already nest-capable (host-passthrough passes vmx)\n"
                "db-2: skipped: transient domain\n"
                "db-3: failed: cannot define domain \"db-3\": boom\n"
                "summary: 4 selected: 1 changed, 1 already nest-capable, 1 skipped, 1 failed\n");
    }
    SECTION("a domain with a guest agent channel: verify asks it") {
        DomainOutcome changed = outcome("web-1", Action::changed);
        changed.state = "running";
        changed.restart_required = true;
        changed.has_agent = true;
        DomainOutcome already = outcome("db-1", Action::already);
        already.state = "running";
        already.has_agent = true;
        DomainOutcome off = already;
        off.name = "db-2";
        off.state = "shut off";
        REQUIRE(render_outcomes_text({changed, already, off}, style) ==
                "web-1: changed\n"
                "  note: running: applies after a cold boot: shut down and start; a guest reboot "
                "is not enough\n"
                "  then, after the cold boot: `virt-nest verify web-1` asks its guest agent for "
                "vmx/svm, kvm_intel or kvm_amd and /dev/kvm\n"
                "db-1: already nest-capable\n"
                "  then: `virt-nest verify db-1` asks its guest agent whether kvm_intel or "
                "kvm_amd is loaded and /dev/kvm is there\n"
                "db-2: already nest-capable\n"
                "summary: 3 selected: 1 changed, 2 already nest-capable, 0 skipped, 0 "
                "failed\n");
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
                    "skipped": 1, "failed": 1, "dry_run": false, "lost_migration": 0})"));
    }
}

TEST_CASE("domain_report: the summary counts domains that lost cross-host migration",
          "[domain_report]") {
    ReportStyle style;
    DomainOutcome lost = outcome("web-1", Action::changed);
    lost.loses_migration = true;
    DomainOutcome also = outcome("web-2", Action::changed);
    also.loses_migration = true;
    DomainOutcome kept = outcome("web-3", Action::changed);
    DomainOutcome refused = outcome("web-4", Action::skipped);
    refused.loses_migration = true; // not changed: not counted
    const std::vector<DomainOutcome> run{lost, also, kept, refused};
    REQUIRE(summary_line(run, style) ==
            "summary: 4 selected: 3 changed, 0 already nest-capable, 1 skipped, 0 failed; 2 "
            "domains became host-passthrough and lost live migration between hosts that are not "
            "identical; see docs/choosing-a-mode.md");
    REQUIRE(summary_json(run, style)["lost_migration"] == 2);
    SECTION("a dry run counts what would change") {
        style.dry_run = true;
        lost.action = Action::would_change;
        REQUIRE_THAT(summary_line({lost}, style),
                     Catch::Matchers::EndsWith("(dry run: nothing was defined); 1 domain became "
                                               "host-passthrough and lost live migration between "
                                               "hosts that are not identical; see "
                                               "docs/choosing-a-mode.md"));
    }
    SECTION("a state is a token, never prose") {
        DomainOutcome off = outcome("web-4", Action::already);
        off.state = "shut off";
        REQUIRE(outcome_json(off, style)["state"] == "shut-off");
        REQUIRE(state_token("in shutdown") == "in-shutdown");
        REQUIRE(state_token("running") == "running");
    }
}

TEST_CASE("domain_report: -q shows only what was skipped or failed", "[domain_report]") {
    ReportStyle style;
    style.quiet = true;
    const std::vector<DomainOutcome> run = mixed_run();
    std::string text = render_outcomes_text(run, style);
    for (const DomainOutcome& o : run) {
        CAPTURE(o.name);
        REQUIRE((text.find(o.name + ": ") != std::string::npos) == is_shown_when_quiet(o));
    }
    REQUIRE(render_outcome_text(outcome("a", Action::changed), style).empty());
    REQUIRE_THAT(text, Catch::Matchers::EndsWith(summary_line(run, style) + "\n"));
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
                "model": null, "nested": false, "feature": null, "notes": [],
                "not_migratable_to": []})"));
    REQUIRE(list_row_json(web)["model"] == "Skylake-Client");
    web.not_migratable_to = {"qemu+ssh://kvm-b/system"};
    REQUIRE(list_row_json(web)["not_migratable_to"] ==
            nlohmann::json::parse(R"(["qemu+ssh://kvm-b/system"])"));
}

TEST_CASE("domain_report: 11.21 the list table escapes names and aligns by display width",
          "[domain_report]") {
    ListRow cafe{"caf\xc3\xa9", "running", true, "none", "", false, "", {}};
    ListRow spoof{"x\rweb-1", "shut off", true, "none", "", false, "", {}};
    REQUIRE(render_list_table({cafe, spoof}) ==
            "NAME      STATE     PERSISTENT  CPU MODE  NESTED  FEATURE  NOTES\n"
            "caf\xc3\xa9      running   yes         none      no      -\n"
            "x\\rweb-1  shut off  yes         none      no      -\n");
}

TEST_CASE("domain_report: a fact about the host is said once, not per domain", "[domain_report]") {
    const std::string unverified =
        "host nesting support could not be verified (the driver reports no domain capabilities)";
    REQUIRE(is_host_note(unverified));
    REQUIRE_FALSE(is_host_note("has 1 snapshot: reverting to one restores the CPU"));
    SECTION("enable's report") {
        DomainOutcome a = outcome("web-1", Action::would_change);
        a.warnings = {unverified, "has 1 snapshot"};
        DomainOutcome b = outcome("web-2", Action::would_change);
        b.warnings = {unverified};
        DomainOutcome c = outcome("db-1", Action::already, "already nest-capable");
        REQUIRE(render_outcomes_text({a, b, c}, ReportStyle{"enable", true, false}) ==
                "web-1: would change\n"
                "  warning: has 1 snapshot\n"
                "web-2: would change\n"
                "db-1: already nest-capable\n"
                "warning: " +
                    unverified +
                    " (2 domains)\n"
                    "summary: 3 selected: 2 would change, 1 already nest-capable, 0 skipped, 0 "
                    "failed (dry run: nothing was defined)\n");
        // JSON consumers read one record at a time: each keeps its warnings.
        REQUIRE(outcome_json(b, ReportStyle{})["warnings"] == nlohmann::json::array({unverified}));
    }
    SECTION("list's table") {
        ListRow web{"web-1", "shut off", true,  "host-passthrough",
                    "",      false,      "vmx", {"host nesting support could not be verified"}};
        ListRow db{
            "db-1", "shut off",
            true,   "host-passthrough",
            "",     false,
            "vmx",  {"managed-save image present", "host nesting support could not be verified"}};
        REQUIRE(render_list_table({web, db}) ==
                "NAME   STATE     PERSISTENT  CPU MODE          NESTED  FEATURE  NOTES\n"
                "web-1  shut off  yes         host-passthrough  no      vmx\n"
                "db-1   shut off  yes         host-passthrough  no      vmx      managed-save "
                "image present\n"
                "note: host nesting support could not be verified (2 domains)\n");
    }
    SECTION("host_notes counts each distinct note") {
        auto notes = host_notes({{unverified},
                                 {"x"},
                                 {unverified, "host nesting support could "
                                              "not be verified (other)"}});
        REQUIRE(notes.size() == 2);
        REQUIRE(notes[0] == std::make_pair(unverified, std::size_t{2}));
        REQUIRE(notes[1].second == 1);
    }
}

TEST_CASE("domain_report: colour only when asked, never in JSON", "[domain_report]") {
    DomainOutcome changed = outcome("web-1", Action::would_change);
    changed.diff = "--- web-1\n+++ web-1 (rewritten)\n-<cpu/>\n+<cpu mode='host-model'/>\n";
    DomainOutcome failed = outcome("db-3", Action::failed, "boom");
    ReportStyle plain{"enable", true, true};
    ReportStyle coloured{"enable", true, true, true};
    const std::string text = render_outcomes_text({changed, failed}, plain);
    REQUIRE(text.find('\033') == std::string::npos);
    const std::string painted = render_outcomes_text({changed, failed}, coloured);
    REQUIRE_THAT(painted, Catch::Matchers::StartsWith("web-1: \033[32mwould change\033[0m\n"));
    REQUIRE_THAT(painted, Catch::Matchers::Contains("db-3: \033[31mfailed\033[0m: boom\n"));
    REQUIRE_THAT(painted, Catch::Matchers::Contains("\033[32m+<cpu mode='host-model'/>\033[0m\n"));
    REQUIRE(outcome_json(changed, coloured).dump().find('\033') == std::string::npos);

    ListRow web{"web-1", "shut off", true, "host-passthrough", "", true, "vmx", {}};
    ListRow db{"db-1", "shut off", true, "custom", "", false, "vmx", {}};
    REQUIRE(render_list_table({web, db}, true) ==
            "NAME   STATE     PERSISTENT  CPU MODE          NESTED  FEATURE  NOTES\n"
            "web-1  shut off  yes         host-passthrough  \033[32myes\033[0m     vmx\n"
            "db-1   shut off  yes         custom            \033[33mno\033[0m      vmx\n");
}
