// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What a command's per-connection core returns: the text or JSON records it would print and
// its exit code. The fleet runner prints it, alone or grouped with other hosts' outcomes.

#include "virtnest/util/exit_code.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace virtnest {

// What a command produced on one connection.
struct RunOutcome {
    ExitCode exit_code = ExitCode::ok;
    std::string text;                                 // human output for this host
    nlohmann::json records = nlohmann::json::array(); // --json: one object per item, or one
                                                      // object that is the whole output
    nlohmann::json summary;                           // --json: counts (null when none)
};

} // namespace virtnest
