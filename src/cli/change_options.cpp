// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/change_options.hpp"

#include "cli/domain_stream.hpp"
#include "cli/interrupt.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace virtnest {

void add_change_options(CLI::App& sub, ChangeCliOptions& cli, const ChangeHelp& help) {
    sub.add_option(help.positional_name, cli.patterns, help.positional)->type_name("NAME|GLOB");
    sub.add_flag("--all", cli.all, help.all);
    sub.add_flag("--dry-run", cli.dry_run, help.dry_run);
    sub.add_flag("--diff", cli.diff, "show a unified diff per domain, secrets masked");
    sub.add_flag("--no-validate", cli.no_validate, "skip libvirt's schema validation on define");
    sub.add_flag("--force", cli.force, help.force);
    sub.add_flag("--json", cli.json, "print one JSON document: hosts, domains and summary");
    sub.add_flag("--json-lines", cli.json_lines,
                 "print one JSON object a line: each domain as it is done, then hosts and summary")
        ->excludes("--json");
    sub.add_flag("-q,--quiet", cli.quiet,
                 "print only the domains skipped or failed, and the summary");
    sub.add_option("--backup-dir", cli.backup_dir, help.backup_dir)->type_name("DIR");
    sub.add_option("--wait", cli.wait_seconds,
                   "how long to wait for another run on the same host to finish ("
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
    options.quiet = cli.quiet;
}

ExitCode run_observed(const ChangeCliOptions& cli, const CommandContext& ctx,
                      const std::string& command, const ReportStyle& report,
                      const ObservedJob& job) {
    InterruptGuard interrupt;
    StreamStyle style;
    style.output.command = command;
    style.output.format = cli.json_lines ? OutputFormat::json_lines
                          : cli.json     ? OutputFormat::json
                                         : OutputFormat::text;
    style.report = report;
    style.report.quiet = cli.quiet;
    // Text streams only from a single host; several hosts print one coherent block each.
    style.name_hosts = resolve_uris(ctx.global).size() > 1;
    style.text_to_out = style.output.format == OutputFormat::text && !style.name_hosts;
    style.progress = ctx.err == &std::cerr && stderr_is_terminal();
    DomainStream stream(*ctx.out, *ctx.err, style);

    OutputOptions output = style.output;
    output.domains_streamed = style.text_to_out || output.format == OutputFormat::json_lines;
    output.final_code = [&interrupt](ExitCode code) { return interrupt.exit_code_or(code); };
    output.before_output = [&stream] { stream.finish(); };
    ExitCode code = ExitCode::ok;
    try {
        code = run_on_hosts(ctx.global, *ctx.out, *ctx.err, output, /*read_only=*/false,
                            [&](const Connection& conn) {
                                DomainStream::HostObserver observer(stream, interrupt, conn.uri());
                                return job(conn, observer);
                            });
    } catch (...) {
        stream.finish(); // the error message must not land on the progress line
        throw;
    }
    stream.finish();
    return interrupt.exit_code_or(code);
}

} // namespace virtnest
