// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What every subcommand shares: the global options and where to print.

#include "virtnest/fleet/fleet_runner.hpp"

#include <iosfwd>
#include <string>
#include <vector>

namespace virtnest {

// The run's shared state, handed to every setup_<name> function.
struct CommandContext {
    FleetOptions global;
    std::ostream* out = nullptr;
    std::ostream* err = nullptr;
    bool out_is_terminal = false;      // colour only on a terminal
    ExitCode exit_code = ExitCode::ok; // set by the subcommand that ran
};

} // namespace virtnest
