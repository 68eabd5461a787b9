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
    std::string error;  // the error message when status is not ok
    RunOutcome outcome; // what the job returned (exit code 1 and no records when it failed)
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

// Return the --json document of a multi-host run: {"domains": [...], "hosts": [...]}, every
// record tagged with its "uri", and per host its uri, status, exit_code, error and summary.
[[nodiscard]] nlohmann::json render_hosts_json(const std::vector<HostResult>& results);

} // namespace virtnest
