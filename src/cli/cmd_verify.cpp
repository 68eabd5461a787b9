// SPDX-License-Identifier: GPL-2.0-or-later
// `virt-nest verify [SELECTOR...] [--json]`
#include "cli/commands.hpp"
#include "virtnest/fleet/fleet_runner.hpp"
#include "virtnest/live/live_commands.hpp"

#include <CLI/CLI.hpp>

#include <memory>

namespace virtnest {
namespace {

struct VerifyCliOptions {
    std::vector<std::string> patterns;
    bool json = false;
    bool monitor = false;
    bool no_agent = false;
};

ExitCode run_verify(const VerifyCliOptions& cli, const CommandContext& ctx) {
    VerifyOptions options;
    options.selection.patterns = cli.patterns;
    options.monitor = cli.monitor;
    options.agent = !cli.no_agent;
    if (cli.monitor) {
        *ctx.err << "virt-nest: warning: --monitor: libvirt marks every domain whose QEMU "
                    "monitor is asked as tainted (custom-monitor)\n";
    }
    OutputOptions output;
    output.command = "verify";
    output.format = cli.json ? OutputFormat::json : OutputFormat::text;
    // Read-write: --monitor needs it, and so do the domain capabilities behind the answers.
    return run_on_hosts(ctx.global, *ctx.out, *ctx.err, output, /*read_only=*/false,
                        [&](const Connection& conn) { return verify_on(conn, options); });
}

} // namespace

void setup_verify(CLI::App& app, CommandContext& ctx) {
    auto cli = std::make_shared<VerifyCliOptions>();
    auto* sub = app.add_subcommand(
        "verify", "say whether running domains' vCPUs carry vmx/svm now; exit 0 when all do, "
                  "4 when one does not, 3 when one is unknown or not running");
    sub->add_option("selector", cli->patterns,
                    "domain names or shell globs (default: every running domain)")
        ->type_name("NAME|GLOB");
    sub->add_flag("--json", cli->json, "print one JSON document: hosts, domains and summary");
    sub->add_flag("--monitor", cli->monitor,
                  "when the live XML cannot tell, ask QEMU's monitor (qom-get); libvirt then "
                  "marks the domain tainted");
    sub->add_flag("--no-agent", cli->no_agent,
                  "do not ask the QEMU guest agent (by default a domain whose agent is "
                  "connected is asked for its /proc/cpuinfo, /proc/modules and /proc/misc; "
                  "libvirt then marks it tainted)");
    sub->callback([cli, &ctx] { ctx.exit_code = run_verify(*cli, ctx); });
}

} // namespace virtnest
