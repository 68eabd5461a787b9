// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What a caller may watch of a run of enable, disable or revert on one connection: passed
// beside the options, never inside them. Every method does nothing unless overridden.

#include <string>

namespace virtnest {

class Domain;

// Watches a mutating run; the run calls it from the thread that runs it.
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
};

// Return an observer that watches nothing.
RunObserver& no_observer() noexcept;

} // namespace virtnest
