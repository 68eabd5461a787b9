#include "host_runner.hpp"

#include "virtnest/error.hpp"

#include <fstream>
#include <ostream>

namespace virtnest {

std::vector<std::string> resolve_uris(const GlobalOptions& global) {
    std::vector<std::string> uris = global.uris;
    if (!global.hosts_file.empty()) {
        std::ifstream in(global.hosts_file);
        if (!in) {
            throw Error("cannot read hosts file \"" + global.hosts_file + "\"");
        }
        std::string line;
        while (std::getline(in, line)) {
            auto first = line.find_first_not_of(" \t\r");
            if (first == std::string::npos || line[first] == '#') {
                continue;
            }
            auto last = line.find_last_not_of(" \t\r");
            uris.push_back(line.substr(first, last - first + 1));
        }
    }
    if (uris.empty()) {
        uris.emplace_back();
    }
    return uris;
}

namespace {

HostOutcome run_one(const std::string& uri, bool read_only, const HostJob& job) {
    try {
        Connection conn = Connection::open(uri, read_only);
        return job(conn);
    } catch (const Error& e) {
        HostOutcome failed;
        failed.exit_code = to_int(e.code());
        failed.text = "virt-nest: error: " + std::string(e.what()) + "\n";
        failed.summary = {{"error", e.what()}};
        return failed;
    }
}

} // namespace

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

    int worst = 0;
    nlohmann::json all_records = nlohmann::json::array();
    nlohmann::json hosts = nlohmann::json::array();
    for (const std::string& uri : uris) {
        HostOutcome outcome = run_one(uri, read_only, job);
        worst = std::max(worst, outcome.exit_code);
        if (json) {
            for (auto& record : outcome.records) {
                record["uri"] = uri;
                all_records.push_back(record);
            }
            hosts.push_back({{"uri", uri}, {"exit_code", outcome.exit_code},
                             {"summary", outcome.summary}});
        } else {
            *ctx.out << "== " << uri << " ==\n" << outcome.text;
        }
    }
    if (json) {
        nlohmann::json doc = {{"domains", all_records}, {"hosts", hosts}};
        *ctx.out << doc.dump(2) << '\n';
    }
    return worst;
}

} // namespace virtnest
