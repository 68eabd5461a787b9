// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Rendering of the live commands' results: the human text, the --json records and the
// summary, and the `list` table. Pure: values in, strings and JSON values out.

#include "virtnest/util/exit_code.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace virtnest {

// What happened to one domain.
enum class Action { changed, would_change, already, skipped, failed };

// Return the JSON spelling: "changed", "would-change", "already", "skipped", "failed".
std::string_view to_string(Action action) noexcept;

// The phrase every report of a CPU change on a running domain carries.
inline constexpr const char* k_cold_boot_note =
    "applies after a cold boot: shut down and start; a guest reboot is not enough";

// The reason a change on a domain that is not running carries in --json.
inline constexpr const char* k_next_start_note = "takes effect the next time the domain starts";

// The outcome of enable/disable/revert for one domain.
struct DomainOutcome {
    std::string name;
    std::string uuid;
    std::string state; // as virsh spells it
    Action action = Action::skipped;
    std::string reason;               // why skipped/failed, what "already" means, what changed
    std::vector<std::string> changes; // one line per change of the <cpu>
    std::vector<std::string> warnings;
    bool restart_required = false; // the change waits for a cold boot
    bool loses_migration = false;  // auto mode made it host-passthrough (see auto_mode)
    bool has_agent = false;        // the definition has a QEMU guest agent channel
    std::string diff;              // unified diff with secrets masked (when asked)
    std::string backup;            // path of the backup taken, if any
};

// How a run of outcomes is worded.
struct ReportStyle {
    std::string_view verb = "enable"; // "enable", "disable", "revert"
    bool dry_run = false;
    bool with_diff = false;
    bool colour = false; // text only: actions and diff lines in colour
    bool quiet = false;  // -q: only the domains that were skipped or failed, and the summary
};

// Return true when `warning` is a fact about the host rather than the domain ("host nesting
// support could not be verified ..."): reports say it once per host, not per domain.
bool is_host_note(std::string_view warning) noexcept;

// Return the distinct host notes (is_host_note) among `notes_per_item`, first seen first,
// each with the number of items that carry it.
std::vector<std::pair<std::string, std::size_t>>
host_notes(const std::vector<std::vector<std::string>>& notes_per_item);

// Return a state as the JSON documents spell it: virsh's words joined by '-' ("shut-off").
std::string state_token(std::string_view state);

// Return true when -q shows the outcome: the domain was skipped or failed.
bool is_shown_when_quiet(const DomainOutcome& outcome) noexcept;

// Return one domain's block of the human report (its line, then changes, notes, warnings,
// backup and diff), or "" when style.quiet hides it.
std::string render_outcome_text(const DomainOutcome& outcome, const ReportStyle& style);

// Return "warning: <note> (N domains)", once per host note among the outcomes' warnings
// (the per-domain blocks leave them out).
std::string host_warning_lines(const std::vector<DomainOutcome>& outcomes);

// Return the human report: one block per domain (render_outcome_text), then each host note
// once, then the summary line.
std::string render_outcomes_text(const std::vector<DomainOutcome>& outcomes,
                                 const ReportStyle& style);

// Return one domain's --json record (name, uuid, state, action, reason, changes, warnings,
// restart_required, backup, and diff when asked). A change without a reason gets when it
// takes effect (k_cold_boot_note or k_next_start_note).
nlohmann::json outcome_json(const DomainOutcome& outcome, const ReportStyle& style);

// Return the --json summary: counts per action, total, dry_run, and lost_migration (the
// changes that made a domain host-passthrough).
nlohmann::json summary_json(const std::vector<DomainOutcome>& outcomes, const ReportStyle& style);

// Return the summary line ("summary: 4 selected: 2 changed, ..."), followed by how many
// domains became host-passthrough and lost cross-host migration, when any did.
std::string summary_line(const std::vector<DomainOutcome>& outcomes, const ReportStyle& style);

// Return ok when every domain ended (or would end) in the requested state, incomplete
// when any was skipped or failed.
ExitCode outcome_exit_code(const std::vector<DomainOutcome>& outcomes) noexcept;

// One row of `list`.
struct ListRow {
    std::string name;
    std::string state;
    bool persistent = true;
    std::string cpu_mode;           // "host-passthrough", ..., "none"
    std::string model;              // custom model, may be empty
    bool nested = false;            // the config hands vmx/svm to the guest
    std::string feature;            // "vmx", "svm", or "" when unknown
    std::vector<std::string> notes; // restart pending, managed save, snapshots, unverified
    std::vector<std::string> not_migratable_to{}; // other hosts of the run that cannot run its CPU
};

// Return the `list` table: a header and one aligned row per domain, then each host note
// once (not in the NOTES column).
// With `colour`, NESTED is green (yes) or yellow (no).
std::string render_list_table(const std::vector<ListRow>& rows, bool colour = false);

// Return one `list --json` object: name, state, persistent, cpu_mode, model, nested,
// feature (null when unknown), notes, not_migratable_to (the other hosts of the run that
// cannot run its CPU).
nlohmann::json list_row_json(const ListRow& row);

} // namespace virtnest
