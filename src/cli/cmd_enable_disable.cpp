// SPDX-License-Identifier: GPL-2.0-or-later
// `virt-nest enable|disable SELECTOR... [--mode M] [--model NAME] [--feature F] [--dry-run]
// [--diff] [--no-validate] [--force] [--json] [--backup-dir DIR]`
#include "cli/change_options.hpp"
#include "cli/cluster_baseline.hpp"
#include "cli/commands.hpp"
#include "virtnest/fleet/fleet_runner.hpp"
#include "virtnest/live/live_commands.hpp"
#include "virtnest/live/live_model_check.hpp"
#include "virtnest/util/error.hpp"

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
    std::vector<std::string> uris; // enable's own -c, added to the run's (the cluster)
    std::string hosts_file;        // enable's own --hosts
};

const ChangeHelp k_enable_help{
    "selector",
    "domain names or shell globs ('web-*')",
    "every domain (with --state: every domain in that state)",
    "define nothing; report what would change",
    "change domains that would be refused (say why anyway)",
    "where backups go (default: /var/lib/virt-nest/backups as root, else "
    "$XDG_STATE_HOME/virt-nest/backups)"};

// The run's context with enable's own -c/--hosts added: the hosts are the subject of
// --mode baseline, so they may follow the subcommand as with `baseline`.
CommandContext with_own_hosts(const EnableCliOptions& cli, const CommandContext& ctx) {
    CommandContext run = ctx;
    run.global.uris.insert(run.global.uris.end(), cli.uris.begin(), cli.uris.end());
    if (!cli.hosts_file.empty()) {
        if (!run.global.hosts_file.empty() && run.global.hosts_file != cli.hosts_file) {
            throw Error("enable takes one --hosts FILE", ExitCode::usage);
        }
        run.global.hosts_file = cli.hosts_file;
    }
    return run;
}

// --mode baseline: one CPU for every host given, computed (and checked on each) before any
// domain is read; any refusal ends the run here.
void plan_baseline(const EnableCliOptions& cli, const CommandContext& ctx, NestOptions& nest) {
    if (!cli.model.empty() || cli.feature != "auto") {
        throw Error("enable --mode baseline takes its model and features from the hosts; drop "
                    "--model and --feature",
                    ExitCode::usage);
    }
    nest.mode = CpuMode::custom;
    nest.baseline_cpu = cluster_baseline_cpu(resolve_uris(ctx.global));
}

ExitCode run_enable_disable(const EnableCliOptions& cli, Nesting nesting,
                            const CommandContext& outer) {
    const CommandContext ctx = with_own_hosts(cli, outer);
    refuse_read_only(ctx, nesting == Nesting::enable ? "enable" : "disable");
    EnableOptions options;
    apply_change_options(cli.change, options);
    options.colour = ctx.colour() && !cli.change.json;
    if (!cli.state.empty()) {
        options.selection.state = parse_state_filter(cli.state);
    }
    options.nest.nesting = nesting;
    require_selection(options.selection);
    if (cli.mode == "baseline") {
        plan_baseline(cli, ctx, options.nest);
    } else if (cli.mode != "auto") {
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
    ReportStyle report;
    report.verb = nesting == Nesting::enable ? "enable" : "disable";
    report.dry_run = options.dry_run;
    report.with_diff = options.diff;
    report.colour = options.colour;
    return run_observed(cli.change, ctx, std::string(report.verb), report,
                        [&](const Connection& conn, RunObserver& observer) {
                            // Before any domain is read: a misspelt model is one usage error.
                            if (options.nest.model) {
                                require_known_model(conn, *options.nest.model);
                            }
                            // Remedies name the host the run was given, so they act on it.
                            EnableOptions here = options;
                            if (!ctx.global.uris.empty() || !ctx.global.hosts_file.empty()) {
                                here.uri = here.nest.uri = conn.uri();
                            }
                            return enable_on(conn, here, observer);
                        });
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
                     "CPU mode: auto (host-passthrough where supported, else custom + feature); "
                     "baseline: one CPU every host given with -c/--hosts can run")
        ->check(CLI::IsMember({"auto", "host-passthrough", "host-model", "custom", "baseline"}));
    enable->add_option("-c,--connect", enable_cli->uris, "a host's libvirt URI (repeatable)")
        ->type_name("URI")
        ->allow_extra_args(false); // one URI per -c: the selectors follow
    enable->add_option("--hosts", enable_cli->hosts_file, "read more URIs from FILE, one a line")
        ->type_name("FILE");
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
