// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/domain_report.hpp"

#include "virtnest/live/nest_target.hpp"
#include "virtnest/rewrite/auto_mode.hpp"
#include "virtnest/util/colour.hpp"
#include "virtnest/util/display_text.hpp"
#include "virtnest/util/shell_quote.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <sstream>

namespace virtnest {
namespace {

std::string already_phrase(std::string_view verb) {
    if (verb == "disable") {
        return "already without nesting";
    }
    if (verb == "revert") {
        return "already as in the backup";
    }
    return "already nest-capable";
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string joined;
    for (const std::string& part : parts) {
        if (!joined.empty()) {
            joined += separator;
        }
        joined += part;
    }
    return joined;
}

std::size_t count(const std::vector<DomainOutcome>& outcomes, Action action) {
    return static_cast<std::size_t>(
        std::count_if(outcomes.begin(), outcomes.end(),
                      [&](const DomainOutcome& o) { return o.action == action; }));
}

// Return "warning: <note> (N domains)" lines, one per host note.
std::string host_note_lines(const std::vector<std::vector<std::string>>& notes_per_item,
                            std::string_view label) {
    std::string lines;
    for (const auto& [note, items] : host_notes(notes_per_item)) {
        lines += std::string(label) + ": " + note + " (" + std::to_string(items) +
                 (items == 1 ? " domain)\n" : " domains)\n");
    }
    return lines;
}

// Count the changes (made or planned) that turned a domain host-passthrough.
std::size_t count_lost_migration(const std::vector<DomainOutcome>& outcomes) {
    return static_cast<std::size_t>(
        std::count_if(outcomes.begin(), outcomes.end(), [](const DomainOutcome& o) {
            return o.loses_migration &&
                   (o.action == Action::changed || o.action == Action::would_change);
        }));
}

} // namespace

std::string host_warning_lines(const std::vector<DomainOutcome>& outcomes) {
    std::vector<std::vector<std::string>> warnings;
    warnings.reserve(outcomes.size());
    for (const DomainOutcome& o : outcomes) {
        warnings.push_back(o.warnings);
    }
    return host_note_lines(warnings, "warning");
}

namespace {

Colour action_colour(Action action) noexcept {
    switch (action) {
    case Action::changed:
    case Action::would_change: return Colour::green;
    case Action::already: return Colour::cyan;
    case Action::skipped: return Colour::yellow;
    case Action::failed: return Colour::red;
    }
    return Colour::red;
}

} // namespace

bool is_host_note(std::string_view warning) noexcept {
    return warning.substr(0, std::string_view(k_unverified_note).size()) == k_unverified_note;
}

std::vector<std::pair<std::string, std::size_t>>
host_notes(const std::vector<std::vector<std::string>>& notes_per_item) {
    std::vector<std::pair<std::string, std::size_t>> found;
    for (const std::vector<std::string>& notes : notes_per_item) {
        for (const std::string& note : notes) {
            if (!is_host_note(note)) {
                continue;
            }
            auto it = std::find_if(found.begin(), found.end(),
                                   [&](const auto& entry) { return entry.first == note; });
            if (it == found.end()) {
                found.emplace_back(note, 1);
            } else {
                ++it->second;
            }
        }
    }
    return found;
}

std::string_view to_string(Action action) noexcept {
    switch (action) {
    case Action::changed: return "changed";
    case Action::would_change: return "would-change";
    case Action::already: return "already";
    case Action::skipped: return "skipped";
    case Action::failed: return "failed";
    }
    return "failed";
}

std::string state_token(std::string_view state) {
    std::string token(state);
    std::replace(token.begin(), token.end(), ' ', '-');
    return token;
}

bool is_shown_when_quiet(const DomainOutcome& outcome) noexcept {
    return outcome.action == Action::skipped || outcome.action == Action::failed;
}

namespace {

// After an enable that waits for a cold boot: how to see, once it booted, that the guest can
// nest. Asking the agent here would taint the domain (custom-ga-command) behind the
// operator's back, so the report names the command that does it.
std::string next_step(const DomainOutcome& o) {
    const std::string verify = "`virt-nest verify " + shell_quote(o.name) + "`";
    if (o.has_agent) {
        return "  then, after the cold boot: " + verify +
               " asks its guest agent for vmx/svm, kvm_intel or kvm_amd and /dev/kvm\n";
    }
    return "  then inside the guest: `grep -cwE 'vmx|svm' /proc/cpuinfo` (above 0) and `ls -l "
           "/dev/kvm` (once kvm_intel or kvm_amd is loaded); from here: " +
           verify + "\n";
}

} // namespace

std::string render_outcome_text(const DomainOutcome& o, const ReportStyle& style) {
    if (style.quiet && !is_shown_when_quiet(o)) {
        return {};
    }
    std::ostringstream out;
    std::string head;
    switch (o.action) {
    case Action::changed: head = style.verb == "revert" ? "reverted" : "changed"; break;
    case Action::would_change:
        head = style.verb == "revert" ? "would revert" : "would change";
        break;
    case Action::already: head = already_phrase(style.verb); break;
    case Action::skipped: head = "skipped"; break;
    case Action::failed: head = "failed"; break;
    }
    if (o.action == Action::already && !o.reason.empty()) {
        head = o.reason; // "already nest-capable (host-passthrough passes vmx)"
    }
    out << escape_control(o.name) << ": " << paint(head, action_colour(o.action), style.colour);
    if (!o.reason.empty() && o.action != Action::already) {
        out << ": " << o.reason;
    }
    out << '\n';
    for (const std::string& change : o.changes) {
        out << "  - " << change << '\n';
    }
    if (o.restart_required) {
        out << "  note: " << o.state << ": " << k_cold_boot_note << '\n';
        if (style.verb == "enable") {
            out << next_step(o);
        }
    } else if (style.verb == "enable" && o.action == Action::already && o.has_agent &&
               o.state == "running") {
        out << "  then: `virt-nest verify " << shell_quote(o.name)
            << "` asks its guest agent whether kvm_intel or kvm_amd is loaded and /dev/kvm is "
               "there\n";
    }
    for (const std::string& warning : o.warnings) {
        if (!is_host_note(warning)) { // said once per host, before the summary
            out << "  warning: " << warning << '\n';
        }
    }
    if (!o.backup.empty()) {
        out << "  backup: " << o.backup << '\n';
    }
    if (style.with_diff && !o.diff.empty()) {
        out << paint_diff(o.diff, style.colour);
        if (o.diff.back() != '\n') {
            out << '\n';
        }
    }
    return out.str();
}

std::string render_outcomes_text(const std::vector<DomainOutcome>& outcomes,
                                 const ReportStyle& style) {
    std::string text;
    for (const DomainOutcome& o : outcomes) {
        text += render_outcome_text(o, style);
    }
    return text + host_warning_lines(outcomes) + summary_line(outcomes, style) + "\n";
}

std::string summary_line(const std::vector<DomainOutcome>& outcomes, const ReportStyle& style) {
    std::vector<std::string> parts;
    const bool revert = style.verb == "revert";
    if (style.dry_run) {
        parts.push_back(std::to_string(count(outcomes, Action::would_change)) +
                        (revert ? " would revert" : " would change"));
    } else {
        parts.push_back(std::to_string(count(outcomes, Action::changed)) +
                        (revert ? " reverted" : " changed"));
    }
    parts.push_back(std::to_string(count(outcomes, Action::already)) + " " +
                    already_phrase(style.verb));
    parts.push_back(std::to_string(count(outcomes, Action::skipped)) + " skipped");
    parts.push_back(std::to_string(count(outcomes, Action::failed)) + " failed");
    std::string line =
        "summary: " + std::to_string(outcomes.size()) + " selected: " + join(parts, ", ");
    if (style.dry_run) {
        line += " (dry run: nothing was defined)";
    }
    if (auto lost = migration_summary(count_lost_migration(outcomes))) {
        line += "; " + *lost;
    }
    return line;
}

nlohmann::json outcome_json(const DomainOutcome& o, const ReportStyle& style) {
    std::string reason = o.reason;
    if (reason.empty() && (o.action == Action::changed || o.action == Action::would_change)) {
        // The text says this in its note line; a JSON consumer gets it here.
        reason = o.restart_required ? k_cold_boot_note : k_next_start_note;
    }
    nlohmann::json record = {
        {"name", o.name},
        {"uuid", o.uuid},
        {"state", state_token(o.state)},
        {"action", to_string(o.action)},
        {"reason", reason},
        {"changes", o.changes},
        {"warnings", o.warnings},
        {"restart_required", o.restart_required},
        {"backup", o.backup.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.backup)},
    };
    if (style.with_diff) {
        record["diff"] = o.diff;
    }
    return record;
}

nlohmann::json summary_json(const std::vector<DomainOutcome>& outcomes, const ReportStyle& style) {
    return {
        {"selected", outcomes.size()},
        {"changed", count(outcomes, Action::changed)},
        {"would_change", count(outcomes, Action::would_change)},
        {"already", count(outcomes, Action::already)},
        {"skipped", count(outcomes, Action::skipped)},
        {"failed", count(outcomes, Action::failed)},
        {"dry_run", style.dry_run},
        {"lost_migration", count_lost_migration(outcomes)},
    };
}

ExitCode outcome_exit_code(const std::vector<DomainOutcome>& outcomes) noexcept {
    for (const DomainOutcome& o : outcomes) {
        if (o.action == Action::skipped || o.action == Action::failed) {
            return ExitCode::incomplete;
        }
    }
    return ExitCode::ok;
}

std::string render_list_table(const std::vector<ListRow>& rows, bool colour) {
    const std::array<std::string, 7> header = {"NAME",   "STATE",   "PERSISTENT", "CPU MODE",
                                               "NESTED", "FEATURE", "NOTES"};
    std::vector<std::array<std::string, 7>> cells;
    cells.push_back(header);
    std::vector<std::vector<std::string>> notes;
    notes.reserve(rows.size());
    for (const ListRow& row : rows) {
        notes.push_back(row.notes);
        std::vector<std::string> own;
        std::copy_if(row.notes.begin(), row.notes.end(), std::back_inserter(own),
                     [](const std::string& note) { return !is_host_note(note); });
        std::string mode = row.cpu_mode;
        if (!row.model.empty()) {
            mode += " (" + row.model + ")";
        }
        cells.push_back({escape_control(row.name), row.state, row.persistent ? "yes" : "transient",
                         mode, row.nested ? "yes" : "no", row.feature.empty() ? "-" : row.feature,
                         own.empty() ? "" : escape_control(join(own, "; "))});
    }
    std::array<std::size_t, 7> width{};
    for (const auto& line : cells) {
        for (std::size_t i = 0; i < line.size(); ++i) {
            width[i] = std::max(width[i], display_width(line[i]));
        }
    }
    std::ostringstream out;
    for (std::size_t row = 0; row < cells.size(); ++row) {
        const auto& line = cells[row];
        std::string text;
        for (std::size_t i = 0; i < line.size(); ++i) {
            // The padding is measured on the plain text; the escape codes take no column.
            const bool nested_cell = colour && row > 0 && i == 4;
            text += nested_cell
                        ? paint(line[i], line[i] == "yes" ? Colour::green : Colour::yellow, true)
                        : line[i];
            if (i + 1 < line.size()) {
                text += std::string(width[i] - display_width(line[i]) + 2, ' ');
            }
        }
        text.erase(text.find_last_not_of(' ') + 1);
        out << text << '\n';
    }
    out << host_note_lines(notes, "note");
    return out.str();
}

nlohmann::json list_row_json(const ListRow& row) {
    return {
        {"name", row.name},
        {"state", state_token(row.state)},
        {"persistent", row.persistent},
        {"cpu_mode", row.cpu_mode},
        {"model", row.model.empty() ? nlohmann::json(nullptr) : nlohmann::json(row.model)},
        {"nested", row.nested},
        {"feature", row.feature.empty() ? nlohmann::json(nullptr) : nlohmann::json(row.feature)},
        {"notes", row.notes},
        {"not_migratable_to", row.not_migratable_to},
    };
}

} // namespace virtnest
