// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Rendering of `virt-nest check` results: aligned text lines (colour only when asked) and
// one JSON document. Pure.

#include "virtnest/check/host_verdict.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace virtnest {

// The checks of one target: a root directory, a libvirt URI, or both.
struct CheckReport {
    std::string target; // what was checked, e.g. "/ (this machine)", "qemu+ssh://h/system"
    std::vector<Check> checks;
    std::vector<std::string> notes; // what was skipped and why
    bool expect_disabled = false; // the checks of `check --expect-disabled`: says so in the verdict
};

// Return the report as text: one `PASS|WARN|FAIL  id  message` line per check, the remedy
// under every non-PASS line, the notes, and a closing verdict line. ANSI colour when `colour`.
std::string render_text(const CheckReport& report, bool colour);

// Return the report as one JSON object: target, ready, summary (pass, warn, fail counts),
// checks (each with id, status, message and remedy) and notes.
nlohmann::json report_json(const CheckReport& report);

} // namespace virtnest
