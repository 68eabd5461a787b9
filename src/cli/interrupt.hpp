// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// SIGINT and SIGTERM during a mutating run: the first asks the run to stop issuing new work
// (it finishes the call in flight and reports everything), the second ends the process at
// once. Only the shell installs the handlers; the library sees a RunObserver.

#include "virtnest/live/run_observer.hpp"
#include "virtnest/util/exit_code.hpp"

#include <csignal>
#include <string>

namespace virtnest {

// Catches SIGINT and SIGTERM while it lives, and restores the previous handlers after.
// One at a time per process.
class InterruptGuard : public RunObserver {
  public:
    InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;
    InterruptGuard(InterruptGuard&&) = delete;
    InterruptGuard& operator=(InterruptGuard&&) = delete;
    ~InterruptGuard() override;

    // Return "interrupted by SIGINT" (or SIGTERM) once a signal came; empty before.
    std::string stop_requested() override;

    // Return ExitCode::interrupted (130) or terminated (143) once a signal came; `code` before.
    ExitCode exit_code_or(ExitCode code) const noexcept;

  private:
    struct sigaction m_old_int {};
    struct sigaction m_old_term {};
};

} // namespace virtnest
