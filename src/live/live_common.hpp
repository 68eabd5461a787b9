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

#include <filesystem>
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
// asks nothing, and a run over 1,000 domains asks twice, not 2,000 times).
class DomainMarks {
  public:
    explicit DomainMarks(const Connection& conn) : m_conn(conn) {}
    // Return true when the domain with `uuid` has a managed-save image.
    bool has_managed_save(const std::string& uuid);
    // Return true when the domain with `uuid` has at least one snapshot.
    bool has_snapshots(const std::string& uuid);

  private:
    const Connection& m_conn;
    std::optional<std::set<std::string>> m_saved;
    std::optional<std::set<std::string>> m_snapshots;
};

// Return true when the domain's persistent definition is still `read`, the text its backup
// holds; the observer's before_define runs first. When it changed, the backup is removed:
// it no longer describes what is defined.
bool still_as_read(const Domain& dom, const std::string& read, const std::filesystem::path& backup,
                   RunObserver& observer);

// The start of the reason of a domain skipped by still_as_read.
inline constexpr const char* k_changed_concurrently =
    "changed concurrently: its configuration changed while virt-nest was working on it; "
    "nothing was defined; run again";

// Set `lost` to the observer's reason to stop, if it has one and `lost` is still empty.
void stop_if_requested(RunObserver& observer, std::string& lost);

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

// Run `work` on each selected domain through guarded(); once the connection is lost or the
// observer asks to stop, every later domain is marked "not attempted". `lost` receives the
// connection error or the reason to stop, if any.
template <typename Work>
std::vector<DomainOutcome> for_each_selected(const std::vector<ListedDomain>& listed,
                                             const std::vector<std::size_t>& indices, Work&& work,
                                             RunObserver& observer, std::string& lost) {
    std::vector<DomainOutcome> outcomes;
    outcomes.reserve(indices.size());
    for (std::size_t index : indices) {
        const ListedDomain& item = listed[index];
        stop_if_requested(observer, lost);
        outcomes.push_back(lost.empty() ? guarded(item, work, lost) : not_attempted(item, lost));
    }
    return outcomes;
}

// Return the RunOutcome of a run: text or JSON records, summary, exit code (1 when the
// connection was lost or the run was stopped, else 0 or 3).
RunOutcome finish_run(const std::vector<DomainOutcome>& outcomes, const ReportStyle& style,
                      const std::string& lost);

} // namespace virtnest
