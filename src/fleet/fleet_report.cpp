// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/fleet/fleet_report.hpp"

#include <algorithm>

namespace virtnest {
namespace {

int severity(ExitCode code) {
    switch (code) {
    case ExitCode::ok: return 0;
    case ExitCode::unchanged: return 1;
    case ExitCode::incomplete: return 2;
    case ExitCode::not_ready: return 3;
    case ExitCode::error:
    case ExitCode::usage:
    case ExitCode::interrupted:
    case ExitCode::terminated: return 4;
    }
    return 4;
}

} // namespace

std::string_view to_string(HostStatus status) noexcept {
    switch (status) {
    case HostStatus::ok: return "ok";
    case HostStatus::unreachable: return "unreachable";
    case HostStatus::failed: return "failed";
    }
    return "failed";
}

std::string shown_uri(const std::string& uri) { return uri.empty() ? "(default)" : uri; }

ExitCode combine_exit_codes(const std::vector<HostResult>& results) {
    bool any_completed = std::any_of(results.begin(), results.end(), [](const HostResult& r) {
        return r.status == HostStatus::ok;
    });
    ExitCode worst = ExitCode::ok;
    for (const HostResult& result : results) {
        ExitCode code = result.outcome.exit_code;
        if (result.status != HostStatus::ok) {
            code = any_completed ? ExitCode::incomplete : ExitCode::error;
        }
        if (severity(code) > severity(worst)) {
            worst = code;
        }
    }
    return worst;
}

std::string render_host_text(const HostResult& result) {
    std::string text = "== " + shown_uri(result.uri);
    if (result.status != HostStatus::ok) {
        text += " (";
        text += to_string(result.status);
        text += ")";
    }
    text += " ==\n";
    text += result.outcome.text;
    return text;
}

std::string render_hosts_tally(const std::vector<HostResult>& results) {
    auto count = [&](HostStatus status) {
        return std::to_string(
            std::count_if(results.begin(), results.end(),
                          [&](const HostResult& r) { return r.status == status; }));
    };
    return "== " + std::to_string(results.size()) + " hosts: " + count(HostStatus::ok) + " ok, " +
           count(HostStatus::unreachable) + " unreachable, " + count(HostStatus::failed) +
           " failed ==\n";
}

nlohmann::json render_hosts_json(const std::vector<HostResult>& results) {
    nlohmann::json records = nlohmann::json::array();
    nlohmann::json hosts = nlohmann::json::array();
    for (const HostResult& result : results) {
        // A job whose --json output is one object (check's report) gives one record.
        const nlohmann::json& given = result.outcome.records;
        const nlohmann::json records_of_host =
            given.is_object() ? nlohmann::json::array({given}) : given;
        for (const auto& record : records_of_host) {
            if (record.is_object()) {
                nlohmann::json tagged = record;
                tagged["uri"] = result.uri;
                records.push_back(std::move(tagged));
            } else {
                records.push_back({{"uri", result.uri}, {"record", record}});
            }
        }
        hosts.push_back(
            {{"uri", result.uri},
             {"status", std::string(to_string(result.status))},
             {"exit_code", to_int(result.outcome.exit_code)},
             {"error", result.error.empty() ? nlohmann::json() : nlohmann::json(result.error)},
             {"summary", result.outcome.summary}});
    }
    return {{"domains", std::move(records)},
            {"hosts", std::move(hosts)},
            {"exit_code", to_int(combine_exit_codes(results))}};
}

} // namespace virtnest
