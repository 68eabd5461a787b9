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

DomainOutcome revert_one(const Connection& conn, const RevertOptions& options,
                         const BackupStore& store, DomainMarks& marks, const ListedDomain& item) {
    DomainOutcome outcome = outcome_for(item);
    const Domain& dom = item.domain;

    std::filesystem::path source;
    if (options.backup_file) {
        source = *options.backup_file;
    } else if (auto latest = store.latest(outcome.uuid)) {
        source = latest->path;
    } else {
        outcome.reason = "no backup of this domain in \"" +
                         store.domain_dir(outcome.uuid).string() +
                         "\": nothing to revert to (use --backup FILE or --backup-dir DIR)";
        return outcome;
    }
    std::string backup_xml = read_backup(source);
    CpuFacts backup_facts;
    try {
        backup_facts = inspect_cpu(backup_xml);
    } catch (const Error& e) {
        outcome.reason =
            "backup \"" + source.string() + "\" is not a domain definition: " + e.what();
        if (!options.backup_file) {
            if (auto older = older_valid_backup(store, outcome.uuid, source)) {
                outcome.reason += "; the next older valid backup is \"" + older->string() +
                                  "\" (use --backup " + older->string() + ")";
            }
        }
        return outcome;
    }
    if (backup_facts.uuid != outcome.uuid) {
        outcome.reason = "backup \"" + source.string() + "\" belongs to domain \"" +
                         backup_facts.name + "\" (" + backup_facts.uuid + "), not to this one";
        return outcome;
    }
    if (backup_facts.name != outcome.name) {
        // The UUID is the identity; a `virsh domrename` since the backup keeps its new name.
        backup_xml = with_name(backup_xml, outcome.name);
        outcome.warnings.push_back("the backup was taken when the domain was named \"" +
                                   backup_facts.name + "\"; restored keeping its name \"" +
                                   outcome.name + "\"");
        backup_facts.name = outcome.name;
    }

    const std::string current = dom.xml(XmlView::inactive_secure);
    if (current == backup_xml) {
        outcome.action = Action::already;
        outcome.reason = "already as in \"" + source.string() + "\"";
        return outcome;
    }
    DomainFacts facts;
    facts.cpu = backup_facts;
    facts.state = item.state;
    facts.persistent = item.persistent;
    facts.managed_save =
        item.persistent && !is_active(item.state) && marks.has_managed_save(outcome.uuid);
    if (auto refusal = safety_refusal(facts)) {
        if (!options.force) {
            outcome.reason = *refusal;
            return outcome;
        }
        outcome.warnings.push_back("forced: " + *refusal);
    }

    outcome.reason = "restore \"" + source.string() + "\"";
    outcome.restart_required = is_active(item.state);
    if (options.diff) {
        outcome.diff = unified_diff(mask_secrets(current), mask_secrets(backup_xml),
                                    outcome.name + " (current)", outcome.name + " (backup)");
    }
    if (options.dry_run) {
        outcome.action = Action::would_change;
        return outcome;
    }
    const std::filesystem::path undo =
        store.save(outcome.uuid, outcome.name, current, BackupKind::revert);
    if (!still_as_read(dom, current, undo, options.before_recheck)) {
        outcome.reason = k_changed_concurrently;
        return outcome;
    }
    outcome.backup = undo.string();
    Domain defined = conn.define(backup_xml, options.validate, outcome.name);
    if (defined.xml(XmlView::inactive_secure) != backup_xml) {
        outcome.warnings.emplace_back("libvirt normalized the restored definition; it differs "
                                      "from the backup in formatting or defaults");
    }
    outcome.action = Action::changed;
    outcome.reason = "restored \"" + source.string() + "\"";
    return outcome;
}

} // namespace

RunOutcome revert_on(const Connection& conn, const RevertOptions& options) {
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
    DomainMarks marks(conn);
    std::string lost;
    std::vector<DomainOutcome> outcomes = for_each_selected(
        listed, selected,
        [&](const ListedDomain& item) { return revert_one(conn, options, store, marks, item); },
        lost);
    ReportStyle style;
    style.verb = "revert";
    style.dry_run = options.dry_run;
    style.with_diff = options.diff;
    return finish_run(outcomes, style, lost);
}

} // namespace virtnest
