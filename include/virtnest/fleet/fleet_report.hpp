// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The pure side of a multi-host run: how each host ended, the run's exit code, and its text
// and JSON rendering.

#include "virtnest/fleet/run_outcome.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace virtnest {

// How the work on one host ended.
enum class HostStatus {
    ok,          // the job ran to its end (its exit code may still report skipped items)
    unreachable, // no connection: daemon down, unknown host, authentication refused
    failed,      // connected, but the job stopped on an error
};

// Return the status as the JSON documents spell it ("ok", "unreachable", "failed").
std::string_view to_string(HostStatus status) noexcept;

// The result of one host in a multi-host run.
struct HostResult {
    std::string uri;
    HostStatus status = HostStatus::ok;
    std::string error;     // the error message when status is not ok
    std::string host_uuid; // libvirt's host UUID; empty when unknown
    RunOutcome outcome;    // what the job returned (exit code 1 and no records when it failed)
};

// Return how a URI is shown in reports: "(default)" for libvirt's default, else itself.
std::string shown_uri(const std::string& uri);

// Return the exit code of a multi-host run: the worst of the hosts' codes, ranked
// 0 < 5 (unchanged) < 3 (incomplete) < 4 (not ready) < 1 (error), where a host that was
// unreachable or failed counts as 3 while another host completed, and the run is 1 when
// no host completed.
[[nodiscard]] ExitCode combine_exit_codes(const std::vector<HostResult>& results);

// Return the text block of one host: a `== URI ==` header line, then the job's text.
[[nodiscard]] std::string render_host_text(const HostResult& result);

// Return the closing line of a multi-host text run: how many hosts, and how each ended.
[[nodiscard]] std::string render_hosts_tally(const std::vector<HostResult>& results);

// The version of the --json and --json-lines documents (docs/json-schema/virt-nest.schema.json):
// raised only when a field is removed, renamed or changes its meaning or type.
inline constexpr int k_json_format_version = 1;

// Return the --json envelope of a run over any number of hosts:
// {"format_version", "command", "error", "hosts": [...], "domains": [...], "summary": {...}},
// every domain record tagged with its host's "uri"; per host its uri, host_uuid, status,
// error, exit_code, summary and, under the command's name, the job's payload. The summary
// adds up the hosts' counts and carries `exit_code`, the exit status of the process.
[[nodiscard]] nlohmann::json render_envelope(std::string_view command,
                                             const std::vector<HostResult>& results,
                                             ExitCode exit_code);

// Return the envelope of a run that failed before any host was worked on (a bad selector, an
// unreadable hosts file): no hosts, no domains, the message in "error".
[[nodiscard]] nlohmann::json render_error_envelope(std::string_view command,
                                                   const std::string& message, ExitCode exit_code);

// Return one --json-lines record of a domain: {"record": "domain", "command", "uri", ...}.
[[nodiscard]] nlohmann::json domain_line(std::string_view command, const nlohmann::json& record,
                                         const std::string& uri);

// Return the --json-lines output of a run, one object a line: each domain (unless
// `with_domains` is false, as when they were streamed), then {"record": "host", ...} per host,
// then {"record": "summary", "format_version", "command", "error", "summary"}.
[[nodiscard]] std::string render_json_lines(std::string_view command,
                                            const std::vector<HostResult>& results,
                                            ExitCode exit_code, bool with_domains);

// Return one host's entry of the envelope (see render_envelope).
[[nodiscard]] nlohmann::json host_json(std::string_view command, const HostResult& result);

// Return a domain record tagged with its host's uri.
[[nodiscard]] nlohmann::json tagged_record(const nlohmann::json& record, const std::string& uri);

// Return `doc` as printed: two-space indent (or one line when `indent` is -1), invalid UTF-8
// replaced, newline-terminated.
[[nodiscard]] std::string dump_json(const nlohmann::json& doc, int indent = 2);

} // namespace virtnest
