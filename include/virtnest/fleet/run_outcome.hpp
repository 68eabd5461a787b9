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
    std::string text;         // human output for this host
    std::string summary_text; // the closing part of `text` (its summary line), printed alone
                              // after domains that were streamed
    nlohmann::json records = nlohmann::json::array(); // --json: one object per item, or one
                                                      // object that is the whole output
    nlohmann::json summary;                           // --json: counts (null when none)
    nlohmann::json payload; // --json: the command's own per-host document (check's report),
                            // put under the command's name in the host's entry; null: none
    std::string host_uuid;  // libvirt's host UUID when the job learnt it; empty: unknown
};

} // namespace virtnest
