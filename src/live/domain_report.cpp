// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/domain_report.hpp"

#include <algorithm>
#include <array>
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

} // namespace

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

std::string render_outcomes_text(const std::vector<DomainOutcome>& outcomes,
                                 const ReportStyle& style) {
    std::ostringstream out;
    for (const DomainOutcome& o : outcomes) {
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
        out << o.name << ": " << head;
        if (!o.reason.empty() && o.action != Action::already) {
            out << ": " << o.reason;
        }
        out << '\n';
        for (const std::string& change : o.changes) {
            out << "  - " << change << '\n';
        }
        if (o.restart_required) {
            out << "  note: " << o.state << ": " << k_cold_boot_note << '\n';
        }
        for (const std::string& warning : o.warnings) {
            out << "  warning: " << warning << '\n';
        }
        if (!o.backup.empty()) {
            out << "  backup: " << o.backup << '\n';
        }
        if (style.with_diff && !o.diff.empty()) {
            out << o.diff;
            if (o.diff.back() != '\n') {
                out << '\n';
            }
        }
    }
    out << summary_line(outcomes, style) << '\n';
    return out.str();
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
        {"state", o.state},
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
        {"exit_code", to_int(outcome_exit_code(outcomes))},
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

std::string render_list_table(const std::vector<ListRow>& rows) {
    const std::array<std::string, 7> header = {"NAME",   "STATE",   "PERSISTENT", "CPU MODE",
                                               "NESTED", "FEATURE", "NOTES"};
    std::vector<std::array<std::string, 7>> cells;
    cells.push_back(header);
    for (const ListRow& row : rows) {
        std::string mode = row.cpu_mode;
        if (!row.model.empty()) {
            mode += " (" + row.model + ")";
        }
        cells.push_back({row.name, row.state, row.persistent ? "yes" : "transient", mode,
                         row.nested ? "yes" : "no", row.feature.empty() ? "-" : row.feature,
                         row.notes.empty() ? "" : join(row.notes, "; ")});
    }
    std::array<std::size_t, 7> width{};
    for (const auto& line : cells) {
        for (std::size_t i = 0; i < line.size(); ++i) {
            width[i] = std::max(width[i], line[i].size());
        }
    }
    std::ostringstream out;
    for (const auto& line : cells) {
        std::string text;
        for (std::size_t i = 0; i < line.size(); ++i) {
            text += line[i];
            if (i + 1 < line.size()) {
                text += std::string(width[i] - line[i].size() + 2, ' ');
            }
        }
        text.erase(text.find_last_not_of(' ') + 1);
        out << text << '\n';
    }
    return out.str();
}

nlohmann::json list_row_json(const ListRow& row) {
    return {
        {"name", row.name},
        {"state", row.state},
        {"persistent", row.persistent},
        {"cpu_mode", row.cpu_mode},
        {"model", row.model.empty() ? nlohmann::json(nullptr) : nlohmann::json(row.model)},
        {"nested", row.nested},
        {"feature", row.feature.empty() ? nlohmann::json(nullptr) : nlohmann::json(row.feature)},
        {"notes", row.notes},
    };
}

} // namespace virtnest
