// SPDX-License-Identifier: GPL-2.0-or-later
// `virt-nest baseline [-c URI]... [--hosts FILE] [--cpu FILE]... [--json]`: one CPU that every
// host can run, with nesting; the cluster's answer to host-passthrough.
#include "cli/commands.hpp"
#include "virtnest/libvirt/connection.hpp"
#include "virtnest/live/cpu_baseline.hpp"
#include "virtnest/util/error.hpp"

#include <CLI/CLI.hpp>

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
constexpr std::streamsize k_max_cpu_file = 4 * 1024 * 1024;

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

ExitCode run_baseline(const BaselineCliOptions& cli, const CommandContext& ctx) {
    if (cli.cpus_only && cli.cpu_files.empty()) {
        throw Error("baseline --cpus-only needs at least one --cpu FILE", ExitCode::usage);
    }
    std::vector<Connection> hosts;
    std::vector<BaselineInput> inputs;
    FleetOptions fleet = ctx.global;
    fleet.uris.insert(fleet.uris.end(), cli.uris.begin(), cli.uris.end());
    if (!cli.hosts_file.empty()) {
        if (!fleet.hosts_file.empty() && fleet.hosts_file != cli.hosts_file) {
            throw Error("baseline takes one --hosts FILE", ExitCode::usage);
        }
        fleet.hosts_file = cli.hosts_file;
    }
    for (const std::string& uri : resolve_uris(fleet)) {
        Connection conn = Connection::open(uri);
        if (cli.cpus_only) {
            hosts.push_back(std::move(conn)); // it computes; its CPU takes no part
            break;
        }
        std::optional<std::string> caps = conn.domain_capabilities(CapsKey{});
        if (!caps) {
            throw Error("cannot read the domain capabilities of \"" + conn.uri() +
                        "\": its driver does not offer them");
        }
        inputs.push_back(baseline_input(conn.uri(), *caps));
        hosts.push_back(std::move(conn));
    }
    for (const std::string& file : cli.cpu_files) {
        inputs.push_back(baseline_input(file, read_cpu_file(file)));
    }
    BaselineResult result;
    result.vendor = common_vendor(inputs);

    std::vector<std::string> cpus;
    for (const BaselineInput& input : inputs) {
        cpus.push_back(input.cpu_xml);
    }
    // Any host computes the baseline; the first one given does.
    std::optional<std::string> baseline =
        hosts.front().baseline_hypervisor_cpu(CapsKey{}, cpus, /*expand_features=*/false);
    if (!baseline) {
        throw Error("cannot compute a baseline CPU on \"" + hosts.front().uri() +
                    "\": its driver does not offer virConnectBaselineHypervisorCPU");
    }
    result.cpu_xml = with_nesting(*baseline, result.vendor);
    for (std::size_t i = 0; !cli.cpus_only && i < hosts.size(); ++i) {
        result.checks.push_back(
            {hosts[i].uri(), hosts[i].compare_hypervisor_cpu(CapsKey{}, result.cpu_xml)});
    }
    for (const std::string& file : cli.cpu_files) {
        result.checks.push_back({file, std::nullopt});
    }

    *ctx.out << (cli.json ? render_baseline_json(result) : render_baseline_text(result));
    std::vector<std::string> refusing = incompatible_hosts(result);
    for (const std::string& host : refusing) {
        *ctx.err << "virt-nest: error: host \"" << host
                 << "\" cannot run the baseline CPU with nesting; is nesting on there? "
                    "(virt-nest -c "
                 << host << " check)\n";
    }
    return refusing.empty() ? ExitCode::ok : ExitCode::incomplete;
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
