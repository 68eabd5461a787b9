// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/fleet/fleet_report.hpp"

#include <algorithm>
#include <cstdint>

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

nlohmann::json tagged_record(const nlohmann::json& record, const std::string& uri) {
    nlohmann::json tagged = record.is_object() ? record : nlohmann::json{{"record", record}};
    tagged["uri"] = uri;
    return tagged;
}

nlohmann::json host_json(std::string_view command, const HostResult& result) {
    auto text_or_null = [](const std::string& text) {
        return text.empty() ? nlohmann::json() : nlohmann::json(text);
    };
    nlohmann::json host = {{"uri", result.uri},
                           {"host_uuid", text_or_null(result.host_uuid)},
                           {"status", std::string(to_string(result.status))},
                           {"error", text_or_null(result.error)},
                           {"exit_code", to_int(result.outcome.exit_code)},
                           {"summary", result.outcome.summary}};
    if (!result.outcome.payload.is_null()) {
        host[std::string(command)] = result.outcome.payload;
    }
    return host;
}

namespace {

// Add up the hosts' summaries: counts are summed, flags (dry_run) taken from the first host
// that has them; text (why one host stopped) stays in that host's entry.
nlohmann::json summed_summary(const std::vector<HostResult>& results) {
    nlohmann::json sum = nlohmann::json::object();
    for (const HostResult& result : results) {
        if (!result.outcome.summary.is_object()) {
            continue;
        }
        for (const auto& [key, value] : result.outcome.summary.items()) {
            if (value.is_number_integer() && sum.value(key, nlohmann::json()).is_number()) {
                sum[key] = sum[key].get<std::int64_t>() + value.get<std::int64_t>();
            } else if ((value.is_number_integer() || value.is_boolean()) && !sum.contains(key)) {
                sum[key] = value;
            }
        }
    }
    return sum;
}

nlohmann::json host_tally(const std::vector<HostResult>& results) {
    auto count = [&](HostStatus status) {
        return std::count_if(results.begin(), results.end(),
                             [&](const HostResult& r) { return r.status == status; });
    };
    return {{"total", results.size()},
            {"ok", count(HostStatus::ok)},
            {"unreachable", count(HostStatus::unreachable)},
            {"failed", count(HostStatus::failed)}};
}

} // namespace

nlohmann::json render_envelope(std::string_view command, const std::vector<HostResult>& results,
                               ExitCode exit_code) {
    nlohmann::json domains = nlohmann::json::array();
    nlohmann::json hosts = nlohmann::json::array();
    for (const HostResult& result : results) {
        for (const auto& record : result.outcome.records) {
            domains.push_back(tagged_record(record, result.uri));
        }
        hosts.push_back(host_json(command, result));
    }
    nlohmann::json summary = summed_summary(results);
    summary["hosts"] = host_tally(results);
    summary["exit_code"] = to_int(exit_code);
    return {{"format_version", k_json_format_version},
            {"command", std::string(command)},
            {"error", nullptr},
            {"hosts", std::move(hosts)},
            {"domains", std::move(domains)},
            {"summary", std::move(summary)}};
}

nlohmann::json render_error_envelope(std::string_view command, const std::string& message,
                                     ExitCode exit_code) {
    nlohmann::json doc = render_envelope(command, {}, exit_code);
    doc["error"] = message;
    return doc;
}

nlohmann::json domain_line(std::string_view command, const nlohmann::json& record,
                           const std::string& uri) {
    nlohmann::json line = tagged_record(record, uri);
    line["record"] = "domain";
    line["command"] = std::string(command);
    return line;
}

std::string render_json_lines(std::string_view command, const std::vector<HostResult>& results,
                              ExitCode exit_code, bool with_domains) {
    std::string text;
    if (with_domains) {
        for (const HostResult& result : results) {
            for (const auto& record : result.outcome.records) {
                text += dump_json(domain_line(command, record, result.uri), -1);
            }
        }
    }
    for (const HostResult& result : results) {
        nlohmann::json line = host_json(command, result);
        line["record"] = "host";
        line["command"] = std::string(command);
        text += dump_json(line, -1);
    }
    nlohmann::json envelope = render_envelope(command, results, exit_code);
    text += dump_json({{"record", "summary"},
                       {"format_version", k_json_format_version},
                       {"command", std::string(command)},
                       {"error", nullptr},
                       {"summary", envelope["summary"]}},
                      -1);
    return text;
}

std::string dump_json(const nlohmann::json& doc, int indent) {
    return doc.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

} // namespace virtnest
