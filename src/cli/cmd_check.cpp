// SPDX-License-Identifier: GPL-2.0-or-later
// `virt-nest check`: can this machine (host or guest), or a libvirt host, run nested guests?
#include "cli/commands.hpp"
#include "virtnest/check/check_render.hpp"
#include "virtnest/check/host_probe.hpp"
#include "virtnest/check/host_verdict.hpp"
#include "virtnest/check/libvirt_verdict.hpp"
#include "virtnest/fleet/fleet_runner.hpp"
#include "virtnest/libvirt/connection.hpp"
#include "virtnest/libvirt/domain_caps.hpp"
#include "virtnest/live/nest_target_cache.hpp"
#include "virtnest/util/error.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <ostream>

namespace virtnest {
namespace {

struct CheckOptions {
    std::string root = "/";
    bool json = false;
};

LibvirtFacts gather_libvirt_facts(const std::string& uri) {
    LibvirtFacts facts;
    facts.uri = uri;
    facts.remote = is_remote_uri(uri);
    std::optional<Connection> conn;
    try {
        // Read-only connections may not ask for domain capabilities.
        conn.emplace(Connection::open(uri, /*read_only=*/false));
    } catch (const Error& e) {
        facts.error = e.what();
        return facts;
    }
    facts.reachable = true;
    try {
        std::optional<std::string> xml = conn->domain_capabilities(CapsKey{"", "", "", "kvm"});
        if (!xml) {
            facts.domcaps_unsupported = true;
            return facts;
        }
        facts.kvm_caps = parse_domain_caps(*xml);
    } catch (const Error& e) {
        facts.kvm_caps_error = e.what();
        return facts;
    }
    const DomainCaps& caps = *facts.kvm_caps;
    if (caps.host_model_supported) {
        try {
            facts.expanded_features = expanded_host_model_features(
                *conn, CapsKey{caps.emulator, caps.arch, caps.machine, "kvm"}, caps);
        } catch (const Error& e) {
            facts.baseline_error = e.what();
        }
    }
    return facts;
}

std::filesystem::path checked_root(const std::string& root) {
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec)) {
        throw Error("cannot check root \"" + root + "\": not a directory");
    }
    return std::filesystem::weakly_canonical(root, ec);
}

CheckReport local_report(const std::filesystem::path& root, const std::string& shown_root) {
    CheckReport report;
    RootedHostFiles files(root);
    report.checks = host_checks(probe_host(files));
    report.target = root == "/" ? "/ (this machine)" : "root " + shown_root;
    return report;
}

// What every host of one `check` run shares.
struct CheckRun {
    std::filesystem::path root;
    std::string shown_root;     // --root as given
    bool explicit_uris = false; // -c or --hosts named the hosts; else libvirt's default
    bool colour = false;
};

// The report of one host: its files (unless the URI names another machine) and libvirt's
// view (unless --root names another system and no URI was given).
CheckReport check_report(const CheckRun& run, const std::string& uri) {
    if (!run.explicit_uris && run.root != "/") {
        CheckReport report = local_report(run.root, run.shown_root);
        report.notes.push_back("libvirt's view skipped: --root names another system; add "
                               "-c URI to ask its daemon");
        return report;
    }
    CheckReport report;
    if (is_remote_uri(uri)) {
        report.target = uri;
        report.notes.push_back("local checks skipped: \"" + uri +
                               "\" is another host, whose /proc and /sys are out of "
                               "reach; libvirt's view stands for them");
    } else {
        report = local_report(run.root, run.shown_root);
        if (run.explicit_uris) {
            report.target += " via " + uri;
        }
    }
    std::vector<Check> view = libvirt_checks(gather_libvirt_facts(uri));
    report.checks.insert(report.checks.end(), view.begin(), view.end());
    return report;
}

ExitCode run_check(const CommandContext& ctx, const CheckOptions& options) {
    CheckRun run;
    run.root = checked_root(options.root);
    run.shown_root = options.root;
    run.explicit_uris = !ctx.global.uris.empty() || !ctx.global.hosts_file.empty();
    run.colour = ctx.out_is_terminal;
    return run_on_hosts(
        ctx.global, *ctx.out, *ctx.err, options.json, [&run](const std::string& uri) {
            CheckReport report = check_report(run, uri);
            RunOutcome outcome;
            outcome.exit_code = is_ready(report.checks) ? ExitCode::ok : ExitCode::not_ready;
            outcome.text = render_text(report, run.colour);
            outcome.records = report_json(report);
            return outcome;
        });
}

} // namespace

void setup_check(CLI::App& app, CommandContext& ctx) {
    auto options = std::make_shared<CheckOptions>();
    auto* sub = app.add_subcommand(
        "check", "check whether this machine (host or guest), or a libvirt host, can run nested "
                 "guests; exit 0 when it can, 4 when it cannot");
    sub->add_option("--root", options->root,
                    "read /proc, /sys, /dev and /etc below DIR (a mounted image or fixture tree)")
        ->type_name("DIR");
    sub->add_flag("--json", options->json, "print one JSON document with every check");
    sub->callback([&ctx, options] { ctx.exit_code = run_check(ctx, *options); });
}

} // namespace virtnest
