// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What a caller may watch of a run of enable, disable or revert on one connection: passed
// beside the options, never inside them. Every method does nothing unless overridden.

#include "virtnest/live/domain_report.hpp"

#include <cstddef>
#include <string>

namespace virtnest {

class Domain;

// Watches a mutating run; the run calls it from the threads of its window, one call at a
// time (never two methods at once).
class RunObserver {
  public:
    RunObserver() = default;
    RunObserver(const RunObserver&) = default;
    RunObserver& operator=(const RunObserver&) = default;
    RunObserver(RunObserver&&) = default;
    RunObserver& operator=(RunObserver&&) = default;
    virtual ~RunObserver() = default;

    // Called for each domain about to be defined, after its backup is on disk and before
    // the re-read that makes sure nobody changed it meanwhile (a test edits it here).
    virtual void before_define(const Domain& /*domain*/) {}

    // Return why the run should stop issuing new work ("interrupted by SIGINT"); empty: go
    // on. Asked before each domain is read and before each define: a stopped run finishes
    // the call in flight, reports the rest as not attempted, and removes the backups of the
    // domains it did not change.
    virtual std::string stop_requested() { return {}; }

    // Called once per selected domain when its outcome is final (done, skipped, failed or not
    // attempted): `index` is its place in the selection (0-based), `total` the selection's
    // size. Outcomes may come out of selection order; the caller reorders them.
    virtual void on_domain_done(std::size_t /*index*/, std::size_t /*total*/,
                                const DomainOutcome& /*outcome*/) {}
};

// Return an observer that watches nothing.
RunObserver& no_observer() noexcept;

} // namespace virtnest
