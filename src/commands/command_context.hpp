#pragma once

// What every subcommand shares: the global options and where to print.

#include <iosfwd>
#include <string>
#include <vector>

namespace virtnest {

// Options given before the subcommand name.
struct GlobalOptions {
    std::vector<std::string> uris; // -c/--connect, repeatable; empty: libvirt's default
    std::string hosts_file;        // --hosts FILE: one URI a line
    unsigned jobs = 4;             // --jobs N: hosts worked on at once
};

// The run's shared state, handed to every setup_<name> function.
struct CommandContext {
    GlobalOptions global;
    std::ostream* out = nullptr;
    std::ostream* err = nullptr;
    bool out_is_terminal = false; // colour only on a terminal
    int exit_code = 0;            // set by the subcommand that ran
};

} // namespace virtnest
