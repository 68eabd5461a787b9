// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The command-line options that enable, disable and revert share, bound in one place.

#include "virtnest/live/live_commands.hpp"

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
