// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/fleet/fleet_runner.hpp"

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
        return result;
    } catch (const Error& e) {
        return failed_result(uri, HostStatus::failed, e.what(), e.code());
    } catch (const std::exception& e) {
        return failed_result(uri, HostStatus::failed, e.what(), ExitCode::error);
    } catch (...) {
        return failed_result(uri, HostStatus::failed, "unexpected failure", ExitCode::error);
    }
}

HostResult run_one(const std::string& uri, bool read_only, const ConnectionJob& job) {
    std::optional<Connection> conn;
    try {
        conn.emplace(Connection::open(uri, read_only));
    } catch (const Error& e) {
        return failed_result(uri, HostStatus::unreachable, e.what(), e.code());
    } catch (const std::exception& e) {
        return failed_result(uri, HostStatus::unreachable, e.what(), ExitCode::error);
    }
    return run_one(uri, [&](const std::string& /*uri*/) { return job(*conn); });
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

void print_single(const RunOutcome& outcome, std::ostream& out, bool json) {
    if (json) {
        if (outcome.summary.is_null()) {
            out << outcome.records.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                << '\n';
        } else {
            nlohmann::json doc = {{"domains", outcome.records}, {"summary", outcome.summary}};
            out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        }
    } else {
        out << outcome.text;
    }
}

ExitCode print_many(const std::vector<std::string>& uris, unsigned jobs, std::ostream& out,
                    std::ostream& err, bool json, const HostWork& work) {
    std::vector<HostResult> results(uris.size());
    for_each_result(uris, jobs, work, [&](std::size_t index, HostResult&& result) {
        if (!json) {
            out << render_host_text(result);
            if (result.status != HostStatus::ok) {
                // Flushed first so the error lands inside its host's group.
                out << std::flush;
                err << "virt-nest: error: host \"" << shown_uri(result.uri)
                    << "\": " << result.error << '\n';
            }
            out << std::flush;
        }
        results[index] = std::move(result);
    });
    if (json) {
        out << render_hosts_json(results).dump(2, ' ', false,
                                               nlohmann::json::error_handler_t::replace)
            << '\n';
    } else {
        out << render_hosts_tally(results);
    }
    return combine_exit_codes(results);
}

} // namespace

void for_each_host(const std::vector<std::string>& uris, unsigned jobs, bool read_only,
                   const ConnectionJob& job, const Deliver& deliver) {
    for_each_result(
        uris, jobs, [&](const std::string& uri) { return run_one(uri, read_only, job); }, deliver);
}

ExitCode run_on_hosts(const FleetOptions& fleet, std::ostream& out, std::ostream& err, bool json,
                      bool read_only, const ConnectionJob& job) {
    std::vector<std::string> uris = resolve_uris(fleet);
    if (uris.size() == 1) {
        // One host: errors propagate as the run's own error, output is the command's own.
        Connection conn = Connection::open(uris.front(), read_only);
        RunOutcome outcome = job(conn);
        print_single(outcome, out, json);
        return outcome.exit_code;
    }
    return print_many(uris, fleet.jobs, out, err, json,
                      [&](const std::string& uri) { return run_one(uri, read_only, job); });
}

ExitCode run_on_hosts(const FleetOptions& fleet, std::ostream& out, std::ostream& err, bool json,
                      const UriJob& job) {
    std::vector<std::string> uris = resolve_uris(fleet);
    if (uris.size() == 1) {
        RunOutcome outcome = job(uris.front());
        print_single(outcome, out, json);
        return outcome.exit_code;
    }
    return print_many(uris, fleet.jobs, out, err, json,
                      [&](const std::string& uri) { return run_one(uri, job); });
}

} // namespace virtnest
