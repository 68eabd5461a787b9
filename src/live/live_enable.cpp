// SPDX-License-Identifier: GPL-2.0-or-later
// enable/disable on one connection: read, plan, rewrite, back up, re-check, define, verify.
#include "live/live_common.hpp"
#include "virtnest/live/live_commands.hpp"

#include "virtnest/live/backup_store.hpp"
#include "virtnest/live/change_log.hpp"
#include "virtnest/live/cpu_inspect.hpp"
#include "virtnest/live/guest_agent.hpp"
#include "virtnest/live/nest_target_cache.hpp"
#include "virtnest/util/shell_quote.hpp"
#include "virtnest/xml/secret_mask.hpp"
#include "virtnest/xml/xml_diff.hpp"

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

namespace virtnest {
namespace {

// One run on one connection, shared by the threads of its window.
struct EnableRun {
    EnableRun(const Connection& connection, const EnableOptions& opts, RunObserver& observer,
              std::size_t selected)
        : conn(connection), options(opts), gate(observer), targets(connection), marks(connection),
          outcomes(selected) {}

    const Connection& conn;
    const EnableOptions& options;
    RunGate gate;
    NestTargetCache targets;
    DomainMarks marks;
    std::vector<DomainOutcome> outcomes;    // by position in the selection
    std::unique_ptr<DefinitionWatch> watch; // a real run's lifecycle events; null: none
    std::size_t window = k_live_window;     // domains in flight per step

    // Return the backup store, created on the first backup (never in a dry run).
    const BackupStore& backups() {
        const std::lock_guard<std::mutex> hold(m_store_mutex);
        if (!m_store) {
            m_store.emplace(backup_store_for(conn, options.backup_dir));
        }
        return *m_store;
    }

    // Store the finished outcome of the domain at `slot` of the selection and tell the
    // observer: the one place where a domain's result becomes final (each slot is written by
    // one thread, once).
    void finish(std::size_t slot, DomainOutcome outcome) {
        outcomes[slot] = std::move(outcome);
        gate.done(slot, outcomes.size(), outcomes[slot]);
    }

  private:
    std::mutex m_store_mutex;
    std::optional<BackupStore> m_store;
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
    std::size_t slot = 0; // position in the selection
    const ListedDomain* item = nullptr;
    DomainOutcome outcome; // the outcome so far: what will change
    std::string xml;       // what was read, and backed up
    std::string new_xml;   // what will be defined
    Plan plan;
    std::filesystem::path backup;
    CpuMode old_mode = CpuMode::none; // for the system log
    DefinitionEvents before_reread;   // the domain's lifecycle events before the re-read
    DefinitionEvents at_define;       // ... and right before virt-nest's define
    std::string defined_xml;          // what the define's read-back returned
    bool defined_here = false;        // defined (and read back) on the run's connection
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
    outcome.has_agent = agent_channel(read.xml) != AgentChannel::none;
    if (decision.verdict != Verdict::change) {
        outcome.reason = std::move(decision.reason);
        if (decision.verdict == Verdict::already) {
            outcome.action = Action::already;
        }
        return outcome;
    }
    outcome.changes = std::move(decision.changes);
    outcome.loses_migration = decision.plan.loses_migration;
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
    PendingChange& change = pending.emplace();
    change.item = &item;
    change.outcome = outcome;
    change.xml = std::move(read.xml);
    change.new_xml = std::move(decision.new_xml);
    change.plan = std::move(decision.plan);
    change.backup = std::move(backup);
    change.old_mode = read.cpu.mode;
    return outcome;
}

// Write the system log's entry of a change whose definition now reads `defined_xml`.
void log_changed(const EnableRun& run, const PendingChange& change, const std::string& defined_xml,
                 const DomainOutcome& outcome) {
    log_change({run.options.nest.nesting == Nesting::enable ? "enable" : "disable", run.conn.uri(),
                outcome.name, outcome.uuid, std::string(to_string(change.old_mode)),
                std::string(to_string(inspect_cpu(defined_xml).mode)), outcome.backup});
}

// Return the outcome of a define whose result was read back as `defined_xml`.
DomainOutcome judge_defined(const std::string& defined_xml, const PendingChange& change,
                            const NestOptions& nest, DomainOutcome outcome) {
    if (auto wrong = verify_defined(defined_xml, change.plan, nest)) {
        outcome.action = Action::failed;
        outcome.reason = *wrong + "; the previous definition is in the backup: " +
                         with_connection("virt-nest", nest.uri) + " revert " +
                         shell_quote(outcome.name);
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
        log_changed(run, change, now, outcome);
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
DomainOutcome commit_one(EnableRun& run, PendingChange& change, DomainOutcome outcome,
                         std::string& lost) {
    const Domain& dom = change.item->domain;
    if (run.watch) {
        change.before_reread = run.watch->events_of(outcome.uuid);
    }
    if (!still_as_read(dom, change.xml, change.backup)) {
        outcome.reason = std::string(k_changed_concurrently) + " to plan from the new one";
        return outcome;
    }
    outcome.backup = change.backup.string();
    if (run.watch) {
        change.at_define = run.watch->events_of(outcome.uuid);
    }
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
    outcome = judge_defined(defined_xml, change, run.options.nest, std::move(outcome));
    if (outcome.action == Action::changed) {
        log_changed(run, change, defined_xml, outcome);
    }
    change.defined_xml = std::move(defined_xml);
    change.defined_here = true;
    return outcome;
}

// Domains prepared (and backed up) before one sync of the backups and their defines: small
// first, so a run shows progress (and an interrupted one has changed something) early, then
// doubling, so a large run pays few syncs.
constexpr std::size_t k_first_batch = 8;
constexpr std::size_t k_max_batch = 256;

// Return the batches of a selection of `count` domains as [first, last) positions.
std::vector<std::pair<std::size_t, std::size_t>> batch_ranges(std::size_t count) {
    std::vector<std::pair<std::size_t, std::size_t>> ranges;
    std::size_t size = k_first_batch;
    for (std::size_t start = 0; start < count;
         start += size, size = std::min(size * 2, k_max_batch)) {
        ranges.emplace_back(start, std::min(start + size, count));
    }
    return ranges;
}

// Prepare the domains at positions [first, last) of the selection, run.window at a time:
// finished outcomes are stored, and the pending changes, whose backups are written but not
// yet synced, are returned in selection order.
std::vector<PendingChange> prepare_batch(EnableRun& run, const std::vector<ListedDomain>& listed,
                                         const std::vector<std::size_t>& selected,
                                         std::size_t first, std::size_t last) {
    std::vector<std::optional<PendingChange>> prepared(last - first);
    run_windowed(last - first, run.window, [&](std::size_t offset) {
        const std::size_t slot = first + offset;
        const ListedDomain& item = listed[selected[slot]];
        std::string stopped = run.gate.stop_reason();
        if (!stopped.empty()) {
            run.finish(slot, not_attempted(item, stopped));
            return;
        }
        std::optional<PendingChange> pending;
        DomainOutcome outcome = guarded(
            item, [&](const ListedDomain& it) { return prepare_one(run, it, pending); }, stopped);
        if (!stopped.empty()) {
            run.gate.stop(stopped);
        }
        if (!pending) {
            run.finish(slot, std::move(outcome));
            return;
        }
        pending->slot = slot;
        prepared[offset] = std::move(pending);
    });
    std::vector<PendingChange> changes;
    for (std::optional<PendingChange>& change : prepared) {
        if (change) {
            changes.push_back(std::move(*change));
        }
    }
    return changes;
}

// Return the outcome of one change of a synced batch: defined, unless the run stopped: then
// its backup is removed (the domain is not changed, so the backup would only mislead a later
// revert).
DomainOutcome commit_admitted(EnableRun& run, PendingChange& change) {
    const std::string stopped = run.gate.admit_define(change.item->domain);
    if (!stopped.empty()) {
        std::error_code ec;
        std::filesystem::remove(change.backup, ec);
        return not_attempted(*change.item, stopped);
    }
    std::string lost;
    DomainOutcome outcome = guarded(
        *change.item,
        [&](const ListedDomain&) { return commit_one(run, change, change.outcome, lost); }, lost);
    if (!lost.empty()) {
        run.gate.stop(lost);
    }
    return outcome;
}

// Return the outcome of a define turned into a conflict when, besides virt-nest's own
// DEFINED event, the domain had DEFINED or UNDEFINED events since just before its re-read:
// another client wrote it in the window libvirt leaves open.
DomainOutcome check_events(const EnableRun& run, const PendingChange& change, DomainOutcome outcome,
                           std::chrono::steady_clock::time_point deadline,
                           std::chrono::steady_clock::time_point settle_until) {
    if (!run.watch || !change.defined_here || outcome.action != Action::changed) {
        return outcome;
    }
    std::optional<std::string> conflict = outside_write(
        *run.watch, change.item->domain, outcome.uuid, change.before_reread, change.at_define,
        change.defined_xml, outcome.backup, deadline, settle_until, outcome.warnings);
    if (!conflict) {
        return outcome;
    }
    outcome.action = Action::failed;
    outcome.reason = std::move(*conflict);
    return outcome;
}

// A batch whose defines are done and whose lifecycle events are still to be checked.
struct DefinedBatch {
    std::vector<PendingChange> changes;
    std::vector<DomainOutcome> committed; // by position in changes
    std::chrono::steady_clock::time_point deadline;
    std::chrono::steady_clock::time_point settle_until;
};

// Sync the backups of one batch, then re-check, define and read back its changes,
// run.window at a time (every define follows the sync of its own backup). Return the batch
// for its event check; a batch whose backups cannot be synced is finished here, undefined.
DefinedBatch define_batch(EnableRun& run, std::vector<PendingChange> batch) {
    DefinedBatch defined;
    if (batch.empty()) {
        return defined;
    }
    try {
        run.backups().sync();
    } catch (const Error& e) {
        for (const PendingChange& change : batch) {
            DomainOutcome outcome = change.outcome;
            outcome.action = Action::failed;
            outcome.reason = std::string("nothing was defined: ") + e.what();
            run.finish(change.slot, std::move(outcome));
        }
        return defined;
    }
    defined.committed.resize(batch.size());
    run_windowed(batch.size(), run.window,
                 [&](std::size_t i) { defined.committed[i] = commit_admitted(run, batch[i]); });
    const auto now = std::chrono::steady_clock::now();
    defined.deadline = now + k_event_wait;
    defined.settle_until = now + k_event_settle; // the batch's domains settle together
    defined.changes = std::move(batch);
    return defined;
}

// In selection order, check each define's lifecycle events and store the outcomes.
void check_batch(EnableRun& run, DefinedBatch& batch) {
    for (std::size_t i = 0; i < batch.changes.size(); ++i) {
        run.finish(batch.changes[i].slot,
                   check_events(run, batch.changes[i], std::move(batch.committed[i]),
                                batch.deadline, batch.settle_until));
    }
}

// Return the window for this connection, from its round trip measured on two of the
// cheapest calls (libvirt's and the hypervisor's version): over a slow link each domain's
// calls mostly wait, so more domains are kept in flight.
std::size_t measured_window(const Connection& conn) {
    const auto start = std::chrono::steady_clock::now();
    (void)conn.versions();
    const auto both = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    return window_for_round_trip(both / 2);
}

} // namespace

RunOutcome enable_on(const Connection& conn, const EnableOptions& options, RunObserver& observer) {
    const std::optional<HostLock> lock = lock_host(conn, options);
    std::vector<ListedDomain> listed = conn.list_all_domains_with_state();
    std::vector<std::size_t> selected = select_listed(listed, options.selection);
    EnableRun run(conn, options, observer, selected.size());
    if (!selected.empty()) {
        run.window = measured_window(conn);
    }
    if (!options.dry_run) {
        run.watch = conn.watch_definitions();
    }
    // Backups of a batch reach the disk with one sync before any of its domains is defined;
    // the next batch is read, planned and backed up meanwhile, so neither the sync nor the
    // last defines of a batch leave the connection idle. A defined batch's event check (which
    // listens k_event_settle after its last define) runs while the next batch is defined:
    // it looks only at its own domains' events, which the next batch does not touch.
    const std::vector<std::pair<std::size_t, std::size_t>> ranges = batch_ranges(selected.size());
    std::future<std::vector<PendingChange>> next;
    std::future<void> checking;
    for (std::size_t b = 0; b < ranges.size(); ++b) {
        std::vector<PendingChange> batch =
            b == 0 ? prepare_batch(run, listed, selected, ranges[0].first, ranges[0].second)
                   : next.get();
        if (b + 1 < ranges.size()) {
            next = std::async(std::launch::async, [&, range = ranges[b + 1]] {
                return prepare_batch(run, listed, selected, range.first, range.second);
            });
        }
        DefinedBatch defined = define_batch(run, std::move(batch));
        if (checking.valid()) {
            checking.get();
        }
        checking = std::async(std::launch::async, [&run, done = std::move(defined)]() mutable {
            check_batch(run, done);
        });
    }
    if (checking.valid()) {
        checking.get();
    }
    ReportStyle style;
    style.verb = options.nest.nesting == Nesting::enable ? "enable" : "disable";
    style.dry_run = options.dry_run;
    style.with_diff = options.diff;
    style.colour = options.colour;
    style.quiet = options.quiet;
    return finish_run(run.outcomes, style, run.gate.stopped());
}

} // namespace virtnest
