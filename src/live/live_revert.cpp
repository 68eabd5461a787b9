// SPDX-License-Identifier: GPL-2.0-or-later
// revert on one connection: restore the latest (or the named) backup, with the same safety
// as enable: refusals, a backup of what is replaced, the concurrency re-check.
#include "live/live_common.hpp"
#include "virtnest/live/live_commands.hpp"

#include "virtnest/live/backup_store.hpp"
#include "virtnest/live/change_log.hpp"
#include "virtnest/live/cpu_inspect.hpp"
#include "virtnest/live/nest_planner.hpp"
#include "virtnest/rewrite/nest_restore.hpp"
#include "virtnest/xml/secret_mask.hpp"
#include "virtnest/xml/xml_diff.hpp"
#include "virtnest/xml/xml_document.hpp"

#include <pugixml.hpp>

#include <algorithm>

namespace virtnest {
namespace {

struct RevertRun {
    const Connection& conn;
    const RevertOptions& options;
    RunGate& gate;
    const BackupStore& store;
    DomainMarks marks;
    const DefinitionWatch* watch = nullptr; // a real run's lifecycle events; null: none
};

// Return `domain_xml` with its <name> set to `name`, everything else as it was printed.
std::string with_name(const std::string& domain_xml, const std::string& name) {
    pugi::xml_document doc = parse_domain_xml(domain_xml, "backup");
    doc.document_element().child("name").text().set(name.c_str());
    return format_xml(doc);
}

// Return the newest enable/disable backup of `uuid` older than `bad` that reads as this
// domain's definition; nullopt when there is none.
std::optional<std::filesystem::path> older_valid_backup(const BackupStore& store,
                                                        const std::string& uuid,
                                                        const std::filesystem::path& bad) {
    std::vector<BackupEntry> entries = store.list(uuid);
    std::reverse(entries.begin(), entries.end()); // newest first
    for (const BackupEntry& entry : entries) {
        if (entry.kind == BackupKind::revert || entry.path.filename() >= bad.filename()) {
            continue;
        }
        try {
            if (inspect_cpu(read_backup(entry.path)).uuid == uuid) {
                return entry.path;
            }
        } catch (const Error&) {
            continue; // corrupt too: look further back
        }
    }
    return std::nullopt;
}

// Return the backup to restore: --backup, else the domain's latest; nullopt with the reason
// in `outcome` when there is none.
std::optional<std::filesystem::path> backup_source(const RevertRun& run, DomainOutcome& outcome) {
    if (run.options.backup_file) {
        return *run.options.backup_file;
    }
    if (auto latest = run.store.latest(outcome.uuid)) {
        return latest->path;
    }
    outcome.reason = "no backup of this domain in \"" +
                     run.store.domain_dir(outcome.uuid).string() +
                     "\": nothing to revert to (use --backup FILE or --backup-dir DIR)";
    return std::nullopt;
}

// Return the CPU facts of a backup that belongs to this domain; nullopt with the reason in
// `outcome` when it is not a definition of it (naming the next older valid backup when the
// newest is corrupt). The UUID is the identity: the backup of a domain renamed since
// (`virsh domrename`) gets the current name in `backup_xml`, with a warning.
std::optional<CpuFacts> backup_facts(const RevertRun& run, const std::filesystem::path& source,
                                     std::string& backup_xml, DomainOutcome& outcome) {
    CpuFacts facts;
    try {
        facts = inspect_cpu(backup_xml);
    } catch (const Error& e) {
        outcome.reason =
            "backup \"" + source.string() + "\" is not a domain definition: " + e.what();
        if (!run.options.backup_file) {
            if (auto older = older_valid_backup(run.store, outcome.uuid, source)) {
                outcome.reason += "; the next older valid backup is \"" + older->string() +
                                  "\" (use --backup " + older->string() + ")";
            }
        }
        return std::nullopt;
    }
    if (facts.uuid != outcome.uuid) {
        outcome.reason = "backup \"" + source.string() + "\" belongs to domain \"" + facts.name +
                         "\" (" + facts.uuid + "), not to this one";
        return std::nullopt;
    }
    if (facts.name != outcome.name) {
        backup_xml = with_name(backup_xml, outcome.name);
        outcome.warnings.push_back("the backup was taken when the domain was named \"" +
                                   facts.name + "\"; restored keeping its name \"" + outcome.name +
                                   "\"");
        facts.name = outcome.name;
    }
    return facts;
}

// What revert defines, and what it is called in the report.
struct RevertTarget {
    std::string xml;  // empty: nothing to put back (the reason is in the outcome)
    std::string what; // "the CPU of "<file>"", or ""<file>"" with --whole
};

// The entire backup (--whole), or the current definition with the backup's nesting parts
// (their change lines go to `outcome`).
RevertTarget revert_target(const RevertRun& run, const std::string& current,
                           const std::string& backup_xml, const std::filesystem::path& source,
                           DomainOutcome& outcome) {
    const std::string quoted_source = "\"" + source.string() + "\"";
    if (run.options.whole) {
        if (current == backup_xml) {
            outcome.action = Action::already;
            outcome.reason = "already as in " + quoted_source;
            return {};
        }
        return {backup_xml, quoted_source};
    }
    NestRestore restored = restore_nest_parts(current, backup_xml);
    if (restored.changes.empty()) {
        outcome.action = Action::already;
        outcome.reason = "the CPU is already as in " + quoted_source +
                         (current == backup_xml ? "" : " (--whole restores the rest)");
        return {};
    }
    outcome.changes = std::move(restored.changes);
    return {std::move(restored.xml), "the CPU of " + quoted_source};
}

// Back up what is defined now, re-check it and define `target`.
DomainOutcome restore(RevertRun& run, const ListedDomain& item, const std::string& current,
                      const RevertTarget& target, DomainOutcome outcome) {
    const std::filesystem::path undo =
        run.store.save(outcome.uuid, outcome.name, current, BackupKind::revert);
    const std::string stopped = run.gate.admit_define(item.domain);
    if (!stopped.empty()) {
        // Not changed, so its undo backup would only mislead a later revert.
        std::error_code ec;
        std::filesystem::remove(undo, ec);
        return not_attempted(item, stopped);
    }
    const DefinitionEvents before =
        run.watch != nullptr ? run.watch->events_of(outcome.uuid) : DefinitionEvents{};
    if (!still_as_read(item.domain, current, undo)) {
        outcome.reason = k_changed_concurrently;
        return outcome;
    }
    outcome.backup = undo.string();
    const DefinitionEvents at_define =
        run.watch != nullptr ? run.watch->events_of(outcome.uuid) : DefinitionEvents{};
    Domain defined = run.conn.define(target.xml, run.options.validate, outcome.name);
    const std::string defined_xml = defined.xml(XmlView::inactive_secure);
    if (run.watch != nullptr) {
        if (auto conflict = outside_write(
                *run.watch, item.domain, outcome.uuid, before, at_define, defined_xml,
                outcome.backup, std::chrono::steady_clock::now() + k_event_wait,
                std::chrono::steady_clock::now() + k_event_settle, outcome.warnings)) {
            outcome.action = Action::failed;
            outcome.reason = std::move(*conflict);
            return outcome;
        }
    }
    log_change({"revert", run.conn.uri(), outcome.name, outcome.uuid,
                std::string(to_string(inspect_cpu(current).mode)),
                std::string(to_string(inspect_cpu(defined_xml).mode)), outcome.backup});
    if (defined_xml != target.xml) {
        outcome.warnings.emplace_back("libvirt normalized the restored definition; it differs "
                                      "from what was restored in formatting or defaults");
    }
    outcome.action = Action::changed;
    outcome.reason = "restored " + target.what;
    return outcome;
}

DomainOutcome revert_one(RevertRun& run, const ListedDomain& item) {
    DomainOutcome outcome = outcome_for(item);
    const std::optional<std::filesystem::path> source = backup_source(run, outcome);
    if (!source) {
        return outcome;
    }
    std::string backup_xml = read_backup(*source);
    const std::optional<CpuFacts> from_backup = backup_facts(run, *source, backup_xml, outcome);
    if (!from_backup) {
        return outcome;
    }
    const std::string current = item.domain.xml(XmlView::inactive_secure);
    const RevertTarget target = revert_target(run, current, backup_xml, *source, outcome);
    if (target.xml.empty()) {
        return outcome;
    }
    const bool saved =
        item.persistent && !is_active(item.state) && run.marks.has_managed_save(outcome.uuid);
    if (auto refusal =
            safety_refusal({*from_backup, item.state, item.persistent, saved}, run.options.uri)) {
        if (!run.options.force) {
            outcome.reason = *refusal;
            outcome.changes.clear();
            return outcome;
        }
        outcome.warnings.push_back("forced: " + *refusal);
    }
    outcome.reason = "restore " + target.what;
    outcome.restart_required = is_active(item.state);
    if (run.options.diff) {
        const MaskedPair masked = mask_secrets_pair(current, target.xml);
        outcome.diff = unified_diff(masked.before, masked.after, outcome.name + " (current)",
                                    outcome.name + " (restored)");
    }
    if (run.options.dry_run) {
        outcome.action = Action::would_change;
        return outcome;
    }
    return restore(run, item, current, target, std::move(outcome));
}

} // namespace

RunOutcome revert_on(const Connection& conn, const RevertOptions& options, RunObserver& observer) {
    const std::optional<HostLock> lock = lock_host(conn, options);
    std::vector<ListedDomain> listed = conn.list_all_domains_with_state();
    std::vector<std::size_t> selected = select_listed(listed, options.selection);
    if (options.backup_file && selected.size() != 1) {
        throw Error("--backup names one file, so it needs exactly one domain; " +
                        std::to_string(selected.size()) + " are selected",
                    ExitCode::usage);
    }
    const BackupStore store = backup_store_for(conn, options.backup_dir);
    if (options.selection.all && !options.backup_file) {
        // --all means every domain that has something to revert to.
        std::erase_if(selected, [&](std::size_t index) {
            return !store.latest(listed[index].domain.uuid()).has_value();
        });
    }
    RunGate gate(observer);
    const std::unique_ptr<DefinitionWatch> watch =
        options.dry_run ? nullptr : conn.watch_definitions();
    RevertRun run{conn, options, gate, store, DomainMarks(conn), watch.get()};
    std::string lost;
    std::vector<DomainOutcome> outcomes = for_each_selected(
        listed, selected, [&](const ListedDomain& item) { return revert_one(run, item); }, gate,
        lost);
    ReportStyle style;
    style.verb = "revert";
    style.dry_run = options.dry_run;
    style.with_diff = options.diff;
    style.colour = options.colour;
    style.quiet = options.quiet;
    return finish_run(outcomes, style, lost);
}

} // namespace virtnest
