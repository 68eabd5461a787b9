#include "virtnest/check/check_render.hpp"

#include <nlohmann/json.hpp>

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

nlohmann::ordered_json report_json(const CheckReport& report) {
    nlohmann::ordered_json checks = nlohmann::ordered_json::array();
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
            status = colour_of(check.status) + status + k_reset;
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
    if (is_ready(report.checks)) {
        out += "verdict: ready: nested guests can run here " + tally + "\n";
    } else {
        out += "verdict: not ready: nested guests cannot run here " + tally + "\n";
    }
    return out;
}

std::string render_json(const std::vector<CheckReport>& reports) {
    if (reports.size() == 1) {
        return report_json(reports.front())
                   .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
               "\n";
    }
    nlohmann::ordered_json hosts = nlohmann::ordered_json::array();
    bool ready = true;
    for (const CheckReport& report : reports) {
        hosts.push_back(report_json(report));
        ready = ready && is_ready(report.checks);
    }
    nlohmann::ordered_json doc = {{"ready", ready}, {"hosts", hosts}};
    return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

} // namespace virtnest
