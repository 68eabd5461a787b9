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
    bool out_is_terminal = false;     // colour only on a terminal
    bool read_only = false;           // -r/--readonly: read-only connections (list, check)
    std::string colour_when = "auto"; // --color auto|always|never

    // Return whether text output is coloured: --color, NO_COLOR and the terminal decide.
    bool colour() const;
    ExitCode exit_code = ExitCode::ok; // set by the subcommand that ran
};

// Throw a usage Error when -r/--readonly was given to `command`, which changes domains.
void refuse_read_only(const CommandContext& ctx, const std::string& command);

} // namespace virtnest
