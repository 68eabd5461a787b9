// `virt-nest host enable`: persist (and optionally apply) the KVM module's nested option.
#include "cli/commands.hpp"
#include "virtnest/check/host_enable.hpp"
#include "virtnest/check/libvirt_verdict.hpp"
#include "virtnest/libvirt/connection.hpp"
#include "virtnest/util/error.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>

namespace virtnest {
namespace {

struct HostEnableOptions {
    std::string root = "/";
    bool dry_run = false;
    bool reload = false;
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
    if (!std::filesystem::is_directory(options.root, ec)) {
        throw Error("cannot enable nesting under root \"" + options.root + "\": not a directory");
    }
    std::filesystem::path root = std::filesystem::weakly_canonical(options.root, ec);
    if (options.reload && root != "/") {
        throw Error("cannot reload modules for root \"" + options.root +
                        "\": --reload works on the running system only",
                    ExitCode::usage);
    }
    if (ctx.global.uris.size() > 1 || !ctx.global.hosts_file.empty()) {
        throw Error("host enable changes this machine only: give at most one -c URI (its own "
                    "libvirt, asked for running VMs)",
                    ExitCode::usage);
    }
    const std::string uri = ctx.global.uris.empty() ? std::string() : ctx.global.uris.front();
    if (is_remote_uri(uri)) {
        throw Error("host enable changes this machine only: \"" + uri +
                        "\" is another host; run it there",
                    ExitCode::usage);
    }

    RootedHostFiles files(root);
    std::unique_ptr<ModuleLoader> loader = make_modprobe_loader();
    HostEnableTarget target;
    target.files = &files;
    target.loader = loader.get();
    target.running_vms = [uri] { return active_domains(uri); };
    HostEnableRequest request;
    request.root = root;
    request.dry_run = options.dry_run;
    request.reload = options.reload;
    return run_host_enable(request, target, *ctx.out);
}

} // namespace

void setup_host(CLI::App& app, CommandContext& ctx) {
    auto* host = app.add_subcommand("host", "host-level settings for nesting");
    host->require_subcommand(1);
    auto options = std::make_shared<HostEnableOptions>();
    auto* enable = host->add_subcommand(
        "enable", "persist the KVM module's nested=1 for this CPU in /etc/modprobe.d, and "
                  "reload the module with --reload");
    enable
        ->add_option("--root", options->root,
                     "work on the system below DIR (a mounted image) instead of /")
        ->type_name("DIR");
    enable->add_flag("--dry-run", options->dry_run,
                     "print the files it would write and the commands, change nothing");
    enable->add_flag("--reload", options->reload,
                     "unload and load the module now, only when no VM runs");
    enable->callback([&ctx, options] { ctx.exit_code = run_host_enable_command(ctx, *options); });
}

} // namespace virtnest
