// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Run the virt-nest command line in-process and keep what it printed, for tests.

#include "virtnest/cli/cli.hpp"

#include <sstream>
#include <string>
#include <vector>

namespace test_support {

// One in-process run: the exit status and both output streams.
struct CliRun {
    int code = -1;
    std::string out;
    std::string err;
};

// Return the outcome of `virt-nest ARGS...` run through run_cli.
inline CliRun run_cli_captured(const std::vector<std::string>& args) {
    std::ostringstream out;
    std::ostringstream err;
    CliRun run;
    run.code = virtnest::run_cli(args, out, err);
    run.out = out.str();
    run.err = err.str();
    return run;
}

} // namespace test_support
