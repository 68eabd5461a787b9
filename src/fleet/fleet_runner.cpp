// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/fleet/fleet_runner.hpp"

#include "virtnest/libvirt/domain_caps.hpp"
#include "virtnest/util/error.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <optional>
#include <ostream>
#include <thread>
#include <unordered_set>

namespace virtnest {

std::vector<std::string> resolve_uris(const FleetOptions& global) {
    std::vector<std::string> uris = global.uris;
    if (!global.hosts_file.empty()) {
        std::ifstream in(global.hosts_file);
        if (!in) {
            throw Error("cannot read hosts file \"" + global.hosts_file + "\"");
        }
        std::size_t from_file = 0;
        std::string line;
        while (std::getline(in, line)) {
            auto first = line.find_first_not_of(" \t\r");
            if (first == std::string::npos || line[first] == '#') {
                continue;
            }
            auto last = line.find_last_not_of(" \t\r");
            uris.push_back(line.substr(first, last - first + 1));
            ++from_file;
        }
        if (in.bad()) {
            throw Error("cannot read hosts file \"" + global.hosts_file + "\"");
        }
        // An empty fleet file must not silently turn into "work on the local default host".
        if (from_file == 0 && global.uris.empty()) {
            throw Error("hosts file \"" + global.hosts_file + "\" names no URI");
        }
    }
    if (uris.empty()) {
        uris.emplace_back();
        return uris;
    }
    // The same host twice would run the job twice on it at once, racing with itself.
    std::unordered_set<std::string> seen;
    std::vector<std::string> unique;
    unique.reserve(uris.size());
    for (auto& uri : uris) {
        if (seen.insert(uri).second) {
            unique.push_back(std::move(uri));
        }
    }
    return unique;
}

std::string host_uuid_of(const Connection& conn) {
    try {
        return host_uuid_from_capabilities(conn.capabilities());
    } catch (const Error&) {
        return {};
    }
}

namespace {

HostResult failed_result(std::string uri, HostStatus status, std::string message, ExitCode code) {
    HostResult result;
    result.uri = std::move(uri);
    result.status = status;
    result.error = std::move(message);
    result.outcome.exit_code = code;
    return result;
}

HostResult run_one(const std::string& uri, const UriJob& job) {
    // Nothing may escape a worker thread: every failure becomes this host's result.
    try {
        HostResult result;
        result.uri = uri;
        result.outcome = job(uri);
        result.host_uuid = result.outcome.host_uuid;
        return result;
    } catch (const Error& e) {
        return failed_result(uri, HostStatus::failed, e.what(), e.code());
    } catch (const std::exception& e) {
        return failed_result(uri, HostStatus::failed, e.what(), ExitCode::error);
    } catch (...) {
        return failed_result(uri, HostStatus::failed, "unexpected failure", ExitCode::error);
    }
}

HostResult run_one(const std::string& uri, bool read_only, bool want_uuid,
                   const ConnectionJob& job) {
    std::optional<Connection> conn;
    try {
        conn.emplace(Connection::open(uri, read_only));
    } catch (const Error& e) {
        return failed_result(uri, HostStatus::unreachable, e.what(), e.code());
    } catch (const std::exception& e) {
        return failed_result(uri, HostStatus::unreachable, e.what(), ExitCode::error);
    }
    // The domains' records name the host as the connection does; so does its entry.
    const std::string connected = conn->uri().empty() ? uri : conn->uri();
    HostResult result = run_one(connected, [&](const std::string& /*uri*/) { return job(*conn); });
    if (want_uuid && result.host_uuid.empty()) {
        result.host_uuid = host_uuid_of(*conn);
    }
    return result;
}

using HostWork = std::function<HostResult(const std::string& uri)>;
using Deliver = std::function<void(std::size_t index, HostResult&& result)>;

void for_each_result(const std::vector<std::string>& uris, unsigned jobs, const HostWork& work,
                     const Deliver& deliver) {
    const std::size_t count = uris.size();
    std::vector<std::optional<HostResult>> slots(count);
    std::mutex mutex;
    std::condition_variable ready;
    std::atomic<std::size_t> next{0};

    auto worker = [&] {
        for (;;) {
            std::size_t index = next.fetch_add(1);
            if (index >= count) {
                return;
            }
            HostResult result = work(uris[index]);
            {
                std::lock_guard lock(mutex);
                slots[index] = std::move(result);
            }
            ready.notify_all();
        }
    };

    std::size_t threads = std::min<std::size_t>(std::max(jobs, 1U), count);
    {
        std::vector<std::jthread> pool;
        pool.reserve(threads);
        for (std::size_t i = 0; i < threads; ++i) {
            pool.emplace_back(worker);
        }
        for (std::size_t index = 0; index < count; ++index) {
            HostResult result;
            {
                std::unique_lock lock(mutex);
                ready.wait(lock, [&] { return slots[index].has_value(); });
                result = std::move(*slots[index]);
                slots[index].reset();
            }
            deliver(index, std::move(result));
        }
    }
}

ExitCode final_code(const OutputOptions& output, ExitCode code) {
    return output.final_code ? output.final_code(code) : code;
}

void before_output(const OutputOptions& output) {
    if (output.before_output) {
        output.before_output();
    }
}

// Print the results of a JSON run, once every host is done.
void print_json(const OutputOptions& output, const std::vector<HostResult>& results, ExitCode code,
                std::ostream& out) {
    if (output.format == OutputFormat::json_lines) {
        out << render_json_lines(output.command, results, code, !output.domains_streamed);
    } else {
        out << dump_json(render_envelope(output.command, results, code));
    }
}

ExitCode print_many(const std::vector<std::string>& uris, unsigned jobs, std::ostream& out,
                    std::ostream& err, const OutputOptions& output, const HostWork& work) {
    std::vector<HostResult> results(uris.size());
    const bool text = output.format == OutputFormat::text;
    for_each_result(uris, jobs, work, [&](std::size_t index, HostResult&& result) {
        before_output(output);
        if (text) {
            out << render_host_text(result);
        }
        if (result.status != HostStatus::ok) {
            // Flushed first so the error lands inside its host's group.
            out << std::flush;
            // One write, so it never splits a line another host's thread writes to stderr.
            err << ("virt-nest: error: host \"" + shown_uri(result.uri) + "\": " + result.error +
                    "\n");
        }
        out << std::flush;
        results[index] = std::move(result);
    });
    const ExitCode code = final_code(output, combine_exit_codes(results));
    before_output(output);
    if (text) {
        out << render_hosts_tally(results);
    } else {
        print_json(output, results, code, out);
    }
    return code;
}

// One host: text output is the job's own and its errors propagate; JSON output reports an
// error inside the envelope (the message goes to stderr too) and exits with its code.
ExitCode print_one(const std::string& uri, std::ostream& out, std::ostream& err,
                   const OutputOptions& output, const HostWork& work) {
    if (output.format == OutputFormat::text) {
        HostResult result = work(uri);
        before_output(output);
        if (result.status != HostStatus::ok) {
            throw Error(result.error, result.outcome.exit_code);
        }
        const ExitCode code = final_code(output, result.outcome.exit_code);
        out << (output.domains_streamed ? result.outcome.summary_text : result.outcome.text);
        return code;
    }
    std::vector<HostResult> results{work(uri)};
    const HostResult& result = results.front();
    before_output(output);
    if (result.status != HostStatus::ok) {
        err << "virt-nest: error: " << result.error << '\n';
    }
    const ExitCode code = final_code(output, result.outcome.exit_code);
    print_json(output, results, code, out);
    return code;
}

} // namespace

void for_each_host(const std::vector<std::string>& uris, unsigned jobs, bool read_only,
                   const ConnectionJob& job, const Deliver& deliver) {
    for_each_result(
        uris, jobs, [&](const std::string& uri) { return run_one(uri, read_only, false, job); },
        deliver);
}

ExitCode run_on_hosts(const FleetOptions& fleet, std::ostream& out, std::ostream& err,
                      const OutputOptions& output, bool read_only, const ConnectionJob& job) {
    const std::vector<std::string> uris = resolve_uris(fleet);
    const bool want_uuid = output.format != OutputFormat::text;
    const HostWork work = [&](const std::string& uri) {
        return run_one(uri, read_only, want_uuid, job);
    };
    if (uris.size() == 1) {
        return print_one(uris.front(), out, err, output, work);
    }
    return print_many(uris, fleet.jobs, out, err, output, work);
}

ExitCode run_on_hosts(const FleetOptions& fleet, std::ostream& out, std::ostream& err,
                      const OutputOptions& output, const UriJob& job) {
    const std::vector<std::string> uris = resolve_uris(fleet);
    const HostWork work = [&](const std::string& uri) { return run_one(uri, job); };
    if (uris.size() == 1) {
        return print_one(uris.front(), out, err, output, work);
    }
    return print_many(uris, fleet.jobs, out, err, output, work);
}

} // namespace virtnest
