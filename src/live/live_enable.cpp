// enable/disable on one connection: read, plan, rewrite, back up, re-check, define, verify.
#include "live/live_common.hpp"
#include "virtnest/live/live_commands.hpp"

#include "virtnest/live/backup_store.hpp"
#include "virtnest/live/cpu_inspect.hpp"
#include "virtnest/live/nest_target_cache.hpp"
#include "virtnest/xml/secret_mask.hpp"
#include "virtnest/xml/xml_diff.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

namespace virtnest {
namespace {

struct EnableRun {
    const Connection& conn;
    const EnableOptions& options;
    NestTargetCache targets;
    DomainMarks marks;
    std::optional<BackupStore> store; // created on the first backup, never in a dry run

    const BackupStore& backups() {
        if (!store) {
            store.emplace(backup_dir_or_default(options.backup_dir), conn.uri());
        }
        return *store;
    }
};

std::string snapshot_warning(int count) {
    return "has " + std::to_string(count) + (count == 1 ? " snapshot" : " snapshots") +
           ": reverting to one restores the CPU it was taken with";
}

std::string feature_text(const std::optional<NestFeature>& feature) {
    return feature ? std::string(to_string(*feature)) : std::string("vmx/svm");
}

// Return why the defined CPU is not what was meant; nullopt when it is.
std::optional<std::string> verify_defined(const std::string& defined_xml, const Plan& plan,
                                          const NestOptions& options) {
    const CpuFacts defined = inspect_cpu(defined_xml);
    std::vector<NestFeature> features;
    if (plan.feature) {
        features.push_back(*plan.feature);
    } else {
        features = {NestFeature::vmx, NestFeature::svm};
    }
    if (options.nesting == Nesting::enable) {
        if (plan.request.mode && defined.mode != *plan.request.mode) {
            return "libvirt stored CPU mode \"" + std::string(to_string(defined.mode)) +
                   "\" instead of \"" + std::string(to_string(*plan.request.mode)) + "\"";
        }
        for (NestFeature feature : features) {
            if (plan.feature && !passes_feature(defined, feature, true)) {
                return "libvirt's stored CPU does not pass " + feature_text(feature);
            }
            auto policy = policy_of(defined, feature);
            if (policy == FeaturePolicy::disable || policy == FeaturePolicy::forbid) {
                return "libvirt's stored CPU still blocks " + feature_text(feature);
            }
        }
        return std::nullopt;
    }
    for (NestFeature feature : features) {
        auto policy = policy_of(defined, feature);
        if (policy != FeaturePolicy::disable && policy != FeaturePolicy::forbid &&
            passes_feature(defined, feature, true)) {
            return "libvirt's stored CPU still passes " + feature_text(feature);
        }
    }
    return std::nullopt;
}

// An "already" domain that runs may still run the old CPU: say so, so a fleet run tells the
// operator which guests still need their cold boot.
DomainOutcome already(DomainOutcome outcome, const Domain& dom, const CpuFacts& inactive,
                      DomainState state) {
    outcome.action = Action::already;
    if (is_active(state) && restart_pending(inactive, inspect_cpu(dom.xml(XmlView::live)))) {
        outcome.restart_required = true;
        outcome.reason += "; the running guest still has its old CPU";
    }
    return outcome;
}

// A change that has its backup written and waits for the batch's sync, then its define.
struct PendingChange {
    std::size_t slot = 0; // index into the run's outcomes
    const ListedDomain* item = nullptr;
    std::string xml;     // what was read, and backed up
    std::string new_xml; // what will be defined
    Plan plan;
    std::filesystem::path backup;
};

// Read, plan and rewrite one domain; a change in a real run also gets its backup written.
// Return the finished outcome, or the outcome so far plus the pending change.
DomainOutcome prepare_one(EnableRun& run, const ListedDomain& item,
                          std::optional<PendingChange>& pending) {
    const NestOptions& nest = run.options.nest;
    DomainOutcome outcome = outcome_for(item);
    const Domain& dom = item.domain;

    const std::string xml = dom.xml(XmlView::inactive_secure);
    DomainFacts facts;
    facts.cpu = inspect_cpu(xml);
    facts.state = item.state;
    facts.persistent = item.persistent;
    const NestTarget& target = run.targets.get(facts.cpu.caps_key);

    Plan plan = plan_domain(facts, target, nest);
    outcome.warnings = plan.warnings;
    if (plan.action == PlanAction::already) {
        outcome.reason = plan.reason;
        return already(std::move(outcome), dom, facts.cpu, item.state);
    }
    const bool safety_skip = plan.action == PlanAction::skip && safety_refusal(facts).has_value();
    if (plan.action == PlanAction::skip && !safety_skip) {
        outcome.reason = plan.reason;
        return outcome;
    }

    RewriteResult rewritten;
    try {
        rewritten = rewrite_cpu(xml, plan.request);
    } catch (const Error& e) {
        outcome.reason = std::string("cannot rewrite the <cpu>: ") + e.what();
        return outcome;
    }
    if (!rewritten.changed) {
        outcome.warnings.insert(outcome.warnings.end(), rewritten.warnings.begin(),
                                rewritten.warnings.end());
        outcome.reason =
            nest.nesting == Nesting::enable
                ? "already nest-capable (" + feature_text(plan.feature) + " passed to the guest)"
                : "already without nesting (" + feature_text(plan.feature) +
                      " not passed to the guest)";
        return already(std::move(outcome), dom, facts.cpu, item.state);
    }
    if (safety_skip) {
        outcome.reason = plan.reason;
        return outcome;
    }
    // A managed-save image can only exist for a domain that is not running.
    if (item.persistent && !is_active(item.state) && run.marks.has_managed_save(outcome.uuid)) {
        facts.managed_save = true;
        plan = plan_domain(facts, target, nest);
        if (plan.action == PlanAction::skip) {
            outcome.reason = plan.reason;
            return outcome;
        }
    }
    if (nest.nesting == Nesting::enable && plan.request.mode == CpuMode::custom &&
        target.verified) {
        auto compat = run.targets.compare(facts.cpu.caps_key,
                                          custom_cpu_xml(*plan.request.model, *plan.feature));
        plan = check_model_usable(std::move(plan), target, compat, nest.force);
        if (plan.action == PlanAction::skip) {
            outcome.reason = plan.reason;
            return outcome;
        }
    }

    outcome.changes = rewritten.changes;
    outcome.warnings = plan.warnings;
    outcome.warnings.insert(outcome.warnings.end(), rewritten.warnings.begin(),
                            rewritten.warnings.end());
    if (run.marks.has_snapshots(outcome.uuid)) {
        outcome.warnings.push_back(snapshot_warning(dom.snapshot_count()));
    }
    outcome.restart_required = is_active(item.state);
    if (run.options.diff) {
        const char* after =
            nest.nesting == Nesting::enable ? " (nest-capable)" : " (without nesting)";
        outcome.diff = unified_diff(mask_secrets(xml), mask_secrets(rewritten.xml),
                                    outcome.name + " (current)", outcome.name + after);
    }
    if (run.options.dry_run) {
        outcome.action = Action::would_change;
        return outcome;
    }

    const BackupKind kind =
        nest.nesting == Nesting::enable ? BackupKind::enable : BackupKind::disable;
    pending =
        PendingChange{0,
                      &item,
                      xml,
                      std::move(rewritten.xml),
                      std::move(plan),
                      run.backups().save(outcome.uuid, outcome.name, xml, kind,
                                         std::chrono::system_clock::now(), Durability::at_sync)};
    return outcome;
}

// Re-check and define one prepared change whose backup is on disk.
DomainOutcome commit_one(EnableRun& run, const PendingChange& change, DomainOutcome outcome) {
    const Domain& dom = change.item->domain;
    if (!still_as_read(dom, change.xml, change.backup, run.options.before_recheck)) {
        outcome.reason = std::string(k_changed_concurrently) + " to plan from the new one";
        return outcome;
    }
    outcome.backup = change.backup.string();
    Domain defined = run.conn.define(change.new_xml, run.options.validate, outcome.name);
    if (auto wrong =
            verify_defined(defined.xml(XmlView::inactive_secure), change.plan, run.options.nest)) {
        outcome.action = Action::failed;
        outcome.reason =
            *wrong + "; the previous definition is in the backup: virt-nest revert " + outcome.name;
        return outcome;
    }
    outcome.action = Action::changed;
    return outcome;
}

// Domains prepared (and backed up) before one sync of the backups and their defines: small
// first, so a run shows progress (and an interrupted one has changed something) early, then
// doubling, so a large run pays few syncs.
constexpr std::size_t k_first_batch = 8;
constexpr std::size_t k_max_batch = 256;

} // namespace

RunOutcome enable_on(const Connection& conn, const EnableOptions& options) {
    std::vector<ListedDomain> listed = conn.list_all_domains_with_state();
    std::vector<std::size_t> selected = select_listed(listed, options.selection);
    EnableRun run{conn, options, NestTargetCache(conn), DomainMarks(conn), std::nullopt};
    std::string lost;
    std::vector<DomainOutcome> outcomes;
    outcomes.reserve(selected.size());
    // Backups of a batch reach the disk with one sync before any of its domains is defined.
    std::size_t batch_size = k_first_batch;
    for (std::size_t start = 0; start < selected.size();
         start += batch_size, batch_size = std::min(batch_size * 2, k_max_batch)) {
        std::vector<PendingChange> batch;
        const std::size_t end = std::min(selected.size(), start + batch_size);
        for (std::size_t i = start; i < end; ++i) {
            const ListedDomain& item = listed[selected[i]];
            if (!lost.empty()) {
                outcomes.push_back(not_attempted(item, lost));
                continue;
            }
            std::optional<PendingChange> pending;
            outcomes.push_back(guarded(
                item, [&](const ListedDomain& it) { return prepare_one(run, it, pending); }, lost));
            if (pending) {
                pending->slot = outcomes.size() - 1;
                batch.push_back(std::move(*pending));
            }
        }
        std::string unsynced;
        if (!batch.empty()) {
            try {
                run.backups().sync();
            } catch (const Error& e) {
                unsynced = e.what();
            }
        }
        for (const PendingChange& change : batch) {
            DomainOutcome& outcome = outcomes[change.slot];
            if (!unsynced.empty()) {
                outcome.action = Action::failed;
                outcome.reason = "nothing was defined: " + unsynced;
            } else if (!lost.empty()) {
                outcome = not_attempted(*change.item, lost);
            } else {
                DomainOutcome prepared = outcome;
                outcome = guarded(
                    *change.item,
                    [&](const ListedDomain&) { return commit_one(run, change, prepared); }, lost);
            }
        }
    }
    ReportStyle style;
    style.verb = options.nest.nesting == Nesting::enable ? "enable" : "disable";
    style.dry_run = options.dry_run;
    style.with_diff = options.diff;
    return finish_run(outcomes, style, lost);
}

} // namespace virtnest
