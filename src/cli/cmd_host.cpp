// SPDX-License-Identifier: GPL-2.0-or-later
// `virt-nest host enable` and `host disable`: persist (and optionally apply) the KVM
// module's nested option, and with --tune its performance settings.
#include "cli/commands.hpp"
#include "virtnest/check/host_enable.hpp"
#include "virtnest/check/libvirt_verdict.hpp"
#include "virtnest/fleet/fleet_runner.hpp"
#include "virtnest/libvirt/connection.hpp"
#include "virtnest/util/error.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <optional>

namespace virtnest {
namespace {

struct HostEnableOptions {
    std::string root = "/";
    bool dry_run = false;
    bool reload = false;
    bool tune = false;
    bool disable = false;
};

std::vector<std::string> active_domains(const std::string& uri) {
    Connection conn = Connection::open(uri, /*read_only=*/true);
    std::vector<std::string> names;
    for (const Domain& domain : conn.list_all_domains()) {
        if (domain.state() != DomainState::shut_off) {
            names.push_back(domain.name());
        }
    }
    return names;
}

ExitCode run_host_enable_command(const CommandContext& ctx, const HostEnableOptions& options) {
    std::error_code ec;
    const std::string verb = options.disable ? "disable" : "enable";
    if (!std::filesystem::is_directory(options.root, ec)) {
        throw Error("cannot " + verb + " nesting under root \"" + options.root +
                    "\": not a directory");
    }
    std::filesystem::path root = std::filesystem::weakly_canonical(options.root, ec);
    if (options.reload && root != "/") {
        throw Error("cannot reload modules for root \"" + options.root +
                        "\": --reload works on the running system only",
                    ExitCode::usage);
    }
    // Its one host is this machine; a URI only names the libvirt asked for running VMs.
    std::vector<std::string> uris = resolve_uris(ctx.global);
    if (uris.size() > 1) {
        throw Error("host " + verb +
                        " changes this machine only: give at most one -c URI (its own "
                        "libvirt, asked for running VMs)",
                    ExitCode::usage);
    }
    if (is_remote_uri(uris.front())) {
        throw Error("host " + verb + " changes this machine only: \"" + uris.front() +
                        "\" is another host; run it there",
                    ExitCode::usage);
    }

    RootedHostFiles files(root);
    std::unique_ptr<ModuleLoader> loader = make_modprobe_loader();
    HostEnableTarget target;
    target.files = &files;
    target.loader = loader.get();
    HostEnableRequest request;
    request.root = root;
    request.dry_run = options.dry_run;
    request.reload = options.reload;
    request.tune = options.tune;
    request.disable = options.disable;
    std::optional<Error> failure;
    OutputOptions output;
    output.command = "host";
    ExitCode code =
        run_on_hosts(ctx.global, *ctx.out, *ctx.err, output, [&](const std::string& uri) {
            HostEnableTarget here = target;
            here.running_vms = [uri] { return active_domains(uri); };
            HostEnableOutcome done = apply_host_enable(request, here);
            failure = std::move(done.failure);
            RunOutcome outcome;
            outcome.exit_code = done.exit_code;
            outcome.text = std::move(done.text);
            return outcome;
        });
    if (failure) {
        throw *failure; // after the text, which says what was already written
    }
    return code;
}

// Bind the options `host enable` and `host disable` share.
void add_host_options(CLI::App& sub, HostEnableOptions& options) {
    sub.add_option("--root", options.root,
                   "work on the system below DIR (a mounted image) instead of /")
        ->type_name("DIR");
    sub.add_flag("--dry-run", options.dry_run,
                 "print the files it would write and the commands, change nothing");
    sub.add_flag("--reload", options.reload,
                 "unload and load the module now, only when no VM runs");
}

} // namespace

void setup_host(CLI::App& app, CommandContext& ctx) {
    auto* host = app.add_subcommand("host", "host-level settings for nesting");
    host->require_subcommand(1);
    auto options = std::make_shared<HostEnableOptions>();
    auto* enable = host->add_subcommand(
        "enable", "persist the KVM module's nested=1 for this CPU in /etc/modprobe.d, and "
                  "reload the module with --reload");
    add_host_options(*enable, *options);
    enable->add_flag("--tune", options->tune,
                     "also persist (and with --reload apply) the performance settings the CPU "
                     "supports: enable_shadow_vmcs, ept, enable_apicv (Intel); npt, avic (AMD)");
    enable->callback([&ctx, options] { ctx.exit_code = run_host_enable_command(ctx, *options); });
    auto disable_options = std::make_shared<HostEnableOptions>();
    disable_options->disable = true;
    auto* disable = host->add_subcommand(
        "disable", "persist the KVM module's nested=0 in /etc/modprobe.d so this machine never "
                   "offers nesting, and reload the module with --reload");
    add_host_options(*disable, *disable_options);
    disable->callback([&ctx, disable_options] {
        ctx.exit_code = run_host_enable_command(ctx, *disable_options);
    });
}

} // namespace virtnest
