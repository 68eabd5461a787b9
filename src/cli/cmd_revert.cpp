// SPDX-License-Identifier: GPL-2.0-or-later
// `virt-nest revert DOMAIN... [--backup FILE] [--whole] [--dry-run] [--diff] [--force] [--json]`
#include "cli/change_options.hpp"
#include "cli/commands.hpp"
#include "virtnest/fleet/fleet_runner.hpp"
#include "virtnest/live/live_commands.hpp"

#include <CLI/CLI.hpp>

#include <memory>

namespace virtnest {
namespace {

struct RevertCliOptions {
    ChangeCliOptions change;
    std::string backup;
    bool whole = false;
};

const ChangeHelp k_revert_help{"domain",
                               "domain names or shell globs",
                               "every domain that has a backup",
                               "define nothing; report what would be restored",
                               "restore even where it would be refused",
                               "where backups are (default as for enable)"};

ExitCode run_revert(const RevertCliOptions& cli, const CommandContext& ctx) {
    refuse_read_only(ctx, "revert");
    RevertOptions options;
    apply_change_options(cli.change, options);
    options.colour = ctx.colour() && !cli.change.json;
    if (!cli.backup.empty()) {
        options.backup_file = cli.backup;
    }
    options.force = cli.change.force;
    options.whole = cli.whole;
    require_selection(options.selection);
    ReportStyle report;
    report.verb = "revert";
    report.dry_run = options.dry_run;
    report.with_diff = options.diff;
    report.colour = options.colour;
    return run_observed(cli.change, ctx, "revert", report,
                        [&](const Connection& conn, RunObserver& observer) {
                            // Remedies name the host the run was given, so they act on it.
                            RevertOptions here = options;
                            if (!ctx.global.uris.empty() || !ctx.global.hosts_file.empty()) {
                                here.uri = conn.uri();
                            }
                            return revert_on(conn, here, observer);
                        });
}

} // namespace

void setup_revert(CLI::App& app, CommandContext& ctx) {
    auto cli = std::make_shared<RevertCliOptions>();
    auto* sub = app.add_subcommand("revert", "restore domains from their latest backup");
    add_change_options(*sub, cli->change, k_revert_help);
    sub->add_option("--backup", cli->backup, "restore this backup file (one domain only)")
        ->type_name("FILE");
    sub->add_flag("--whole", cli->whole,
                  "restore the entire backup, undoing every edit made since it was taken "
                  "(default: only the CPU and the nesting parts enable/disable change)");
    sub->callback([cli, &ctx] { ctx.exit_code = run_revert(*cli, ctx); });
}

} // namespace virtnest
