// SPDX-License-Identifier: GPL-2.0-or-later
// revert on one connection: restore the latest (or the named) backup, with the same safety
// as enable: refusals, a backup of what is replaced, the concurrency re-check.
#include "live/live_common.hpp"
#include "virtnest/live/live_commands.hpp"

#include "virtnest/live/backup_store.hpp"
#include "virtnest/live/cpu_inspect.hpp"
#include "virtnest/live/nest_planner.hpp"
#include "virtnest/xml/secret_mask.hpp"
#include "virtnest/xml/xml_diff.hpp"
#include "virtnest/xml/xml_document.hpp"

#include <pugixml.hpp>

namespace virtnest {
namespace {

struct RevertRun {
    const Connection& conn;
    const RevertOptions& options;
    RunObserver& observer;
    const BackupStore& store;
    DomainMarks marks;
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
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
        if (it->kind == BackupKind::revert || it->path.filename() >= bad.filename()) {
            continue;
        }
        try {
            if (inspect_cpu(read_backup(it->path)).uuid == uuid) {
                return it->path;
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

// Back up what is defined now, re-check it and define the backup.
DomainOutcome restore(RevertRun& run, const ListedDomain& item, const std::string& current,
                      const std::string& backup_xml, const std::filesystem::path& source,
                      DomainOutcome outcome) {
    const std::filesystem::path undo =
        run.store.save(outcome.uuid, outcome.name, current, BackupKind::revert);
    if (!still_as_read(item.domain, current, undo, run.observer)) {
        outcome.reason = k_changed_concurrently;
        return outcome;
    }
    outcome.backup = undo.string();
    Domain defined = run.conn.define(backup_xml, run.options.validate, outcome.name);
    if (defined.xml(XmlView::inactive_secure) != backup_xml) {
        outcome.warnings.emplace_back("libvirt normalized the restored definition; it differs "
                                      "from the backup in formatting or defaults");
    }
    outcome.action = Action::changed;
    outcome.reason = "restored \"" + source.string() + "\"";
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
    if (current == backup_xml) {
        outcome.action = Action::already;
        outcome.reason = "already as in \"" + source->string() + "\"";
        return outcome;
    }
    const bool saved =
        item.persistent && !is_active(item.state) && run.marks.has_managed_save(outcome.uuid);
    if (auto refusal = safety_refusal({*from_backup, item.state, item.persistent, saved})) {
        if (!run.options.force) {
            outcome.reason = *refusal;
            return outcome;
        }
        outcome.warnings.push_back("forced: " + *refusal);
    }
    outcome.reason = "restore \"" + source->string() + "\"";
    outcome.restart_required = is_active(item.state);
    if (run.options.diff) {
        outcome.diff = unified_diff(mask_secrets(current), mask_secrets(backup_xml),
                                    outcome.name + " (current)", outcome.name + " (backup)");
    }
    if (run.options.dry_run) {
        outcome.action = Action::would_change;
        return outcome;
    }
    return restore(run, item, current, backup_xml, *source, std::move(outcome));
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
    const BackupStore store(backup_dir_or_default(options.backup_dir), conn.uri());
    if (options.selection.all && !options.backup_file) {
        // --all means every domain that has something to revert to.
        std::erase_if(selected, [&](std::size_t index) {
            return !store.latest(listed[index].domain.uuid()).has_value();
        });
    }
    RevertRun run{conn, options, observer, store, DomainMarks(conn)};
    std::string lost;
    std::vector<DomainOutcome> outcomes = for_each_selected(
        listed, selected, [&](const ListedDomain& item) { return revert_one(run, item); }, observer,
        lost);
    ReportStyle style;
    style.verb = "revert";
    style.dry_run = options.dry_run;
    style.with_diff = options.diff;
    return finish_run(outcomes, style, lost);
}

} // namespace virtnest
