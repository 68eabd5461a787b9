// SPDX-License-Identifier: GPL-2.0-or-later
// `virt-nest baseline [-c URI]... [--hosts FILE] [--cpu FILE]... [--json]`: one CPU that every
// host can run, with nesting; the cluster's answer to host-passthrough.
#include "cli/cluster_baseline.hpp"
#include "cli/commands.hpp"
#include "virtnest/fleet/fleet_report.hpp"
#include "virtnest/fleet/fleet_runner.hpp"
#include "virtnest/libvirt/connection.hpp"
#include "virtnest/live/cpu_baseline.hpp"
#include "virtnest/util/error.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace virtnest {
namespace {

struct BaselineCliOptions {
    std::vector<std::string> uris; // -c after `baseline`, added to the run's
    std::string hosts_file;
    std::vector<std::string> cpu_files;
    bool cpus_only = false;
    bool json = false;
};

// CPU definitions are small; anything larger is not one.
constexpr std::streamsize k_max_cpu_file = std::streamsize{4} * 1024 * 1024;

std::string read_cpu_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error("cannot read CPU definition \"" + path + "\": " + std::strerror(errno));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (static_cast<std::streamsize>(text.tellp()) > k_max_cpu_file) {
        throw Error("cannot read CPU definition \"" + path + "\": larger than 4 MiB");
    }
    return text.str();
}

// The --json envelope of a baseline: one entry per host asked (a host that cannot run the
// baseline exits 3), the result under "baseline".
nlohmann::json baseline_envelope(const std::vector<Connection>& hosts, const BaselineResult& result,
                                 ExitCode code, bool cpus_only) {
    const std::vector<std::string> refusing = incompatible_hosts(result);
    std::vector<HostResult> results;
    for (const Connection& conn : hosts) {
        HostResult host;
        host.uri = conn.uri();
        host.host_uuid = host_uuid_of(conn);
        if (!cpus_only && std::find(refusing.begin(), refusing.end(), host.uri) != refusing.end()) {
            host.outcome.exit_code = ExitCode::incomplete;
        }
        results.push_back(std::move(host));
    }
    nlohmann::json doc = render_envelope("baseline", results, code);
    doc["baseline"] = baseline_json(result);
    return doc;
}

// The hosts a baseline run connects to: -c/--hosts given globally or after the subcommand.
FleetOptions baseline_fleet(const BaselineCliOptions& cli, const CommandContext& ctx) {
    FleetOptions fleet = ctx.global;
    fleet.uris.insert(fleet.uris.end(), cli.uris.begin(), cli.uris.end());
    if (!cli.hosts_file.empty()) {
        if (!fleet.hosts_file.empty() && fleet.hosts_file != cli.hosts_file) {
            throw Error("baseline takes one --hosts FILE", ExitCode::usage);
        }
        fleet.hosts_file = cli.hosts_file;
    }
    return fleet;
}

ExitCode run_baseline(const BaselineCliOptions& cli, const CommandContext& ctx) {
    refuse_read_only(ctx, "baseline"); // libvirt 9.0 refuses domain capabilities read-only
    if (cli.cpus_only && cli.cpu_files.empty()) {
        throw Error("baseline --cpus-only needs at least one --cpu FILE", ExitCode::usage);
    }
    std::vector<BaselineInput> inputs;
    const std::vector<Connection> hosts =
        connect_baseline_hosts(resolve_uris(baseline_fleet(cli, ctx)), cli.cpus_only, inputs);
    for (const std::string& file : cli.cpu_files) {
        inputs.push_back(baseline_input(file, read_cpu_file(file)));
    }
    const BaselineResult result = compute_baseline(hosts, inputs, cli.cpu_files, cli.cpus_only);
    std::vector<std::string> refusing = incompatible_hosts(result);
    const ExitCode code = refusing.empty() ? ExitCode::ok : ExitCode::incomplete;
    if (cli.json) {
        *ctx.out << dump_json(baseline_envelope(hosts, result, code, cli.cpus_only));
    } else {
        *ctx.out << render_baseline_text(result);
    }
    for (const std::string& host : refusing) {
        *ctx.err << "virt-nest: error: host \"" << host
                 << "\" cannot run the baseline CPU with nesting; is nesting on there? "
                    "(virt-nest -c "
                 << host << " check)\n";
    }
    return code;
}

} // namespace

void setup_baseline(CLI::App& app, CommandContext& ctx) {
    auto cli = std::make_shared<BaselineCliOptions>();
    auto* sub = app.add_subcommand(
        "baseline", "print one CPU with nesting that every host given with -c/--hosts can run "
                    "(for live migration across a cluster)");
    sub->add_option("--cpu", cli->cpu_files,
                    "also take this CPU: domain capabilities, host capabilities or a <cpu> "
                    "(repeatable; not checked, as no host answers for it)")
        ->type_name("FILE");
    sub->add_flag("--cpus-only", cli->cpus_only,
                  "baseline of the --cpu files alone; the (first) host only computes it");
    sub->add_flag("--json", cli->json, "print a JSON object");
    // The run's -c and --hosts, accepted after `baseline` too, as the cluster is its subject.
    sub->add_option("-c,--connect", cli->uris, "a host's libvirt URI (repeatable)")
        ->type_name("URI");
    sub->add_option("--hosts", cli->hosts_file, "read more URIs from FILE, one a line")
        ->type_name("FILE");
    sub->callback([cli, &ctx] { ctx.exit_code = run_baseline(*cli, ctx); });
}

} // namespace virtnest
