// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli_capture.hpp"
#include "virtnest/fleet/fleet_runner.hpp"

#include "virtnest/cli/cli.hpp"
#include "virtnest/util/error.hpp"
#include "virtnest/util/exit_code.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

using virtnest::Connection;
using virtnest::ExitCode;
using virtnest::FleetOptions;
using virtnest::HostResult;
using virtnest::HostStatus;
using virtnest::RunOutcome;
using virtnest::to_int;

namespace {

const std::string k_fleet = std::string(VIRTNEST_FIXTURES_DIR) + "/fleets";
const std::string k_host_a = "test://" + k_fleet + "/host-a.xml";
const std::string k_host_b = "test://" + k_fleet + "/host-b.xml";
const std::string k_host_c = "test://" + k_fleet + "/host-c.xml";
const std::string k_unreachable = "qemu+unix:///system?socket=/nonexistent/virt-nest-test";

// A job that lists the host's domain names, sorted: text, records and a summary.
RunOutcome list_names(const Connection& conn) {
    std::vector<std::string> names;
    for (const auto& dom : conn.list_all_domains()) {
        names.push_back(dom.name());
    }
    std::sort(names.begin(), names.end());
    RunOutcome outcome;
    for (const auto& name : names) {
        outcome.text += name + "\n";
        outcome.records.push_back({{"name", name}});
    }
    outcome.summary = {{"domains", names.size()}};
    return outcome;
}

// A temporary file removed when the test ends.
struct TempFile {
    std::filesystem::path path;
    explicit TempFile(const std::string& content) {
        path = std::filesystem::temp_directory_path() /
               ("virtnest-hosts-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
        std::ofstream(path) << content;
    }
    ~TempFile() { std::filesystem::remove(path); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
};

// Waits for an event from another thread; gives up after a deadlock-guard period so a broken
// runner fails the test instead of hanging it. Not a timing assertion.
class Signal {
  public:
    void raise() {
        {
            std::lock_guard lock(m_mutex);
            m_raised = true;
        }
        m_cv.notify_all();
    }
    bool wait() {
        std::unique_lock lock(m_mutex);
        return m_cv.wait_for(lock, std::chrono::seconds(20), [&] { return m_raised; });
    }

  private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_raised = false;
};

using Run = test_support::CliRun;

Run run_hosts(std::vector<std::string> uris, unsigned jobs, bool json,
              const virtnest::ConnectionJob& job = list_names) {
    std::ostringstream out;
    std::ostringstream err;
    virtnest::FleetOptions fleet;
    fleet.uris = std::move(uris);
    fleet.jobs = jobs;
    Run run;
    virtnest::OutputOptions output;
    output.command = "list";
    output.format = json ? virtnest::OutputFormat::json : virtnest::OutputFormat::text;
    run.code = to_int(virtnest::run_on_hosts(fleet, out, err, output, true, job));
    run.out = out.str();
    run.err = err.str();
    return run;
}

HostResult result_with(HostStatus status, int code) {
    HostResult result;
    result.uri = "test:///default";
    result.status = status;
    result.outcome.exit_code = static_cast<ExitCode>(code);
    return result;
}

} // namespace

TEST_CASE("fleet_runner: resolve_uris reads -c and the hosts file", "[fleet_runner]") {
    FleetOptions global;

    SECTION("no URI selects libvirt's default") {
        REQUIRE(virtnest::resolve_uris(global) == std::vector<std::string>{""});
    }
    SECTION("-c values keep their order") {
        global.uris = {"test:///b", "test:///a"};
        REQUIRE(virtnest::resolve_uris(global) ==
                std::vector<std::string>{"test:///b", "test:///a"});
    }
    SECTION("file lines follow -c; blanks, comments and CR are skipped; duplicates dropped") {
        TempFile file("# fleet\n\n  qemu+ssh://root@b/system  \r\n\t# off: "
                      "qemu:///x\ntest:///a\r\ntest:///c\n");
        global.uris = {"test:///a"};
        global.hosts_file = file.path.string();
        REQUIRE(virtnest::resolve_uris(global) ==
                std::vector<std::string>{"test:///a", "qemu+ssh://root@b/system", "test:///c"});
    }
    SECTION("a file without any URI is an error, not the local default host") {
        TempFile file("# nothing here\n\n");
        global.hosts_file = file.path.string();
        REQUIRE_THROWS_WITH(virtnest::resolve_uris(global),
                            "hosts file \"" + file.path.string() + "\" names no URI");
    }
    SECTION("an unreadable file is an error") {
        global.hosts_file = "/nonexistent/virt-nest-hosts";
        REQUIRE_THROWS_WITH(virtnest::resolve_uris(global),
                            "cannot read hosts file \"/nonexistent/virt-nest-hosts\"");
    }
}

TEST_CASE("fleet_runner: combine_exit_codes ranks the hosts' codes", "[fleet_runner]") {
    using S = HostStatus;
    auto combine = [](std::vector<HostResult> results) {
        return to_int(virtnest::combine_exit_codes(results));
    };

    SECTION("all fine") { REQUIRE(combine({result_with(S::ok, 0), result_with(S::ok, 0)}) == 0); }
    SECTION("unchanged ranks above ok, incomplete above unchanged") {
        REQUIRE(combine({result_with(S::ok, 0), result_with(S::ok, 5)}) == 5);
        REQUIRE(combine({result_with(S::ok, 5), result_with(S::ok, 3)}) == 3);
    }
    SECTION("not ready ranks above incomplete, error above all") {
        REQUIRE(combine({result_with(S::ok, 4), result_with(S::ok, 3)}) == 4);
        REQUIRE(combine({result_with(S::ok, 1), result_with(S::ok, 4)}) == 1);
    }
    SECTION("an unreachable or failed host is incomplete while another host completed") {
        REQUIRE(combine({result_with(S::ok, 0), result_with(S::unreachable, 1)}) == 3);
        REQUIRE(combine({result_with(S::failed, 1), result_with(S::ok, 5)}) == 3);
        REQUIRE(combine({result_with(S::unreachable, 1), result_with(S::ok, 4)}) == 4);
    }
    SECTION("no host completed is an error") {
        REQUIRE(combine({result_with(S::unreachable, 1), result_with(S::failed, 1)}) == 1);
    }
}

TEST_CASE("fleet_runner: several hosts, one unreachable, text grouped in the given order",
          "[fleet_runner]") {
    Run run = run_hosts({k_host_b, k_unreachable, k_host_a}, 3, false);

    REQUIRE(run.code == to_int(ExitCode::incomplete));
    REQUIRE(run.out == "== " + k_host_b +
                           " ==\ndb-1\n"
                           "== " +
                           k_unreachable +
                           " (unreachable) ==\n"
                           "== " +
                           k_host_a +
                           " ==\nweb-1\nweb-2\n"
                           "== 3 hosts: 2 ok, 1 unreachable, 0 failed ==\n");
    REQUIRE(run.err == "virt-nest: error: host \"" + k_unreachable + "\": cannot connect to \"" +
                           k_unreachable +
                           "\": Failed to connect socket to '/nonexistent/virt-nest-test': No "
                           "such file or directory\n");
}

TEST_CASE("fleet_runner: --json tags every record with its uri and reports each host",
          "[fleet_runner]") {
    Run run = run_hosts({k_host_a, k_host_b, k_unreachable}, 2, true);
    REQUIRE(run.code == to_int(ExitCode::incomplete));
    REQUIRE_THAT(run.err, Catch::Matchers::StartsWith("virt-nest: error: host \"" + k_unreachable +
                                                      "\": cannot connect"));

    auto doc = nlohmann::json::parse(run.out);
    REQUIRE(doc["format_version"] == 1);
    REQUIRE(doc["command"] == "list");
    REQUIRE(doc["error"].is_null());
    REQUIRE(
        doc["summary"] ==
        nlohmann::json{{"domains", 3},
                       {"exit_code", 3},
                       {"hosts", {{"total", 3}, {"ok", 2}, {"unreachable", 1}, {"failed", 0}}}});
    REQUIRE(doc["domains"] == nlohmann::json::parse(R"([
        {"name": "web-1", "uri": ")" + k_host_a + R"("},
        {"name": "web-2", "uri": ")" + k_host_a + R"("},
        {"name": "db-1", "uri": ")" + k_host_b + R"("}])"));
    REQUIRE(doc["hosts"].size() == 3);
    REQUIRE(doc["hosts"][0] == nlohmann::json{{"uri", k_host_a},
                                              {"host_uuid", nullptr}, // the test driver has none
                                              {"status", "ok"},
                                              {"exit_code", 0},
                                              {"error", nullptr},
                                              {"summary", {{"domains", 2}}}});
    REQUIRE(doc["hosts"][1]["status"] == "ok");
    REQUIRE(doc["hosts"][2]["uri"] == k_unreachable);
    REQUIRE(doc["hosts"][2]["status"] == "unreachable");
    REQUIRE(doc["hosts"][2]["exit_code"] == 1);
    REQUIRE_THAT(doc["hosts"][2]["error"].get<std::string>(),
                 Catch::Matchers::StartsWith("cannot connect to \"" + k_unreachable + "\": "));
    REQUIRE(doc["hosts"][2]["summary"].is_null());
}

TEST_CASE("fleet_runner: a job failing on one host does not stop the others", "[fleet_runner]") {
    auto job = [](const Connection& conn) -> RunOutcome {
        if (conn.list_all_domains().size() == 1) {
            throw virtnest::Error("cannot define domain \"db-1\": boom");
        }
        if (conn.list_all_domains().size() == 3) {
            throw std::runtime_error("not a virt-nest error");
        }
        return list_names(conn);
    };

    SECTION("text") {
        Run run = run_hosts({k_host_a, k_host_b, k_host_c}, 2, false, job);
        REQUIRE(run.code == to_int(ExitCode::incomplete));
        REQUIRE(run.out == "== " + k_host_a +
                               " ==\nweb-1\nweb-2\n"
                               "== " +
                               k_host_b +
                               " (failed) ==\n"
                               "== " +
                               k_host_c +
                               " (failed) ==\n"
                               "== 3 hosts: 1 ok, 0 unreachable, 2 failed ==\n");
        REQUIRE(run.err == "virt-nest: error: host \"" + k_host_b +
                               "\": cannot define domain \"db-1\": boom\n"
                               "virt-nest: error: host \"" +
                               k_host_c + "\": not a virt-nest error\n");
    }
    SECTION("json") {
        Run run = run_hosts({k_host_a, k_host_b}, 2, true, job);
        auto doc = nlohmann::json::parse(run.out);
        REQUIRE(run.code == to_int(ExitCode::incomplete));
        REQUIRE(doc["hosts"][1]["status"] == "failed");
        REQUIRE(doc["hosts"][1]["error"] == "cannot define domain \"db-1\": boom");
        REQUIRE(doc["domains"].size() == 2);
    }
}

TEST_CASE("fleet_runner: every host unreachable is an error", "[fleet_runner]") {
    Run run = run_hosts({k_unreachable, "qemu+unix:///session?socket=/nonexistent/virt-nest-other"},
                        2, false);
    REQUIRE(run.code == to_int(ExitCode::error));
    REQUIRE_THAT(run.out,
                 Catch::Matchers::EndsWith("== 2 hosts: 0 ok, 2 unreachable, 0 failed ==\n"));
}

TEST_CASE("fleet_runner: a single host keeps the command's own output", "[fleet_runner]") {
    SECTION("text is the job's text, nothing added") {
        Run run = run_hosts({k_host_a}, 4, false);
        REQUIRE(run.code == 0);
        REQUIRE(run.out == "web-1\nweb-2\n");
    }
    SECTION("json is the same envelope as for many hosts") {
        Run run = run_hosts({k_host_b}, 4, true);
        auto doc = nlohmann::json::parse(run.out);
        REQUIRE(doc["domains"] ==
                nlohmann::json::parse(R"([{"name": "db-1", "uri": ")" + k_host_b + R"("}])"));
        REQUIRE(doc["hosts"].size() == 1);
        REQUIRE(doc["hosts"][0]["summary"] == nlohmann::json{{"domains", 1}});
        REQUIRE(doc["summary"]["exit_code"] == 0);
    }
    SECTION("an unreachable host is the run's error") {
        REQUIRE_THROWS_WITH(
            run_hosts({k_unreachable}, 4, false),
            Catch::Matchers::StartsWith("cannot connect to \"" + k_unreachable + "\": "));
    }
    SECTION("with json, an unreachable host is reported inside the envelope") {
        Run run = run_hosts({k_unreachable}, 4, true);
        REQUIRE(run.code == to_int(ExitCode::error));
        auto doc = nlohmann::json::parse(run.out);
        REQUIRE(doc["hosts"][0]["status"] == "unreachable");
        REQUIRE_THAT(doc["hosts"][0]["error"].get<std::string>(),
                     Catch::Matchers::StartsWith("cannot connect to \"" + k_unreachable + "\": "));
        REQUIRE(doc["summary"]["exit_code"] == 1);
        REQUIRE_THAT(run.err, Catch::Matchers::StartsWith("virt-nest: error: cannot connect"));
    }
}

TEST_CASE("fleet_runner: hosts run concurrently, bounded by --jobs, delivered in order",
          "[fleet_runner]") {
    SECTION("the first host finishing last is still delivered first") {
        // Host 0 waits until host 1 has finished: only possible when both run at once.
        Signal second_done;
        std::atomic<bool> first_saw_second{false};
        std::vector<std::string> uris = {k_host_a, k_host_b};
        auto job = [&](const Connection& conn) {
            RunOutcome outcome = list_names(conn);
            if (conn.uri() == k_host_a) {
                first_saw_second = second_done.wait();
            } else {
                second_done.raise();
            }
            return outcome;
        };
        std::vector<std::size_t> order;
        virtnest::for_each_host(uris, 2, true, job, [&](std::size_t index, HostResult&& result) {
            REQUIRE(result.uri == uris[index]);
            REQUIRE(result.status == HostStatus::ok);
            order.push_back(index);
        });
        REQUIRE(first_saw_second);
        REQUIRE(order == std::vector<std::size_t>{0, 1});
    }

    SECTION("never more than --jobs hosts at once") {
        unsigned jobs = GENERATE(1U, 2U, 3U);
        std::vector<std::string> uris(7, k_host_c);
        std::mutex mutex;
        std::condition_variable cv;
        unsigned in_flight = 0;
        unsigned peak = 0;
        unsigned started = 0;
        std::set<std::thread::id> workers;
        auto job = [&](const Connection& conn) {
            std::unique_lock lock(mutex);
            workers.insert(std::this_thread::get_id());
            ++in_flight;
            ++started;
            peak = std::max(peak, in_flight);
            cv.notify_all();
            // Hold until `jobs` hosts run together (or no more can start), so an unbounded
            // runner would show more than `jobs` in flight.
            cv.wait_for(lock, std::chrono::seconds(20),
                        [&] { return in_flight >= jobs || started == uris.size(); });
            --in_flight;
            lock.unlock();
            return list_names(conn);
        };
        std::size_t delivered = 0;
        virtnest::for_each_host(uris, jobs, true, job, [&](std::size_t index, HostResult&& result) {
            REQUIRE(index == delivered);
            REQUIRE(result.outcome.records.size() == 3);
            ++delivered;
        });
        REQUIRE(delivered == uris.size());
        REQUIRE(peak == jobs);
        // One worker thread per job slot, not one per host.
        REQUIRE(workers.size() == jobs);
    }
}

TEST_CASE("fleet_runner: virt-nest -c A -c B -c BAD list, end to end", "[fleet_runner]") {
    std::ostringstream out;
    std::ostringstream err;

    SECTION("--json: one document, records tagged, the unreachable host reported, exit 3") {
        int code = virtnest::run_cli(
            {"-c", k_host_a, "-c", k_host_b, "-c", k_unreachable, "list", "--json"}, out, err);
        REQUIRE(code == to_int(ExitCode::incomplete));
        auto doc = nlohmann::json::parse(out.str());
        std::vector<std::pair<std::string, std::string>> seen;
        for (const auto& record : doc["domains"]) {
            seen.emplace_back(record["uri"], record["name"]);
        }
        REQUIRE(seen == std::vector<std::pair<std::string, std::string>>{
                            {k_host_a, "web-1"}, {k_host_a, "web-2"}, {k_host_b, "db-1"}});
        REQUIRE(doc["hosts"].size() == 3);
        REQUIRE(doc["hosts"][0]["status"] == "ok");
        REQUIRE(doc["hosts"][1]["status"] == "ok");
        REQUIRE(doc["hosts"][2]["status"] == "unreachable");
        REQUIRE(doc["summary"]["exit_code"] == 3);
    }
    SECTION("text: grouped per host in the given order, with the tally") {
        int code = virtnest::run_cli(
            {"-c", k_host_b, "-c", k_unreachable, "-c", k_host_a, "--jobs", "3", "list"}, out, err);
        REQUIRE(code == to_int(ExitCode::incomplete));
        const std::string text = out.str();
        auto b = text.find("== " + k_host_b + " ==\n");
        auto bad = text.find("== " + k_unreachable + " (unreachable) ==\n");
        auto a = text.find("== " + k_host_a + " ==\n");
        REQUIRE(b == 0);
        REQUIRE(bad != std::string::npos);
        REQUIRE(a != std::string::npos);
        REQUIRE(b < text.find("db-1"));
        REQUIRE(text.find("db-1") < bad);
        REQUIRE(bad < a);
        REQUIRE(a < text.find("web-1"));
        REQUIRE_THAT(text,
                     Catch::Matchers::EndsWith("== 3 hosts: 2 ok, 1 unreachable, 0 failed ==\n"));
        REQUIRE_THAT(err.str(),
                     Catch::Matchers::StartsWith("virt-nest: error: host \"" + k_unreachable +
                                                 "\": cannot connect to"));
    }
    SECTION("--hosts FILE works like repeated -c") {
        TempFile file("# two test hosts\n" + k_host_a + "\n\n" + k_host_b + "\n");
        int code = virtnest::run_cli({"--hosts", file.path.string(), "list", "--json"}, out, err);
        REQUIRE(code == 0);
        auto doc = nlohmann::json::parse(out.str());
        REQUIRE(doc["hosts"].size() == 2);
        REQUIRE(doc["domains"].size() == 3);
    }
}

TEST_CASE("host_runner: item 16: invalid UTF-8 in a record never stops the JSON report",
          "[host_runner]") {
    auto job = [](const Connection&) {
        RunOutcome outcome;
        outcome.records.push_back({{"backup", "/var/lib/b\xff\xfe.xml"}});
        outcome.summary = {{"domains", 1}};
        return outcome;
    };
    for (const std::vector<std::string>& uris :
         {std::vector<std::string>{k_host_a}, std::vector<std::string>{k_host_a, k_host_b}}) {
        Run run = run_hosts(uris, 2, true, job);
        REQUIRE(run.code == 0);
        auto doc = nlohmann::json::parse(run.out);
        REQUIRE(run.out.find("/var/lib/b\xef\xbf\xbd\xef\xbf\xbd.xml") != std::string::npos);
    }
}

TEST_CASE("fleet_runner: the JSON summary carries the exit status the process ends with",
          "[fleet_runner]") {
    // An interrupted run: the job stopped (1), the process exits 130, and so says the JSON.
    auto stopped = [](const Connection& conn) {
        RunOutcome outcome = list_names(conn);
        outcome.exit_code = ExitCode::error;
        return outcome;
    };
    virtnest::FleetOptions fleet;
    virtnest::OutputOptions output;
    output.command = "enable";
    output.final_code = [](ExitCode code) {
        return code == ExitCode::error ? ExitCode::interrupted : code;
    };
    std::ostringstream out;
    std::ostringstream err;
    SECTION("--json") {
        fleet.uris = {k_host_a};
        output.format = virtnest::OutputFormat::json;
        REQUIRE(to_int(virtnest::run_on_hosts(fleet, out, err, output, true, stopped)) == 130);
        auto doc = nlohmann::json::parse(out.str());
        REQUIRE(doc["summary"]["exit_code"] == 130);
        REQUIRE(doc["hosts"][0]["exit_code"] == 1);
    }
    SECTION("--json-lines, several hosts") {
        fleet.uris = {k_host_a, k_host_b};
        output.format = virtnest::OutputFormat::json_lines;
        REQUIRE(to_int(virtnest::run_on_hosts(fleet, out, err, output, true, stopped)) == 130);
        std::istringstream lines(out.str());
        std::string line;
        std::string last;
        std::size_t domains = 0;
        while (std::getline(lines, line)) {
            last = line;
            if (nlohmann::json::parse(line)["record"] == "domain") {
                ++domains;
            }
        }
        REQUIRE(domains == 3); // not streamed by an observer: the runner prints them
        REQUIRE(nlohmann::json::parse(last)["summary"]["exit_code"] == 130);
    }
}
