#include "host_runner.hpp"

#include "virtnest/error.hpp"

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

std::string_view to_string(HostStatus status) noexcept {
    switch (status) {
    case HostStatus::ok: return "ok";
    case HostStatus::unreachable: return "unreachable";
    case HostStatus::failed: return "failed";
    }
    return "failed";
}

std::vector<std::string> resolve_uris(const GlobalOptions& global) {
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

int severity(int code) {
    switch (code) {
    case to_int(ExitCode::ok): return 0;
    case to_int(ExitCode::unchanged): return 1;
    case to_int(ExitCode::incomplete): return 2;
    case to_int(ExitCode::not_ready): return 3;
    default: return 4; // error, usage, anything unknown
    }
}

HostResult failed_result(std::string uri, HostStatus status, std::string message, int code) {
    HostResult result;
    result.uri = std::move(uri);
    result.status = status;
    result.error = std::move(message);
    result.outcome.exit_code = code;
    return result;
}

HostResult run_one(const std::string& uri, bool read_only, const HostJob& job) {
    std::optional<Connection> conn;
    try {
        conn.emplace(Connection::open(uri, read_only));
    } catch (const Error& e) {
        return failed_result(uri, HostStatus::unreachable, e.what(), to_int(e.code()));
    } catch (const std::exception& e) {
        return failed_result(uri, HostStatus::unreachable, e.what(), to_int(ExitCode::error));
    }
    // Nothing may escape a worker thread: every failure becomes this host's result.
    try {
        HostResult result;
        result.uri = uri;
        result.outcome = job(*conn);
        return result;
    } catch (const Error& e) {
        return failed_result(uri, HostStatus::failed, e.what(), to_int(e.code()));
    } catch (const std::exception& e) {
        return failed_result(uri, HostStatus::failed, e.what(), to_int(ExitCode::error));
    } catch (...) {
        return failed_result(uri, HostStatus::failed, "unexpected failure", to_int(ExitCode::error));
    }
}

std::string shown_uri(const std::string& uri) { return uri.empty() ? "(default)" : uri; }

} // namespace

int combine_exit_codes(const std::vector<HostResult>& results) {
    bool any_completed = std::any_of(results.begin(), results.end(), [](const HostResult& r) {
        return r.status == HostStatus::ok;
    });
    int worst = to_int(ExitCode::ok);
    for (const HostResult& result : results) {
        int code = result.outcome.exit_code;
        if (result.status != HostStatus::ok) {
            code = any_completed ? to_int(ExitCode::incomplete) : to_int(ExitCode::error);
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
        return std::to_string(std::count_if(results.begin(), results.end(),
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
        for (const auto& record : result.outcome.records) {
            if (record.is_object()) {
                nlohmann::json tagged = record;
                tagged["uri"] = result.uri;
                records.push_back(std::move(tagged));
            } else {
                records.push_back({{"uri", result.uri}, {"record", record}});
            }
        }
        hosts.push_back({{"uri", result.uri},
                         {"status", std::string(to_string(result.status))},
                         {"exit_code", result.outcome.exit_code},
                         {"error", result.error.empty() ? nlohmann::json() : nlohmann::json(result.error)},
                         {"summary", result.outcome.summary}});
    }
    return {{"domains", std::move(records)},
            {"hosts", std::move(hosts)},
            {"exit_code", combine_exit_codes(results)}};
}

void for_each_host(const std::vector<std::string>& uris, unsigned jobs, bool read_only,
                   const HostJob& job,
                   const std::function<void(std::size_t index, HostResult&& result)>& deliver) {
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
            HostResult result = run_one(uris[index], read_only, job);
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

int run_on_hosts(const CommandContext& ctx, bool json, bool read_only, const HostJob& job) {
    std::vector<std::string> uris = resolve_uris(ctx.global);
    if (uris.size() == 1) {
        // One host: errors propagate as the run's own error, output is the command's own.
        Connection conn = Connection::open(uris.front(), read_only);
        HostOutcome outcome = job(conn);
        if (json) {
            if (outcome.summary.is_null()) {
                *ctx.out << outcome.records.dump(2) << '\n';
            } else {
                nlohmann::json doc = {{"domains", outcome.records},
                                      {"summary", outcome.summary}};
                *ctx.out << doc.dump(2) << '\n';
            }
        } else {
            *ctx.out << outcome.text;
        }
        return outcome.exit_code;
    }

    std::vector<HostResult> results(uris.size());
    for_each_host(uris, ctx.global.jobs, read_only, job,
                  [&](std::size_t index, HostResult&& result) {
                      if (!json) {
                          *ctx.out << render_host_text(result);
                          if (result.status != HostStatus::ok) {
                              // Flushed first so the error lands inside its host's group.
                              *ctx.out << std::flush;
                              *ctx.err << "virt-nest: error: host \"" << shown_uri(result.uri)
                                       << "\": " << result.error << '\n';
                          }
                          *ctx.out << std::flush;
                      }
                      results[index] = std::move(result);
                  });
    if (json) {
        *ctx.out << render_hosts_json(results).dump(2) << '\n';
    } else {
        *ctx.out << render_hosts_tally(results);
    }
    return combine_exit_codes(results);
}

} // namespace virtnest
