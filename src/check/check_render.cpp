// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/check/check_render.hpp"

#include <algorithm>

namespace virtnest {
namespace {

const char* colour_of(CheckStatus status) {
    switch (status) {
    case CheckStatus::pass: return "\033[32m";
    case CheckStatus::warn: return "\033[33m";
    case CheckStatus::fail: return "\033[31m";
    }
    return "";
}

constexpr const char* k_reset = "\033[0m";

struct Counts {
    int pass = 0;
    int warn = 0;
    int fail = 0;
};

Counts count(const std::vector<Check>& checks) {
    Counts counts;
    for (const Check& check : checks) {
        switch (check.status) {
        case CheckStatus::pass: ++counts.pass; break;
        case CheckStatus::warn: ++counts.warn; break;
        case CheckStatus::fail: ++counts.fail; break;
        }
    }
    return counts;
}

} // namespace

std::string render_text(const CheckReport& report, bool colour) {
    std::size_t width = 0;
    for (const Check& check : report.checks) {
        width = std::max(width, check.id.size());
    }
    std::string out = "checking " + report.target + "\n";
    const std::string indent(4 + 2 + width + 2, ' ');
    for (const Check& check : report.checks) {
        std::string status(to_string(check.status));
        if (colour) {
            status.insert(0, colour_of(check.status));
            status += k_reset;
        }
        out += status + "  " + check.id + std::string(width - check.id.size(), ' ') + "  " +
               check.message + "\n";
        if (!check.remedy.empty()) {
            out += indent + "remedy: " + check.remedy + "\n";
        }
    }
    for (const std::string& note : report.notes) {
        out += "note: " + note + "\n";
    }
    Counts counts = count(report.checks);
    std::string tally = "(" + std::to_string(counts.fail) + " FAIL, " +
                        std::to_string(counts.warn) + " WARN, " + std::to_string(counts.pass) +
                        " PASS)";
    if (report.expect_disabled) {
        out += is_ready(report.checks)
                   ? "verdict: disabled: nesting is off here and stays off " + tally + "\n"
                   : "verdict: not disabled: nesting is on here, or can come back " + tally + "\n";
    } else if (is_ready(report.checks)) {
        out += "verdict: ready: nested guests can run here " + tally + "\n";
    } else {
        out += "verdict: not ready: nested guests cannot run here " + tally + "\n";
    }
    return out;
}

nlohmann::json report_json(const CheckReport& report) {
    nlohmann::json checks = nlohmann::json::array();
    for (const Check& check : report.checks) {
        checks.push_back({{"id", check.id},
                          {"status", std::string(to_string(check.status))},
                          {"message", check.message},
                          {"remedy", check.remedy}});
    }
    Counts counts = count(report.checks);
    return {{"target", report.target},
            {"ready", is_ready(report.checks)},
            {"summary", {{"pass", counts.pass}, {"warn", counts.warn}, {"fail", counts.fail}}},
            {"checks", checks},
            {"notes", report.notes}};
}

} // namespace virtnest
