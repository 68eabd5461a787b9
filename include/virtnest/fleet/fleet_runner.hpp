// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Fan a command out over every host the run names (-c, repeatable, and --hosts FILE),
// one libvirt connection per host, at most --jobs hosts at once, and print the results
// grouped per host in the order the hosts were given.

#include "virtnest/fleet/fleet_report.hpp"
#include "virtnest/libvirt/connection.hpp"

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace virtnest {

// The options of a run that name its hosts, given before the subcommand.
struct FleetOptions {
    std::vector<std::string> uris; // -c/--connect, repeatable; empty: libvirt's default
    std::string hosts_file;        // --hosts FILE: one URI a line
    unsigned jobs = 4;             // --jobs N: hosts worked on at once
};

// How a run prints its results.
enum class OutputFormat {
    text,       // human text (grouped per host when there are several)
    json,       // one envelope document at the end (render_envelope)
    json_lines, // one JSON object a line: each domain, each host, then the summary
};

// What run_on_hosts needs to print a run.
struct OutputOptions {
    std::string command; // the subcommand, as the JSON envelope names it
    OutputFormat format = OutputFormat::text;
    // The job's observer printed each domain as it was done (its text block or JSON line):
    // the runner then prints only what follows them (the summary and host records).
    bool domains_streamed = false;
    // Turns the run's exit code into the process's (130 after SIGINT) before the summary
    // that carries it is printed; unset: the code as it is.
    std::function<ExitCode(ExitCode)> final_code;
    // Called before the runner writes to stdout or stderr (to erase a progress line).
    std::function<void()> before_output;
};

// The per-host work: given an open connection, do the command's job. With several hosts it
// is called from several threads at once, one connection each: it must not print nor touch
// state shared between hosts; everything it reports goes into the returned RunOutcome.
using ConnectionJob = std::function<RunOutcome(const Connection& conn)>;

// The per-host work of a command that opens its own connection, or none: given the host's
// URI ("" for libvirt's default), do the command's job, under the rules of ConnectionJob.
// `check` is one: an unreachable daemon is a finding of its report, not an error.
using UriJob = std::function<RunOutcome(const std::string& uri)>;

// Return the URIs to work on: -c values, then --hosts FILE lines (blank lines and `#`
// comments skipped), each URI once in first-seen order; {""} (libvirt's default) when
// neither names any. Throws Error when the file cannot be read or names no URI.
std::vector<std::string> resolve_uris(const FleetOptions& global);

// Return libvirt's host UUID of `conn` (from its capabilities), or "" when it has none or
// will not say.
std::string host_uuid_of(const Connection& conn);

// Run `job` on every URI, at most `jobs` hosts at once, one thread and connection per host.
// `deliver` is called on the calling thread once per host, in the order of `uris`, as soon as
// that host and all before it are done, so output can stream in a stable order. A host that
// cannot be reached or whose job throws is reported in its HostResult; it never stops the
// others.
void for_each_host(const std::vector<std::string>& uris, unsigned jobs, bool read_only,
                   const ConnectionJob& job,
                   const std::function<void(std::size_t index, HostResult&& result)>& deliver);

// Run `job` on every host and print the outcome as `output` says: text grouped per host, or
// the JSON envelope (or lines). With a single host and text output the job's own text is
// printed as is and its errors propagate; with JSON they are printed inside the envelope and
// the run exits with the error's code. Return the exit code of the whole run (see
// combine_exit_codes), passed through output.final_code.
ExitCode run_on_hosts(const FleetOptions& fleet, std::ostream& out, std::ostream& err,
                      const OutputOptions& output, bool read_only, const ConnectionJob& job);

// Run `job` on every host as above, handing it the URI instead of an open connection.
ExitCode run_on_hosts(const FleetOptions& fleet, std::ostream& out, std::ostream& err,
                      const OutputOptions& output, const UriJob& job);

} // namespace virtnest
