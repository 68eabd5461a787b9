#pragma once

// Fan a command out over every host the run names (-c, repeatable, and --hosts FILE),
// one libvirt connection per host, and print the results grouped per host.

#include "commands/command_context.hpp"
#include "virtnest/libvirt_conn.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace virtnest {

// What a command produced on one host.
struct HostOutcome {
    int exit_code = 0;
    std::string text;                               // human output for this host
    nlohmann::json records = nlohmann::json::array(); // --json: one object per item
    nlohmann::json summary;                          // --json: counts (null when none)
};

// The per-host work: given an open connection, do the command's job.
using HostJob = std::function<HostOutcome(const Connection& conn)>;

// Return the URIs to work on: -c values, then --hosts FILE lines (blank lines and
// `#` comments skipped); {""} (libvirt's default) when neither names any.
std::vector<std::string> resolve_uris(const GlobalOptions& global);

// Run `job` on every host and print the outcome: text grouped per host, or one JSON
// document when `json` is set. A host that cannot be reached is reported and does not stop
// the others. Return the exit code of the whole run (the worst of the hosts').
int run_on_hosts(const CommandContext& ctx, bool json, bool read_only, const HostJob& job);

} // namespace virtnest
