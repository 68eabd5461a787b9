#pragma once

// Fan a command out over every host the run names (-c, repeatable, and --hosts FILE),
// one libvirt connection per host, at most --jobs hosts at once, and print the results
// grouped per host in the order the hosts were given.

#include "commands/command_context.hpp"
#include "virtnest/libvirt_conn.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace virtnest {

// What a command produced on one host.
struct HostOutcome {
    int exit_code = 0;
    std::string text;                               // human output for this host
    nlohmann::json records = nlohmann::json::array(); // --json: one object per item
    nlohmann::json summary;                          // --json: counts (null when none)
};

// The per-host work: given an open connection, do the command's job. With several hosts it
// is called from several threads at once, one connection each: it must not print nor touch
// state shared between hosts; everything it reports goes into the returned HostOutcome.
using HostJob = std::function<HostOutcome(const Connection& conn)>;

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
    std::string error;   // the error message when status is not ok
    HostOutcome outcome; // what the job returned (exit code 1 and no records when it failed)
};

// Return the URIs to work on: -c values, then --hosts FILE lines (blank lines and `#`
// comments skipped), each URI once in first-seen order; {""} (libvirt's default) when
// neither names any. Throws Error when the file cannot be read or names no URI.
std::vector<std::string> resolve_uris(const GlobalOptions& global);

// Return the exit code of a multi-host run: the worst of the hosts' codes, ranked
// 0 < 5 (unchanged) < 3 (incomplete) < 4 (not ready) < 1 (error), where a host that was
// unreachable or failed counts as 3 while another host completed, and the run is 1 when
// no host completed.
[[nodiscard]] int combine_exit_codes(const std::vector<HostResult>& results);

// Return the text block of one host: a `== URI ==` header line, then the job's text.
[[nodiscard]] std::string render_host_text(const HostResult& result);

// Return the closing line of a multi-host text run: how many hosts, and how each ended.
[[nodiscard]] std::string render_hosts_tally(const std::vector<HostResult>& results);

// Return the --json document of a multi-host run: {"domains": [...], "hosts": [...]}, every
// record tagged with its "uri", and per host its uri, status, exit_code, error and summary.
[[nodiscard]] nlohmann::json render_hosts_json(const std::vector<HostResult>& results);

// Run `job` on every URI, at most `jobs` hosts at once, one thread and connection per host.
// `deliver` is called on the calling thread once per host, in the order of `uris`, as soon as
// that host and all before it are done, so output can stream in a stable order. A host that
// cannot be reached or whose job throws is reported in its HostResult; it never stops the
// others.
void for_each_host(const std::vector<std::string>& uris, unsigned jobs, bool read_only,
                   const HostJob& job,
                   const std::function<void(std::size_t index, HostResult&& result)>& deliver);

// Run `job` on every host and print the outcome: text grouped per host, or one JSON
// document when `json` is set. With a single host the job's own output is printed as is and
// its errors propagate. Return the exit code of the whole run (see combine_exit_codes).
int run_on_hosts(const CommandContext& ctx, bool json, bool read_only, const HostJob& job);

} // namespace virtnest
