// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What --help says beyond CLI11's option list: the global options on every subcommand's
// help, a few examples and the exit codes.

#include <string>

namespace CLI {
class App;
}

namespace virtnest {

// Return the help lines of `app`'s own options (the global options), one per option with its
// value name, default and description; --help and --version left out.
std::string global_options_text(const CLI::App& app);

// Give every option of `app` and its subcommands a readable value name with its default
// ("N (default 4)", not "UINT:UINT in [1 - 256]"), and `app` and each subcommand a footer:
// for subcommands the global options, then examples and exit codes. Call after every option
// and subcommand is added, before parsing.
void add_help_footers(CLI::App& app);

} // namespace virtnest
