// revert on one connection: restore the latest (or the named) backup, with the same safety
// as enable: refusals, a backup of what is replaced, the concurrency re-check.
#include "live/live_common.hpp"
#include "virtnest/live/live_commands.hpp"

#include "virtnest/live/backup_store.hpp"
#include "virtnest/live/cpu_inspect.hpp"
#include "virtnest/live/nest_planner.hpp"
#include "virtnest/xml/secret_mask.hpp"
#include "virtnest/xml/xml_diff.hpp"

namespace virtnest {
namespace {

struct RevertRun {
    const Connection& conn;
    const RevertOptions& options;
    RunObserver& observer;
    const BackupStore& store;
    DomainMarks marks;
};

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
// `outcome` when it is not a definition of it.
std::optional<CpuFacts> backup_facts(const std::filesystem::path& source,
                                     const std::string& backup_xml, DomainOutcome& outcome) {
    CpuFacts facts;
    try {
        facts = inspect_cpu(backup_xml);
    } catch (const Error& e) {
        outcome.reason =
            "backup \"" + source.string() + "\" is not a domain definition: " + e.what();
        return std::nullopt;
    }
    if (facts.uuid != outcome.uuid || facts.name != outcome.name) {
        outcome.reason = "backup \"" + source.string() + "\" belongs to domain \"" + facts.name +
                         "\" (" + facts.uuid + "), not to this one";
        return std::nullopt;
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
    const std::string backup_xml = read_backup(*source);
    const std::optional<CpuFacts> from_backup = backup_facts(*source, backup_xml, outcome);
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
