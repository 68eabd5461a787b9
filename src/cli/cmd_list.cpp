// SPDX-License-Identifier: GPL-2.0-or-later
// `virt-nest list [SELECTOR...] [--state S] [--json]`
#include "cli/commands.hpp"
#include "virtnest/fleet/fleet_runner.hpp"
#include "virtnest/live/live_commands.hpp"

#include <CLI/CLI.hpp>

#include <memory>

namespace virtnest {
namespace {

struct ListCliOptions {
    std::vector<std::string> patterns;
    std::string state;
    bool json = false;
};

ExitCode run_list(const ListCliOptions& cli, const CommandContext& ctx) {
    ListOptions options;
    options.selection.patterns = cli.patterns;
    if (!cli.state.empty()) {
        options.selection.state = parse_state_filter(cli.state);
    }
    return run_on_hosts(ctx.global, *ctx.out, *ctx.err, cli.json, /*read_only=*/false,
                        [&](const Connection& conn) { return list_on(conn, options); });
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
    sub->add_flag("--json", cli->json, "print a JSON array of objects");
    sub->callback([cli, &ctx] { ctx.exit_code = run_list(*cli, ctx); });
}

} // namespace virtnest
