// SPDX-License-Identifier: GPL-2.0-or-later
// `virt-nest enable|disable SELECTOR... [--mode M] [--model NAME] [--feature F] [--dry-run]
// [--diff] [--no-validate] [--force] [--json] [--backup-dir DIR]`
#include "cli/change_options.hpp"
#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "virtnest/fleet/fleet_runner.hpp"
#include "virtnest/live/live_commands.hpp"

#include <CLI/CLI.hpp>

#include <memory>

namespace virtnest {
namespace {

struct EnableCliOptions {
    ChangeCliOptions change;
    std::string state;
    std::string mode = "auto";
    std::string model;
    std::string feature = "auto";
};

const ChangeHelp k_enable_help{
    "selector",
    "domain names or shell globs ('web-*')",
    "every domain (with --state: every domain in that state)",
    "define nothing; report what would change",
    "change domains that would be refused (say why anyway)",
    "where backups go (default: /var/lib/virt-nest/backups as root, else "
    "$XDG_STATE_HOME/virt-nest/backups)"};

ExitCode run_enable_disable(const EnableCliOptions& cli, Nesting nesting,
                            const CommandContext& ctx) {
    EnableOptions options;
    apply_change_options(cli.change, options);
    if (!cli.state.empty()) {
        options.selection.state = parse_state_filter(cli.state);
    }
    options.nest.nesting = nesting;
    if (cli.mode != "auto") {
        options.nest.mode = parse_cpu_mode(cli.mode);
    }
    if (!cli.model.empty()) {
        options.nest.model = cli.model;
        if (cli.mode == "auto") {
            options.nest.mode = CpuMode::custom; // a model only means something in custom mode
        }
    }
    if (cli.feature != "auto") {
        options.nest.feature = parse_nest_feature(cli.feature);
    }
    options.nest.force = cli.change.force;
    require_selection(options.selection);
    InterruptGuard interrupt;
    const ExitCode code =
        run_on_hosts(ctx.global, *ctx.out, *ctx.err, cli.change.json, /*read_only=*/false,
                     [&](const Connection& conn) { return enable_on(conn, options, interrupt); });
    return interrupt.exit_code_or(code);
}

void add_common(CLI::App* sub, EnableCliOptions& cli) {
    add_change_options(*sub, cli.change, k_enable_help);
    sub->add_option("--state", cli.state, "only domains in this state")
        ->check(CLI::IsMember({"running", "shut-off", "paused"}));
    sub->add_option("--feature", cli.feature, "vmx (Intel), svm (AMD), or auto from the host")
        ->check(CLI::IsMember({"auto", "vmx", "svm"}));
}

void add_model(CLI::App* sub, EnableCliOptions& cli) {
    sub->add_option("--model", cli.model, "CPU model for custom mode (implies --mode custom)")
        ->type_name("NAME");
}

} // namespace

void setup_enable_disable(CLI::App& app, CommandContext& ctx) {
    auto enable_cli = std::make_shared<EnableCliOptions>();
    auto* enable = app.add_subcommand("enable", "make domains nest-capable");
    add_common(enable, *enable_cli);
    enable
        ->add_option("--mode", enable_cli->mode,
                     "CPU mode: auto (host-passthrough where supported, else custom + feature)")
        ->check(CLI::IsMember({"auto", "host-passthrough", "host-model", "custom"}));
    add_model(enable, *enable_cli);
    enable->callback([enable_cli, &ctx] {
        ctx.exit_code = run_enable_disable(*enable_cli, Nesting::enable, ctx);
    });

    auto disable_cli = std::make_shared<EnableCliOptions>();
    auto* disable = app.add_subcommand("disable", "remove nesting from domains (hardening)");
    add_common(disable, *disable_cli);
    disable
        ->add_option("--mode", disable_cli->mode,
                     "CPU mode to give domains without one: auto keeps the current mode")
        ->check(CLI::IsMember({"auto", "host-passthrough", "host-model", "custom"}));
    add_model(disable, *disable_cli);
    disable->callback([disable_cli, &ctx] {
        ctx.exit_code = run_enable_disable(*disable_cli, Nesting::disable, ctx);
    });
}

} // namespace virtnest
