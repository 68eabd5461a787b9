// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/change_options.hpp"

#include <CLI/CLI.hpp>

namespace virtnest {

void add_change_options(CLI::App& sub, ChangeCliOptions& cli, const ChangeHelp& help) {
    sub.add_option(help.positional_name, cli.patterns, help.positional)->type_name("NAME|GLOB");
    sub.add_flag("--all", cli.all, help.all);
    sub.add_flag("--dry-run", cli.dry_run, help.dry_run);
    sub.add_flag("--diff", cli.diff, "show a unified diff per domain, secrets masked");
    sub.add_flag("--no-validate", cli.no_validate, "skip libvirt's schema validation on define");
    sub.add_flag("--force", cli.force, help.force);
    sub.add_flag("--json", cli.json, "print one JSON document: domains and summary");
    sub.add_option("--backup-dir", cli.backup_dir, help.backup_dir)->type_name("DIR");
    sub.add_option("--wait", cli.wait_seconds,
                   "how long to wait for another run on the same host to finish (default 10; "
                   "0: fail at once)")
        ->type_name("SECONDS");
}

void apply_change_options(const ChangeCliOptions& cli, ChangeOptions& options) {
    options.selection.patterns = cli.patterns;
    options.selection.all = cli.all;
    options.dry_run = cli.dry_run;
    options.diff = cli.diff;
    options.validate = !cli.no_validate;
    options.backup_dir = cli.backup_dir;
    options.wait = std::chrono::seconds(cli.wait_seconds);
}

} // namespace virtnest
