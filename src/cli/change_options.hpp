// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The command-line options that enable, disable and revert share, bound in one place.

#include "cli/command_context.hpp"
#include "virtnest/live/domain_report.hpp"
#include "virtnest/live/live_commands.hpp"

#include <functional>

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace virtnest {

// The shared options as typed.
struct ChangeCliOptions {
    std::vector<std::string> patterns;
    bool all = false;
    bool dry_run = false;
    bool diff = false;
    bool no_validate = false;
    bool force = false;
    bool json = false;
    bool json_lines = false;
    bool quiet = false;
    std::string backup_dir;
    unsigned wait_seconds = 10;
};

// The help texts that differ from one command to the other.
struct ChangeHelp {
    const char* positional_name; // "selector", "domain"
    const char* positional;
    const char* all;
    const char* dry_run;
    const char* force;
    const char* backup_dir;
};

// Bind the shared options to `sub`.
void add_change_options(CLI::App& sub, ChangeCliOptions& cli, const ChangeHelp& help);

// Copy the shared options into the library's: selection (names and --all), dry run, diff,
// validation, backup directory and --wait. --force is the caller's: it means a different thing to
// each command.
void apply_change_options(const ChangeCliOptions& cli, ChangeOptions& options);

} // namespace virtnest

namespace virtnest {

// The per-host work of a mutating command, watched by `observer` (which prints each domain
// as it is done and passes on stop requests).
using ObservedJob = std::function<RunOutcome(const Connection& conn, RunObserver& observer)>;

// Run `job` on every host of the run with SIGINT/SIGTERM caught, printing each domain as it is
// done (text on one host, --json-lines always), a progress line on a terminal's stderr, and
// the summary; `report` words the text. Return the exit code (130/143 after a signal, in the
// JSON summary too).
ExitCode run_observed(const ChangeCliOptions& cli, const CommandContext& ctx,
                      const std::string& command, const ReportStyle& report,
                      const ObservedJob& job);

} // namespace virtnest
