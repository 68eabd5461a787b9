// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What the live commands share: selection over one bulk listing, the per-domain error
// policy (a vanished domain is skipped, a lost connection stops the run and names what was
// not done), and turning outcomes into a RunOutcome.

#include "virtnest/fleet/run_outcome.hpp"
#include "virtnest/libvirt/connection.hpp"
#include "virtnest/live/domain_report.hpp"
#include "virtnest/live/domain_selector.hpp"
#include "virtnest/live/host_lock.hpp"
#include "virtnest/live/live_commands.hpp"
#include "virtnest/live/run_observer.hpp"
#include "virtnest/util/error.hpp"
#include "virtnest/util/work_window.hpp"

#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace virtnest {

// Return the indices of the selected domains of a listing, sorted by name.
std::vector<std::size_t> select_listed(const std::vector<ListedDomain>& listed,
                                       const Selection& selection);

// Which domains have a managed-save image or snapshots, asked of libvirt with one filtered
// listing each, the first time a domain needs the answer (so a run that changes nothing
// asks nothing, and a run over 1,000 domains asks twice, not 2,000 times). Thread-safe.
class DomainMarks {
  public:
    explicit DomainMarks(const Connection& conn) : m_conn(conn) {}
    // Return true when the domain with `uuid` has a managed-save image.
    bool has_managed_save(const std::string& uuid);
    // Return true when the domain with `uuid` has at least one snapshot.
    bool has_snapshots(const std::string& uuid);

  private:
    const Connection& m_conn;
    std::mutex m_mutex; // guards both sets; held across the listing
    std::optional<std::set<std::string>> m_saved;
    std::optional<std::set<std::string>> m_snapshots;
};

// What the threads of one run share: why it stopped (a lost connection, or the observer's
// reason to stop) and the observer, which is called by one thread at a time.
class RunGate {
  public:
    // Watch the run through `observer`; it must outlive the gate.
    explicit RunGate(RunObserver& observer) : m_observer(observer) {}

    // Return why the run stops, asking the observer when nothing stopped it yet; empty: go on.
    std::string stop_reason();
    // Return why the run stops; when it does not, call the observer's before_define(dom) and
    // return empty: the domain may be re-read and defined. One step under one lock, so an
    // observer that asks to stop after its n-th before_define sees exactly n defines.
    std::string admit_define(const Domain& dom);
    // Record `why` as the reason the run stopped, unless one is recorded already.
    void stop(const std::string& why);
    // Return the reason the run stopped, without asking the observer; empty: it did not.
    std::string stopped();
    // Tell the observer that the domain at `index` of `total` is done, with its outcome (in
    // the order domains finish; the observer restores selection order).
    void done(std::size_t index, std::size_t total, const DomainOutcome& outcome);

  private:
    std::mutex m_mutex;
    RunObserver& m_observer;
    std::string m_stopped;
};

// Return true when the domain's persistent definition is still `read`, the text its backup
// holds. When it changed, the backup is removed: it no longer describes what is defined.
bool still_as_read(const Domain& dom, const std::string& read, const std::filesystem::path& backup);

// How long a run waits for the lifecycle event of its own define, which libvirt sends right
// after the define's reply (a few milliseconds on a local socket).
inline constexpr std::chrono::seconds k_event_wait{2};

// How long, after the first event that may be virt-nest's own, a run keeps listening for one
// more: events of one domain come in the order of its writes, but an outside write's event
// can still be on its way when virt-nest defines, and then arrives first. Paid once per
// batch by enable (the batch's domains wait together, while the next batch is defined), once
// per domain by revert.
inline constexpr std::chrono::milliseconds k_event_settle{50};

// Return the conflict reason when `watch` saw, besides the DEFINED event of virt-nest's own
// define, DEFINED or UNDEFINED events of `dom` since `before` (taken before the re-read):
// another client wrote it in the window libvirt leaves open; nullopt when it did not.
// `at_define` was taken right before virt-nest's define call: its own event can only come
// after that, so events delivered by then are another client's for certain. Waits until
// `deadline` for virt-nest's own event (a warning goes to `warnings` when it never comes),
// then until `settle_until` for one more.
// `defined_xml` is the define's read-back, `backup` what virt-nest replaced.
std::optional<std::string> outside_write(const DefinitionWatch& watch, const Domain& dom,
                                         const std::string& uuid, const DefinitionEvents& before,
                                         const DefinitionEvents& at_define,
                                         const std::string& defined_xml, const std::string& backup,
                                         std::chrono::steady_clock::time_point deadline,
                                         std::chrono::steady_clock::time_point settle_until,
                                         std::vector<std::string>& warnings);

// The start of the reason of a domain skipped by still_as_read.
inline constexpr const char* k_changed_concurrently =
    "changed concurrently: its configuration changed while virt-nest was working on it; "
    "nothing was defined; run again";

// Return the HostLock of the connection's host (identity: libvirt's host UUID, else the URI)
// for a real run; nullopt for a dry run, which writes nothing. Throws Error after
// options.wait when another run holds it.
std::optional<HostLock> lock_host(const Connection& conn, const ChangeOptions& options);

// Return an outcome skeleton for a listed domain (name, uuid, state).
DomainOutcome outcome_for(const ListedDomain& item);

// Return the outcome of a domain the run did not reach because the connection was lost.
DomainOutcome not_attempted(const ListedDomain& item, const std::string& lost);

// Return work(item), turning errors into outcomes: libvirt saying the domain is gone skips
// it, other errors fail it, and a lost connection fails it and sets `lost`.
template <typename Work>
DomainOutcome guarded(const ListedDomain& item, Work&& work, std::string& lost) {
    try {
        return work(item);
    } catch (const LibvirtError& e) {
        DomainOutcome failed = outcome_for(item);
        if (e.failure() == LibvirtFailure::no_domain) {
            failed.reason = "the domain disappeared during the run: " + std::string(e.what());
        } else {
            failed.action = Action::failed;
            failed.reason = e.what();
            if (e.failure() == LibvirtFailure::connection_lost) {
                lost = std::string("the connection was lost: ") + e.what();
            }
        }
        return failed;
    } catch (const Error& e) {
        DomainOutcome failed = outcome_for(item);
        failed.action = Action::failed;
        failed.reason = e.what();
        return failed;
    }
}

// Run `work` on each selected domain through guarded(), k_live_window domains in flight,
// telling the gate's observer as each is done;
// once the connection is lost or the observer asks to stop, every domain not yet started is
// marked "not attempted". Outcomes come back in the order of `indices`. Return the
// connection error or the reason to stop in `lost`, if any.
template <typename Work>
std::vector<DomainOutcome> for_each_selected(const std::vector<ListedDomain>& listed,
                                             const std::vector<std::size_t>& indices, Work&& work,
                                             RunGate& gate, std::string& lost) {
    std::vector<DomainOutcome> outcomes(indices.size());
    run_windowed(indices.size(), k_live_window, [&](std::size_t slot) {
        const ListedDomain& item = listed[indices[slot]];
        std::string stopped = gate.stop_reason();
        if (!stopped.empty()) {
            outcomes[slot] = not_attempted(item, stopped);
        } else {
            outcomes[slot] = guarded(item, work, stopped);
            if (!stopped.empty()) {
                gate.stop(stopped);
            }
        }
        gate.done(slot, indices.size(), outcomes[slot]);
    });
    lost = gate.stopped();
    return outcomes;
}

// Return the RunOutcome of a run: text or JSON records, summary, exit code (1 when the
// connection was lost or the run was stopped, else 0 or 3).
RunOutcome finish_run(const std::vector<DomainOutcome>& outcomes, const ReportStyle& style,
                      const std::string& lost);

} // namespace virtnest
