// SPDX-License-Identifier: GPL-2.0-or-later
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
    RunObserver& observer;
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

// A change that has its backup written and waits for the batch's sync, then its define.
struct PendingChange {
    std::size_t slot = 0; // index into the run's outcomes
    const ListedDomain* item = nullptr;
    std::string xml;     // what was read, and backed up
    std::string new_xml; // what will be defined
    Plan plan;
    std::filesystem::path backup;
};

// Fetch from libvirt the fact a decision needs.
void fetch(EnableRun& run, const ListedDomain& item, const DomainRead& read,
           const Decision& decision, Answers& answers) {
    const CapsKey& key = read.cpu.caps_key;
    switch (decision.needed) {
    case Fact::nest_target: answers.target = &run.targets.get(key); break;
    case Fact::managed_save:
        answers.managed_save = run.marks.has_managed_save(item.domain.uuid());
        break;
    case Fact::cpu_compat: answers.compat = run.targets.compare(key, decision.compare_cpu); break;
    case Fact::snapshots:
        answers.snapshots =
            run.marks.has_snapshots(item.domain.uuid()) ? item.domain.snapshot_count() : 0;
        break;
    case Fact::live_cpu: answers.live_cpu = inspect_cpu(item.domain.xml(XmlView::live)); break;
    }
}

// Return the decision for one domain, fetching the facts it asks for one by one. Each fetch
// answers what was asked, and decide() asks only what is unanswered, so this ends.
Decision decide_fetching(EnableRun& run, const ListedDomain& item, const DomainRead& read) {
    Answers answers;
    for (;;) {
        Decision decision = decide(read, answers, run.options.nest);
        if (decision.verdict != Verdict::needs) {
            return decision;
        }
        fetch(run, item, read, decision, answers);
    }
}

// Read and decide one domain; a change in a real run also gets its backup written. Return
// the finished outcome, or the outcome so far plus the pending change.
DomainOutcome prepare_one(EnableRun& run, const ListedDomain& item,
                          std::optional<PendingChange>& pending) {
    const Nesting nesting = run.options.nest.nesting;
    DomainOutcome outcome = outcome_for(item);
    DomainRead read;
    read.xml = item.domain.xml(XmlView::inactive_secure);
    read.cpu = inspect_cpu(read.xml);
    read.state = item.state;
    read.persistent = item.persistent;
    Decision decision = decide_fetching(run, item, read);
    outcome.warnings = std::move(decision.warnings);
    outcome.restart_required = decision.restart_required;
    if (decision.verdict != Verdict::change) {
        outcome.reason = std::move(decision.reason);
        if (decision.verdict == Verdict::already) {
            outcome.action = Action::already;
        }
        return outcome;
    }
    outcome.changes = std::move(decision.changes);
    if (run.options.diff) {
        const char* after = nesting == Nesting::enable ? " (nest-capable)" : " (without nesting)";
        outcome.diff = unified_diff(mask_secrets(read.xml), mask_secrets(decision.new_xml),
                                    outcome.name + " (current)", outcome.name + after);
    }
    if (run.options.dry_run) {
        outcome.action = Action::would_change;
        return outcome;
    }
    const BackupKind kind = nesting == Nesting::enable ? BackupKind::enable : BackupKind::disable;
    std::filesystem::path backup =
        run.backups().save(outcome.uuid, outcome.name, read.xml, kind,
                           std::chrono::system_clock::now(), Durability::at_sync);
    pending = PendingChange{0,
                            &item,
                            std::move(read.xml),
                            std::move(decision.new_xml),
                            std::move(decision.plan),
                            std::move(backup)};
    return outcome;
}

// Return the outcome of a define whose result was read back as `defined_xml`.
DomainOutcome judge_defined(const std::string& defined_xml, const PendingChange& change,
                            const NestOptions& nest, DomainOutcome outcome) {
    if (auto wrong = verify_defined(defined_xml, change.plan, nest)) {
        outcome.action = Action::failed;
        outcome.reason =
            *wrong + "; the previous definition is in the backup: virt-nest revert " + outcome.name;
        return outcome;
    }
    outcome.action = Action::changed;
    return outcome;
}

// The connection died during a define, so whether it was applied is unknown: read the
// domain back on a new connection and report what it is, never "failed" when it was applied.
DomainOutcome read_back_after_loss(const EnableRun& run, const PendingChange& change,
                                   DomainOutcome outcome, const std::string& error) {
    const std::string lost = "the connection was lost during the define (" + error + ")";
    std::string now;
    try {
        now = Connection::open(run.conn.uri()).lookup(outcome.name).xml(XmlView::inactive_secure);
    } catch (const Error& e) {
        outcome.action = Action::failed;
        outcome.reason = "unknown: check it: " + lost +
                         " and a new connection cannot read the domain back (" + e.what() +
                         "); the previous definition is in the backup: " + outcome.backup;
        return outcome;
    }
    if (now == change.xml) {
        std::error_code ec;
        std::filesystem::remove(change.backup, ec); // nothing changed: the backup is unused
        outcome.backup.clear();
        outcome.action = Action::failed;
        outcome.reason = lost + "; a new connection reads the old definition back: nothing "
                                "was defined";
        return outcome;
    }
    if (!verify_defined(now, change.plan, run.options.nest)) {
        outcome.action = Action::changed;
        outcome.warnings.push_back(lost + "; a new connection reads the new definition back");
        return outcome;
    }
    outcome.action = Action::failed;
    outcome.reason = "unknown: check it: " + lost +
                     "; a new connection reads back neither the old definition nor the new one; "
                     "the previous definition is in the backup: " +
                     outcome.backup;
    return outcome;
}

// Re-check and define one prepared change whose backup is on disk. A connection lost during
// the define sets `lost` and is reported from a read-back.
DomainOutcome commit_one(EnableRun& run, const PendingChange& change, DomainOutcome outcome,
                         std::string& lost) {
    const Domain& dom = change.item->domain;
    if (!still_as_read(dom, change.xml, change.backup, run.observer)) {
        outcome.reason = std::string(k_changed_concurrently) + " to plan from the new one";
        return outcome;
    }
    outcome.backup = change.backup.string();
    std::string defined_xml;
    try {
        Domain defined = run.conn.define(change.new_xml, run.options.validate, outcome.name);
        defined_xml = defined.xml(XmlView::inactive_secure);
    } catch (const LibvirtError& e) {
        if (e.failure() != LibvirtFailure::connection_lost) {
            throw;
        }
        lost = std::string("the connection was lost: ") + e.what();
        return read_back_after_loss(run, change, std::move(outcome), e.what());
    }
    return judge_defined(defined_xml, change, run.options.nest, std::move(outcome));
}

// Domains prepared (and backed up) before one sync of the backups and their defines: small
// first, so a run shows progress (and an interrupted one has changed something) early, then
// doubling, so a large run pays few syncs.
constexpr std::size_t k_first_batch = 8;
constexpr std::size_t k_max_batch = 256;

// Prepare the domains of one batch (outcomes appended in order), returning their pending
// changes, whose backups are written but not yet synced.
std::vector<PendingChange> prepare_batch(EnableRun& run, const std::vector<ListedDomain>& listed,
                                         const std::vector<std::size_t>& batch,
                                         std::vector<DomainOutcome>& outcomes, std::string& lost) {
    std::vector<PendingChange> pending_changes;
    for (std::size_t index : batch) {
        const ListedDomain& item = listed[index];
        stop_if_requested(run.observer, lost);
        if (!lost.empty()) {
            outcomes.push_back(not_attempted(item, lost));
            continue;
        }
        std::optional<PendingChange> pending;
        outcomes.push_back(guarded(
            item, [&](const ListedDomain& it) { return prepare_one(run, it, pending); }, lost));
        if (pending) {
            pending->slot = outcomes.size() - 1;
            pending_changes.push_back(std::move(*pending));
        }
    }
    return pending_changes;
}

// Sync the backups of one batch, then re-check and define each of its changes.
void commit_batch(EnableRun& run, const std::vector<PendingChange>& batch,
                  std::vector<DomainOutcome>& outcomes, std::string& lost) {
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
        stop_if_requested(run.observer, lost);
        if (!unsynced.empty()) {
            outcome.action = Action::failed;
            outcome.reason = "nothing was defined: " + unsynced;
        } else if (!lost.empty()) {
            // Not changed, so its backup would only mislead a later revert.
            std::error_code ec;
            std::filesystem::remove(change.backup, ec);
            outcome = not_attempted(*change.item, lost);
        } else {
            DomainOutcome prepared = outcome;
            outcome = guarded(
                *change.item,
                [&](const ListedDomain&) { return commit_one(run, change, prepared, lost); }, lost);
        }
    }
}

} // namespace

RunOutcome enable_on(const Connection& conn, const EnableOptions& options, RunObserver& observer) {
    const std::optional<HostLock> lock = lock_host(conn, options);
    std::vector<ListedDomain> listed = conn.list_all_domains_with_state();
    std::vector<std::size_t> selected = select_listed(listed, options.selection);
    EnableRun run{conn, options, observer, NestTargetCache(conn), DomainMarks(conn), std::nullopt};
    std::string lost;
    std::vector<DomainOutcome> outcomes;
    outcomes.reserve(selected.size());
    // Backups of a batch reach the disk with one sync before any of its domains is defined.
    std::size_t batch_size = k_first_batch;
    for (std::size_t start = 0; start < selected.size();
         start += batch_size, batch_size = std::min(batch_size * 2, k_max_batch)) {
        const auto first = selected.begin() + static_cast<std::ptrdiff_t>(start);
        const std::vector<std::size_t> batch(
            first,
            first + static_cast<std::ptrdiff_t>(std::min(batch_size, selected.size() - start)));
        commit_batch(run, prepare_batch(run, listed, batch, outcomes, lost), outcomes, lost);
    }
    ReportStyle style;
    style.verb = options.nest.nesting == Nesting::enable ? "enable" : "disable";
    style.dry_run = options.dry_run;
    style.with_diff = options.diff;
    return finish_run(outcomes, style, lost);
}

} // namespace virtnest
