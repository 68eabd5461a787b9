// SPDX-License-Identifier: GPL-2.0-or-later
// `virt-nest list [SELECTOR...] [--state S] [--json]`
#include "cli/commands.hpp"
#include "virtnest/check/host_probe.hpp"
#include "virtnest/check/libvirt_verdict.hpp"
#include "virtnest/check/power_verdict.hpp"
#include "virtnest/fleet/fleet_runner.hpp"
#include "virtnest/live/live_commands.hpp"
#include "virtnest/util/error.hpp"

#include <CLI/CLI.hpp>

#include <memory>

namespace virtnest {
namespace {

struct ListCliOptions {
    std::vector<std::string> patterns;
    std::string state;
    bool json = false;
    bool read_write = false;
};

ExitCode run_list(const ListCliOptions& cli, const CommandContext& ctx) {
    ListOptions options;
    options.colour = ctx.colour() && !cli.json;
    options.selection.patterns = cli.patterns;
    if (!cli.state.empty()) {
        options.selection.state = parse_state_filter(cli.state);
    }
    if (ctx.read_only && cli.read_write) {
        throw Error("-r/--readonly and --read-write contradict each other", ExitCode::usage);
    }
    if (std::vector<std::string> uris = resolve_uris(ctx.global); uris.size() > 1) {
        options.peer_uris = std::move(uris); // each host compares CPUs on the others
    }
    // ppc64 rows rest on this machine's kvm_hv, which libvirt does not show.
    const std::optional<bool> local_nested = kvm_hv_nested(probe_host(RootedHostFiles("/")));
    OutputOptions output;
    output.command = "list";
    output.format = cli.json ? OutputFormat::json : OutputFormat::text;
    // Reading needs no write access; only the domain capabilities that verify the host's
    // nesting support are refused on a read-only connection (libvirt 9.0), hence --read-write.
    return run_on_hosts(ctx.global, *ctx.out, *ctx.err, output, /*read_only=*/!cli.read_write,
                        [&](const Connection& conn) {
                            ListOptions mine = options;
                            // Only this machine's /sys speaks for its libvirt.
                            if (!is_remote_uri(conn.uri())) {
                                mine.host_kvm_hv_nested = local_nested;
                            }
                            return list_on(conn, mine);
                        });
}

} // namespace

void setup_list(CLI::App& app, CommandContext& ctx) {
    auto cli = std::make_shared<ListCliOptions>();
    auto* sub =
        app.add_subcommand("list", "list domains with their CPU mode and whether they can nest");
    sub->add_option("selector", cli->patterns, "domain names or shell globs (default: all)")
        ->type_name("NAME|GLOB");
    sub->add_option("--state", cli->state, "only domains in this state")
        ->check(CLI::IsMember({"running", "shut-off", "paused"}));
    sub->add_flag("--json", cli->json, "print one JSON document: hosts, domains and summary");
    sub->add_flag("--read-write", cli->read_write,
                  "open a read-write connection (default: read-only), so that libvirt's domain "
                  "capabilities can verify the host's nesting support");
    sub->callback([cli, &ctx] { ctx.exit_code = run_list(*cli, ctx); });
}

} // namespace virtnest
