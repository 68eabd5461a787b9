// SPDX-License-Identifier: GPL-2.0-or-later
// `virt-nest revert DOMAIN... [--backup FILE] [--dry-run] [--diff] [--force] [--json]`
#include "cli/change_options.hpp"
#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "virtnest/fleet/fleet_runner.hpp"
#include "virtnest/live/live_commands.hpp"

#include <CLI/CLI.hpp>

#include <memory>

namespace virtnest {
namespace {

struct RevertCliOptions {
    ChangeCliOptions change;
    std::string backup;
};

const ChangeHelp k_revert_help{"domain",
                               "domain names or shell globs",
                               "every domain that has a backup",
                               "define nothing; report what would be restored",
                               "restore even where it would be refused",
                               "where backups are (default as for enable)"};

ExitCode run_revert(const RevertCliOptions& cli, const CommandContext& ctx) {
    RevertOptions options;
    apply_change_options(cli.change, options);
    if (!cli.backup.empty()) {
        options.backup_file = cli.backup;
    }
    options.force = cli.change.force;
    require_selection(options.selection);
    InterruptGuard interrupt;
    const ExitCode code =
        run_on_hosts(ctx.global, *ctx.out, *ctx.err, cli.change.json, /*read_only=*/false,
                     [&](const Connection& conn) { return revert_on(conn, options, interrupt); });
    return interrupt.exit_code_or(code);
}

} // namespace

void setup_revert(CLI::App& app, CommandContext& ctx) {
    auto cli = std::make_shared<RevertCliOptions>();
    auto* sub = app.add_subcommand("revert", "restore domains from their latest backup");
    add_change_options(*sub, cli->change, k_revert_help);
    sub->add_option("--backup", cli->backup, "restore this backup file (one domain only)")
        ->type_name("FILE");
    sub->callback([cli, &ctx] { ctx.exit_code = run_revert(*cli, ctx); });
}

} // namespace virtnest
