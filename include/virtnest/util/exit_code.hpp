// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The process exit codes of virt-nest; the README's "Exit codes" table documents them.

namespace virtnest {

enum class ExitCode : int {
    // Success: everything selected is (or, in a dry run, would be) in the requested state.
    // For `rewrite`: a changed document was produced.
    ok = 0,
    // Failure that stopped the run: bad input, unreachable daemon, libvirt error.
    error = 1,
    // The command line itself is wrong (unknown option, missing argument).
    usage = 2,
    // Bulk work finished but at least one selected item was skipped, refused or failed.
    incomplete = 3,
    // `check`: this machine cannot run nested guests (at least one FAIL).
    not_ready = 4,
    // `rewrite --exit-code`: the document already is in the requested state; nothing to do.
    // Without --exit-code that is success (0).
    unchanged = 5,
    // enable/disable/revert stopped by SIGINT or SIGTERM (128 + the signal's number).
    interrupted = 130,
    terminated = 143,
};

// Return the numeric process exit status for a code.
constexpr int to_int(ExitCode code) noexcept { return static_cast<int>(code); }

} // namespace virtnest
