// `virt-nest revert DOMAIN... [--backup FILE] [--dry-run] [--diff] [--force] [--json]`
#include "cli/commands.hpp"
#include "virtnest/fleet/fleet_runner.hpp"
#include "virtnest/live/live_commands.hpp"

#include <CLI/CLI.hpp>

#include <memory>

namespace virtnest {
namespace {

struct RevertCliOptions {
    std::vector<std::string> patterns;
    bool all = false;
    std::string backup;
    bool dry_run = false;
    bool diff = false;
    bool no_validate = false;
    bool force = false;
    bool json = false;
    std::string backup_dir;
};

ExitCode run_revert(const RevertCliOptions& cli, const CommandContext& ctx) {
    RevertOptions options;
    options.selection.patterns = cli.patterns;
    options.selection.all = cli.all;
    if (!cli.backup.empty()) {
        options.backup_file = cli.backup;
    }
    options.dry_run = cli.dry_run;
    options.diff = cli.diff;
    options.validate = !cli.no_validate;
    options.force = cli.force;
    options.backup_dir = cli.backup_dir;
    require_selection(options.selection);
    return run_on_hosts(ctx.global, *ctx.out, *ctx.err, cli.json, /*read_only=*/false,
                        [&](const Connection& conn) { return revert_on(conn, options); });
}

} // namespace

void setup_revert(CLI::App& app, CommandContext& ctx) {
    auto cli = std::make_shared<RevertCliOptions>();
    auto* sub = app.add_subcommand("revert", "restore domains from their latest backup");
    sub->add_option("domain", cli->patterns, "domain names or shell globs")->type_name("NAME|GLOB");
    sub->add_flag("--all", cli->all, "every domain that has a backup");
    sub->add_option("--backup", cli->backup, "restore this backup file (one domain only)")
        ->type_name("FILE");
    sub->add_flag("--dry-run", cli->dry_run, "define nothing; report what would be restored");
    sub->add_flag("--diff", cli->diff, "show a unified diff per domain, secrets masked");
    sub->add_flag("--no-validate", cli->no_validate, "skip libvirt's schema validation on define");
    sub->add_flag("--force", cli->force, "restore even where it would be refused");
    sub->add_flag("--json", cli->json, "print one JSON document: domains and summary");
    sub->add_option("--backup-dir", cli->backup_dir, "where backups are (default as for enable)")
        ->type_name("DIR");
    sub->callback([cli, &ctx] { ctx.exit_code = run_revert(*cli, ctx); });
}

} // namespace virtnest
